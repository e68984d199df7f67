package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/webhook"
)

var signedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // unix 1767225600

func TestSignFormat(t *testing.T) {
	body := []byte(`{"id":"evt-1"}`)
	// Computed independently of Sign: HMAC-SHA256 of "<t>.<body>".
	h := hmac.New(sha256.New, []byte(testSecret))
	h.Write([]byte("1767225600." + string(body)))
	want := "t=1767225600,v1=" + hex.EncodeToString(h.Sum(nil))

	require.Equal(t, want, webhook.Sign(testSecret, signedAt, body))
}

func TestVerify(t *testing.T) {
	body := []byte(`{"id":"evt-1","type":"slo.accepted"}`)
	header := webhook.Sign(testSecret, signedAt, body)
	v1 := func(secret string) string {
		_, sig, _ := strings.Cut(webhook.Sign(secret, signedAt, body), ",")
		return sig
	}
	tests := map[string]struct {
		secret, header string
		body           []byte
		now            time.Time
		tolerance      time.Duration
		want           error
	}{
		"A header signed with the secret should verify.": {
			header: header, now: signedAt,
		},
		"A header a little old but within the tolerance should verify.": {
			header: header, now: signedAt.Add(4 * time.Minute),
		},
		"A tampered body should not verify.": {
			header: header, body: []byte(`{"id":"evt-2","type":"slo.accepted"}`), now: signedAt, want: webhook.ErrSignatureMismatch,
		},
		"Another secret should not verify.": {
			secret: "another-secret-0123456789", header: header, now: signedAt, want: webhook.ErrSignatureMismatch,
		},
		"A timestamp older than the tolerance should be rejected.": {
			header: header, now: signedAt.Add(5*time.Minute + time.Second), want: webhook.ErrSignatureExpired,
		},
		"A timestamp further in the future than the tolerance should be rejected.": {
			header: header, now: signedAt.Add(-6 * time.Minute), want: webhook.ErrSignatureExpired,
		},
		"A custom tolerance should be used.": {
			header: header, now: signedAt.Add(31 * time.Second), tolerance: 30 * time.Second, want: webhook.ErrSignatureExpired,
		},
		"A header changed to a fresh timestamp should not verify.": {
			header: strings.Replace(header, "t=1767225600", "t=1767229200", 1), now: signedAt.Add(time.Hour), want: webhook.ErrSignatureMismatch,
		},
		"Two v1 values, old and new secret, should verify with the new secret.": {
			header: "t=1767225600," + v1("old-secret-0123456789") + "," + v1(testSecret), now: signedAt,
		},
		"Two v1 values, old and new secret, should verify with the old secret.": {
			secret: "old-secret-0123456789", header: "t=1767225600," + v1("old-secret-0123456789") + "," + v1(testSecret), now: signedAt,
		},
		"Unknown schemes and spaces should be ignored.": {
			header: "t=1767225600, v0=abc, " + v1(testSecret), now: signedAt,
		},
		"An empty header should be malformed.": {
			header: "", now: signedAt, want: webhook.ErrSignatureMalformed,
		},
		"A header without t should be malformed.": {
			header: v1(testSecret), now: signedAt, want: webhook.ErrSignatureMalformed,
		},
		"A header without v1 should be malformed.": {
			header: "t=1767225600", now: signedAt, want: webhook.ErrSignatureMalformed,
		},
		"Two timestamps should be malformed.": {
			header: "t=1767225600,t=1767225600," + v1(testSecret), now: signedAt, want: webhook.ErrSignatureMalformed,
		},
		"A signed timestamp should be malformed.": {
			header: "t=+1767225600," + v1(testSecret), now: signedAt, want: webhook.ErrSignatureMalformed,
		},
		"A v1 that is not 64 hex digits should be malformed.": {
			header: "t=1767225600,v1=abcd", now: signedAt, want: webhook.ErrSignatureMalformed,
		},
		"A part without = should be malformed.": {
			header: "t=1767225600," + v1(testSecret) + ",junk", now: signedAt, want: webhook.ErrSignatureMalformed,
		},
		"A huge header should be malformed.": {
			header: "t=1767225600," + strings.Repeat(v1(testSecret)+",", 200) + v1(testSecret), now: signedAt, want: webhook.ErrSignatureMalformed,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			secret := tt.secret
			if secret == "" {
				secret = testSecret
			}
			b := tt.body
			if b == nil {
				b = body
			}
			err := webhook.Verify(secret, tt.header, b, tt.now, tt.tolerance)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			require.Equal(t, slorec.EUNAUTHORIZED, slorec.ErrorCode(err))
		})
	}
}

// FuzzVerify checks that no header makes Verify panic, and that any body
// signed with Sign verifies.
func FuzzVerify(f *testing.F) {
	f.Add("t=1767225600,v1="+strings.Repeat("ab", 32), []byte(`{}`), uint32(1767225600))
	f.Add("t=,v1=,", []byte(nil), uint32(0))
	f.Add("t=99999999999999999999,v1=zz", []byte("x"), uint32(1<<32-1))
	f.Fuzz(func(t *testing.T, header string, body []byte, unix uint32) {
		now := time.Unix(int64(unix), 0)
		_ = webhook.Verify(testSecret, header, body, now, 0)
		require.NoError(t, webhook.Verify(testSecret, webhook.Sign(testSecret, now, body), body, now, 0))
	})
}

func ExampleVerify() {
	body := []byte(`{"id":"evt-1"}`)
	at := time.Unix(1767225600, 0)
	header := webhook.Sign("whsec-example-0123456789", at, body)
	fmt.Println(header)
	fmt.Println(webhook.Verify("whsec-example-0123456789", header, body, at.Add(time.Minute), 0))
	// Output:
	// t=1767225600,v1=c6c4e6ed86193682a9df9e9fffc3c1977b2ebcf2065d58a9e335ad8c46b9c1d7
	// <nil>
}
