package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth/article"
)

// TestBadInputChangesNothing sends every kind of bad request and checks the
// status, that the JSON error names the problem, and that the store is
// byte-for-byte what it was before.
func TestBadInputChangesNothing(t *testing.T) {
	h := apitest.New(t, apitest.Options{AdminToken: "admin-secret"})
	if code := h.Do("POST", "/api/v1/articles", map[string]string{"id": "kept", "text": "Giá xăng tăng mạnh. Người dân lo lắng."}, nil); code != http.StatusAccepted {
		t.Fatalf("seed article: %d", code)
	}
	h.WaitStatus("kept", article.StatusReady, 2*time.Minute)
	time.Sleep(300 * time.Millisecond) // let the finished job's last writes land
	before := apitest.Snapshot(t, h.Store)

	jsonBody := func(v any) []byte { b, _ := json.Marshal(v); return b }
	huge := strings.Repeat("Một câu văn dài. ", 2<<20/20+1000)
	cases := []struct {
		name     string
		method   string
		path     string
		ctype    string
		token    string
		body     []byte
		status   int
		mentions string
	}{
		{"malformed JSON", "POST", "/api/v1/articles", "application/json", apitest.Token, []byte(`{"text": "a`), 400, "malformed JSON"},
		{"trailing garbage", "POST", "/api/v1/articles", "application/json", apitest.Token, []byte(`{"text":"Câu một."} {}`), 400, "malformed JSON"},
		{"unknown field", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"txt": "Câu."}), 400, "unknown field"},
		{"wrong content type", "POST", "/api/v1/articles", "text/plain", apitest.Token, jsonBody(map[string]string{"text": "Câu một."}), 415, "Content-Type"},
		{"no content type", "POST", "/api/v1/articles", "", apitest.Token, jsonBody(map[string]string{"text": "Câu một."}), 415, "Content-Type"},
		{"body over the limit", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": huge}), 413, "limit"},
		{"empty article", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": ""}), 400, "empty"},
		{"whitespace article", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": " \n\t "}), 400, "empty"},
		{"binary article", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": "\x00\x01\x02\x03\xff\xfe" + strings.Repeat("\x00", 200)}), 400, "article"},
		{"two sources", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": "Câu.", "html": "<p>Câu.</p>"}), 400, "only one"},
		{"unknown voice", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": "Câu một.", "voice": "klingon"}), 400, "klingon"},
		{"id with ..", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"id": "../x", "text": "Câu một."}), 400, "id"},
		{"id of 300 chars", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"id": strings.Repeat("a", 300), "text": "Câu một."}), 400, "id"},
		{"id with control characters", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"id": "a\x01b", "text": "Câu một."}), 400, "control"},
		{"URL path id of 300 chars", "GET", "/api/v1/articles/" + strings.Repeat("b", 300), "", apitest.Token, nil, 400, "id"},
		{"URL path id with control", "PUT", "/api/v1/articles/a%01b", "application/json", apitest.Token, jsonBody(map[string]string{"text": "Câu."}), 400, "control"},
		{"URL path id with ..", "GET", "/api/v1/articles/..x", "", apitest.Token, nil, 400, ".."},
		{"URL to a private address", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"url": h.URL + "/healthz"}), 403, "private"},
		{"URL to link-local metadata", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://169.254.169.254/latest/meta-data/"}), 403, "link-local"},
		{"URL to IPv4-mapped loopback", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://[::ffff:127.0.0.1]/"}), 403, "private"},
		{"URL to NAT64 metadata", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/"}), 403, "link-local"},
		{"URL to 6to4 private", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://[2002:a00:1::1]/"}), 403, "private"},
		{"URL with credentials", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://user:pw@example.com/"}), 400, "credentials"},
		{"URL with another scheme", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"url": "file:///etc/passwd"}), 400, "scheme"},
		{"missing token", "POST", "/api/v1/articles", "application/json", "", jsonBody(map[string]string{"text": "Câu một."}), 401, "token"},
		{"wrong token", "POST", "/api/v1/articles", "application/json", "nope", jsonBody(map[string]string{"text": "Câu một."}), 401, "token"},
		{"wrong token on delete", "DELETE", "/api/v1/articles/kept", "", "nope", nil, 401, "token"},
		{"unknown article", "GET", "/api/v1/articles/nosuch", "", apitest.Token, nil, 404, "nosuch"},
		{"delete unknown article", "DELETE", "/api/v1/articles/nosuch", "", apitest.Token, nil, 404, "nosuch"},
		{"resynthesize unknown article", "POST", "/api/v1/articles/nosuch/resynthesize", "", apitest.Token, nil, 404, "nosuch"},
		{"audio of unknown article", "GET", "/audio/nosuch.mp3", "", "", nil, 404, "nosuch"},
		{"conflicting re-create", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"id": "kept", "text": "Nội dung khác."}), 409, "PUT"},
		{"bad list filter", "GET", "/api/v1/articles?status=done", "", apitest.Token, nil, 400, "status"},
		{"bad lexicon rule", "POST", "/api/v1/lexicon", "application/json", apitest.Token, jsonBody(map[string]any{"match": "", "say": "x"}), 400, "match"},
		{"link over the limit", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": "Câu một.", "link": "https://ngaynay.vn/" + strings.Repeat("a", 4100)}), 400, "link is 4119 bytes; the limit is 2048"},
		{"URL over the limit", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"url": "https://ngaynay.vn/" + strings.Repeat("a", 4100)}), 400, "url is 4119 bytes; the limit is 2048"},
		{"voice over the limit", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": "Câu một.", "voice": strings.Repeat("v", 300)}), 400, "voice is 300 bytes; the limit is 128"},
		{"title over the limit", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": "Câu một.", "title": strings.Repeat("t", 1001)}), 400, "title is 1001 bytes; the limit is 1000"},
		{"source_id over the limit", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": "Câu một.", "source_id": strings.Repeat("s", 257)}), 400, "source_id is 257 bytes; the limit is 256"},
		{"link with control characters", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": "Câu một.", "link": "https://a/\x00b"}), 400, "link"},
		{"token name over the limit", "POST", "/api/v1/tokens", "application/json", "admin-secret", jsonBody(map[string]string{"name": strings.Repeat("n", 101)}), 400, "100"},
		{"webhook to metadata", "POST", "/api/v1/webhooks", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://169.254.169.254/latest/"}), 403, "link-local"},
		{"webhook to a private address", "POST", "/api/v1/webhooks", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://10.0.0.7/hook"}), 403, "private"},
		{"webhook to IPv6 loopback", "POST", "/api/v1/webhooks", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://[::1]:8080/hook"}), 403, "loopback"},
		{"webhook with credentials", "POST", "/api/v1/webhooks", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://user:pw@127.0.0.1:8080/hook"}), 400, "credentials"},
		{"webhook URL over the limit", "POST", "/api/v1/webhooks", "application/json", apitest.Token, jsonBody(map[string]string{"url": "http://127.0.0.1/" + strings.Repeat("h", 2100)}), 400, "limit is 2048"},
		{"nothing to speak", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"text": "... !!! ???"}), 400, "nothing to speak"},
		{"nothing to speak in HTML", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"html": "<html><body><article><h1>…</h1><p>— !!! ???</p></article></body></html>"}), 400, "nothing to speak"},
		{"field name in capitals", "POST", "/api/v1/articles", "application/json", apitest.Token, []byte(`{"TEXT":"Câu một."}`), 400, `"TEXT"`},
		{"field name in mixed case", "POST", "/api/v1/lexicon", "application/json", apitest.Token, []byte(`{"Match":"TP","say":"thành phố"}`), 400, `"Match"`},
		{"duplicate field", "POST", "/api/v1/articles", "application/json", apitest.Token, []byte(`{"text":"Câu một.","text":"Câu hai."}`), 400, "duplicate"},
		{"duplicate webhook field", "POST", "/api/v1/webhooks", "application/json", apitest.Token, []byte(`{"url":"http://127.0.0.1:9/","events":["audio.ready"],"url":"http://127.0.0.1:9/x"}`), 400, "duplicate"},
		{"id shadowing the player info", "POST", "/api/v1/articles", "application/json", apitest.Token, jsonBody(map[string]string{"id": "bai.json", "text": "Câu một."}), 400, ".json"},
		{"admin endpoint without admin token", "GET", "/api/v1/tokens", "", apitest.Token, nil, 403, "admin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, h.URL+tc.path, bytes.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var body struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(data, &body); err != nil || body.Error == "" {
				t.Fatalf("status %d, body %q is not a JSON error", resp.StatusCode, data)
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (error %q)", resp.StatusCode, tc.status, body.Error)
			}
			if !strings.Contains(strings.ToLower(body.Error), strings.ToLower(tc.mentions)) {
				t.Fatalf("error %q does not mention %q", body.Error, tc.mentions)
			}
			if k, ok := apitest.SameSnapshot(before, apitest.Snapshot(t, h.Store)); !ok {
				t.Fatalf("store changed at %s", k)
			}
		})
	}
}
