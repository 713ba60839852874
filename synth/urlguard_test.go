package synth

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/loa-audio/loa/synth/article"
)

// TestGuardRefusesEmbeddedIPv4: IPv6 forms that carry an inside IPv4
// address reach it as surely as the IPv4 address itself.
func TestGuardRefusesEmbeddedIPv4(t *testing.T) {
	f := NewFetcher(FetchConfig{})
	for _, a := range []string{
		"127.0.0.1", "10.1.2.3", "169.254.169.254", "0.1.2.3", "100.64.0.1", "::1", "fe80::1", "fd00::1",
		"::127.0.0.1", "::a00:1", // IPv4-compatible
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", // IPv4-mapped
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", // NAT64
		"2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe::", // 6to4
		"2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo, client 127.0.0.1
	} {
		if err := f.allowed(netip.MustParseAddr(a)); !errors.Is(err, article.ErrForbidden) {
			t.Errorf("%s allowed", a)
		}
	}
	for _, a := range []string{"8.8.8.8", "2001:4860:4860::8888", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"} {
		if err := f.allowed(netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s refused: %v", a, err)
		}
	}
	// The allow-list still opens an inside network, in its embedded forms too.
	open := NewFetcher(FetchConfig{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	for _, a := range []string{"127.0.0.1", "::ffff:127.0.0.1"} {
		if err := open.allowed(netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s refused despite the allow-list: %v", a, err)
		}
	}
}

// TestFetchErrorsHideInternalAddresses: what an editor reads about a
// failed fetch names the URL, not the resolver or inside addresses.
func TestFetchErrorsHideInternalAddresses(t *testing.T) {
	f := NewFetcher(FetchConfig{})
	for _, raw := range []string{"http://no-such-host.invalid/bai.html", "http://[::ffff:10.0.0.1]/", "http://10.0.0.1/", "http://localhost:9/"} {
		_, err := f.Fetch(context.Background(), raw)
		if err == nil {
			t.Fatalf("%s fetched", raw)
		}
		msg := err.Error()
		for _, leak := range []string{"10.0.0.1", "127.0.0.1", "lookup", ":53", "dial"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: error %q reveals %q", raw, msg, leak)
			}
		}
	}
}

// TestCheckURLResolvesNames: a host name is judged by every address it
// resolves to; credentials and other schemes are refused before any lookup.
func TestCheckURLResolvesNames(t *testing.T) {
	f := NewFetcher(FetchConfig{Lookup: func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "inside.example":
			return []netip.Addr{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.5")}, nil
		case "public.example":
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}
		t.Errorf("looked up %q", host)
		return nil, errors.New("no such host")
	}})
	for raw, want := range map[string]error{
		"https://public.example/hook":       nil,
		"https://inside.example/hook":       article.ErrForbidden,
		"https://u:p@public.example/hook":   article.ErrInvalidInput,
		"ftp://public.example/hook":         article.ErrInvalidInput,
		"https:///hook":                     article.ErrInvalidInput,
		"http://[::ffff:169.254.169.254]/x": article.ErrForbidden,
	} {
		_, err := f.CheckURL(context.Background(), raw)
		if want == nil && err != nil || want != nil && !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", raw, err, want)
		}
	}
}

// FuzzCheckURL: a URL the webhook and fetch guard accepts is an absolute
// http(s) URL without credentials, of bounded length, whose every address
// (literal or resolved) is public or explicitly allowed.
func FuzzCheckURL(f *testing.F) {
	for _, seed := range []string{
		"https://ngaynay.vn/hook", "http://127.0.0.1:8080/x", "http://[::ffff:10.0.0.1]/", "http://[64:ff9b::a9fe:a9fe]/",
		"http://[2002:a00:1::1]/", "http://u:p@example.com/", "ftp://example.com/", "http://%5B::1%5D/", "http://[fe80::1%25eth0]/",
		"http://0x7f.1/", "http://2130706433/", "//example.com", "http://example.com:99999/", "HTTP://EXAMPLE.COM",
	} {
		f.Add(seed, []byte{93, 184, 216, 34})
	}
	f.Fuzz(func(t *testing.T, raw string, answer []byte) {
		// The resolver answers with whatever address the fuzzer chose.
		var resolved []netip.Addr
		if a, ok := netip.AddrFromSlice(answer); ok {
			resolved = append(resolved, a)
		}
		g := NewFetcher(FetchConfig{
			Allow: []netip.Prefix{netip.MustParsePrefix("192.168.7.0/24")},
			Lookup: func(context.Context, string) ([]netip.Addr, error) {
				if len(resolved) == 0 {
					return nil, errors.New("no such host")
				}
				return resolved, nil
			},
		})
		u, err := g.CheckURL(context.Background(), raw)
		if err != nil {
			if !errors.Is(err, article.ErrInvalidInput) && !errors.Is(err, article.ErrForbidden) {
				t.Fatalf("%q: error %v is neither invalid input nor forbidden", raw, err)
			}
			return
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Hostname() == "" || len(raw) > maxURLBytes+len(raw)-len(strings.TrimSpace(raw)) {
			t.Fatalf("accepted %q (scheme %q, user %v, host %q)", raw, u.Scheme, u.User, u.Hostname())
		}
		addrs := resolved
		if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
			addrs = []netip.Addr{ip}
		}
		for _, a := range addrs {
			a = a.Unmap()
			if internalAddr(a) && !netip.MustParsePrefix("192.168.7.0/24").Contains(a) {
				t.Fatalf("accepted %q leading to %s", raw, a)
			}
			for _, v4 := range embeddedIPv4(a) {
				if internalAddr(v4) && !netip.MustParsePrefix("192.168.7.0/24").Contains(v4) {
					t.Fatalf("accepted %q leading to %s inside %s", raw, v4, a)
				}
			}
		}
	})
}
