package audio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/testenv"
)

// speechClip is a few seconds of real espeak-ng speech, prepared.
func speechClip(b testing.TB) PCM {
	b.Helper()
	wav, err := os.ReadFile(filepath.Join("testdata", "short.wav"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := Decode(FormatWAV, wav, 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	// Repeat to a sentence-like 4 s.
	var x []float32
	for len(x) < 4*p.Rate {
		x = append(x, p.Samples...)
	}
	return PCM{Samples: x, Rate: p.Rate}
}

// diskArticle writes segment files for an article of about d: one file per
// sentence (as the segment cache holds them) and in-memory pauses.
type diskArticle struct {
	Files  []string
	Frames []int
	Pause  int // frames of the pause between sentences
}

func makeDiskArticle(b testing.TB, dir string, d time.Duration) diskArticle {
	b.Helper()
	seg, err := EncodeSegment(Prepare(speechClip(b), PrepareOptions{}), Profile{})
	if err != nil {
		b.Fatal(err)
	}
	pause, err := Silence(Profile{}, 300*time.Millisecond)
	if err != nil {
		b.Fatal(err)
	}
	a := diskArticle{Pause: pause.Frames}
	for i := 0; time.Duration(len(a.Files))*(seg.Duration()+pause.Duration()) < d; i++ {
		path := filepath.Join(dir, fmt.Sprintf("seg%04d.mp3", i))
		if err := os.WriteFile(path, seg.MP3, 0o644); err != nil {
			b.Fatal(err)
		}
		a.Files = append(a.Files, path)
		a.Frames = append(a.Frames, seg.Frames)
	}
	return a
}

func (a diskArticle) parts(b testing.TB) []Part {
	b.Helper()
	pause, err := Silence(Profile{}, 300*time.Millisecond)
	if err != nil {
		b.Fatal(err)
	}
	var parts []Part
	for i, path := range a.Files {
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		parts = append(parts, Part{Frames: a.Frames[i], Size: st.Size(), Open: func(context.Context) (io.ReadCloser, error) {
			return os.Open(path)
		}})
		parts = append(parts, pause.Part())
	}
	return parts
}

// assemble writes the article; parts carry sizes the way the segment
// cache's index knows them, so no stat per file is timed.
func (a diskArticle) assemble(b testing.TB, parts []Part, out string) Layout {
	b.Helper()
	f, err := os.Create(out)
	if err != nil {
		b.Fatal(err)
	}
	l, err := Assemble(context.Background(), f, parts, AssembleOptions{Tags: Tags{Title: "Bài dài"}})
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return l
}

// copyFiles is the baseline: `cat segments > file`, pauses included.
func (a diskArticle) copyFiles(b testing.TB, out string) {
	b.Helper()
	pause, _ := Silence(Profile{}, 300*time.Millisecond)
	f, err := os.Create(out)
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range a.Files {
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(f, in); err != nil {
			b.Fatal(err)
		}
		in.Close()
		if _, err := f.Write(pause.MP3); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReassemble10Min re-assembles a 10-minute article from segment
// files and, in the same loop, copies the same files into one; it reports
// both and their ratio.
func BenchmarkReassemble10Min(b *testing.B) {
	dir := b.TempDir()
	a := makeDiskArticle(b, dir, 10*time.Minute)
	out := filepath.Join(dir, "out.mp3")
	parts := a.parts(b)
	var asm, cp time.Duration
	var l Layout
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		a.copyFiles(b, out)
		cp += time.Since(start)
		start = time.Now()
		l = a.assemble(b, parts, out)
		asm += time.Since(start)
	}
	b.ReportMetric(float64(asm.Microseconds())/float64(b.N)/1000, "assemble-ms/op")
	b.ReportMetric(float64(cp.Microseconds())/float64(b.N)/1000, "copy-ms/op")
	b.ReportMetric(float64(asm)/float64(cp), "ratio")
	b.ReportMetric(l.Duration.Minutes(), "audio-min")
	b.ReportMetric(float64(len(a.Files)), "segment-files")
}

// childEnv names the manifest a re-executed test binary assembles.
const childEnv = "LOA_AUDIO_ASSEMBLE_CHILD"

// TestAssembleChild is the child half of BenchmarkAssemble60MinPeakRSS:
// it only runs when the benchmark re-executes the test binary.
func TestAssembleChild(t *testing.T) {
	manifest := os.Getenv(childEnv)
	if manifest == "" {
		t.Skip("runs only as the child of BenchmarkAssemble60MinPeakRSS")
	}
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var a diskArticle
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	l := a.assemble(t, a.parts(t), manifest+".mp3")
	fmt.Printf("assembled %d frames, %d bytes, %s\n", l.Frames, l.Bytes, l.Duration)
}

// BenchmarkAssemble60MinPeakRSS assembles a 60-minute article in a child
// process and reports the child's peak resident set size.
func BenchmarkAssemble60MinPeakRSS(b *testing.B) {
	dir := b.TempDir()
	a := makeDiskArticle(b, dir, 60*time.Minute)
	manifest := filepath.Join(dir, "manifest.json")
	data, err := json.Marshal(a)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var peak int64
	for i := 0; i < b.N; i++ {
		cmd := exec.CommandContext(context.Background(), os.Args[0], "-test.run=^TestAssembleChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+manifest)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("child: %v\n%s", err, out)
		}
		ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			b.Skip("no rusage on this platform")
		}
		peak = max(peak, ru.Maxrss) // kilobytes on Linux
	}
	st, err := os.Stat(manifest + ".mp3")
	if err != nil {
		b.Fatal(err)
	}
	mb := float64(peak) / 1024
	b.ReportMetric(mb, "peak-RSS-MB")
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
	if mb > 64 {
		b.Errorf("peak RSS %.1f MB while assembling a 60-minute article, limit 64 MB", mb)
	}
}

// BenchmarkEncodeSegment reports encoder throughput in seconds of audio
// per second.
func BenchmarkEncodeSegment(b *testing.B) {
	p := Prepare(speechClip(b), PrepareOptions{})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := EncodeSegment(p, Profile{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(p.Duration().Seconds()*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}

// BenchmarkClipPath is the per-sentence work after the backend: decode a
// 22.05 kHz WAV, Prepare (resample, trim, loudness, limiter), encode.
func BenchmarkClipPath(b *testing.B) {
	src := speechClip(b)
	wav := floatWAV(src)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := Decode(FormatWAV, wav, 0, 0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := EncodeSegment(Prepare(p, PrepareOptions{}), Profile{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(src.Duration().Seconds()*float64(b.N)/b.Elapsed().Seconds(), "audio-s/s")
}

// BenchmarkSampleArticleVsNaive times the audio half of `loa synth` on the
// sample article's body (one espeak-ng run per sentence on two workers,
// Decode, Prepare, EncodeSegment, pauses, Assemble) against the naive
// pipeline `espeak-ng -v vi -f body.txt --stdout | lame -r …` on the same
// text, in the same loop, and reports the ratio.
func BenchmarkSampleArticleVsNaive(b *testing.B) {
	espeakPath := testenv.LookPath(b, "espeak-ng")
	lamePath := testenv.LookPath(b, "lame")
	text, err := os.ReadFile(filepath.Join("..", "..", "testdata", "samples", "ngaynay-trieu-tien-nga.txt"))
	if err != nil {
		testenv.Missing(b, "sample article: %v", err)
	}
	// The body: the paragraphs between the lead and the source line.
	lines := strings.Split(string(text), "\n")
	var paragraphs []string
	for _, l := range lines[6:] {
		if strings.HasPrefix(l, "Theo Reuters") {
			break
		}
		if l = strings.TrimSpace(l); l != "" {
			paragraphs = append(paragraphs, l)
		}
	}
	var sentences []sentence
	for i, p := range paragraphs {
		for _, s := range strings.SplitAfter(p, ". ") {
			sentences = append(sentences, sentence{text: strings.TrimSpace(s), kind: KindParagraph, block: i})
		}
	}
	dir := b.TempDir()
	body := filepath.Join(dir, "body.txt")
	if err := os.WriteFile(body, []byte(strings.Join(paragraphs, "\n")), 0o644); err != nil {
		b.Fatal(err)
	}
	naive := func() {
		ctx := context.Background()
		speak := exec.CommandContext(ctx, espeakPath, "-v", "vi", "-f", body, "--stdout")
		encode := exec.CommandContext(ctx, lamePath, "--silent", "-r", "-s", "22.05", "--bitwidth", "16", "--signed",
			"--little-endian", "-m", "m", "-b", "48", "--resample", "24", "-", filepath.Join(dir, "naive.mp3"))
		pipe, err := speak.StdoutPipe()
		if err != nil {
			b.Fatal(err)
		}
		encode.Stdin = pipe
		if err := encode.Start(); err != nil {
			b.Fatal(err)
		}
		if err := speak.Run(); err != nil {
			b.Fatal(err)
		}
		if err := encode.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	var loa, base time.Duration
	var l Layout
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		naive()
		base += time.Since(start)
		start = time.Now()
		l = buildArticleParallel(b, sentences)
		loa += time.Since(start)
	}
	b.ReportMetric(float64(loa.Milliseconds())/float64(b.N), "loa-ms/op")
	b.ReportMetric(float64(base.Milliseconds())/float64(b.N), "naive-ms/op")
	b.ReportMetric(float64(loa)/float64(base), "ratio")
	b.ReportMetric(l.Duration.Seconds(), "audio-s")
	b.ReportMetric(float64(len(sentences)), "sentences")
}
