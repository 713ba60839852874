package ttstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/tts"
)

// Options tune the conformance suite. The zero value is the full suite.
type Options struct {
	// Sentence is what the basic cases speak; "" = a short Vietnamese sentence.
	Sentence string
	// Parallel is how many calls the concurrency case makes at once; 0 = 4.
	Parallel int
}

// Run is the conformance suite every engine passes: audio that is what its
// Format says at its SampleRate, cancellation honoured quickly, empty and
// hostile input handled, input limits enforced, concurrent calls safe, and
// optional capabilities that keep their promises.
func Run(t *testing.T, b tts.Backend, v tts.Voice) { RunWith(t, b, v, Options{}) }

// RunWith is Run with options.
func RunWith(t *testing.T, b tts.Backend, v tts.Voice, o Options) {
	t.Helper()
	if o.Sentence == "" {
		o.Sentence = "Hà Nội hôm nay trời nắng, nhiệt độ 35 độ C."
	}
	if o.Parallel == 0 {
		o.Parallel = 4
	}
	ctx := context.Background()

	t.Run("speaks", func(t *testing.T) {
		clip, err := b.Synthesize(ctx, o.Sentence, v)
		if err != nil {
			t.Fatalf("Synthesize: %v", err)
		}
		checkClip(t, clip)
	})

	t.Run("different text, different audio", func(t *testing.T) {
		a, err := b.Synthesize(ctx, "Một.", v)
		if err != nil {
			t.Fatal(err)
		}
		c, err := b.Synthesize(ctx, "Giá xăng giảm nhẹ trong phiên sáng nay.", v)
		if err != nil {
			t.Fatal(err)
		}
		if string(a.Audio) == string(c.Audio) {
			t.Fatal("two different sentences gave identical audio")
		}
	})

	t.Run("cancelled before start", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		start := time.Now()
		_, err := b.Synthesize(cctx, o.Sentence, v)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("returned after %v", d)
		}
	})

	t.Run("cancelled in flight", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		clip, err := b.Synthesize(cctx, strings.Repeat(o.Sentence+" ", 10), v)
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("returned %v after the cancel", d)
		}
		switch {
		case err == nil:
			checkClip(t, clip) // finished before the cancel landed
		case !errors.Is(err, context.Canceled):
			t.Fatalf("err = %v, want context.Canceled or a clip", err)
		}
	})

	t.Run("empty text", func(t *testing.T) {
		for _, text := range []string{"", " \n\t "} {
			clip, err := b.Synthesize(ctx, text, v)
			if err != nil {
				if !errors.Is(err, tts.ErrInvalid) {
					t.Errorf("Synthesize(%q): %v, want ErrInvalid or a clip", text, err)
				}
				continue
			}
			if verr := clip.Validate(); verr != nil {
				t.Errorf("Synthesize(%q): %v", text, verr)
			}
		}
	})

	t.Run("hostile text", func(t *testing.T) {
		for _, text := range []string{
			"-v en --stdout /etc/passwd",
			"--help",
			"<speak>Xin chào</speak> & <mark name=\"x\"/> \"quote\" 'apos'",
			"Chữ\x00 có\x1b[31m ký tự\x07 điều khiển\r\n.",
			"$(touch /tmp/loa-pwned) `id`; rm -rf / | cat",
		} {
			clip, err := b.Synthesize(ctx, text, v)
			if err != nil {
				if !errors.Is(err, tts.ErrInvalid) {
					t.Errorf("Synthesize(%q): %v, want a clip or ErrInvalid", text, err)
				}
				continue
			}
			checkClip(t, clip)
		}
	})

	t.Run("input limit", func(t *testing.T) {
		lim, ok := b.(tts.InputLimiter)
		if !ok || lim.InputLimit() == (tts.Limit{}) {
			t.Skip("backend declares no input limit")
		}
		l := lim.InputLimit()
		// Over both limits: a rune is at least one byte.
		n := max(l.MaxRunes, l.MaxBytes) + 1
		long := strings.Repeat("Việt Nam. ", n/utf8.RuneCountInString("Việt Nam. ")+1)
		_, err := b.Synthesize(ctx, long, v)
		if !tts.IsTooLong(err) {
			t.Fatalf("%d-byte text over limit %+v: err = %v, want ErrTextTooLong", len(long), l, err)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, o.Parallel)
		for i := range o.Parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				clip, err := b.Synthesize(ctx, fmt.Sprintf("Câu số %d của bài.", i+1), v)
				if err == nil {
					err = clip.Validate()
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("lists voices", func(t *testing.T) {
		l, ok := b.(tts.VoiceLister)
		if !ok {
			t.Skip("backend does not list voices")
		}
		infos, err := l.Voices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) == 0 {
			t.Fatal("no voices")
		}
		found := v.Name == ""
		for _, vi := range infos {
			if vi.Name == "" {
				t.Errorf("voice without a name: %+v", vi)
			}
			if strings.EqualFold(vi.Name, v.Name) {
				found = true
			}
		}
		if !found {
			t.Errorf("voice %q under test is not in the backend's list", v.Name)
		}
	})

	t.Run("word marks", func(t *testing.T) {
		m, ok := b.(tts.Marker)
		if !ok || !m.WordMarks() {
			t.Skip("backend gives no word marks")
		}
		mv := v
		mv.Options = map[string]string{tts.OptionMarks: tts.MarksWord}
		for k, val := range v.Options {
			mv.Options[k] = val
		}
		clip, err := b.Synthesize(ctx, o.Sentence, mv)
		if err != nil {
			t.Fatal(err)
		}
		checkClip(t, clip)
		if len(clip.Marks) < 2 {
			t.Fatalf("got %d marks for %q", len(clip.Marks), o.Sentence)
		}
		dur := clip.Duration()
		for i, mk := range clip.Marks {
			if mk.End < mk.Start || mk.Start < 0 {
				t.Errorf("mark %d %+v: end before start", i, mk)
			}
			if i > 0 && (mk.Offset < clip.Marks[i-1].Offset || mk.Start < clip.Marks[i-1].Start) {
				t.Errorf("mark %d %+v goes backwards", i, mk)
			}
			if dur > 0 && mk.Start > dur {
				t.Errorf("mark %d starts at %v, after the clip's %v", i, mk.Start, dur)
			}
			if mk.Offset < 0 || mk.Offset >= len([]rune(o.Sentence)) {
				t.Errorf("mark %d offset %d outside the text", i, mk.Offset)
			}
		}
	})
}

func checkClip(t *testing.T, c tts.Clip) {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("clip: %v", err)
	}
	if c.SampleRate <= 0 {
		t.Fatalf("clip of format %s does not declare its sample rate", c.Format)
	}
	if d := c.Duration(); c.Format != tts.FormatMP3 && d < 50*time.Millisecond {
		t.Fatalf("clip lasts only %v", d)
	}
	if len(c.Audio) < 200 {
		t.Fatalf("clip is only %d bytes", len(c.Audio))
	}
}
