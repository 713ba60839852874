package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/ttstest"
)

// FuzzAPIRequests throws arbitrary bodies at the JSON endpoints: every
// answer is a status below 500 with a JSON body, and nothing panics.
func FuzzAPIRequests(f *testing.F) {
	for _, seed := range []string{
		`{"text":"Giá xăng tăng mạnh."}`, `{"id":"a","html":"<p>Câu.</p>"}`, `{"url":"http://127.0.0.1/"}`,
		`{"text":"x","voice":"nope"}`, `{"match":"TP.HCM","say":"thành phố Hồ Chí Minh"}`, `[]`, `null`, `{"text":1}`,
		`{"id":"../../etc","text":"a"}`, "{\"text\":\"\u0000\"}", `{"published_at":"yesterday","text":"a"}`,
	} {
		f.Add(seed, uint8(0))
	}
	h := apitest.New(f, apitest.Options{Voices: fakeVoices(f, &ttstest.Fake{}, &ttstest.Fake{}, tts.BackendConfig{}), NoWorkers: true})
	paths := []string{"/api/v1/articles", "/api/v1/preview", "/api/v1/lexicon", "/api/v1/lexicon/touches", "/api/v1/webhooks", "/api/v1/articles/fuzz"}
	f.Fuzz(func(t *testing.T, body string, which uint8) {
		path := paths[int(which)%len(paths)]
		method := "POST"
		if path == "/api/v1/articles/fuzz" {
			method = "PUT"
		}
		req, _ := http.NewRequest(method, h.URL+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+apitest.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, resp.StatusCode, data)
		}
		if !json.Valid(data) {
			t.Fatalf("%s %s %q: body %q is not JSON", method, path, body, data)
		}
	})
}
