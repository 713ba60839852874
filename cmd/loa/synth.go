package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/audio"
	"github.com/loa-audio/loa/synth/text"
)

type synthOptions struct {
	common
	in      string
	out     string
	timings string
	vtt     string
	title   string
	cache   string
	quiet   bool
}

func declareSynth(fs *flagSet) func(context.Context, env, []string) error {
	o := &synthOptions{}
	declareCommon(fs, &o.common)
	fs.String(&o.in, "in", "LOA_SYNTH_IN", "", "article to read: a file (.html/.htm = HTML, otherwise detected) or an http(s) URL; - = stdin")
	fs.String(&o.out, "out", "LOA_SYNTH_OUT", "", "MP3 file to write")
	fs.String(&o.timings, "timings", "LOA_SYNTH_TIMINGS", "", "also write sentence timings as JSON to this file")
	fs.String(&o.vtt, "vtt", "LOA_SYNTH_VTT", "", "also write the WebVTT transcript to this file")
	fs.String(&o.title, "title", "LOA_TITLE", "", "title for a plain-text article")
	fs.String(&o.cache, "cache", "LOA_SYNTH_CACHE", "", "folder for the segment cache, reused across runs (default: a temporary folder)")
	fs.Bool(&o.quiet, "quiet", "LOA_QUIET", false, "print nothing on success")
	return func(ctx context.Context, e env, args []string) error {
		if len(args) > 0 {
			return usageError{fmt.Sprintf("unexpected argument %q (use --in)", args[0])}
		}
		if o.in == "" || o.out == "" {
			return usageError{"--in and --out are required"}
		}
		return synthOnce(ctx, e, o)
	}
}

func synthOnce(ctx context.Context, e env, o *synthOptions) error {
	start := time.Now()
	log, err := newLogger(e.stderr, o.logLevel, o.logFormat)
	if err != nil {
		return err
	}
	src, err := readSource(ctx, e, o.in)
	if err != nil {
		return err
	}
	dir := o.cache
	if dir == "" {
		if dir, err = os.MkdirTemp("", "loa-synth-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return err
	}
	// The one-shot run uses its own local store, the cache folder, and no
	// database: TTS usage is counted for this run only.
	o.store, o.dataDir = "file://"+dir, dir
	store, _, pipeline, err := o.open(ctx, e, log, prometheus.NewRegistry(), nil)
	if err != nil {
		return err
	}
	var doc text.Document
	if src.html != "" {
		doc, err = text.ExtractHTML(strings.NewReader(src.html), text.ExtractOptions{URL: src.url})
	} else {
		doc, err = text.ExtractText(src.text)
	}
	if err != nil {
		return fmt.Errorf("read article %s: %w", o.in, err)
	}
	if o.title != "" && doc.Title == "" {
		doc.Title = o.title
		doc.Blocks = append([]text.Block{{Kind: text.KindTitle, Text: o.title}}, doc.Blocks...)
	}
	res, err := pipeline.Render(ctx, synth.RenderRequest{
		ArticleID: "synth",
		Revision:  1,
		Doc:       doc,
		Voice:     o.voice,
		Tags:      audio.Tags{Title: doc.Title, Comment: src.url, URL: src.url},
	})
	if err != nil {
		return err
	}
	if err := copyObject(ctx, store, res.Version.AudioKey, o.out); err != nil {
		return err
	}
	if o.timings != "" {
		b, _ := json.MarshalIndent(res.Timings, "", "  ")
		if err := os.WriteFile(o.timings, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write timings: %w", err)
		}
	}
	if o.vtt != "" {
		if err := copyObject(ctx, store, res.Version.VTTKey, o.vtt); err != nil {
			return err
		}
	}
	if !o.quiet {
		fmt.Fprintf(e.stdout, "%s: %d sentences, %.1f s of audio, %d bytes, made in %.1f s (%d synthesized, %d cached)\n",
			o.out, len(res.Timings.Sentences), float64(res.Version.DurationMS)/1000, res.Version.Bytes,
			time.Since(start).Seconds(), res.Synthesized, res.Cached)
	}
	return nil
}

type articleSource struct {
	html, text, url string
}

func readSource(ctx context.Context, e env, in string) (articleSource, error) {
	if strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://") {
		// On the command line the operator is fetching for themself, so
		// private addresses are fine.
		f := synth.NewFetcher(synth.FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}})
		page, err := f.Fetch(ctx, in)
		if err != nil {
			return articleSource{}, err
		}
		return articleSource{html: page.HTML, text: page.Text, url: page.URL}, nil
	}
	var data []byte
	var err error
	if in == "-" {
		data, err = io.ReadAll(io.LimitReader(e.stdin, maxStdin+1))
	} else {
		data, err = os.ReadFile(in)
	}
	if err != nil {
		return articleSource{}, fmt.Errorf("read %s: %w", in, err)
	}
	if len(data) > maxStdin {
		return articleSource{}, fmt.Errorf("%s is larger than %d bytes", in, maxStdin)
	}
	ext := strings.ToLower(filepath.Ext(in))
	if ext == ".html" || ext == ".htm" || looksLikeHTML(data) {
		return articleSource{html: string(data)}, nil
	}
	return articleSource{text: string(data)}, nil
}

func looksLikeHTML(b []byte) bool {
	head := strings.ToLower(strings.TrimSpace(string(b[:min(len(b), 512)])))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.Contains(head, "<body")
}

func copyObject(ctx context.Context, s storage.Store, key, path string) error {
	rc, _, err := s.Get(ctx, key, nil)
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
