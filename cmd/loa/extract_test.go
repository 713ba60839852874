package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func runLoa(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := run(context.Background(), e, args)
	return out.String(), errb.String(), code
}

// TestExtractJSONContract pins the shape outside checks read:
// {"title", "lead", "body": [{"kind", "text"}]} with the title and lead
// only in their own fields.
func TestExtractJSONContract(t *testing.T) {
	page, err := os.ReadFile("../../testdata/samples/ngaynay-trieu-tien-nga.html")
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := runLoa(t, string(page), "extract", "--json", "--url", "https://ngaynay.vn/trieu-tien-nga.html")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if len(got) != 3 || got["title"] == nil || got["lead"] == nil || got["body"] == nil {
		t.Fatalf("keys: want exactly title, lead, body; got %s", out)
	}
	var doc extracted
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Title != `Triều Tiên là "đồng chí bất khả chiến bại" với Nga` || !strings.HasPrefix(doc.Lead, "(Ngày Nay) - Nhà lãnh đạo Kim Jong Un") {
		t.Errorf("title %q, lead %q", doc.Title, doc.Lead)
	}
	if len(doc.Body) < 5 {
		t.Fatalf("body has %d blocks", len(doc.Body))
	}
	for _, b := range doc.Body {
		if b.Text == doc.Title || b.Text == doc.Lead || b.Kind == "title" || b.Kind == "lead" || b.Kind == "" {
			t.Errorf("body block %+v repeats the title or lead or has no kind", b)
		}
	}
	plain, errs, code := runLoa(t, string(page), "extract")
	if code != 0 {
		t.Fatalf("plain: exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(plain, doc.Title+"\n\n"+doc.Lead+"\n\n"+doc.Body[0].Text) {
		t.Errorf("plain output does not start with title, lead, first block:\n%s", plain)
	}
}

func TestExtractBadInput(t *testing.T) {
	for _, tc := range []struct {
		stdin string
		args  []string
		code  int
	}{
		{"<p>Một đoạn văn đủ dài để đọc.</p>", []string{"extract", "--url", "not a url"}, 2},
		{"<p>Một đoạn văn đủ dài để đọc.</p>", []string{"extract", "--url", "ftp://example.com/a"}, 2},
		{"<p>Một đoạn văn đủ dài để đọc.</p>", []string{"extract", "page.html"}, 2},
		{"", []string{"extract", "--json"}, 1},
		{"<html><body><script>x()</script></body></html>", []string{"extract", "--json"}, 1},
	} {
		out, errs, code := runLoa(t, tc.stdin, tc.args...)
		if code != tc.code || errs == "" || out != "" {
			t.Errorf("%v: exit %d (want %d), stdout %q, stderr %q", tc.args, code, tc.code, out, errs)
		}
	}
}

// A saved page over the server's 5 MB default still extracts on the
// command line.
func TestExtractLargeSavedPage(t *testing.T) {
	page := `<html><head><script>var state = "` + strings.Repeat("x", 6<<20) + `";</script></head><body><article><h1>Big page</h1>` +
		strings.Repeat("<p>The harbour authority approved the plan after a long public hearing.</p>", 3) + `</article></body></html>`
	out, errs, code := runLoa(t, page, "extract", "--json")
	if code != 0 || !strings.Contains(out, "The harbour authority approved") {
		t.Fatalf("exit %d, stderr %q, stdout %.200s", code, errs, out)
	}
}
