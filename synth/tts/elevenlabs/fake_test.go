package elevenlabs

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

const (
	testKey   = "sk_test_0123456789abcdef"
	testVoice = "JBFqnCBsd6RMkjVDRZzb"
)

// fakeServer reproduces api.elevenlabs.io text-to-speech, with-timestamps
// and voices, with its {"detail":{"status","message"}} errors.
type fakeServer struct {
	t testing.TB

	mu       sync.Mutex
	override http.HandlerFunc
	requests []speechRequest
	urls     []string
	headers  []http.Header
}

func newFake(t testing.TB) (*fakeServer, *httptest.Server) {
	f := &fakeServer{t: t}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeServer) serve(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.override = h
}

func detail(w http.ResponseWriter, code int, status, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"detail": map[string]string{"status": status, "message": message}})
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("xi-api-key") != testKey {
		detail(w, 401, "invalid_api_key", "Invalid API key")
		return
	}
	if r.Method == http.MethodGet && r.URL.Path == "/v1/voices" {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"voices": []map[string]any{
			{"voice_id": testVoice, "name": "George", "labels": map[string]string{"gender": "male", "accent": "british"}},
			{"voice_id": "21m00Tcm4TlvDq8ikWAM", "name": "Rachel", "labels": map[string]string{"gender": "female"}},
		}})
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/text-to-speech/")
	if r.Method != http.MethodPost || !ok {
		detail(w, 404, "not_found", "Not Found")
		return
	}
	voiceID, withTimestamps := strings.CutSuffix(rest, "/with-timestamps")
	if r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write([]byte(`{"detail":[{"loc":["body"],"msg":"Expected JSON","type":"value_error"}]}`))
		return
	}
	var req speechRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Text == "" {
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write([]byte(`{"detail":[{"loc":["body","text"],"msg":"field required","type":"value_error.missing"}]}`))
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.urls = append(f.urls, r.URL.String())
	f.headers = append(f.headers, r.Header.Clone())
	override := f.override
	f.mu.Unlock()
	if override != nil {
		override(w, r)
		return
	}
	if voiceID != testVoice && voiceID != "21m00Tcm4TlvDq8ikWAM" {
		detail(w, 404, "voice_not_found", "A voice with the voice_id "+voiceID+" was not found.")
		return
	}
	if req.ModelID == "eleven_multilingual_v2" && req.LanguageCode == "vi" {
		f.t.Errorf("Vietnamese sent to a model without it")
	}
	if utf8.RuneCountInString(req.Text) > 40000 {
		detail(w, 400, "max_character_limit_exceeded", "Text is too long")
		return
	}
	speed := 1.0
	if req.VoiceSettings != nil && req.VoiceSettings.Speed != 0 {
		speed = req.VoiceSettings.Speed
	}
	v := tts.Voice{Name: voiceID, Rate: speed}
	format := r.URL.Query().Get("output_format")
	var audio []byte
	ct := "audio/mpeg"
	switch {
	case strings.HasPrefix(format, "pcm_"):
		rate, _ := strconv.Atoi(strings.TrimPrefix(format, "pcm_"))
		audio, ct = wav.PCMBytes(ttstest.ToneSamples(req.Text, v, rate)), "audio/pcm"
	case strings.HasPrefix(format, "mp3_44100_"):
		audio = ttstest.MP3(f.t, ttstest.ToneSamples(req.Text, v, 44100), 44100)
	default:
		detail(w, 400, "invalid_output_format", "Unsupported output format "+format)
		return
	}
	w.Header().Set("request-id", "req-1")
	w.Header().Set("x-character-count", strconv.Itoa(utf8.RuneCountInString(req.Text)))
	if !withTimestamps {
		w.Header().Set("Content-Type", ct)
		w.Write(audio)
		return
	}
	// 40 ms per character, matching the tone.
	var chars []string
	var starts, ends []float64
	for i, r := range []rune(req.Text) {
		chars = append(chars, string(r))
		starts = append(starts, float64(i)*0.04/speed)
		ends = append(ends, float64(i+1)*0.04/speed)
	}
	al := map[string]any{"characters": chars, "character_start_times_seconds": starts, "character_end_times_seconds": ends}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"audio_base64": base64.StdEncoding.EncodeToString(audio), "alignment": al, "normalized_alignment": al})
}
