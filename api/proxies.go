package api

import (
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// fromTrustedProxy reports whether the connection comes from a configured
// proxy, whose X-Forwarded-* headers may then be believed.
func (s *server) fromTrustedProxy(c *gin.Context) bool {
	ip, err := netip.ParseAddr(c.RemoteIP())
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// forwarded is the first value of an X-Forwarded-* header (the one the
// outermost trusted proxy saw).
func forwarded(c *gin.Context, name string) string {
	v, _, _ := strings.Cut(c.GetHeader(name), ",")
	return strings.TrimSpace(v)
}

// validHost accepts host[:port] without anything a URL would read as
// another part (user info, path, query).
func validHost(h string) bool {
	return h != "" && len(h) <= 255 && !strings.ContainsAny(h, "/\\@?#% \t")
}

// trustedProxyList is gin's form of the trusted proxies, for ClientIP.
func trustedProxyList(ps []netip.Prefix) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}
