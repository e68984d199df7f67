package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/slorec/slorec"
)

// blockedPrefixes are the ranges PrivateAddr refuses beyond what
// netip.Addr's predicates name.
var blockedPrefixes = []netip.Prefix{
	// "This network" (RFC 791, RFC 6890); Linux sends 0.0.0.0 to the
	// local host.
	netip.MustParsePrefix("0.0.0.0/8"),
	// Shared address space, carrier-grade NAT (RFC 6598); also used
	// inside some clouds and Kubernetes clusters.
	netip.MustParsePrefix("100.64.0.0/10"),
	// IETF protocol assignments (RFC 6890), benchmarking (RFC 2544),
	// and reserved, broadcast included (RFC 1112).
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	// IPv4-compatible IPv6 (deprecated, RFC 4291, 2.5.5.1) and
	// site-local (deprecated, RFC 3879), still routed by some stacks.
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("fec0::/10"),
	// Local-use NAT64 (RFC 8215).
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// Prefixes whose addresses embed an IPv4 address that a gateway or relay
// connects to:
//   - NAT64 (RFC 6052), 64:ff9b::/96: in the last 32 bits;
//   - 6to4 (RFC 3056), 2002::/16: in bits 16–47;
//   - Teredo (RFC 4380), 2001::/32: the client's, inverted, in the last
//     32 bits.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	teredo    = netip.MustParsePrefix("2001::/32")
)

// embeddedIPv4 returns the IPv4 address a NAT64, 6to4 or Teredo address
// embeds.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredo.Contains(a):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// PrivateAddr reports whether a is a destination a Sender with
// BlockPrivate refuses: loopback, private (RFC 1918, fc00::/7),
// link-local (169.254.0.0/16 with the cloud metadata endpoint
// 169.254.169.254, fe80::/10), unspecified, multicast, carrier-grade NAT
// (100.64.0.0/10), the other special ranges in blockedPrefixes, and any
// of those in IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d),
// 6to4 (2002:aabb:ccdd::) or Teredo form. An invalid address is refused
// too.
func PrivateAddr(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return true
	}
	if v4, ok := embeddedIPv4(a); ok {
		return PrivateAddr(v4)
	}
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// BlockedError is the error of a connection refused because its
// destination is a private address (see PrivateAddr).
type BlockedError struct {
	// Addr is the destination as dialled, after name resolution.
	Addr netip.Addr
}

// Error names the address and the environment variable of slorec serve
// that allows such deliveries.
func (e *BlockedError) Error() string {
	if !e.Addr.IsValid() {
		return "destination is not an IP address; deliveries to private networks are blocked (SLOREC_WEBHOOK_ALLOW_PRIVATE)"
	}
	return fmt.Sprintf("destination %s is a private address; deliveries to private networks are blocked (SLOREC_WEBHOOK_ALLOW_PRIVATE)", e.Addr)
}

// refusePrivate is a net.Dialer's Control: it runs after name
// resolution, on the address about to be connected, so a name that
// resolves (or later re-resolves, DNS rebinding) to a private address is
// refused like the address itself.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		// Not an IP address and port: nothing to check, so refuse.
		return &BlockedError{}
	}
	if PrivateAddr(ap.Addr()) {
		return &BlockedError{Addr: ap.Addr().Unmap()}
	}
	return nil
}

// blockingTransport returns a copy of base (nil means
// http.DefaultTransport) whose connections refuse private destinations.
// It uses no proxy, since a proxy would make the connection to the
// destination itself, unchecked; and it drops a custom DialTLSContext,
// which would bypass the check.
func blockingTransport(base *http.Transport) *http.Transport {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	t := base.Clone()
	// The dialer of http.DefaultTransport, plus the check.
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: refusePrivate}
	t.DialContext = d.DialContext
	t.DialTLSContext = nil
	//lint:ignore SA1019 a DialTLS set on the base would connect unchecked
	t.DialTLS = nil
	t.Proxy = nil
	return t
}

// blocked returns the BlockedError in err's chain, if any.
func blocked(err error) (*BlockedError, bool) {
	var be *BlockedError
	return be, errors.As(err, &be)
}

// CheckURL refuses, when a subscription is created, a URL whose host is
// a literal private address (see PrivateAddr), so the mistake is a 400 at
// once rather than a failed delivery later. Host names are not resolved
// here (their addresses may change); the dialer checks them at connect
// time. Errors are EINVALID.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil // Subscription.Validate reports malformed URLs
	}
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil || !PrivateAddr(a) {
		return nil
	}
	return slorec.Errorf(slorec.EINVALID, "url: %s is a private address; deliveries to private networks are blocked (SLOREC_WEBHOOK_ALLOW_PRIVATE)", u.Hostname())
}
