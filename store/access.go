package store

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slorec/slorec"
)

// The functions below hold what both adapters share about tokens,
// idempotency keys, subscriptions and deliveries.

// TokenPrefix starts every API token secret, so a leaked one is
// recognisable (secret scanners can match it) and anything else is refused
// before a lookup.
const TokenPrefix = "slorec_"

// tokenSecretBytes is the entropy of a secret: 256 bits.
const tokenSecretBytes = 32

// NewTokenSecret returns a new token secret: TokenPrefix followed by 32
// random bytes in unpadded base64url.
func NewTokenSecret() string {
	var b [tokenSecretBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashTokenSecret returns the SHA-256 of secret, the only form of it that
// is stored. A fast hash suffices: the secret has 256 random bits, so there
// is nothing to brute-force.
func HashTokenSecret(secret string) [sha256.Size]byte { return sha256.Sum256([]byte(secret)) }

// WellFormedTokenSecret reports whether secret has the shape of one made by
// NewTokenSecret.
func WellFormedTokenSecret(secret string) bool {
	body, ok := strings.CutPrefix(secret, TokenPrefix)
	return ok && len(body) == base64.RawURLEncoding.EncodedLen(tokenSecretBytes)
}

// SameTokenHash compares two secret hashes in constant time.
func SameTokenHash(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// ErrUnauthorized is the one error for an unknown, malformed or revoked
// token, so a caller cannot tell them apart.
func ErrUnauthorized() error {
	return slorec.Errorf(slorec.EUNAUTHORIZED, "unknown or revoked API token")
}

// maxNameBytes bounds token names.
const maxNameBytes = 200

// PrepareToken checks the fields of a new token.
func PrepareToken(tenant, name string, role slorec.Role) error {
	switch {
	case !slorec.ValidTenant(tenant):
		return slorec.Errorf(slorec.EINVALID, "tenant: %q is not a tenant id (1 to 64 lowercase letters, digits and dashes)", tenant)
	case strings.TrimSpace(name) == "":
		return slorec.Errorf(slorec.EINVALID, "name: required")
	case len(name) > maxNameBytes:
		return slorec.Errorf(slorec.EINVALID, "name: longer than %d bytes", maxNameBytes)
	case !role.Valid():
		return slorec.Errorf(slorec.EINVALID, "role: unknown %q (want %s, %s or %s)", role, slorec.RoleReader, slorec.RoleEditor, slorec.RoleAdmin)
	}
	return nil
}

// MustTenant panics when id is not a valid tenant id: Store.Tenant's
// callers take ids from authenticated tokens or use slorec.DefaultTenant,
// so a bad one is a programming error.
func MustTenant(id string) {
	if !slorec.ValidTenant(id) {
		panic(fmt.Sprintf("store: invalid tenant id %q", id))
	}
}

// IdempotencyTTL is how long an idempotency key is kept: a day, as Stripe
// does ("keys are eligible to be removed ... after they're at least 24
// hours old", Stripe API reference, Idempotent requests).
const IdempotencyTTL = 24 * time.Hour

// maxIdempotencyKeyBytes bounds keys (the IETF draft
// draft-ietf-httpapi-idempotency-key-header suggests UUIDs; 255 leaves
// room for any client scheme).
const maxIdempotencyKeyBytes = 255

// PrepareIdempotencyKey checks the arguments of BeginIdempotent.
func PrepareIdempotencyKey(tenant, key, requestHash string) error {
	switch {
	case !slorec.ValidTenant(tenant):
		return slorec.Errorf(slorec.EINVALID, "tenant: %q is not a tenant id", tenant)
	case key == "":
		return slorec.Errorf(slorec.EINVALID, "idempotency key: required")
	case len(key) > maxIdempotencyKeyBytes:
		return slorec.Errorf(slorec.EINVALID, "idempotency key: longer than %d bytes", maxIdempotencyKeyBytes)
	case requestHash == "":
		return slorec.Errorf(slorec.EINVALID, "idempotency request hash: required")
	}
	return nil
}

// PrepareIdempotencyRecord checks a record before FinishIdempotent stores
// it and returns it normalised (an empty body is nil).
func PrepareIdempotencyRecord(rec slorec.IdempotencyRecord) (slorec.IdempotencyRecord, error) {
	if err := PrepareIdempotencyKey(rec.Tenant, rec.Key, rec.RequestHash); err != nil {
		return rec, err
	}
	if rec.StatusCode < 100 || rec.StatusCode > 599 {
		return rec, slorec.Errorf(slorec.EINVALID, "idempotency status code: %d is not an HTTP status", rec.StatusCode)
	}
	if len(rec.Body) == 0 {
		rec.Body = nil
	} else {
		rec.Body = slices.Clone(rec.Body)
	}
	return rec, nil
}

// ErrIdempotencyConflict is the error for a key used with another body.
func ErrIdempotencyConflict(key string) error {
	return slorec.Errorf(slorec.ECONFLICT, "idempotency key %q was used with a different request", key)
}

// ErrIdempotencyInProgress is the error for a key whose first request is
// still running.
func ErrIdempotencyInProgress(key string) error {
	return slorec.Errorf(slorec.ECONFLICT, "a request with idempotency key %q is still in progress", key)
}

// ErrNoReservation is FinishIdempotent's error for a key that is not
// reserved with that hash.
func ErrNoReservation(key string) error {
	return slorec.Errorf(slorec.ENOTFOUND, "idempotency key %q is not reserved for this request", key)
}

// PrepareSubscription validates a new subscription and returns it
// normalised: events without repeats, fields the store fills cleared.
func PrepareSubscription(s slorec.Subscription) (slorec.Subscription, error) {
	if err := s.Validate(); err != nil {
		return slorec.Subscription{}, err
	}
	var events []string
	for _, e := range s.Events {
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	return slorec.Subscription{URL: s.URL, Secret: s.Secret, Events: events}, nil
}

// Subscribes reports whether s is active and asks for eventType.
func Subscribes(s slorec.Subscription, eventType string) bool {
	return s.Active && slices.Contains(s.Events, eventType)
}

// DefaultListLimit and MaxListLimit bound Deliveries and DueDeliveries.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// ListLimit returns the effective limit of a delivery list.
func ListLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultListLimit
	case limit > MaxListLimit:
		return MaxListLimit
	}
	return limit
}

// PrepareEvent validates event for CommitSLOs and fills what the store
// owns: Tenant, and ID and At when empty.
func PrepareEvent(e slorec.Event, tenant string, now time.Time) (slorec.Event, error) {
	if e.Type != slorec.EventSLOAccepted && e.Type != slorec.EventSLOModified {
		return slorec.Event{}, slorec.Errorf(slorec.EINVALID, "event: unknown type %q (want %s or %s)", e.Type, slorec.EventSLOAccepted, slorec.EventSLOModified)
	}
	if _, err := json.Marshal(e.Data); err != nil {
		return slorec.Event{}, slorec.Errorf(slorec.EINVALID, "event: data is not JSON: %v", err)
	}
	e.Tenant = tenant
	if e.ID == "" {
		e.ID = NewID("evt")
	}
	if e.At.IsZero() {
		e.At = now
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	return e, nil
}

// EventPayload returns the JSON body delivered for e, whose Data becomes
// slos when it is nil.
func EventPayload(e slorec.Event, slos []slorec.SLO) ([]byte, error) {
	if e.Data == nil {
		e.Data = slos
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "event: data is not JSON: %v", err)
	}
	return b, nil
}

// NewDelivery returns the pending delivery of payload to subscription
// sub, due now.
func NewDelivery(e slorec.Event, sub slorec.Subscription, payload []byte, now time.Time) slorec.Delivery {
	return slorec.Delivery{
		ID: NewID("dlv"), Tenant: e.Tenant, SubscriptionID: sub.ID, EventID: e.ID, EventType: e.Type,
		Payload: payload, Status: slorec.DeliveryPending, NextAttemptAt: now, CreatedAt: now,
	}
}

// maxAttemptErrorBytes bounds the stored error of an attempt: a network
// error can quote a whole response.
const maxAttemptErrorBytes = 2000

// ApplyAttempt returns d after attempt a, made at now when a.At is zero.
// Errors: EINVALID (bad status code), ECONFLICT (d is not pending).
func ApplyAttempt(d slorec.Delivery, a slorec.DeliveryAttempt, now time.Time) (slorec.Delivery, error) {
	if a.StatusCode < 0 || a.StatusCode > 599 {
		return d, slorec.Errorf(slorec.EINVALID, "attempt: status code %d is not in 0-599", a.StatusCode)
	}
	if d.Status != slorec.DeliveryPending {
		return d, slorec.Errorf(slorec.ECONFLICT, "delivery %q is already %s", d.ID, d.Status)
	}
	at := a.At
	if at.IsZero() {
		at = now
	}
	d.Attempts++
	d.LastStatusCode = a.StatusCode
	d.LastError = truncateUTF8(a.Error, maxAttemptErrorBytes)
	d.NextAttemptAt = time.Time{}
	switch {
	case a.Delivered:
		d.Status = slorec.DeliveryDelivered
		d.DeliveredAt = at.UTC().Truncate(time.Microsecond)
	case !a.NextAttemptAt.IsZero():
		d.Status = slorec.DeliveryPending
		d.NextAttemptAt = a.NextAttemptAt.UTC().Truncate(time.Microsecond)
	default:
		d.Status = slorec.DeliveryFailed
	}
	return d, nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
