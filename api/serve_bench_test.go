package api_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/loa-audio/loa/api/apitest"
	"github.com/loa-audio/loa/synth/article"
)

// BenchmarkServeAudioRange measures random Range requests on published
// audio through the whole HTTP stack, stable and versioned URLs.
func BenchmarkServeAudioRange(b *testing.B) {
	h := apitest.New(b, apitest.Options{})
	h.Do("POST", "/api/v1/articles", map[string]string{"id": "bench", "html": apitest.SampleHTML(b)}, nil)
	st := h.WaitStatus("bench", article.StatusReady, 2*time.Minute)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	for _, tc := range []struct{ name, url string }{{"stable", st.AudioURL}, {"versioned", st.VersionAudioURL}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetParallelism(64)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					from := rand.Int64N(st.Bytes - 65536)
					req, _ := http.NewRequest("GET", tc.url, nil)
					req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", from, from+65535))
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 206 || n != 65536 {
						b.Fatalf("%d, %d bytes", resp.StatusCode, n)
					}
				}
			})
		})
	}
}
