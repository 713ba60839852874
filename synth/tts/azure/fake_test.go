package azure

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

const testKey = "0123456789abcdef0123456789abcdef"

// fakeServer reproduces {region}.tts.speech.microsoft.com: SSML in, audio
// out, and errors with empty bodies.
type fakeServer struct {
	t testing.TB

	mu       sync.Mutex
	override http.HandlerFunc
	bodies   []string
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

type ssmlDoc struct {
	XMLName xml.Name `xml:"speak"`
	Version string   `xml:"version,attr"`
	Lang    string   `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	Voice   struct {
		Lang    string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		Name    string `xml:"name,attr"`
		Text    string `xml:",chardata"`
		Prosody *struct {
			Rate  string `xml:"rate,attr"`
			Pitch string `xml:"pitch,attr"`
			Text  string `xml:",chardata"`
		} `xml:"prosody"`
	} `xml:"voice"`
}

var azureVoices = []map[string]string{
	{"Name": "Microsoft Server Speech Text to Speech Voice (vi-VN, HoaiMyNeural)", "DisplayName": "HoaiMy", "LocalName": "Hoài My", "ShortName": "vi-VN-HoaiMyNeural", "Gender": "Female", "Locale": "vi-VN", "LocaleName": "Vietnamese (Vietnam)", "SampleRateHertz": "24000", "VoiceType": "Neural", "Status": "GA", "WordsPerMinute": "130"},
	{"Name": "Microsoft Server Speech Text to Speech Voice (vi-VN, NamMinhNeural)", "DisplayName": "NamMinh", "LocalName": "Nam Minh", "ShortName": "vi-VN-NamMinhNeural", "Gender": "Male", "Locale": "vi-VN", "LocaleName": "Vietnamese (Vietnam)", "SampleRateHertz": "24000", "VoiceType": "Neural", "Status": "GA", "WordsPerMinute": "127"},
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Ocp-Apim-Subscription-Key") != testKey {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if ua := r.Header.Get("User-Agent"); ua == "" || len(ua) >= 255 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodGet && r.URL.Path == "/cognitiveservices/voices/list" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(azureVoices)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/cognitiveservices/v1" {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if r.Header.Get("Content-Type") != "application/ssml+xml" {
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return
	}
	format := r.Header.Get("X-Microsoft-OutputFormat")
	if format == "" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(body))
	f.headers = append(f.headers, r.Header.Clone())
	override := f.override
	f.mu.Unlock()
	if override != nil {
		override(w, r)
		return
	}
	var doc ssmlDoc
	if err := xml.Unmarshal(body, &doc); err != nil || doc.Version != "1.0" || doc.Lang != "vi-VN" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	known := false
	for _, v := range azureVoices {
		known = known || v["ShortName"] == doc.Voice.Name
	}
	if !known {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	text := doc.Voice.Text
	if doc.Voice.Prosody != nil {
		text += doc.Voice.Prosody.Text
	}
	v := tts.Voice{Name: doc.Voice.Name}
	switch format {
	case "riff-24khz-16bit-mono-pcm":
		w.Header().Set("Content-Type", "audio/x-wav")
		w.Write(ttstest.ToneFor(text, v, 24000))
	case "raw-16khz-16bit-mono-pcm":
		w.Header().Set("Content-Type", "audio/x-pcm")
		w.Write(wav.PCMBytes(ttstest.ToneSamples(text, v, 16000)))
	case "audio-24khz-48kbitrate-mono-mp3":
		w.Header().Set("Content-Type", "audio/mpeg")
		w.Write(ttstest.MP3(f.t, ttstest.ToneSamples(text, v, 24000), 24000))
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

func (f *fakeServer) last(t *testing.T) (string, http.Header) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bodies) == 0 {
		t.Fatal("no request")
	}
	return f.bodies[len(f.bodies)-1], f.headers[len(f.headers)-1]
}
