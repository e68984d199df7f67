package webhook_test

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/webhook"
)

func TestPrivateAddr(t *testing.T) {
	tests := map[string]struct {
		addrs   []string
		private bool
	}{
		"IPv4 loopback should be private.":                {addrs: []string{"127.0.0.1", "127.255.255.254"}, private: true},
		"RFC 1918 addresses should be private.":           {addrs: []string{"10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1"}, private: true},
		"IPv4 link-local and cloud metadata are private.": {addrs: []string{"169.254.169.254", "169.254.0.1"}, private: true},
		"Carrier-grade NAT should be private.":            {addrs: []string{"100.64.0.1", "100.127.255.255"}, private: true},
		"Unspecified, this-network and broadcast too.":    {addrs: []string{"0.0.0.0", "0.1.2.3", "255.255.255.255", "::"}, private: true},
		"Multicast should be refused.":                    {addrs: []string{"224.0.0.1", "239.1.1.1", "ff02::1", "ff0e::1"}, private: true},
		"Other special IPv4 ranges should be refused.":    {addrs: []string{"192.0.0.8", "198.18.0.1", "240.0.0.1"}, private: true},
		"IPv6 loopback should be private.":                {addrs: []string{"::1"}, private: true},
		"IPv6 unique local addresses should be private.":  {addrs: []string{"fc00::1", "fd12:3456:789a::1"}, private: true},
		"IPv6 link-local should be private, zoned too.":   {addrs: []string{"fe80::1", "fe80::1%eth0", "fec0::1"}, private: true},
		"IPv4-mapped private addresses should be private.": {
			addrs:   []string{"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::ffff:100.64.0.1", "::ffff:0.0.0.0"},
			private: true,
		},
		"IPv4-compatible and NAT64 forms of private addresses should be private.": {
			addrs:   []string{"::127.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1"},
			private: true,
		},
		"6to4 and Teredo forms of private addresses should be private.": {
			// 127.0.0.1, 10.0.0.1 and 169.254.169.254 in 6to4; Teredo
			// clients 10.0.0.1 and 127.0.0.1, inverted.
			addrs:   []string{"2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe::1", "2001:0:4136:e378:8000:63bf:f5ff:fffe", "2001:0:4136:e378:8000:63bf:80ff:fffe"},
			private: true,
		},
		"Public IPv4 addresses should be allowed.": {addrs: []string{"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.32.0.1", "169.255.0.1"}},
		"Public IPv6 addresses should be allowed.": {addrs: []string{"2001:4860::8888", "2001:4860:4860::8888", "2606:4700:4700::1111"}},
		"Mapped, NAT64, 6to4 and Teredo public addresses should be allowed.": {
			addrs: []string{"::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1", "2001:0:4136:e378:8000:63bf:f7f7:f7f7"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for _, s := range tt.addrs {
				require.Equal(t, tt.private, webhook.PrivateAddr(netip.MustParseAddr(s)), s)
			}
		})
	}
	require.True(t, webhook.PrivateAddr(netip.Addr{}), "the zero Addr is refused")
}

func TestSendBlockPrivate(t *testing.T) {
	tests := map[string]struct {
		// host replaces the receiver's 127.0.0.1 in the URL.
		host string
	}{
		"An IP literal should be refused.":                        {host: "127.0.0.1"},
		"A name resolving to loopback should be refused as well.": {host: "localhost"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			rc := newReceiver(t, status(http.StatusOK))
			require.True(t, strings.HasPrefix(rc.URL, "http://127.0.0.1:"), rc.URL)
			d, sub := delivery(strings.Replace(rc.URL, "127.0.0.1", tt.host, 1))
			s := webhook.NewSender(webhook.SenderConfig{BlockPrivate: true})

			o := s.Send(context.Background(), d, sub)

			require.False(t, o.Delivered)
			require.True(t, o.Permanent, "a blocked destination is not retried")
			require.Zero(t, o.StatusCode)
			require.Contains(t, []string{
				"destination 127.0.0.1 is a private address; deliveries to private networks are blocked (SLOREC_WEBHOOK_ALLOW_PRIVATE)",
				// localhost may resolve to ::1 first.
				"destination ::1 is a private address; deliveries to private networks are blocked (SLOREC_WEBHOOK_ALLOW_PRIVATE)",
			}, o.Error)
			require.Empty(t, rc.got(), "the receiver is never called")

			a := webhook.Policy{}.Next(1, o)
			require.False(t, a.Delivered)
			require.Zero(t, a.NextAttemptAt, "given up at the first attempt")
			require.Equal(t, o.Error, a.Error)
		})
	}
}

func TestSendBlockPrivateKeepsTheGivenTransport(t *testing.T) {
	rc := newReceiver(t, status(http.StatusOK))
	d, sub := delivery(rc.URL)
	base := &http.Transport{}
	s := webhook.NewSender(webhook.SenderConfig{BlockPrivate: true, Transport: base})

	o := s.Send(context.Background(), d, sub)

	require.True(t, o.Permanent)
	require.Contains(t, o.Error, "deliveries to private networks are blocked")
	require.Empty(t, rc.got())
	require.Nil(t, base.DialContext, "the caller's transport is copied, not changed")
}

func TestSendAllowsPrivateByDefault(t *testing.T) {
	rc := newReceiver(t, status(http.StatusNoContent))
	d, sub := delivery(rc.URL)

	o := webhook.NewSender(webhook.SenderConfig{BlockPrivate: false}).Send(context.Background(), d, sub)

	require.True(t, o.Delivered, o.Error)
	require.Len(t, rc.got(), 1)
}

func TestCheckURL(t *testing.T) {
	for raw, refused := range map[string]bool{
		"http://127.0.0.1:9000/hook":              true,
		"http://169.254.169.254/latest/meta-data": true,
		"https://[::1]/x":                         true,
		"https://[::ffff:10.0.0.1]/x":             true,
		"http://192.168.1.10/x":                   true,
		"https://8.8.8.8/x":                       false,
		"https://hooks.example.com/x":             false,
		"http://localhost:8080/x":                 false, // a name: checked when dialling
		"::not a url":                             false, // Subscription.Validate's job
	} {
		err := webhook.CheckURL(raw)
		if (err != nil) != refused {
			t.Errorf("CheckURL(%q) = %v, want refused %v", raw, err, refused)
		}
		if err != nil && slorec.ErrorCode(err) != slorec.EINVALID {
			t.Errorf("CheckURL(%q) code %s, want invalid", raw, slorec.ErrorCode(err))
		}
	}
}
