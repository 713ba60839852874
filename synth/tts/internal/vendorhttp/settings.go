package vendorhttp

import (
	"fmt"
	"strconv"
	"time"
)

// Settings reads typed values from an engine's settings map, collecting
// the first error so factories read like declarations.
type Settings struct {
	m   map[string]string
	err error
}

// NewSettings wraps cfg (nil is fine).
func NewSettings(cfg map[string]string) *Settings { return &Settings{m: cfg} }

// String returns cfg[k] or def.
func (s *Settings) String(k, def string) string {
	if v, ok := s.m[k]; ok && v != "" {
		return v
	}
	return def
}

// Int returns cfg[k] parsed, or def.
func (s *Settings) Int(k string, def int) int {
	v, ok := s.m[k]
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("setting %s: %q is not an integer", k, v)
	}
	return n
}

// Duration returns cfg[k] parsed ("2s" or bare seconds), or def.
func (s *Settings) Duration(k string, def time.Duration) time.Duration {
	v, ok := s.m[k]
	if !ok || v == "" {
		return def
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Duration(f * float64(time.Second))
	}
	if s.err == nil {
		s.err = fmt.Errorf("setting %s: %q is not a duration", k, v)
	}
	return def
}

// Err is the first parse error.
func (s *Settings) Err() error { return s.err }
