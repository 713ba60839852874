package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loa-audio/loa/api"
	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth"
	"github.com/loa-audio/loa/synth/testenv"
	"github.com/loa-audio/loa/synth/tts"
	_ "github.com/loa-audio/loa/synth/tts/all"
	"github.com/loa-audio/loa/web"
)

const testToken = "editor-secret"

// harness is a real Loa service (store, espeak-ng voices, pipeline,
// workers) behind a real HTTP server.
type harness struct {
	t     *testing.T
	url   string
	store storage.Store
	svc   *synth.Service
}

type harnessOpts struct {
	store  storage.Store
	voices synth.VoiceCatalog
	admin  string
}

func newHarness(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	testenv.LookPath(t, "espeak-ng")
	ctx, cancel := context.WithCancel(context.Background())
	store := o.store
	if store == nil {
		var err error
		if store, err = storage.OpenLocal(t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	voices := o.voices
	if voices == nil {
		catalog, err := tts.NewCatalog(ctx, tts.DefaultConfig(), tts.CatalogDeps{Usage: store, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		voices = catalog
	}
	pipeline, err := synth.NewPipeline(synth.PipelineConfig{Store: store, Voices: voices, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := synth.NewService(synth.ServiceConfig{
		Store: store, Pipeline: pipeline, Voices: voices, Logger: log,
		Fetcher:      synth.NewFetcher(synth.FetchConfig{}),
		NodeID:       "test",
		PollInterval: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	handler := api.New(api.Deps{
		Articles: svc,
		Pages:    pages,
		Tokens:   api.NewTokens(store, testToken, o.admin),
		Registry: prometheus.NewRegistry(),
		Logger:   log,
	})
	srv := httptest.NewServer(handler)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = svc.Run(ctx)
	}()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
	})
	return &harness{t: t, url: srv.URL, store: store, svc: svc}
}

// do sends a request with the editor token and decodes a JSON answer.
func (h *harness) do(method, path string, body any, out any) int {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.url+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// waitStatus polls an article until it reaches want (or fails the test).
func (h *harness) waitStatus(id string, want synth.Status, timeout time.Duration) synth.State {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var st synth.State
		if code := h.do("GET", "/api/v1/articles/"+id, nil, &st); code != 200 {
			h.t.Fatalf("GET article %s: status %d", id, code)
		}
		if st.Status == want {
			return st
		}
		if st.Status == synth.StatusFailed && want != synth.StatusFailed {
			h.t.Fatalf("article %s failed: %s", id, st.Error)
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("article %s still %s (%.0f%%) after %v", id, st.Status, st.Progress*100, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sampleHTML(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "samples", "ngaynay-trieu-tien-nga.html"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// snapshot returns every object in the store with its content, to prove
// that a rejected request changed nothing.
func snapshot(t *testing.T, s storage.Store) map[string]string {
	t.Helper()
	infos, err := storage.ListAll(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, info := range infos {
		b, _, err := storage.GetBytes(context.Background(), s, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[info.Key] = string(b)
	}
	return out
}

func sameSnapshot(a, b map[string]string) (string, bool) {
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return k, false
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			return k, false
		}
	}
	return "", true
}
