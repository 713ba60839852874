package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/loa-audio/loa/synth/text"
)

const maxStdin = 16 << 20

func readArticle(e env, html bool, pageURL string) (text.Document, error) {
	data, err := io.ReadAll(io.LimitReader(e.stdin, maxStdin+1))
	if err != nil {
		return text.Document{}, fmt.Errorf("read stdin: %w", err)
	}
	if len(data) > maxStdin {
		return text.Document{}, fmt.Errorf("input is larger than %d bytes", maxStdin)
	}
	if html {
		// A saved page with inline images or app state can pass the
		// server's 5 MB default; the command line reads what it was given.
		return text.ExtractHTML(strings.NewReader(string(data)), text.ExtractOptions{URL: pageURL, MaxBytes: maxStdin})
	}
	return text.ExtractText(string(data))
}

func declareSegment(fs *flagSet) func(context.Context, env, []string) error {
	var html, asJSON bool
	fs.Bool(&html, "html", "LOA_INPUT_HTML", false, "read HTML and extract the article first")
	fs.Bool(&asJSON, "json", "LOA_OUTPUT_JSON", false, jsonUsage)
	return func(_ context.Context, e env, args []string) error {
		if len(args) > 0 {
			return usageError{"segment reads stdin and takes no arguments"}
		}
		doc, err := readArticle(e, html, "")
		if err != nil {
			return err
		}
		w := bufio.NewWriter(e.stdout)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, s := range text.Segment(doc) {
			if asJSON {
				kind := ""
				if s.Block < len(doc.Blocks) {
					kind = string(doc.Blocks[s.Block].Kind)
				}
				if err := enc.Encode(struct {
					text.Sentence
					Kind string `json:"kind"`
				}{s, kind}); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintln(w, oneLine(s.Text))
		}
		return w.Flush()
	}
}

// The same flag means the same thing in every command that takes it, so
// its env twin and help are shared.
const (
	jsonUsage = "print JSON: segment, one object per sentence (text, block, offsets); extract, one object {title, lead, body}"
	urlUsage  = "the article's address: submit sends it for the server to fetch; extract only reads it as the page's context (its site, before the page's canonical link) and fetches nothing"
)

// extracted is the JSON shape of `loa extract --json`, a contract with
// outside checks: body holds every block but the title and the lead.
type extracted struct {
	Title string       `json:"title"`
	Lead  string       `json:"lead"`
	Body  []text.Block `json:"body"`
}

func declareExtract(fs *flagSet) func(context.Context, env, []string) error {
	var asJSON bool
	var pageURL string
	fs.Bool(&asJSON, "json", "LOA_OUTPUT_JSON", false, jsonUsage)
	fs.String(&pageURL, "url", "LOA_ARTICLE_URL", "", urlUsage)
	return func(_ context.Context, e env, args []string) error {
		if len(args) > 0 {
			return usageError{"extract reads HTML on stdin and takes no arguments"}
		}
		if pageURL != "" {
			if u, err := url.Parse(pageURL); err != nil || u.Host == "" || u.Scheme != "http" && u.Scheme != "https" {
				return usageError{fmt.Sprintf("--url %q: want an absolute http(s) URL", pageURL)}
			}
		}
		doc, err := readArticle(e, true, pageURL)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(e.stdout)
		if !asJSON {
			fmt.Fprintln(w, doc.Text())
			return w.Flush()
		}
		out := extracted{Title: doc.Title, Lead: doc.Lead, Body: []text.Block{}}
		for _, b := range doc.Blocks {
			if b.Kind != text.KindTitle && b.Kind != text.KindLead {
				out.Body = append(out.Body, b)
			}
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return err
		}
		return w.Flush()
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func normalizeFlags(fs *flagSet) *text.NormalizeOptions {
	var o text.NormalizeOptions
	declareVariants(fs, &o)
	return &o
}

func declareNormalize(fs *flagSet) func(context.Context, env, []string) error {
	opts := normalizeFlags(fs)
	return func(_ context.Context, e env, args []string) error {
		if len(args) > 0 {
			return usageError{"normalize reads lines on stdin and takes no arguments"}
		}
		norm := text.NewNormalizer(*opts)
		sc := bufio.NewScanner(e.stdin)
		sc.Buffer(make([]byte, 64<<10), maxStdin)
		w := bufio.NewWriter(e.stdout)
		for sc.Scan() {
			fmt.Fprintln(w, oneLine(norm.Normalize(sc.Text()).Text))
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		return w.Flush()
	}
}

func declarePreview(fs *flagSet) func(context.Context, env, []string) error {
	var html bool
	fs.Bool(&html, "html", "LOA_INPUT_HTML", false, "read HTML and extract the article first")
	opts := normalizeFlags(fs)
	return func(_ context.Context, e env, args []string) error {
		doc, err := readArticle(e, html, "")
		if err != nil {
			return err
		}
		norm := text.NewNormalizer(*opts)
		w := bufio.NewWriter(e.stdout)
		for _, s := range norm.Preview(doc) {
			fmt.Fprintf(w, "[%d] %s\n  → %s\n", s.Index+1, oneLine(s.Text), oneLine(s.Spoken))
			for _, c := range s.Changes {
				fmt.Fprintf(w, "    %-14s %q → %q\n", c.Rule, c.Original, c.Spoken)
			}
		}
		return w.Flush()
	}
}
