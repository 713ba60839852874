package tts

import (
	"fmt"
	"sort"
	"sync"
)

// Factory builds a backend from its settings (engine keys such as
// "base_url", "model", plus secrets filled in by the config loader). It
// returns an error, never a typed-nil Backend.
type Factory func(cfg map[string]string) (Backend, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Factory{}
)

// Register makes an engine available under name. Engines call it from
// init(); like sql.Register it panics on a nil factory or a duplicate name,
// because both are programming errors found at start-up.
func Register(name string, f Factory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if f == nil {
		panic("tts: Register factory is nil")
	}
	if _, dup := registry[name]; dup {
		panic("tts: Register called twice for backend " + name)
	}
	registry[name] = f
}

// Open builds a backend of the registered engine name.
func Open(name string, cfg map[string]string) (Backend, error) {
	registryMu.RLock()
	f, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("tts: unknown backend %q (forgotten import?)", name)
	}
	b, err := f(cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s backend: %w", name, err)
	}
	if b == nil {
		return nil, fmt.Errorf("open %s backend: factory returned nil", name)
	}
	return b, nil
}

// Backends returns the registered engine names, sorted.
func Backends() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
