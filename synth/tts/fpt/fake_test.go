package fpt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

const testKey = "fpt-test-key-0123456789"

var fptVoices = map[string]bool{"banmai": true, "lannhi": true, "leminh": true, "myan": true, "thuminh": true, "giahuy": true, "linhsan": true}

// fakeServer reproduces api.fpt.ai/hmi/tts/v5 and the file host behind
// its async links: the file answers 404 for notReady polls, then the audio.
type fakeServer struct {
	t        testing.TB
	srv      *httptest.Server
	notReady int // polls answered 404 before the file exists

	mu       sync.Mutex
	override http.HandlerFunc // replaces the POST answer
	files    map[string]*fakeFile
	posts    []fakePost
	polls    int
	pollHdrs []http.Header
}

type fakePost struct {
	header http.Header
	body   string
}

type fakeFile struct {
	audio       []byte
	contentType string
	polls       int
	callback    string
}

func newFake(t testing.TB, notReady int) *fakeServer {
	f := &fakeServer{t: t, notReady: notReady, files: map[string]*fakeFile{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeServer) serve(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.override = h
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/text2speech-v5/") {
		f.serveFile(w, r)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/hmi/tts/v5" {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.posts = append(f.posts, fakePost{header: r.Header.Clone(), body: string(body)})
	override := f.override
	f.mu.Unlock()
	if override != nil {
		override(w, r)
		return
	}
	key := r.Header.Get("api-key")
	if key == "" {
		key = r.Header.Get("api_key")
	}
	w.Header().Set("Content-Type", "application/json")
	if key != testKey {
		// Undocumented; shaped like FPT's other error answers.
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":1,"message":"Invalid API key"}`))
		return
	}
	text := string(body)
	n := utf8.RuneCountInString(text)
	voice, format := r.Header.Get("voice"), r.Header.Get("format")
	sp, err := strconv.Atoi(r.Header.Get("speed"))
	switch {
	case n < 3 || n > 5000:
		w.Write([]byte(`{"error":1,"message":"Text length must be between 3 and 5000 characters"}`))
		return
	case !fptVoices[voice]:
		w.Write([]byte(`{"error":1,"message":"Invalid voice"}`))
		return
	case format != "mp3" && format != "wav":
		w.Write([]byte(`{"error":1,"message":"Invalid format"}`))
		return
	case err != nil || sp < -3 || sp > 3:
		w.Write([]byte(`{"error":1,"message":"Invalid speed"}`))
		return
	}
	v := tts.Voice{Name: voice, Rate: 1 + float64(sp)/5}
	file := &fakeFile{callback: r.Header.Get("callback_url")}
	if format == "wav" {
		file.audio, file.contentType = ttstest.ToneFor(text, v, 22050), "audio/wav"
	} else {
		file.audio, file.contentType = ttstest.MP3(f.t, ttstest.ToneSamples(text, v, 24000), 24000), "audio/mpeg"
	}
	f.mu.Lock()
	id := fmt.Sprintf("%032x", len(f.posts))
	path := "/text2speech-v5/short/2025-01-01/" + id + "." + format
	f.files[path] = file
	f.mu.Unlock()
	json.NewEncoder(w).Encode(asyncAnswer{
		Async: f.srv.URL + path, Error: 0,
		Message:   "The content will be returned after a few seconds under the async link.",
		RequestID: "0a88a3a4-e988-4ad3-accf-4e4ecbc4783b",
	})
}

func (f *fakeServer) serveFile(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.polls++
	f.pollHdrs = append(f.pollHdrs, r.Header.Clone())
	if r.Header.Get("api-key") != "" || r.Header.Get("api_key") != "" {
		f.t.Errorf("API key sent to the file host")
	}
	file := f.files[r.URL.Path]
	if file == nil || file.polls < f.notReady {
		if file != nil {
			file.polls++
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`))
		return
	}
	w.Header().Set("Content-Type", file.contentType)
	w.Write(file.audio)
}

// ready makes every file available now and fires the callbacks.
func (f *fakeServer) ready(t *testing.T) {
	f.mu.Lock()
	type cb struct{ url, link string }
	var cbs []cb
	for path, file := range f.files {
		file.polls = f.notReady
		if file.callback != "" {
			cbs = append(cbs, cb{file.callback, f.srv.URL + path})
		}
	}
	f.mu.Unlock()
	for _, c := range cbs {
		body, _ := json.Marshal(map[string]string{"message": c.link, "success": "true"})
		resp, err := http.Post(c.url, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("callback answered %d", resp.StatusCode)
		}
	}
}

func (f *fakeServer) counts() (posts, polls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.posts), f.polls
}
