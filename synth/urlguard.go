package synth

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/loa-audio/loa/synth/article"
)

// allowed says whether the guard lets a connection reach ip: public
// addresses, and inside ones only when the allow-list opens them.
func (f *Fetcher) allowed(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, p := range f.cfg.Allow {
		if p.Contains(ip) {
			return nil
		}
	}
	if internalAddr(ip) {
		return fmt.Errorf("%w: the URL leads to a private, loopback, link-local or otherwise internal address", ErrBlockedAddress)
	}
	// IPv6 forms that carry an IPv4 address (NAT64, 6to4, Teredo, the old
	// IPv4-compatible form) reach that address: judge it instead.
	for _, v4 := range embeddedIPv4(ip) {
		if err := f.allowed(v4); err != nil {
			return err
		}
	}
	return nil
}

// Ranges that are not public, beyond what netip classifies.
var internalPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network": 0.x reaches the host itself on Linux
		"100.64.0.0/10",   // carrier-grade NAT
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"240.0.0.0/4",     // reserved, and the broadcast address
		"::/128", "100::/64", "2001:db8::/32", "fec0::/10",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

func internalAddr(ip netip.Addr) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range internalPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	teredo     = netip.MustParsePrefix("2001::/32")
	compatV4   = netip.MustParsePrefix("::/96")
)

// embeddedIPv4 returns the IPv4 addresses an IPv6 address carries.
func embeddedIPv4(ip netip.Addr) []netip.Addr {
	if !ip.Is6() {
		return nil
	}
	b := ip.As16()
	v4 := func(p []byte) netip.Addr { return netip.AddrFrom4([4]byte(p)) }
	switch {
	case nat64.Contains(ip), nat64Local.Contains(ip), compatV4.Contains(ip):
		return []netip.Addr{v4(b[12:16])}
	case sixToFour.Contains(ip):
		return []netip.Addr{v4(b[2:6])}
	case teredo.Contains(ip):
		client := [4]byte{b[12] ^ 0xff, b[13] ^ 0xff, b[14] ^ 0xff, b[15] ^ 0xff}
		return []netip.Addr{v4(b[4:8]), netip.AddrFrom4(client)}
	}
	return nil
}

// maxURLBytes bounds URLs editors give (article pages, webhook targets).
const maxURLBytes = 2048

// CheckURL is the one check of a URL an editor aims the server at (a
// webhook target, when created and before each delivery): absolute
// http(s), no credentials, and a host whose every address the guard
// allows. The dialer checks again at connect time, against DNS answers
// that change in between.
func (f *Fetcher) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	u, err := f.parseTarget(raw)
	if err != nil {
		return nil, err
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return u, nil // parseTarget judged the literal address
	}
	addrs, err := f.lookup(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("%w: url host %q: %s", article.ErrInvalidInput, host, describeNetError(err))
	}
	for _, a := range addrs {
		if err := f.allowed(a); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// parseTarget is CheckURL without name resolution: it is what can be
// judged from the text alone.
func (f *Fetcher) parseTarget(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > maxURLBytes {
		return nil, article.Invalid(fmt.Sprintf("url is %d bytes; the limit is %d", len(raw), maxURLBytes))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, article.Invalid("url is not a valid URL")
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, article.Invalid("url is not an absolute URL")
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		if err := f.allowed(ip); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func (f *Fetcher) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if f.cfg.Lookup != nil {
		return f.cfg.Lookup(ctx, host)
	}
	// An editor waits for this answer: a resolver that does not answer
	// must not hold the request for the system's long timeouts.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

var errTooManyRedirects = errors.New("too many redirects")

// DescribeNetError says why a connection failed in words an editor can
// act on, without the resolver's or any inside address that Go's errors
// carry ("lookup x on 10.0.0.2:53", "dial tcp 10.1.2.3:80").
func DescribeNetError(err error) string { return describeNetError(err) }

func describeNetError(err error) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var netErr net.Error
	switch {
	case errors.Is(err, ErrBlockedAddress):
		return "the URL leads to a private, loopback, link-local or otherwise internal address"
	case errors.Is(err, errTooManyRedirects):
		return "too many redirects"
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "the host name does not resolve"
	case errors.As(err, &dnsErr):
		return "the host name could not be looked up"
	case errors.As(err, &certErr):
		return "the site's TLS certificate is not valid"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "the site did not answer in time"
	}
	return "the site could not be reached"
}
