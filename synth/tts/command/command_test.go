package command

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/testenv"
	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

// The test binary doubles as a small speech engine (the helper-process
// pattern of os/exec's own tests): with LOA_FAKE_ENGINE set it reads text
// from stdin or a file and writes raw PCM, fails or hangs on request.
func TestMain(m *testing.M) {
	if mode := os.Getenv("LOA_FAKE_ENGINE"); mode != "" {
		os.Exit(fakeEngine(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeEngine(mode string, args []string) int {
	var voice, textFile, outFile string
	rate := 22050
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "--voice":
			voice = args[i+1]
		case "--text-file":
			textFile = args[i+1]
		case "--out":
			outFile = args[i+1]
		case "--rate":
			rate, _ = strconv.Atoi(args[i+1])
		}
	}
	var text string
	if textFile != "" {
		b, err := os.ReadFile(textFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		text = string(b)
	} else {
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		text = line
	}
	switch mode {
	case "fail":
		fmt.Fprintln(os.Stderr, "model file not found: /voices/"+voice+".onnx")
		return 3
	case "hang":
		time.Sleep(time.Minute)
	case "flood":
		chunk := make([]byte, 1<<20)
		for range 4 {
			os.Stdout.Write(chunk)
		}
		return 0
	case "nothing":
		return 0
	}
	pcm := wav.PCMBytes(ttstest.ToneSamples(strings.TrimSpace(text), tts.Voice{Name: voice}, rate))
	if outFile != "" {
		if err := os.WriteFile(outFile, pcm, 0o600); err != nil {
			return 4
		}
		return 0
	}
	os.Stdout.Write(pcm)
	return 0
}

func helper(t testing.TB, mode string, args ...string) []string {
	t.Helper()
	t.Setenv("LOA_FAKE_ENGINE", mode)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{exe}, args...)
}

func mustNew(t testing.TB, cfg Config) *Backend {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestConformanceEspeakStdout(t *testing.T) {
	testenv.LookPath(t, "espeak-ng")
	b, err := tts.Open("command", map[string]string{"command": `espeak-ng -v {voice} -b 1 --stdout`})
	if err != nil {
		t.Fatal(err)
	}
	ttstest.Run(t, b, tts.Voice{Name: "vi"})
}

func TestConformanceEspeakFiles(t *testing.T) {
	testenv.LookPath(t, "espeak-ng")
	b, err := tts.Open("command", map[string]string{"command": `["espeak-ng","-v","{voice}","-b","1","-f","{text_file}","-w","{output_file}"]`})
	if err != nil {
		t.Fatal(err)
	}
	ttstest.Run(t, b, tts.Voice{Name: "vi-vn-x-south"})
}

func TestConformancePiperStyleRawPCM(t *testing.T) {
	b := mustNew(t, Config{Command: helper(t, "ok", "--voice", "{voice}", "--rate", "16000"), Format: tts.FormatPCM, SampleRate: 16000})
	ttstest.Run(t, b, tts.Voice{Name: "vi_VN-vais1000-medium"})
	clip, err := b.Synthesize(context.Background(), "Xin chào.", tts.Voice{Name: "vi_VN-vais1000-medium"})
	if err != nil {
		t.Fatal(err)
	}
	if clip.Format != tts.FormatPCM || clip.SampleRate != 16000 || clip.Channels != 1 {
		t.Fatalf("clip %s %d %d", clip.Format, clip.SampleRate, clip.Channels)
	}
	want := wav.PCMBytes(ttstest.ToneSamples("Xin chào.", tts.Voice{Name: "vi_VN-vais1000-medium"}, 16000))
	if string(clip.Audio) != string(want) {
		t.Fatal("audio differs from what the engine wrote")
	}
}

func TestTextFileAndOutputFile(t *testing.T) {
	b := mustNew(t, Config{Command: helper(t, "ok", "--text-file", "{text_file}", "--out", "{output_file}"), Format: tts.FormatPCM, SampleRate: 22050})
	clip, err := b.Synthesize(context.Background(), "Một hai ba.", tts.Voice{})
	if err != nil {
		t.Fatal(err)
	}
	if string(clip.Audio) != string(wav.PCMBytes(ttstest.ToneSamples("Một hai ba.", tts.Voice{}, 22050))) {
		t.Fatal("the engine did not get the text through the file")
	}
}

func TestFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("exit status", func(t *testing.T) {
		b := mustNew(t, Config{Command: helper(t, "fail", "--voice", "{voice}"), Format: tts.FormatPCM, SampleRate: 22050})
		_, err := b.Synthesize(ctx, "Xin chào.", tts.Voice{Name: "vi_VN-x"})
		if !errors.Is(err, tts.ErrUnavailable) || !strings.Contains(err.Error(), "model file not found") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no output", func(t *testing.T) {
		b := mustNew(t, Config{Command: helper(t, "nothing"), Format: tts.FormatWAV})
		if _, err := b.Synthesize(ctx, "Xin chào.", tts.Voice{}); !errors.Is(err, tts.ErrBadAudio) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("runaway output", func(t *testing.T) {
		b := mustNew(t, Config{Command: helper(t, "flood"), Format: tts.FormatPCM, SampleRate: 22050, MaxOutput: 3 << 20})
		if _, err := b.Synthesize(ctx, "Xin chào.", tts.Voice{}); !errors.Is(err, tts.ErrBadAudio) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("hang is cancelled", func(t *testing.T) {
		b := mustNew(t, Config{Command: helper(t, "hang"), Format: tts.FormatPCM, SampleRate: 22050})
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := b.Synthesize(cctx, "Xin chào.", tts.Voice{}); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
	})
	t.Run("hostile voice", func(t *testing.T) {
		b := mustNew(t, Config{Command: helper(t, "ok", "--voice", "/voices/{voice}.onnx"), Format: tts.FormatPCM, SampleRate: 22050})
		for _, name := range []string{"-rf", "../../etc/passwd", "a b", "x;id"} {
			if _, err := b.Synthesize(ctx, "Xin chào.", tts.Voice{Name: name}); !errors.Is(err, tts.ErrUnknownVoice) {
				t.Errorf("voice %q: err = %v", name, err)
			}
		}
	})
}

func TestTemplates(t *testing.T) {
	for in, want := range map[string][]string{
		`piper --model "/my voices/vi.onnx" --output-raw`: {"piper", "--model", "/my voices/vi.onnx", "--output-raw"},
		`["piper","-m","{voice}"]`:                        {"piper", "-m", "{voice}"},
		`  espeak-ng   --stdout `:                         {"espeak-ng", "--stdout"},
		`a "" b`:                                          {"a", "", "b"},
	} {
		got, err := ParseTemplate(in)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
			t.Errorf("ParseTemplate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`a "b`, `["a",1]`} {
		if _, err := ParseTemplate(bad); err == nil {
			t.Errorf("ParseTemplate(%q) accepted", bad)
		}
	}
	for _, cfg := range []Config{
		{},
		{Command: []string{"{voice}"}},
		{Command: []string{"definitely-not-a-program-loa"}},
		{Command: []string{"true"}, Format: tts.FormatPCM},
		{Command: []string{"true"}, Format: "ogg"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}
