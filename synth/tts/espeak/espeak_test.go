package espeak

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/testenv"
	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

func newBackend(t testing.TB, cfg Config) *Backend {
	t.Helper()
	testenv.LookPath(t, "espeak-ng")
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformance(t *testing.T) {
	b := newBackend(t, Config{})
	for _, name := range []string{"vi", "vi-vn-x-central", "vi-vn-x-south"} {
		t.Run(name, func(t *testing.T) {
			ttstest.Run(t, b, tts.Voice{Name: name, Language: "vi-VN"})
		})
	}
}

func TestRegistered(t *testing.T) {
	testenv.LookPath(t, "espeak-ng")
	b, err := tts.Open("espeak", map[string]string{"workers": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.(*Backend); !ok {
		t.Fatalf("Open gave %T", b)
	}
	if _, err := tts.Open("espeak", map[string]string{"workers": "many"}); err == nil {
		t.Fatal("a bad workers setting was accepted")
	}
}

func TestWAVFromStdout(t *testing.T) {
	b := newBackend(t, Config{})
	clip, err := b.Synthesize(context.Background(), "Xin chào Việt Nam.", tts.Voice{Name: "vi"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := wav.Parse(clip.Audio)
	if err != nil {
		t.Fatal(err)
	}
	if info.SampleRate != SampleRate || clip.SampleRate != SampleRate || info.Channels != 1 {
		t.Fatalf("info %+v, clip rate %d", info, clip.SampleRate)
	}
	if info.SizesPlaceholder {
		t.Fatal("placeholder sizes were not replaced by the real ones")
	}
	if d := info.Duration(); d < 500*time.Millisecond || d > 5*time.Second {
		t.Fatalf("duration %v for a four-word sentence", d)
	}
}

func TestUnknownVoice(t *testing.T) {
	b := newBackend(t, Config{})
	for _, name := range []string{"xx-nonexistent", "-v", "--stdout", "../../etc/passwd x"} {
		_, err := b.Synthesize(context.Background(), "Xin chào.", tts.Voice{Name: name})
		if !errors.Is(err, tts.ErrUnknownVoice) {
			t.Errorf("voice %q: err = %v, want ErrUnknownVoice", name, err)
		}
		if tts.Retryable(err) {
			t.Errorf("voice %q: an unknown voice must not be retried", name)
		}
	}
}

func TestRateAndPitch(t *testing.T) {
	b := newBackend(t, Config{})
	ctx := context.Background()
	text := "Giá xăng trong nước giảm nhẹ trong phiên giao dịch sáng nay."
	dur := func(v tts.Voice) time.Duration {
		clip, err := b.Synthesize(ctx, text, v)
		if err != nil {
			t.Fatal(err)
		}
		return clip.Duration()
	}
	normal, fast, slow := dur(tts.Voice{Name: "vi"}), dur(tts.Voice{Name: "vi", Rate: 1.6}), dur(tts.Voice{Name: "vi", Rate: 0.6})
	if !(fast < normal && normal < slow) {
		t.Fatalf("durations fast %v, normal %v, slow %v: rate not applied", fast, normal, slow)
	}
	low, err := b.Synthesize(ctx, text, tts.Voice{Name: "vi", Pitch: -8})
	if err != nil {
		t.Fatal(err)
	}
	high, err := b.Synthesize(ctx, text, tts.Voice{Name: "vi", Pitch: 8})
	if err != nil {
		t.Fatal(err)
	}
	if string(low.Audio) == string(high.Audio) {
		t.Fatal("pitch made no difference")
	}
}

func TestMappings(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want int
	}{{0, 175}, {1, 175}, {2, 350}, {0.1, 80}, {10, 450}} {
		if got := wpm(tc.rate); got != tc.want {
			t.Errorf("wpm(%v) = %d, want %d", tc.rate, got, tc.want)
		}
	}
	for _, tc := range []struct {
		st   float64
		want int
	}{{0, 50}, {4, 60}, {-4, 40}, {-100, 0}, {100, 99}} {
		if got := pitch(tc.st); got != tc.want {
			t.Errorf("pitch(%v) = %d, want %d", tc.st, got, tc.want)
		}
	}
	if got := clean("a\x00b\x1bc\nd\u2028e"); got != "a b c d e" {
		t.Errorf("clean = %q", got)
	}
}

func TestParseVoices(t *testing.T) {
	out := []byte(`Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  vi              --/M      Vietnamese_(Northern) aav/vi
 5  vi-vn-x-central --/M      Vietnamese_(Central) aav/vi-VN-x-central
 5  en-gb           --/F      English_(Great_Britain) gmw/en            (en 2)
`)
	infos, err := parseVoices(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []tts.VoiceInfo{
		{Name: "vi", Language: "vi", Gender: "male", Description: "Vietnamese (Northern)", SampleRate: SampleRate},
		{Name: "vi-vn-x-central", Language: "vi-VN-x-central", Gender: "male", Description: "Vietnamese (Central)", SampleRate: SampleRate},
		{Name: "en-gb", Language: "en-GB", Gender: "female", Description: "English (Great Britain)", SampleRate: SampleRate},
	}
	if fmt.Sprint(infos) != fmt.Sprint(want) {
		t.Fatalf("got %+v\nwant %+v", infos, want)
	}
	if _, err := parseVoices([]byte("garbage\n")); err == nil {
		t.Fatal("garbage parsed")
	}
}

func TestInstalledVietnameseVoices(t *testing.T) {
	b := newBackend(t, Config{})
	infos, err := b.Voices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, vi := range infos {
		have[vi.Name] = true
	}
	for _, want := range []string{"vi", "vi-vn-x-central", "vi-vn-x-south"} {
		if !have[want] {
			t.Errorf("espeak-ng does not list %s", want)
		}
	}
}

func TestWorkersBoundProcesses(t *testing.T) {
	b := newBackend(t, Config{Workers: 1})
	b.sem <- struct{}{} // the only worker is busy
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := b.Synthesize(ctx, "Xin chào.", tts.Voice{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second clip did not wait for the worker: %v", err)
	}
	<-b.sem
	if _, err := b.Synthesize(context.Background(), "Xin chào.", tts.Voice{}); err != nil {
		t.Fatalf("worker freed: %v", err)
	}
}

// BenchmarkThroughput reports espeak-ng characters per second of input
// with 1 and 2 workers synthesizing a news article's sentences in parallel.
func BenchmarkThroughput(b *testing.B) {
	sentences := []string{
		"Hà Nội hôm nay trời nắng, nhiệt độ cao nhất 35 độ C.",
		"Giá xăng trong nước giảm nhẹ trong phiên giao dịch sáng nay.",
		"Ngân hàng Nhà nước giữ nguyên lãi suất điều hành trong tháng thứ ba liên tiếp.",
		"Đội tuyển Việt Nam thắng hai không trong trận giao hữu tối qua.",
		"Bộ Y tế khuyến cáo người dân tiêm vắc xin cúm trước mùa đông.",
		"Thành phố Hồ Chí Minh mở thêm ba tuyến xe buýt điện từ tháng sau.",
	}
	chars := 0
	for _, s := range sentences {
		chars += utf8.RuneCountInString(s)
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			be := newBackend(b, Config{Workers: workers})
			start := time.Now()
			for b.Loop() {
				var wg sync.WaitGroup
				for _, s := range sentences {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if _, err := be.Synthesize(context.Background(), s, tts.Voice{Name: "vi"}); err != nil {
							b.Error(err)
						}
					}()
				}
				wg.Wait()
			}
			b.ReportMetric(float64(chars*b.N)/time.Since(start).Seconds(), "chars/s")
		})
	}
}
