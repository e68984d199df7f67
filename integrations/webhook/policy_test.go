package webhook_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/webhook"
)

func fixed(r float64) func() float64 { return func() float64 { return r } }

func TestBackoffSchedule(t *testing.T) {
	m := time.Minute
	tests := map[string]struct {
		policy webhook.Policy
		want   []time.Duration // after attempts 1, 2, ...
	}{
		"Without jitter the defaults should double from 30s up to 1h.": {
			policy: webhook.Policy{Jitter: webhook.NoJitter},
			want:   []time.Duration{30 * time.Second, m, 2 * m, 4 * m, 8 * m, 16 * m, 32 * m, 60 * m, 60 * m},
		},
		"Equal jitter at r=0.5 should wait three quarters of the backoff.": {
			policy: webhook.Policy{Rand: fixed(0.5)},
			want:   []time.Duration{22500 * time.Millisecond, 45 * time.Second, 90 * time.Second, 3 * m, 6 * m, 12 * m, 24 * m, 45 * m},
		},
		"Equal jitter at r=0 should wait half the backoff.": {
			policy: webhook.Policy{Rand: fixed(0)},
			want:   []time.Duration{15 * time.Second, 30 * time.Second, m},
		},
		"Full jitter at r=0.5 should wait half the backoff.": {
			policy: webhook.Policy{Jitter: webhook.FullJitter, Rand: fixed(0.5)},
			want:   []time.Duration{15 * time.Second, 30 * time.Second, m, 2 * m},
		},
		"A custom base and cap should be used.": {
			policy: webhook.Policy{Base: time.Second, Max: 5 * time.Second, Jitter: webhook.NoJitter},
			want:   []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var got []time.Duration
			for n := 1; n <= len(tt.want); n++ {
				got = append(got, tt.policy.Backoff(n))
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// TestBackoffBounds checks, for random draws, that every wait lies in
// its jitter's range: [d/2, d] for equal, [0, d] for full, and never
// above Max.
func TestBackoffBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, j := range []webhook.Jitter{webhook.EqualJitter, webhook.FullJitter} {
		p := webhook.Policy{Jitter: j, Rand: rng.Float64}
		for n := 1; n <= 40; n++ {
			d := min(webhook.DefaultBase<<min(n-1, 20), webhook.DefaultMax)
			lo := d / 2
			if j == webhook.FullJitter {
				lo = 0
			}
			for range 50 {
				got := p.Backoff(n)
				require.GreaterOrEqual(t, got, lo, "jitter %d attempt %d", j, n)
				require.LessOrEqual(t, got, d, "jitter %d attempt %d", j, n)
			}
		}
	}
}

func TestNext(t *testing.T) {
	at := signedAt
	p := webhook.Policy{Jitter: webhook.NoJitter}
	failed := webhook.Outcome{At: at, StatusCode: 500, Error: "HTTP 500 Internal Server Error"}
	tests := map[string]struct {
		attempts int
		outcome  webhook.Outcome
		want     slorec.DeliveryAttempt
	}{
		"A delivered attempt should not be retried.": {
			attempts: 1, outcome: webhook.Outcome{At: at, StatusCode: 200, Delivered: true},
			want: slorec.DeliveryAttempt{At: at, StatusCode: 200, Delivered: true},
		},
		"A first failure should be retried after the base.": {
			attempts: 1, outcome: failed,
			want: slorec.DeliveryAttempt{At: at, StatusCode: 500, Error: failed.Error, NextAttemptAt: at.Add(30 * time.Second)},
		},
		"The seventh failure should still be retried.": {
			attempts: 7, outcome: failed,
			want: slorec.DeliveryAttempt{At: at, StatusCode: 500, Error: failed.Error, NextAttemptAt: at.Add(32 * time.Minute)},
		},
		"The eighth failure should give up.": {
			attempts: 8, outcome: failed,
			want: slorec.DeliveryAttempt{At: at, StatusCode: 500, Error: failed.Error + "; gave up after 8 attempts"},
		},
		"A permanent failure should give up at once.": {
			attempts: 1, outcome: webhook.Outcome{At: at, Error: "blocked", Permanent: true},
			want: slorec.DeliveryAttempt{At: at, Error: "blocked"},
		},
		"A 410 Gone should give up at once and deactivate the subscription.": {
			attempts: 1, outcome: webhook.Outcome{At: at, StatusCode: 410, Error: "gone", Permanent: true, Gone: true},
			want: slorec.DeliveryAttempt{At: at, StatusCode: 410, Error: "gone", DeactivateSubscription: true},
		},
		"A Retry-After longer than the backoff should be honoured.": {
			attempts: 1, outcome: webhook.Outcome{At: at, StatusCode: 429, RetryAfter: 10 * time.Minute},
			want: slorec.DeliveryAttempt{At: at, StatusCode: 429, NextAttemptAt: at.Add(10 * time.Minute)},
		},
		"A Retry-After shorter than the backoff should not hasten the retry.": {
			attempts: 3, outcome: webhook.Outcome{At: at, StatusCode: 503, RetryAfter: time.Second},
			want: slorec.DeliveryAttempt{At: at, StatusCode: 503, NextAttemptAt: at.Add(2 * time.Minute)},
		},
		"A Retry-After beyond Max should be capped at Max.": {
			attempts: 1, outcome: webhook.Outcome{At: at, StatusCode: 429, RetryAfter: 6 * time.Hour},
			want: slorec.DeliveryAttempt{At: at, StatusCode: 429, NextAttemptAt: at.Add(time.Hour)},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tt.want, p.Next(tt.attempts, tt.outcome))
		})
	}
}

func TestNextGivesUpAfterMaxAttempts(t *testing.T) {
	p := webhook.Policy{MaxAttempts: 3, Jitter: webhook.NoJitter}
	failed := webhook.Outcome{At: signedAt, StatusCode: 500}
	require.False(t, p.Next(2, failed).NextAttemptAt.IsZero())
	require.True(t, p.Next(3, failed).NextAttemptAt.IsZero())
	require.True(t, p.Next(4, failed).NextAttemptAt.IsZero())
}

func TestPolicyValidate(t *testing.T) {
	tests := map[string]struct {
		policy webhook.Policy
		valid  bool
	}{
		"The zero policy should be valid.":         {valid: true},
		"Negative attempts should be invalid.":     {policy: webhook.Policy{MaxAttempts: -1}},
		"A negative base should be invalid.":       {policy: webhook.Policy{Base: -time.Second}},
		"A base above the max should be invalid.":  {policy: webhook.Policy{Base: 2 * time.Hour}},
		"An unknown jitter should be invalid.":     {policy: webhook.Policy{Jitter: 7}},
		"A small base and max should be valid.":    {policy: webhook.Policy{Base: time.Millisecond, Max: time.Second}, valid: true},
		"A base above a custom max is invalid.":    {policy: webhook.Policy{Base: time.Minute, Max: time.Second}},
		"A max below the default base is invalid.": {policy: webhook.Policy{Max: time.Second}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			err := tt.policy.Validate()
			if tt.valid {
				require.NoError(t, err)
				return
			}
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
		})
	}
}
