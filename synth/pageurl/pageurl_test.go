package pageurl

import "testing"

func TestCanonical(t *testing.T) {
	final := "https://bao.example.vn/the-gioi/bai-1.html?utm_source=rss"
	cases := map[string]string{
		`<html><head><link rel="canonical" href="/the-gioi/bai-1.html"><meta property="og:url" content="https://bao.example.vn/og"></head><body></body></html>`: "https://bao.example.vn/the-gioi/bai-1.html",
		`<html><head><meta property="og:url" content="https://bao.example.vn/og-url"></head><body></body></html>`:                                               "https://bao.example.vn/og-url",
		`<html><head><title>x</title></head><body><link rel="canonical" href="https://evil.example/"></body></html>`:                                            final,
		`<html><head><link rel="alternate canonical" href="https://m.example.vn/x"></head></html>`:                                                              "https://m.example.vn/x",
		`<html><head><link rel="canonical" href="javascript:alert(1)"></head></html>`:                                                                           final,
	}
	for page, want := range cases {
		if got := Canonical(page, final); got != want {
			t.Errorf("CanonicalURL(%.60q) = %q, want %q", page, got, want)
		}
	}
}

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"HTTPS://Bao.Example.VN/Tin/Bai-1.html#binh-luan": "https://bao.example.vn/Tin/Bai-1.html",
		"  http://x.vn/a?b=1 ":                            "http://x.vn/a?b=1",
		"/relative/path":                                  "",
		"ftp://x.vn/a":                                    "",
		"javascript:alert(1)":                             "",
	}
	for in, want := range cases {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
