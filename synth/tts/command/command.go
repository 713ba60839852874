// Package command runs any local CLI speech engine (Piper, Coqui, RHVoice,
// espeak-ng…) described by an argument template, its output format and
// sample rate. No shell is involved: each template element is one argument.
//
// Registered as "command". Settings:
//
//	command      argv template, a JSON array (["piper","--model","/v/{voice}.onnx","--output-raw"])
//	             or a string split on spaces with "double quotes" grouping
//	format       wav (default), pcm (raw s16le mono) or mp3
//	sample_rate  required for pcm; checked against the header for wav
//	workers      processes at once; default the number of CPUs
//	max_runes    input limit; default 20000
//
// Placeholders inside arguments: {voice}, {language}, {rate} (multiplier),
// {length_scale} (1/rate, Piper's knob), {pitch} (semitones), {text_file}
// (the text is written there instead of to stdin) and {output_file} (audio
// is read from there instead of stdout).
package command

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	tts.Register("command", func(cfg map[string]string) (tts.Backend, error) {
		s := vendorhttp.NewSettings(cfg)
		argv, err := ParseTemplate(cfg["command"])
		if err != nil {
			return nil, err
		}
		c := Config{
			Command:    argv,
			Format:     tts.Format(s.String("format", "")),
			SampleRate: s.Int("sample_rate", 0),
			Workers:    s.Int("workers", 0),
			MaxRunes:   s.Int("max_runes", 0),
		}
		if err := s.Err(); err != nil {
			return nil, err
		}
		return New(c)
	})
}

// Config describes the engine. Zero values mean the defaults.
type Config struct {
	Command    []string   // argv template; Command[0] is looked up on PATH
	Format     tts.Format // "" = wav
	SampleRate int        // required for pcm
	Workers    int        // 0 = runtime.NumCPU()
	MaxRunes   int        // 0 = 20000
	MaxOutput  int        // bytes one clip may produce; 0 = DefaultMaxOutput
}

// DefaultMaxOutput bounds one clip (about 20 minutes at 48 kHz).
const DefaultMaxOutput = 128 << 20

// Backend runs the command once per clip.
type Backend struct {
	cfg      Config
	bin      string
	sem      chan struct{}
	textFile bool
	outFile  bool
}

var (
	_ tts.Backend      = (*Backend)(nil)
	_ tts.InputLimiter = (*Backend)(nil)
)

