// Package espeak is the embedded default engine: espeak-ng run as a
// subprocess per clip, with text on stdin and a WAV read from stdout.
//
// Registered as "espeak". Settings: "binary" (default "espeak-ng"),
// "workers" (processes at once; default the number of CPUs), "max_runes"
// (input limit; default 20000).
package espeak

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/vendorhttp"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
)

func init() {
	tts.Register("espeak", func(cfg map[string]string) (tts.Backend, error) {
		s := vendorhttp.NewSettings(cfg)
		c := Config{
			Binary:   s.String("binary", ""),
			Workers:  s.Int("workers", 0),
			MaxRunes: s.Int("max_runes", 0),
		}
		if err := s.Err(); err != nil {
			return nil, err
		}
		return New(c)
	})
}

// Config for the espeak-ng engine. Zero values mean the defaults.
type Config struct {
	Binary   string // executable name or path; "" = "espeak-ng"
	Workers  int    // espeak-ng processes running at once; 0 = runtime.NumCPU()
	MaxRunes int    // input limit per clip; 0 = 20000 (about 20 minutes of speech)
}

// DefaultWPM is espeak-ng's own default speed (its help text; the man page
// says 160), used as "rate 1".
const DefaultWPM = 175

// SampleRate is what espeak-ng writes with --stdout.
const SampleRate = 22050

// Backend runs espeak-ng.
type Backend struct {
	bin      string
	sem      chan struct{}
	maxRunes int
}

var (
	_ tts.Backend      = (*Backend)(nil)
	_ tts.VoiceLister  = (*Backend)(nil)
	_ tts.InputLimiter = (*Backend)(nil)
	_ tts.Pinger       = (*Backend)(nil)
)

