package webhook

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/slorec/slorec"
)

// Defaults of Policy.
const (
	DefaultMaxAttempts = 8
	DefaultBase        = 30 * time.Second
	DefaultMax         = time.Hour
)

// Jitter is how a Policy randomises its backoff, so that deliveries that
// failed together (a receiver's outage) do not all retry in the same
// second. See "Exponential Backoff And Jitter", AWS Architecture Blog,
// 2015.
type Jitter int

// Jitters.
const (
	// EqualJitter waits half the backoff plus a random part of the other
	// half: in [d/2, d). The default: spread, yet never much sooner than
	// planned.
	EqualJitter Jitter = iota
	// FullJitter waits a random part of the whole backoff: in [0, d).
	FullJitter
	// NoJitter waits exactly the backoff (tests, single receivers).
	NoJitter
)

// Policy decides when a failed delivery is tried again. The wait after
// the n-th failed attempt is Base·2^(n-1), at most Max, jittered; after
// MaxAttempts attempts the delivery is given up (failed). With the
// defaults (8 attempts, 30 s, 1 h, equal jitter) the retries come about
// 30 s, 1, 2, 4, 8, 16 and 32 min after the attempt before (each
// jittered down by up to half), so a receiver has roughly 45 minutes to
// an hour to recover. The zero value is the default policy.
type Policy struct {
	// MaxAttempts is the number of attempts, the first included;
	// 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Base is the wait after the first failed attempt; 0 means
	// DefaultBase.
	Base time.Duration
	// Max bounds every wait, including one asked for by Retry-After;
	// 0 means DefaultMax.
	Max time.Duration
	// Jitter is the randomisation; the zero value is EqualJitter.
	Jitter Jitter
	// Rand returns a number in [0,1) for the jitter; nil means
	// math/rand/v2's Float64.
	Rand func() float64
}

// Validate checks p: no negative fields, Base not above Max, a known
// Jitter.
func (p Policy) Validate() error {
	switch {
	case p.MaxAttempts < 0:
		return slorec.Errorf(slorec.EINVALID, "webhook policy: max attempts %d is negative", p.MaxAttempts)
	case p.Base < 0 || p.Max < 0:
		return slorec.Errorf(slorec.EINVALID, "webhook policy: negative backoff (base %s, max %s)", p.Base, p.Max)
	case p.Jitter < EqualJitter || p.Jitter > NoJitter:
		return slorec.Errorf(slorec.EINVALID, "webhook policy: unknown jitter %d", p.Jitter)
	}
	if q := p.withDefaults(); q.Base > q.Max {
		return slorec.Errorf(slorec.EINVALID, "webhook policy: base %s is above max %s", q.Base, q.Max)
	}
	return nil
}

func (p Policy) withDefaults() Policy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = DefaultMaxAttempts
	}
	if p.Base == 0 {
		p.Base = DefaultBase
	}
	if p.Max == 0 {
		p.Max = DefaultMax
	}
	if p.Rand == nil {
		p.Rand = rand.Float64
	}
	return p
}

// Backoff returns the wait after failed attempts attempts (1 after the
// first), jittered.
func (p Policy) Backoff(attempts int) time.Duration {
	p = p.withDefaults()
	d := p.Base
	for i := 1; i < attempts && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	switch p.Jitter {
	case FullJitter:
		return time.Duration(p.Rand() * float64(d))
	case NoJitter:
		return d
	}
	return d/2 + time.Duration(p.Rand()*float64(d/2))
}

// Next turns the outcome of attempt number attempts (1 for the first)
// into the attempt to record: delivered; retried at o.At plus the
// backoff, or plus Retry-After when that is longer, never more than Max;
// or given up (zero NextAttemptAt) when the outcome is permanent or this
// was the last attempt. A Gone outcome also deactivates the subscription.
func (p Policy) Next(attempts int, o Outcome) slorec.DeliveryAttempt {
	p = p.withDefaults()
	a := slorec.DeliveryAttempt{At: o.At, StatusCode: o.StatusCode, Error: o.Error, Delivered: o.Delivered, DeactivateSubscription: o.Gone}
	switch {
	case o.Delivered, o.Permanent:
		return a
	case attempts >= p.MaxAttempts:
		a.Error += fmt.Sprintf("; gave up after %d attempts", attempts)
		return a
	}
	wait := min(max(p.Backoff(attempts), o.RetryAfter), p.Max)
	a.NextAttemptAt = o.At.Add(wait)
	return a
}
