package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slorec/slorec"
)

// Headers of every delivery POST.
const (
	// HeaderSignature carries "t=<unix seconds>,v1=<hex HMAC-SHA256>"
	// (see Sign).
	HeaderSignature = "Slorec-Signature"
	// HeaderEventID is the event's id: the same for every subscription
	// and every retry of the event, so receivers can deduplicate.
	HeaderEventID = "Slorec-Event-Id"
	// HeaderEventType is the event's type, e.g. slorec.EventSLOAccepted.
	HeaderEventType = "Slorec-Event-Type"
	// HeaderDeliveryID is the delivery's id: one event for one
	// subscription, the same on every retry.
	HeaderDeliveryID = "Slorec-Delivery-Id"
	// UserAgent is the User-Agent of every delivery POST.
	UserAgent = "slorec-webhook/1"
)

// DefaultTolerance is how far a signature's timestamp may be from the
// receiver's clock when Verify is given no tolerance. Five minutes, as
// Stripe's libraries use: long enough for clock skew and a slow network,
// short enough to limit replays of a captured request.
const DefaultTolerance = 5 * time.Minute

// maxSignatureHeader bounds the header Verify parses, so a hostile header
// costs little; 8 KiB holds over a hundred signatures.
const maxSignatureHeader = 8 << 10

// Errors of Verify. All have code EUNAUTHORIZED: the request is not
// proven to come from slorec. Verify wraps them with details; test with
// errors.Is.
var (
	ErrSignatureMalformed = &slorec.Error{Code: slorec.EUNAUTHORIZED, Message: "webhook signature: malformed " + HeaderSignature + " header"}
	ErrSignatureExpired   = &slorec.Error{Code: slorec.EUNAUTHORIZED, Message: "webhook signature: timestamp outside the tolerance"}
	ErrSignatureMismatch  = &slorec.Error{Code: slorec.EUNAUTHORIZED, Message: "webhook signature: no signature matches the secret"}
)

// Sign returns the Slorec-Signature header of body sent at ts with the
// subscription's secret: "t=<ts in unix seconds>,v1=<sig>", where sig is
// the lowercase hex HMAC-SHA256, keyed with the secret's bytes, of the
// timestamp's decimal digits, a dot, and the body exactly as sent
// ("<t>.<body>"). It is Stripe's scheme, so existing receiver code works
// with the header name changed.
func Sign(secret string, ts time.Time, body []byte) string {
	t := ts.Unix()
	return "t=" + strconv.FormatInt(t, 10) + ",v1=" + hex.EncodeToString(mac(secret, t, body))
}

// Verify checks a Slorec-Signature header for body, as a receiver does:
// the header must have exactly one t and at least one v1; the timestamp
// must be within tolerance of now, in the past or the future
// (DefaultTolerance when tolerance <= 0); and one of the v1 values must
// equal the HMAC of body with secret, compared in constant time. Several
// v1 values are allowed so that a sender rotating its secret can sign
// with the old and the new one; unknown keys (v0, v2, ...) are ignored.
// A receiver that itself holds two secrets during a rotation calls
// Verify once with each. The body must be the raw bytes received, before
// any JSON decoding. Errors wrap ErrSignatureMalformed,
// ErrSignatureExpired or ErrSignatureMismatch.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	t, sigs, err := parseSignature(header)
	if err != nil {
		return err
	}
	switch age := now.Sub(time.Unix(t, 0)); {
	case age > tolerance:
		return fmt.Errorf("%w: signed %s ago, more than the %s tolerated", ErrSignatureExpired, age.Truncate(time.Second), tolerance)
	case -age > tolerance:
		return fmt.Errorf("%w: signed %s in the future, more than the %s tolerated", ErrSignatureExpired, (-age).Truncate(time.Second), tolerance)
	}
	want := mac(secret, t, body)
	ok := false
	for _, s := range sigs {
		// No early exit: the time taken does not tell which one matched.
		if hmac.Equal(s, want) {
			ok = true
		}
	}
	if !ok {
		return ErrSignatureMismatch
	}
	return nil
}

// parseSignature splits "t=...,v1=...[,v1=...]" into the timestamp and
// the decoded signatures.
func parseSignature(header string) (int64, [][]byte, error) {
	if len(header) > maxSignatureHeader {
		return 0, nil, fmt.Errorf("%w: longer than %d bytes", ErrSignatureMalformed, maxSignatureHeader)
	}
	var (
		t     int64
		haveT bool
		sigs  [][]byte
	)
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return 0, nil, fmt.Errorf("%w: %q is not key=value", ErrSignatureMalformed, part)
		}
		switch k {
		case "t":
			if haveT {
				return 0, nil, fmt.Errorf("%w: more than one t", ErrSignatureMalformed)
			}
			n, err := parseUnix(v)
			if err != nil {
				return 0, nil, fmt.Errorf("%w: t=%q: %v", ErrSignatureMalformed, v, err)
			}
			t, haveT = n, true
		case "v1":
			s, err := hex.DecodeString(v)
			if err != nil || len(s) != sha256.Size {
				return 0, nil, fmt.Errorf("%w: v1 is not %d hex digits", ErrSignatureMalformed, 2*sha256.Size)
			}
			sigs = append(sigs, s)
		}
	}
	switch {
	case !haveT:
		return 0, nil, fmt.Errorf("%w: no t", ErrSignatureMalformed)
	case len(sigs) == 0:
		return 0, nil, fmt.Errorf("%w: no v1", ErrSignatureMalformed)
	}
	return t, sigs, nil
}

// parseUnix reads decimal unix seconds: digits only (no sign), at most
// 12 of them (beyond the year 30000).
func parseUnix(v string) (int64, error) {
	if v == "" || len(v) > 12 {
		return 0, fmt.Errorf("want 1 to 12 digits")
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("want digits only")
		}
	}
	return strconv.ParseInt(v, 10, 64)
}

func mac(secret string, t int64, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write(strconv.AppendInt(nil, t, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}