// New checks that the binary exists and returns the engine.
func New(cfg Config) (*Backend, error) {
	if cfg.Binary == "" {
		cfg.Binary = "espeak-ng"
	}
	bin, err := exec.LookPath(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("espeak: %w", err)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.MaxRunes <= 0 {
		cfg.MaxRunes = 20000
	}
	return &Backend{bin: bin, sem: make(chan struct{}, cfg.Workers), maxRunes: cfg.MaxRunes}, nil
}

// InputLimit bounds one process's work, not espeak-ng itself.
func (b *Backend) InputLimit() tts.Limit { return tts.Limit{MaxRunes: b.maxRunes} }

// RequestTimeout tells the catalog how long one call may take: espeak-ng
// speaks a sentence in tens of milliseconds and the longest accepted chunk
// in a few seconds, so a call still running after this is stuck, and is
// better killed and retried than waited on for a cloud engine's minute.
func (b *Backend) RequestTimeout() time.Duration { return 20 * time.Second }

// voiceNameRE keeps voice names to what espeak-ng voice ids look like, so a
// name can never be read as an option.
var voiceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_+./-]{0,63}$`)

// Synthesize runs one espeak-ng process. The text goes to stdin, never to
// the command line, and no shell is involved.
func (b *Backend) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	if err := ctx.Err(); err != nil {
		return tts.Clip{}, err
	}
	text = clean(text)
	if err := vendorhttp.CheckText(text); err != nil {
		return tts.Clip{}, fmt.Errorf("espeak: %w", err)
	}
	if err := b.InputLimit().Check(text); err != nil {
		return tts.Clip{}, fmt.Errorf("espeak: %w", err)
	}
	voice := v.Name
	if voice == "" {
		voice = "vi"
	}
	if !voiceNameRE.MatchString(voice) {
		return tts.Clip{}, fmt.Errorf("espeak: voice %q: %w", voice, tts.ErrUnknownVoice)
	}
	select {
	case b.sem <- struct{}{}:
		defer func() { <-b.sem }()
	case <-ctx.Done():
		return tts.Clip{}, ctx.Err()
	}

	args := []string{"-v", voice, "-s", strconv.Itoa(wpm(v.Rate)), "-p", strconv.Itoa(pitch(v.Pitch)), "-b", "1", "--stdout"}
	cmd := exec.CommandContext(ctx, b.bin, args...)
	// Do not wait forever on pipes a killed engine left to its children.
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdin = strings.NewReader(text)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return tts.Clip{}, fmt.Errorf("espeak: %w", ctx.Err())
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "voice does not exist") {
			return tts.Clip{}, &tts.Error{Kind: tts.ErrUnknownVoice, Message: fmt.Sprintf("voice %q: %s", voice, msg)}
		}
		return tts.Clip{}, &tts.Error{Kind: tts.ErrUnavailable, Message: "espeak-ng failed: " + vendorhttp.Truncate(msg, 300), Err: err}
	}
	// --stdout cannot seek back, so the RIFF and data sizes are placeholders
	// (0x7ffff024 / 0x7ffff000); we read to EOF and write the real sizes.
	audio := stdout.Bytes()
	if err := wav.FixSizes(audio); err != nil {
		return tts.Clip{}, fmt.Errorf("espeak-ng output: %v: %w", err, tts.ErrBadAudio)
	}
	info, _ := wav.Parse(audio)
	return tts.Clip{Audio: audio, Format: tts.FormatWAV, SampleRate: info.SampleRate}, nil
}

// clean turns control characters into spaces (espeak-ng would otherwise
// read some of them as commands, e.g. SSML-ish escapes) and drops invalid
// UTF-8.
func clean(s string) string {
	s = strings.ToValidUTF8(s, " ")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
}

// wpm maps the rate multiplier onto espeak-ng's words per minute, within
// the range it honours (it clamps silently outside 80–450).
func wpm(rate float64) int {
	if rate <= 0 {
		rate = 1
	}
	return int(math.Round(min(max(DefaultWPM*rate, 80), 450)))
}

// pitch maps semitones onto espeak-ng's 0–99 pitch scale (50 = default);
// about 2.5 steps per semitone sounds right across Vietnamese voices.
func pitch(semitones float64) int {
	return int(math.Round(min(max(50+semitones*2.5, 0), 99)))
}

// Voices parses `espeak-ng --voices`.
func (b *Backend) Voices(ctx context.Context) ([]tts.VoiceInfo, error) {
	out, err := exec.CommandContext(ctx, b.bin, "--voices").Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &tts.Error{Kind: tts.ErrUnavailable, Message: "espeak-ng --voices", Err: err}
	}
	return parseVoices(out)
}

// parseVoices reads the table
//
//	Pty Language       Age/Gender VoiceName          File                 Other Languages
//	 5  vi              --/M      Vietnamese_(Northern) aav/vi
func parseVoices(out []byte) ([]tts.VoiceInfo, error) {
	var infos []tts.VoiceInfo
	sc := bufio.NewScanner(bytes.NewReader(out))
	header := true
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if header {
			if len(f) < 2 || f[0] != "Pty" {
				return nil, errors.New("espeak-ng --voices: unexpected header")
			}
			header = false
			continue
		}
		if len(f) < 4 {
			continue
		}
		vi := tts.VoiceInfo{Name: f[1], Language: bcp47(f[1]), Description: strings.ReplaceAll(f[3], "_", " "), SampleRate: SampleRate}
		if _, g, ok := strings.Cut(f[2], "/"); ok {
			switch g {
			case "M":
				vi.Gender = "male"
			case "F":
				vi.Gender = "female"
			}
		}
		infos = append(infos, vi)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(infos) == 0 {
		return nil, errors.New("espeak-ng --voices: no voices installed")
	}
	return infos, nil
}

// bcp47 turns espeak's "vi-vn-x-central" into "vi-VN-x-central".
func bcp47(id string) string {
	parts := strings.Split(id, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "x" {
			break
		}
		if len(parts[i]) == 2 {
			parts[i] = strings.ToUpper(parts[i])
		}
	}
	return strings.Join(parts, "-")
}

// Ping runs espeak-ng --version.
func (b *Backend) Ping(ctx context.Context) error {
	if err := exec.CommandContext(ctx, b.bin, "--version").Run(); err != nil {
		return &tts.Error{Kind: tts.ErrUnavailable, Message: "espeak-ng --version", Err: err}
	}
	return nil
}
