package api_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/loa-audio/loa/api/apitest"
)

// TestForwardedHeadersOnlyFromTrustedProxies: X-Forwarded-Proto and
// X-Forwarded-Host shape the URLs Loa hands out only when the request
// comes from a configured proxy.
func TestForwardedHeadersOnlyFromTrustedProxies(t *testing.T) {
	forged := []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example"}
	audioURL := func(h *apitest.Server) string {
		h.Do("POST", "/api/v1/articles", map[string]string{"id": "fw", "text": "Giá xăng tăng mạnh."}, nil)
		_, body := get(t, h.URL+"/articles/fw.json", forged...)
		var info struct {
			ProgressiveURL string `json:"progressive_url"`
		}
		if err := json.Unmarshal(body, &info); err != nil {
			t.Fatalf("player info %q: %v", body, err)
		}
		return info.ProgressiveURL
	}
	direct := apitest.New(t, apitest.Options{NoWorkers: true})
	if u := audioURL(direct); !strings.HasPrefix(u, direct.URL+"/") {
		t.Errorf("without trusted proxies, forged headers made the URL %q", u)
	}
	proxied := apitest.New(t, apitest.Options{NoWorkers: true, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if u := audioURL(proxied); !strings.HasPrefix(u, "https://evil.example/") {
		t.Errorf("behind a trusted proxy, the forwarded host and scheme were ignored: %q", u)
	}
}
