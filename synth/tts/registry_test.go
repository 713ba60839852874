package tts_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

func TestRegistry(t *testing.T) {
	fake := &ttstest.Fake{}
	tts.Register("zz-test-registry", func(cfg map[string]string) (tts.Backend, error) {
		if cfg["fail"] != "" {
			return nil, errors.New("refused")
		}
		return fake, nil
	})
	if !slices.IsSorted(tts.Backends()) || !slices.Contains(tts.Backends(), "zz-test-registry") {
		t.Fatalf("Backends() = %v", tts.Backends())
	}
	b, err := tts.Open("zz-test-registry", nil)
	if err != nil || b != fake {
		t.Fatalf("Open = %v, %v", b, err)
	}
	if _, err := tts.Open("zz-test-registry", map[string]string{"fail": "1"}); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("factory error lost: %v", err)
	}
	_, err = tts.Open("nope", nil)
	if err == nil || err.Error() != `tts: unknown backend "nope" (forgotten import?)` {
		t.Fatalf("err = %v", err)
	}
	for name, f := range map[string]tts.Factory{"zz-test-registry": func(map[string]string) (tts.Backend, error) { return fake, nil }, "zz-nil": nil} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", name)
				}
			}()
			tts.Register(name, f)
		}()
	}
}

func TestUnderlying(t *testing.T) {
	fake := &ttstest.Fake{}
	b := tts.WithRetry(tts.WithBreaker(tts.WithLimit(tts.WithTimeout(fake, 1), tts.LimitConfig{}), tts.BreakerConfig{}), tts.RetryConfig{})
	if tts.Underlying(b) != tts.Backend(fake) {
		t.Fatalf("Underlying = %T", tts.Underlying(b))
	}
	if _, err := b.Synthesize(context.Background(), "x", tts.Voice{}); err == nil {
		t.Fatal("1ns timeout did not fire") // proves WithTimeout(…, 1) is in the chain
	}
}
