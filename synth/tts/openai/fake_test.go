package openai

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

// fakeServer reproduces POST /v1/audio/speech as OpenAI documents it (and
// as openedai-speech answers PCM: "audio/pcm;rate=22050").
type fakeServer struct {
	t       testing.TB
	key     string // "" = no auth, like a self-hosted server
	pcmRate int    // rate announced in the PCM Content-Type; 0 = none (OpenAI: 24 kHz)

	mu       sync.Mutex
	override http.HandlerFunc
	requests []speechRequest
	headers  []http.Header
}

func newFake(t testing.TB, key string) (*fakeServer, *httptest.Server) {
	f := &fakeServer{t: t, key: key}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeServer) serve(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.override = h
}

func (f *fakeServer) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func apiError(w http.ResponseWriter, status int, message, typ, param, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	p := any(nil)
	if param != "" {
		p = param
	}
	c := any(nil)
	if code != "" {
		c = code
	}
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": message, "type": typ, "param": p, "code": c}})
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	override := f.override
	f.mu.Unlock()
	var req speechRequest
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/speech" {
		apiError(w, http.StatusNotFound, fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path), "invalid_request_error", "", "")
		return
	}
	if f.key != "" && r.Header.Get("Authorization") != "Bearer "+f.key {
		// OpenAI echoes (part of) the key it was given.
		apiError(w, http.StatusUnauthorized, "Incorrect API key provided: "+r.Header.Get("Authorization")+".", "invalid_request_error", "", "invalid_api_key")
		return
	}
	if f.key == "" && r.Header.Get("Authorization") != "" {
		f.t.Errorf("Authorization sent to a server that needs none")
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		apiError(w, http.StatusBadRequest, "Content-Type must be application/json, got "+ct, "invalid_request_error", "", "")
		return
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields() // openedai-speech accepts only these fields
	if err := dec.Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "bad body: "+err.Error(), "invalid_request_error", "", "")
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.headers = append(f.headers, r.Header.Clone())
	f.mu.Unlock()
	if override != nil {
		override(w, r)
		return
	}
	switch {
	case req.Model == "" || req.Voice == "" || req.Input == "":
		apiError(w, http.StatusBadRequest, "model, voice and input are required", "invalid_request_error", "", "")
		return
	case utf8.RuneCountInString(req.Input) > 4096:
		apiError(w, http.StatusBadRequest, "'input' is too long. Maximum length is 4096 characters.", "invalid_request_error", "input", "string_above_max_length")
		return
	case req.Speed < 0.25 || req.Speed > 4:
		apiError(w, http.StatusBadRequest, "speed out of range", "invalid_request_error", "speed", "")
		return
	}
	voice := tts.Voice{Name: req.Voice, Rate: req.Speed}
	flusher := w.(http.Flusher)
	write := func(ct string, b []byte) {
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		// Chunked, as OpenAI streams audio.
		for len(b) > 0 {
			n := min(len(b), 4096)
			w.Write(b[:n])
			flusher.Flush()
			b = b[n:]
		}
	}
	switch req.ResponseFormat {
	case "wav":
		b := ttstest.ToneFor(req.Input, voice, 24000)
		// A streamed WAV cannot know its length: placeholder sizes.
		binary.LittleEndian.PutUint32(b[4:], 0xFFFFFFFF)
		binary.LittleEndian.PutUint32(b[40:], 0xFFFFFFFF)
		write("audio/wav", b)
	case "pcm":
		rate, ct := 24000, "audio/pcm"
		if f.pcmRate != 0 {
			rate, ct = f.pcmRate, fmt.Sprintf("audio/pcm;rate=%d", f.pcmRate)
		}
		write(ct, wav.PCMBytes(ttstest.ToneSamples(req.Input, voice, rate)))
	case "mp3":
		write("audio/mpeg", ttstest.MP3(f.t, ttstest.ToneSamples(req.Input, voice, 24000), 24000))
	default:
		apiError(w, http.StatusBadRequest, "unsupported response_format "+req.ResponseFormat, "invalid_request_error", "response_format", "")
	}
}

func mustNew(t testing.TB, cfg Config) *Backend {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func lastRequest(t *testing.T, f *fakeServer) (speechRequest, http.Header) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("no request reached the fake")
	}
	return f.requests[len(f.requests)-1], f.headers[len(f.headers)-1]
}