// New checks the template and that the program exists.
func New(cfg Config) (*Backend, error) {
	if len(cfg.Command) == 0 || cfg.Command[0] == "" {
		return nil, errors.New("command: empty command template")
	}
	if strings.Contains(cfg.Command[0], "{") {
		return nil, errors.New("command: the program name cannot be a placeholder")
	}
	bin, err := exec.LookPath(cfg.Command[0])
	if err != nil {
		return nil, fmt.Errorf("command: %w", err)
	}
	switch cfg.Format {
	case "":
		cfg.Format = tts.FormatWAV
	case tts.FormatWAV, tts.FormatMP3:
	case tts.FormatPCM:
		if cfg.SampleRate <= 0 {
			return nil, errors.New("command: format pcm needs sample_rate")
		}
	default:
		return nil, fmt.Errorf("command: format %q: use wav, pcm or mp3", cfg.Format)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	if cfg.MaxRunes <= 0 {
		cfg.MaxRunes = 20000
	}
	if cfg.MaxOutput <= 0 {
		cfg.MaxOutput = DefaultMaxOutput
	}
	b := &Backend{cfg: cfg, bin: bin, sem: make(chan struct{}, cfg.Workers)}
	for _, a := range cfg.Command[1:] {
		b.textFile = b.textFile || strings.Contains(a, "{text_file}")
		b.outFile = b.outFile || strings.Contains(a, "{output_file}")
	}
	return b, nil
}

// ParseTemplate reads a JSON array, or splits on spaces with double quotes
// grouping ("piper --model \"/my voices/vi.onnx\" --output-raw").
func ParseTemplate(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") {
		var argv []string
		if err := json.Unmarshal([]byte(s), &argv); err != nil {
			return nil, fmt.Errorf("command: template is not a JSON array of strings: %w", err)
		}
		return argv, nil
	}
	var argv []string
	var cur strings.Builder
	inQuote, have := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, have = !inQuote, true
		case unicode.IsSpace(r) && !inQuote:
			if have {
				argv = append(argv, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if inQuote {
		return nil, errors.New("command: unbalanced quote in template")
	}
	if have {
		argv = append(argv, cur.String())
	}
	return argv, nil
}

// InputLimit bounds one process's work.
func (b *Backend) InputLimit() tts.Limit { return tts.Limit{MaxRunes: b.cfg.MaxRunes} }

var voiceRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_+.@-]{0,127}$`)

// Synthesize runs the command once.
func (b *Backend) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	if err := ctx.Err(); err != nil {
		return tts.Clip{}, err
	}
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, " "))
	// One utterance: engines such as Piper treat each stdin line as a clip.
	text = strings.ReplaceAll(text, "\n", " ")
	if err := vendorhttp.CheckText(text); err != nil {
		return tts.Clip{}, fmt.Errorf("command: %w", err)
	}
	if err := b.InputLimit().Check(text); err != nil {
		return tts.Clip{}, fmt.Errorf("command: %w", err)
	}
	// A voice name becomes (part of) an argument or a path: keep it to a
	// plain identifier, never an option or a path traversal.
	if v.Name != "" && !voiceRE.MatchString(v.Name) {
		return tts.Clip{}, fmt.Errorf("command: voice %q: %w", v.Name, tts.ErrUnknownVoice)
	}
	if v.Language != "" && !voiceRE.MatchString(v.Language) {
		return tts.Clip{}, fmt.Errorf("command: language %q: %w", v.Language, tts.ErrInvalid)
	}
	select {
	case b.sem <- struct{}{}:
		defer func() { <-b.sem }()
	case <-ctx.Done():
		return tts.Clip{}, ctx.Err()
	}

	var dir string
	if b.textFile || b.outFile {
		var err error
		if dir, err = os.MkdirTemp("", "loa-tts-"); err != nil {
			return tts.Clip{}, fmt.Errorf("command: %w", err)
		}
		defer os.RemoveAll(dir)
	}
	rate := v.Rate
	if rate <= 0 {
		rate = 1
	}
	repl := strings.NewReplacer(
		"{voice}", v.Name, "{language}", v.Language,
		"{rate}", strconv.FormatFloat(rate, 'f', -1, 64),
		"{length_scale}", strconv.FormatFloat(1/rate, 'f', 3, 64),
		"{pitch}", strconv.FormatFloat(v.Pitch, 'f', -1, 64),
		"{text_file}", filepath.Join(dir, "input.txt"),
		"{output_file}", filepath.Join(dir, "output."+string(b.cfg.Format)),
	)
	args := make([]string, len(b.cfg.Command)-1)
	for i, a := range b.cfg.Command[1:] {
		args[i] = repl.Replace(a)
	}
	cmd := exec.CommandContext(ctx, b.bin, args...)
	// Do not wait forever on pipes a killed engine left to its children.
	cmd.WaitDelay = 5 * time.Second
	if b.textFile {
		if err := os.WriteFile(filepath.Join(dir, "input.txt"), []byte(text+"\n"), 0o600); err != nil {
			return tts.Clip{}, fmt.Errorf("command: %w", err)
		}
	} else {
		cmd.Stdin = strings.NewReader(text + "\n")
	}
	stdout, stderr := &capped{max: b.cfg.MaxOutput}, &capped{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return tts.Clip{}, fmt.Errorf("command: %w", ctx.Err())
	}
	if stdout.over {
		return tts.Clip{}, fmt.Errorf("command: output larger than %d bytes: %w", b.cfg.MaxOutput, tts.ErrBadAudio)
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.buf.String())
		return tts.Clip{}, &tts.Error{Kind: tts.ErrUnavailable, Message: filepath.Base(b.bin) + " failed: " + vendorhttp.Truncate(msg, 300), Err: err}
	}
	audio := stdout.buf.Bytes()
	if b.outFile {
		p := filepath.Join(dir, "output."+string(b.cfg.Format))
		if fi, err := os.Stat(p); err == nil && fi.Size() > int64(b.cfg.MaxOutput) {
			return tts.Clip{}, fmt.Errorf("command: output larger than %d bytes: %w", b.cfg.MaxOutput, tts.ErrBadAudio)
		}
		if audio, err = os.ReadFile(p); err != nil {
			return tts.Clip{}, fmt.Errorf("command: no output file: %v: %w", err, tts.ErrBadAudio)
		}
	}
	return b.clip(audio)
}

func (b *Backend) clip(audio []byte) (tts.Clip, error) {
	clip := tts.Clip{Audio: audio, Format: b.cfg.Format, SampleRate: b.cfg.SampleRate}
	switch b.cfg.Format {
	case tts.FormatWAV:
		if err := wav.FixSizes(audio); err != nil {
			return tts.Clip{}, fmt.Errorf("command: %v: %w", err, tts.ErrBadAudio)
		}
		info, _ := wav.Parse(audio)
		clip.SampleRate = info.SampleRate
	case tts.FormatPCM:
		clip.Channels = 1
	case tts.FormatMP3:
		rate, err := tts.ProbeMP3(audio)
		if err != nil {
			return tts.Clip{}, fmt.Errorf("command: %w", err)
		}
		clip.SampleRate = rate
	}
	if err := clip.Validate(); err != nil {
		return tts.Clip{}, fmt.Errorf("command: %w", err)
	}
	return clip, nil
}

// capped is a buffer that stops growing at max and remembers it overflowed,
// so a runaway engine cannot exhaust memory.
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.buf.Len(); len(p) > room {
		c.buf.Write(p[:max(room, 0)])
		c.over = true
		return len(p), nil // keep draining so the process is not blocked on a full pipe
	}
	return c.buf.Write(p)
}
