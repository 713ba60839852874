package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/espeak"
)

// sampleResult holds the rows measured on the sample article.
type sampleResult struct {
	espeak, synth, first, ready Row
}

// spokenText is what Loa speaks for the sample article, one sentence per
// line, from Loa's own tools: `loa segment --html | loa normalize`. The
// naive pipelines read it so that both sides say the same words.
func (b *bench) spokenText(ctx context.Context) (path string, sentences []string, err error) {
	html, err := os.ReadFile(filepath.Join(b.cfg.Repo, sampleArticle))
	if err != nil {
		return "", nil, fmt.Errorf("sample article: %w", err)
	}
	seg := exec.CommandContext(ctx, b.loa, "segment", "--html")
	seg.Stdin, seg.Env = bytes.NewReader(html), b.env
	lines, err := runQuiet(seg)
	if err != nil {
		return "", nil, fmt.Errorf("loa segment: %w", err)
	}
	norm := exec.CommandContext(ctx, b.loa, "normalize")
	norm.Stdin, norm.Env = bytes.NewReader(lines), b.env
	spoken, err := runQuiet(norm)
	if err != nil {
		return "", nil, fmt.Errorf("loa normalize: %w", err)
	}
	for _, l := range strings.Split(string(spoken), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			sentences = append(sentences, l)
		}
	}
	if len(sentences) < 3 {
		return "", nil, fmt.Errorf("loa segment | loa normalize gave %d sentences for the sample article", len(sentences))
	}
	path = filepath.Join(b.work, "body.txt")
	return path, sentences, os.WriteFile(path, []byte(strings.Join(sentences, "\n")+"\n"), 0o644)
}

func (b *bench) sampleRows(ctx context.Context) sampleResult {
	res := sampleResult{espeak: rowEspeak, synth: rowSynth, first: rowFirstAudio, ready: rowReady}
	failAll := func(err error) sampleResult {
		return sampleResult{res.espeak.Failed(err), res.synth.Failed(err), res.first.Failed(err), res.ready.Failed(err)}
	}
	if err := b.needTools("espeak-ng"); err != nil {
		return failAll(err)
	}
	if err := b.buildErr["loa"]; err != nil {
		return failAll(err)
	}
	body, sentences, err := b.spokenText(ctx)
	if err != nil {
		return failAll(err)
	}
	if b.cfg.wants("espeak") {
		res.espeak = b.espeakRow(ctx, body, sentences)
	}
	if b.cfg.wants("synth") || b.cfg.wants("serve") {
		res.synth, res.first, res.ready = b.articleRounds(ctx, body)
	}
	return res
}

// espeakRow: Loa's espeak-ng backend synthesizing the sentences the way
// the pipeline does (one process per sentence, as many at once as the
// backend allows) against espeak-ng reading the whole text once.
func (b *bench) espeakRow(ctx context.Context, body string, sentences []string) Row {
	r := rowEspeak
	be, err := espeak.New(espeak.Config{})
	if err != nil {
		return r.Failed(err)
	}
	for i := range b.cfg.Runs {
		b.log.Info("measuring", "row", "espeak-ng synthesis", "run", i+1, "of", b.cfg.Runs)
		baseWall, baseAudio, err := espeakWhole(ctx, body)
		if err != nil {
			return r.Failed(err)
		}
		loaWall, loaAudio, err := synthesizeAll(ctx, be, sentences)
		if err != nil {
			return r.Failed(err)
		}
		r.Base = append(r.Base, baseWall.Seconds()/baseAudio.Minutes())
		r.Loa = append(r.Loa, loaWall.Seconds()/loaAudio.Minutes())
	}
	return r
}

func espeakWhole(ctx context.Context, body string) (wall, audio time.Duration, err error) {
	start := time.Now()
	out, err := runQuiet(exec.CommandContext(ctx, "espeak-ng", "-v", "vi", "-f", body, "--stdout"))
	wall = time.Since(start)
	if err != nil {
		return 0, 0, err
	}
	h, err := parseWAVHeader(out)
	if err != nil {
		return 0, 0, fmt.Errorf("espeak-ng --stdout: %w", err)
	}
	audio = h.duration(int64(len(out) - wavHeaderSize))
	if audio < time.Second {
		return 0, 0, fmt.Errorf("espeak-ng spoke %v for the whole article", audio)
	}
	return wall, audio, nil
}

