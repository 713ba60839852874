package google

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

// fakeServer reproduces texttospeech.googleapis.com: v1 and v1beta1
// text:synthesize, v1 voices, the Google error model.
type fakeServer struct {
	t       testing.TB
	key     string
	token   string
	project string

	mu       sync.Mutex
	override http.HandlerFunc
	bodies   []map[string]any
	headers  []http.Header
	paths    []string
}

func newFake(t testing.TB) (*fakeServer, *httptest.Server) {
	f := &fakeServer{t: t, key: "AIzaSyTEST-key-0123456789", token: "ya29.test-token", project: "loa-test"}
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
	return len(f.bodies)
}

func googleError(w http.ResponseWriter, code int, status, message string, details ...any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	e := map[string]any{"code": code, "message": message, "status": status}
	if len(details) > 0 {
		e["details"] = details
	}
	json.NewEncoder(w).Encode(map[string]any{"error": e})
}

var voices = []map[string]any{
	{"languageCodes": []string{"vi-VN"}, "name": "vi-VN-Standard-A", "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000},
	{"languageCodes": []string{"vi-VN"}, "name": "vi-VN-Wavenet-A", "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000},
	{"languageCodes": []string{"vi-VN"}, "name": "vi-VN-Wavenet-B", "ssmlGender": "MALE", "naturalSampleRateHertz": 24000},
	{"languageCodes": []string{"vi-VN"}, "name": "vi-VN-Neural2-A", "ssmlGender": "FEMALE", "naturalSampleRateHertz": 24000},
}

func (f *fakeServer) authorized(r *http.Request) bool {
	if k := r.Header.Get("X-Goog-Api-Key"); k != "" {
		return k == f.key
	}
	return r.Header.Get("Authorization") == "Bearer "+f.token && r.Header.Get("x-goog-user-project") == f.project
}

var markRE = regexp.MustCompile(`<mark name="([^"]*)"/>`)

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("key") != "" {
		f.t.Errorf("API key sent in the URL query")
	}
	if !f.authorized(r) {
		if r.Header.Get("X-Goog-Api-Key") != "" {
			googleError(w, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
				map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"})
			return
		}
		googleError(w, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		return
	}
	if r.Method == http.MethodGet && r.URL.Path == "/v1/voices" {
		if r.URL.Query().Get("languageCode") != "vi-VN" {
			f.t.Errorf("voices languageCode = %q", r.URL.Query().Get("languageCode"))
		}
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		json.NewEncoder(w).Encode(map[string]any{"voices": voices})
		return
	}
	beta := r.URL.Path == "/v1beta1/text:synthesize"
	if r.Method != http.MethodPost || (r.URL.Path != "/v1/text:synthesize" && !beta) {
		googleError(w, 404, "NOT_FOUND", "Method not found.")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		googleError(w, 400, "INVALID_ARGUMENT", "Content-Type "+ct)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		googleError(w, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. "+err.Error())
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.headers = append(f.headers, r.Header.Clone())
	f.paths = append(f.paths, r.URL.Path)
	override := f.override
	f.mu.Unlock()
	if override != nil {
		override(w, r)
		return
	}
	for k := range body {
		switch k {
		case "input", "voice", "audioConfig":
		case "enableTimePointing":
			if !beta {
				googleError(w, 400, "INVALID_ARGUMENT", `Invalid JSON payload received. Unknown name "enableTimePointing": Cannot find field.`)
				return
			}
		default:
			googleError(w, 400, "INVALID_ARGUMENT", fmt.Sprintf("Invalid JSON payload received. Unknown name %q", k))
			return
		}
	}
	input, _ := body["input"].(map[string]any)
	text, hasText := input["text"].(string)
	ssml, hasSSML := input["ssml"].(string)
	if hasText == hasSSML {
		googleError(w, 400, "INVALID_ARGUMENT", "Either `input.text` or `input.ssml` must be set, but not both.")
		return
	}
	if len(text)+len(ssml) > 5000 {
		googleError(w, 400, "INVALID_ARGUMENT", "Either `input.text` or `input.ssml` is longer than the limit of 5000 bytes. This limit is different from quotas. To fix, reduce the byte length of the characters in this request, or consider using the Long Audio API: https://cloud.google.com/text-to-speech/docs/create-audio-text-long-audio-synthesis.")
		return
	}
	voice, _ := body["voice"].(map[string]any)
	if voice["languageCode"] != "vi-VN" {
		googleError(w, 400, "INVALID_ARGUMENT", "Voice languageCode is required.")
		return
	}
	ac, _ := body["audioConfig"].(map[string]any)
	rate := 24000
	if sr, ok := ac["sampleRateHertz"].(float64); ok {
		rate = int(sr)
	}
	speaking := 1.0
	if sr, ok := ac["speakingRate"].(float64); ok {
		speaking = sr
	}
	spoken := text
	if hasSSML {
		spoken = html.UnescapeString(markRE.ReplaceAllString(strings.TrimSuffix(strings.TrimPrefix(ssml, "<speak>"), "</speak>"), ""))
	}
	name, _ := voice["name"].(string)
	samples := ttstest.ToneSamples(spoken, tts.Voice{Name: name, Rate: speaking}, rate)
	var audio []byte
	switch ac["audioEncoding"] {
	case "LINEAR16":
		audio = wav.Encode(samples, rate, 1)
	case "MP3":
		audio = ttstest.MP3(f.t, samples, rate)
	default:
		googleError(w, 400, "INVALID_ARGUMENT", fmt.Sprintf("Invalid value at 'audio_config.audio_encoding' (%v)", ac["audioEncoding"]))
		return
	}
	resp := map[string]any{"audioContent": base64.StdEncoding.EncodeToString(audio)}
	if beta && hasSSML {
		// A mark's time: 40 ms per character of plain text before it,
		// matching the tone's length.
		var tps []map[string]any
		for _, m := range markRE.FindAllStringSubmatchIndex(ssml, -1) {
			before := html.UnescapeString(markRE.ReplaceAllString(ssml[len("<speak>"):m[0]], ""))
			tps = append(tps, map[string]any{"markName": ssml[m[2]:m[3]], "timeSeconds": float64(utf8.RuneCountInString(before)) * 0.04 / speaking})
		}
		resp["timepoints"] = tps
		resp["audioConfig"] = map[string]any{"audioEncoding": ac["audioEncoding"], "sampleRateHertz": rate}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	json.NewEncoder(w).Encode(resp)
}
