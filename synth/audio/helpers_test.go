package audio

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loa-audio/loa/synth/testenv"
)

// run executes a tool found by testenv.LookPath and returns its stdout.
func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	path := testenv.LookPath(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// runStderr is run for tools that report on stderr (ffmpeg filters).
func runStderr(t testing.TB, name string, args ...string) string {
	t.Helper()
	path := testenv.LookPath(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stderr.String()
}

// espeak synthesises text with espeak-ng to a WAV on stdout (placeholder
// sizes); extra args set amplitude, speed or variant.
func espeak(t testing.TB, text string, extra ...string) []byte {
	t.Helper()
	args := append([]string{"-v", "vi", "--stdout"}, extra...)
	return run(t, "espeak-ng", append(args, text)...)
}

// sentence is one spoken unit of a test article.
type sentence struct {
	text  string
	kind  string
	block int
	voice []string // espeak-ng arguments
}

// built is an assembled test article.
type built struct {
	path     string
	layout   Layout
	segments []Segment // per sentence
	partOf   []int     // sentence → part index
}

// buildArticle runs the whole audio path the pipeline runs: espeak-ng →
// Decode → Prepare → EncodeSegment (two workers) → pauses → Assemble.
func buildArticle(t testing.TB, sentences []sentence, tags Tags, leadPause time.Duration) built {
	t.Helper()
	prof, err := Profile{}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	segs := synthesize(t, sentences, prof)
	var parts []Part
	partOf := make([]int, len(sentences))
	var pauses PauseSettings
	for i, s := range sentences {
		if i > 0 || leadPause > 0 {
			d := leadPause
			if i > 0 {
				prev := sentences[i-1]
				d = pauses.Between(prev.kind, s.kind, prev.block == s.block)
			}
			sil, err := Silence(prof, d)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, sil.Part())
		}
		partOf[i] = len(parts)
		parts = append(parts, segs[i].Part())
	}
	path := filepath.Join(t.TempDir(), "article.mp3")
	layout := writeArticle(t, path, parts, AssembleOptions{Profile: prof, Tags: tags})
	return built{path: path, layout: layout, segments: segs, partOf: partOf}
}

// synthesize runs espeak-ng and the clip path for every sentence on two
// workers, as the pipeline does.
func synthesize(t testing.TB, sentences []sentence, prof Profile) []Segment {
	t.Helper()
	segs := make([]Segment, len(sentences))
	errs := make([]error, len(sentences))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	espeakPath := testenv.LookPath(t, "espeak-ng")
	for i, s := range sentences {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			args := append(append([]string{"-v", "vi", "--stdout"}, s.voice...), s.text)
			wav, err := exec.CommandContext(context.Background(), espeakPath, args...).Output()
			if err != nil {
				errs[i] = err
				return
			}
			pcm, err := Decode(FormatWAV, wav, 0, 0)
			if err != nil {
				errs[i] = err
				return
			}
			segs[i], errs[i] = EncodeSegment(Prepare(pcm, PrepareOptions{SampleRate: prof.SampleRate}), prof)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("sentence %d: %v", i, err)
		}
	}
	return segs
}

func writeArticle(t testing.TB, path string, parts []Part, opts AssembleOptions) Layout {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	layout, err := Assemble(context.Background(), f, parts, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return layout
}

// buildArticleParallel is buildArticle without the bookkeeping, for timing.
func buildArticleParallel(t testing.TB, sentences []sentence) Layout {
	t.Helper()
	prof, _ := Profile{}.Resolve()
	segs := synthesize(t, sentences, prof)
	var parts []Part
	var pauses PauseSettings
	for i, s := range sentences {
		if i > 0 {
			sil, err := Silence(prof, pauses.Between(sentences[i-1].kind, s.kind, sentences[i-1].block == s.block))
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, sil.Part())
		}
		parts = append(parts, segs[i].Part())
	}
	return writeArticle(t, filepath.Join(t.TempDir(), "article.mp3"), parts, AssembleOptions{Profile: prof})
}