func synthesizeAll(ctx context.Context, be tts.Backend, sentences []string) (wall, audio time.Duration, err error) {
	start := time.Now()
	clips := make([]tts.Clip, len(sentences))
	errs := make([]error, len(sentences))
	var wg sync.WaitGroup
	for i, s := range sentences {
		wg.Go(func() {
			clips[i], errs[i] = be.Synthesize(ctx, s, tts.Voice{Name: "vi"})
		})
	}
	wg.Wait()
	wall = time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return 0, 0, fmt.Errorf("espeak backend: %w", err)
	}
	for _, c := range clips {
		audio += c.Duration()
	}
	if audio < time.Second {
		return 0, 0, fmt.Errorf("espeak backend spoke %v for the whole article", audio)
	}
	return wall, audio, nil
}

// wavHeaderSize is the canonical header espeak-ng writes on --stdout (RIFF,
// a 16-byte fmt chunk, then data) with placeholder sizes, since it cannot
// seek back on a pipe.
const wavHeaderSize = 44

type wavHeader struct {
	channels, rate, bits int
}

func (h wavHeader) duration(dataBytes int64) time.Duration {
	perSecond := int64(h.channels * h.rate * h.bits / 8)
	return time.Duration(dataBytes * int64(time.Second) / perSecond)
}

func parseWAVHeader(b []byte) (wavHeader, error) {
	if len(b) < wavHeaderSize || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" || string(b[12:16]) != "fmt " || string(b[36:40]) != "data" {
		return wavHeader{}, fmt.Errorf("not a canonical 44-byte WAV header: %q", b[:min(len(b), wavHeaderSize)])
	}
	if f := binary.LittleEndian.Uint16(b[20:]); f != 1 {
		return wavHeader{}, fmt.Errorf("WAV format %d, want PCM (1)", f)
	}
	h := wavHeader{
		channels: int(binary.LittleEndian.Uint16(b[22:])),
		rate:     int(binary.LittleEndian.Uint32(b[24:])),
		bits:     int(binary.LittleEndian.Uint16(b[34:])),
	}
	if h.channels != 1 || h.bits != 16 || h.rate < 8000 || h.rate > 48000 {
		return wavHeader{}, fmt.Errorf("WAV is %d channels, %d bits, %d Hz; want mono 16-bit", h.channels, h.bits, h.rate)
	}
	return h, nil
}

// naive is the pipeline Loa is compared with: espeak-ng reads the whole
// text and writes WAV on stdout; its 44-byte header (placeholder sizes) is
// read here and the raw PCM behind it goes straight to lame through the
// same pipe, encoded to Loa's profile (24 kHz, 48 kbps, mono). It returns
// the wall time and the spoken duration.
func naive(ctx context.Context, body, out string) (time.Duration, time.Duration, error) {
	start := time.Now()
	r, w, err := os.Pipe()
	if err != nil {
		return 0, 0, err
	}
	defer r.Close()
	speak := exec.CommandContext(ctx, "espeak-ng", "-v", "vi", "-f", body, "--stdout")
	var speakErr bytes.Buffer
	speak.Stdout, speak.Stderr = w, &speakErr
	err = speak.Start()
	w.Close()
	if err != nil {
		return 0, 0, fmt.Errorf("espeak-ng: %w", err)
	}
	head := make([]byte, wavHeaderSize)
	if _, err := io.ReadFull(r, head); err != nil {
		_ = speak.Wait()
		return 0, 0, fmt.Errorf("espeak-ng --stdout header: %w (%s)", err, oneLine(speakErr.String()))
	}
	h, err := parseWAVHeader(head)
	if err != nil {
		_ = speak.Wait()
		return 0, 0, fmt.Errorf("espeak-ng --stdout: %w", err)
	}
	encode := exec.CommandContext(ctx, "lame", "--silent", "-r", "-s", strconv.FormatFloat(float64(h.rate)/1000, 'f', -1, 64),
		"--bitwidth", "16", "--signed", "--little-endian", "-m", "m", "--resample", "24", "-b", "48", "-", out)
	var encodeErr bytes.Buffer
	encode.Stdin, encode.Stderr = r, &encodeErr
	if err := encode.Start(); err != nil {
		_ = speak.Wait()
		return 0, 0, fmt.Errorf("lame: %w", err)
	}
	r.Close() // lame holds the read end now
	speakWait, encodeWait := speak.Wait(), encode.Wait()
	wall := time.Since(start)
	if speakWait != nil {
		return 0, 0, fmt.Errorf("espeak-ng: %w: %s", speakWait, oneLine(speakErr.String()))
	}
	if encodeWait != nil {
		return 0, 0, fmt.Errorf("lame: %w: %s", encodeWait, oneLine(encodeErr.String()))
	}
	d, err := mp3Duration(out)
	return wall, d, err
}

