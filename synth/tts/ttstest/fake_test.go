package ttstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/tts"
)

func TestFakeConforms(t *testing.T) {
	Run(t, &Fake{Limit: tts.Limit{MaxRunes: 500}}, tts.Voice{Name: "vi"})
}

func TestFakeScript(t *testing.T) {
	f := &Fake{SampleRate: 24000}
	ctx := context.Background()
	f.Push(Step{Err: RateLimited(time.Second)}, Step{Err: ServerError()})
	if _, err := f.Synthesize(ctx, "a", tts.Voice{}); !errors.Is(err, tts.ErrRateLimited) {
		t.Fatalf("step 1: %v", err)
	}
	if _, err := f.Synthesize(ctx, "b", tts.Voice{}); !errors.Is(err, tts.ErrUnavailable) {
		t.Fatalf("step 2: %v", err)
	}
	c1, err := f.Synthesize(ctx, "c", tts.Voice{Name: "x"})
	if err != nil || c1.SampleRate != 24000 {
		t.Fatalf("after script: %v", err)
	}
	c2, _ := f.Synthesize(ctx, "c", tts.Voice{Name: "x"})
	if string(c1.Audio) != string(c2.Audio) {
		t.Fatal("same text and voice, different audio")
	}
	f.FailAlways(Step{Err: Unauthorized()})
	for range 3 {
		if _, err := f.Synthesize(ctx, "d", tts.Voice{}); !errors.Is(err, tts.ErrAuth) {
			t.Fatalf("FailAlways: %v", err)
		}
	}
	f.Heal()
	if _, err := f.Synthesize(ctx, "e", tts.Voice{}); err != nil {
		t.Fatal(err)
	}
	if f.Calls() != 8 || len(f.Texts()) != 8 || f.Texts()[2] != "c" || f.VoiceNames()[2] != "x" {
		t.Fatalf("calls %d texts %v", f.Calls(), f.Texts())
	}
	f.Push(Step{Hang: true})
	hctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := f.Synthesize(hctx, "f", tts.Voice{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v", err)
	}
	f.Reset()
	if f.Calls() != 0 {
		t.Fatal("Reset kept calls")
	}
}

func TestToneLengthFollowsText(t *testing.T) {
	short := tts.Clip{Audio: ToneFor("Một.", tts.Voice{}, 22050), Format: tts.FormatWAV}
	long := tts.Clip{Audio: ToneFor("Một câu dài hơn nhiều so với câu trước.", tts.Voice{}, 22050), Format: tts.FormatWAV}
	fast := tts.Clip{Audio: ToneFor("Một câu dài hơn nhiều so với câu trước.", tts.Voice{Rate: 2}, 22050), Format: tts.FormatWAV}
	if !(short.Duration() < fast.Duration() && fast.Duration() < long.Duration()) {
		t.Fatalf("durations %v %v %v", short.Duration(), fast.Duration(), long.Duration())
	}
}
