package slorec

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// DefaultTenant is the tenant of the CLI and of data loaded without one.
const DefaultTenant = "default"

// Role is what an API token may do. Each role includes the ones before it.
type Role string

// Roles.
const (
	// RoleReader reads services, recommendations, scorecards, knowledge
	// and asks the chat.
	RoleReader Role = "reader"
	// RoleEditor also ingests graphs and metrics, commits SLOs, gives
	// feedback and adds knowledge.
	RoleEditor Role = "editor"
	// RoleAdmin also manages webhook subscriptions and reads the audit log.
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleReader || r == RoleEditor || r == RoleAdmin }

// Allows reports whether r includes need.
func (r Role) Allows(need Role) bool { return r.Valid() && need.Valid() && r.rank() >= need.rank() }

func (r Role) rank() int {
	switch r {
	case RoleEditor:
		return 1
	case RoleAdmin:
		return 2
	}
	return 0
}

// Token is an API credential of one tenant. Its secret is shown once, when
// it is created; only a hash of it is stored.
type Token struct {
	ID        string    `json:"id"`
	Tenant    string    `json:"tenant"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	Revoked   bool      `json:"revoked,omitempty"`
}

// ValidTenant reports whether id is a usable tenant id: 1 to 64 lowercase
// letters, digits and dashes, starting with a letter or digit.
func ValidTenant(id string) bool {
	if id == "" || len(id) > 64 || id[0] == '-' {
		return false
	}
	for _, c := range id {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Event types a webhook subscription can ask for.
const (
	EventSLOAccepted = "slo.accepted" // a recommendation was committed as proposed
	EventSLOModified = "slo.modified" // a modified or hand-written SLO was committed
)

// Event is something subscribers are told about.
type Event struct {
	ID      string    `json:"id"`
	Type    string    `json:"type"`
	Tenant  string    `json:"tenant"`
	Service string    `json:"service"`
	At      time.Time `json:"at"`
	// Data is the event's JSON payload (e.g. the committed SLOs).
	Data any `json:"data"`
}

// Subscription is a webhook endpoint of a tenant. Secret signs every
// delivery (HMAC-SHA256); it is write-only: stores never return it in
// lists.
type Subscription struct {
	ID        string    `json:"id"`
	Tenant    string    `json:"tenant"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret,omitempty"`
	Events    []string  `json:"events"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Validate checks a subscription on its own.
func (s *Subscription) Validate() error {
	u, err := url.Parse(s.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return Errorf(EINVALID, "url: %q is not an http(s) URL", s.URL)
	case len(s.Secret) < 16:
		return Errorf(EINVALID, "secret: at least 16 characters")
	case len(s.Events) == 0:
		return Errorf(EINVALID, "events: at least one of %s, %s", EventSLOAccepted, EventSLOModified)
	}
	for _, e := range s.Events {
		if e != EventSLOAccepted && e != EventSLOModified {
			return Errorf(EINVALID, "events: unknown %q (want %s or %s)", e, EventSLOAccepted, EventSLOModified)
		}
	}
	if strings.ContainsAny(s.URL, " \t\n") {
		return Errorf(EINVALID, "url: contains spaces")
	}
	return nil
}

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // gave up after the last retry
)

// Delivery is one event queued for one subscription (the transactional
// outbox) and what became of it.
type Delivery struct {
	ID             string          `json:"id"`
	Tenant         string          `json:"tenant"`
	SubscriptionID string          `json:"subscription_id"`
	EventID        string          `json:"event_id"`
	EventType      string          `json:"event_type"`
	Payload        json.RawMessage `json:"payload"`
	Status         string          `json:"status"`
	Attempts       int             `json:"attempts"`
	LastStatusCode int             `json:"last_status_code,omitempty"`
	LastError      string          `json:"last_error,omitempty"`
	NextAttemptAt  time.Time       `json:"next_attempt_at,omitzero"`
	CreatedAt      time.Time       `json:"created_at,omitzero"`
	DeliveredAt    time.Time       `json:"delivered_at,omitzero"`
}

// DeliveryAttempt is the outcome of one POST of a delivery.
type DeliveryAttempt struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	// Delivered is true for a 2xx answer.
	Delivered bool `json:"delivered"`
	// NextAttemptAt is when to retry; zero means give up (failed) when
	// not delivered.
	NextAttemptAt time.Time `json:"next_attempt_at,omitzero"`
	// DeactivateSubscription, set when the receiver answered 410 Gone,
	// deactivates the delivery's subscription with the attempt, as
	// deleting it would: nothing more is queued for it, and its other
	// pending deliveries are given up unsent.
	DeactivateSubscription bool `json:"deactivate_subscription,omitempty"`
}

// IdempotencyRecord is the stored outcome of a POST sent with an
// Idempotency-Key: a retry with the same key and body gets the same
// response; the same key with another body is a conflict.
type IdempotencyRecord struct {
	Tenant      string    `json:"tenant"`
	Key         string    `json:"key"`
	RequestHash string    `json:"request_hash"`
	StatusCode  int       `json:"status_code"`
	ContentType string    `json:"content_type"`
	Body        []byte    `json:"body"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}