// mp3Duration estimates a 48 kbps CBR file's length from its size, close
// enough to check that two pipelines spoke the same text.
func mp3Duration(path string) (time.Duration, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if st.Size() < 1000 {
		return 0, fmt.Errorf("%s is only %d bytes", path, st.Size())
	}
	return time.Duration(st.Size() * 8 * int64(time.Second) / 48000), nil
}

// loaSynth runs `loa synth` on the sample article with a fresh segment
// cache, so every sentence is synthesized.
func (b *bench) loaSynth(ctx context.Context, out string) (time.Duration, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	start := time.Now()
	cmd := exec.CommandContext(ctx, b.loa, "synth", "--in", filepath.Join(b.cfg.Repo, sampleArticle), "--out", out, "--quiet")
	cmd.Env = b.env
	if _, err := runQuiet(cmd); err != nil {
		return 0, 0, fmt.Errorf("loa synth: %w", err)
	}
	wall := time.Since(start)
	d, err := mp3Duration(out)
	return wall, d, err
}

// articleRounds measures, round after round so that a busy moment hits
// all alike: the naive pipeline, `loa synth`, and a `loa serve` given the
// same article by POST.
func (b *bench) articleRounds(ctx context.Context, body string) (synth, first, ready Row) {
	synth, first, ready = rowSynth, rowFirstAudio, rowReady
	failAll := func(err error) (Row, Row, Row) { return synth.Failed(err), first.Failed(err), ready.Failed(err) }
	if b.cfg.wants("synth") {
		if err := b.needTools("lame"); err != nil {
			synth = synth.Failed(err)
		}
	}
	html, err := os.ReadFile(filepath.Join(b.cfg.Repo, sampleArticle))
	if err != nil {
		return failAll(err)
	}
	var loaRuns, naiveRuns, firstRuns, readyRuns []float64
	for i := range b.cfg.Runs {
		b.log.Info("measuring", "rows", "sample article: naive, loa synth, loa serve", "run", i+1, "of", b.cfg.Runs)
		var naiveSpoken time.Duration
		if b.cfg.wants("synth") && synth.Err == "" {
			wall, spoken, err := naive(ctx, body, filepath.Join(b.work, "naive.mp3"))
			if err != nil {
				synth = synth.Failed(fmt.Errorf("naive pipeline: %w", err))
			} else {
				naiveRuns, naiveSpoken = append(naiveRuns, wall.Seconds()), spoken
			}
		}
		wall, loaSpoken, err := b.loaSynth(ctx, filepath.Join(b.work, "loa.mp3"))
		if err != nil {
			return failAll(err)
		}
		loaRuns = append(loaRuns, wall.Seconds())
		// Loa's audio has pauses between sentences, but the words are the
		// same, so the lengths must be close.
		if ratio := naiveSpoken.Seconds() / loaSpoken.Seconds(); naiveSpoken > 0 && (ratio < 0.6 || ratio > 1.4) {
			synth = synth.Failed(fmt.Errorf("the naive pipeline spoke %v, loa synth %v: not the same text",
				naiveSpoken.Round(time.Second), loaSpoken.Round(time.Second)))
		}
		if b.cfg.wants("serve") && first.Err == "" {
			f, r, err := b.postToReady(ctx, fmt.Sprintf("bench-%d", i+1), string(html))
			if err != nil {
				first, ready = first.Failed(err), ready.Failed(err)
			} else {
				firstRuns, readyRuns = append(firstRuns, f.Seconds()), append(readyRuns, r.Seconds())
			}
		}
	}
	if synth.Err == "" && b.cfg.wants("synth") {
		synth.Loa, synth.Base = loaRuns, naiveRuns
	}
	if first.Err == "" && b.cfg.wants("serve") {
		first.Loa, first.Base = firstRuns, loaRuns
		ready.Loa, ready.Base = readyRuns, loaRuns
	}
	return synth, first, ready
}
