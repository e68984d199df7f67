package draft

import (
	"sync"
	"time"

	"github.com/slorec/slorec"
)

// BreakerState is the state of a circuit breaker.
type BreakerState string

// Breaker states.
const (
	// BreakerClosed lets every call through.
	BreakerClosed BreakerState = "closed"
	// BreakerOpen refuses every call until the cooldown has passed.
	BreakerOpen BreakerState = "open"
	// BreakerHalfOpen lets one probe through; its outcome closes or
	// reopens the breaker.
	BreakerHalfOpen BreakerState = "half-open"
)

// Breaker defaults.
const (
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 30 * time.Second
)

// BreakerConfig configures a Breaker. The zero value is the default.
type BreakerConfig struct {
	// Failures is the number of consecutive failed attempts that opens
	// the breaker; zero means DefaultBreakerFailures.
	Failures int
	// Cooldown is how long the breaker stays open before it lets a probe
	// through; zero means DefaultBreakerCooldown.
	Cooldown time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Breaker is a circuit breaker shared by every call of a drafter: closed,
// it counts consecutive failed attempts (timeouts, transport errors, 5xx,
// 429, malformed replies) and opens after Failures of them; open, it
// refuses calls at once with an EUNAVAILABLE error, so an outage costs no
// timeouts; after Cooldown it is half-open and lets one probe through,
// whose success closes it and whose failure reopens it for another
// Cooldown. Outcomes that say nothing about the backend's health (a 400,
// the caller's own cancellation) leave the count alone. It is safe for
// concurrent use.
type Breaker struct {
	mu       sync.Mutex
	failures int
	cooldown time.Duration
	now      func() time.Time

	open     bool
	count    int
	openedAt time.Time
	probing  bool
}

// NewBreaker returns a closed breaker.
func NewBreaker(cfg BreakerConfig) *Breaker {
	b := &Breaker{failures: cfg.Failures, cooldown: cfg.Cooldown, now: cfg.Now}
	if b.failures <= 0 {
		b.failures = DefaultBreakerFailures
	}
	if b.cooldown <= 0 {
		b.cooldown = DefaultBreakerCooldown
	}
	if b.now == nil {
		b.now = time.Now
	}
	return b
}

// State reports the breaker's state now.
func (b *Breaker) State() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return BreakerClosed
	case b.now().Sub(b.openedAt) >= b.cooldown:
		return BreakerHalfOpen
	}
	return BreakerOpen
}

// outcome is what an attempt says about the backend's health.
type outcome int

const (
	outcomeSuccess outcome = iota
	outcomeFailure
	outcomeNeutral
)

// allow asks to make one attempt. probe reports that the attempt is the
// half-open breaker's one probe; its outcome must be reported to done.
func (b *Breaker) allow() (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return false, nil
	}
	if wait := b.cooldown - b.now().Sub(b.openedAt); wait > 0 {
		return false, slorec.Errorf(slorec.EUNAVAILABLE, "circuit breaker open after %d consecutive failures; next probe in %s", b.failures, wait.Round(time.Millisecond))
	}
	if b.probing {
		return false, slorec.Errorf(slorec.EUNAVAILABLE, "circuit breaker half-open: a probe is in flight")
	}
	b.probing = true
	return true, nil
}

// done records the outcome of an attempt allow let through.
func (b *Breaker) done(probe bool, o outcome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	switch o {
	case outcomeSuccess:
		b.open, b.count = false, 0
	case outcomeFailure:
		b.count++
		if probe || (!b.open && b.count >= b.failures) {
			b.open, b.openedAt = true, b.now()
		}
	}
}
