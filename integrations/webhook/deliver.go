package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slorec/slorec"
)

// Outbox is the queue of deliveries that the store fills in the same
// transaction as the change they announce (the transactional outbox).
// store.Outbox implements it.
type Outbox interface {
	// Delivery returns a delivery with its subscription, secret
	// included. Errors: ENOTFOUND.
	Delivery(ctx context.Context, id string) (slorec.Delivery, slorec.Subscription, error)
	// RecordAttempt stores the outcome of one attempt (attempts+1, last
	// status code and error; status delivered, pending with
	// NextAttemptAt, or failed when not delivered and NextAttemptAt is
	// zero) and returns the updated delivery. Errors: ENOTFOUND.
	RecordAttempt(ctx context.Context, id string, a slorec.DeliveryAttempt) (slorec.Delivery, error)
	// DueDeliveries lists pending deliveries whose next attempt is at or
	// before now, oldest first, at most limit.
	DueDeliveries(ctx context.Context, now time.Time, limit int) ([]slorec.Delivery, error)
}

// Notifier is what the API needs from the delivery engine: after a
// commit that queued deliveries, a nudge to send them now rather than at
// the next poll. It never blocks and never fails; a lost nudge only
// delays delivery to the next poll. *Worker implements it; with River,
// use NopNotifier (inserting a job already notifies River's clients).
type Notifier interface {
	Notify()
}

// NopNotifier is the Notifier of engines that need no nudge (River).
type NopNotifier struct{}

// Notify does nothing.
func (NopNotifier) Notify() {}

var (
	_ Notifier = (*Worker)(nil)
	_ Notifier = NopNotifier{}
)

// recordTimeout bounds the write of an attempt's outcome. It runs even
// when the attempt's context was cancelled: the POST has gone out, and
// forgetting that would only cause one more.
const recordTimeout = 10 * time.Second

// deliverer makes one attempt of one delivery: the step both job engines
// share.
type deliverer struct {
	outbox Outbox
	sender *Sender
	policy Policy
	now    func() time.Time
	log    *slog.Logger
}

// deliver reads delivery id, sends it when it is pending and due,
// records the outcome, and returns the delivery as it now stands. A
// delivery that is no longer pending, or not yet due, is returned as it
// is, unsent. A delivery of an inactive subscription is given up without
// a request.
func (dl *deliverer) deliver(ctx context.Context, id string) (slorec.Delivery, error) {
	d, sub, err := dl.outbox.Delivery(ctx, id)
	if err != nil {
		return slorec.Delivery{}, fmt.Errorf("read delivery %s: %w", id, err)
	}
	if d.Status != slorec.DeliveryPending || d.NextAttemptAt.After(dl.now()) {
		return d, nil
	}
	var o Outcome
	if sub.Active {
		o = dl.sender.Send(ctx, d, sub)
	} else {
		o = Outcome{At: dl.now(), Error: fmt.Sprintf("subscription %s is inactive; not sent", sub.ID), Permanent: true}
	}
	a := dl.policy.Next(d.Attempts+1, o)

	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	out, err := dl.outbox.RecordAttempt(rctx, id, a)
	if err != nil {
		// The receiver may have the payload already; the next attempt may
		// repeat it (at least once).
		return d, fmt.Errorf("record attempt %d of delivery %s: %w", d.Attempts+1, id, err)
	}
	dl.logAttempt(ctx, out, a)
	return out, nil
}

func (dl *deliverer) logAttempt(ctx context.Context, d slorec.Delivery, a slorec.DeliveryAttempt) {
	attrs := []any{
		slog.String("delivery", d.ID), slog.String("tenant", d.Tenant),
		slog.String("subscription", d.SubscriptionID), slog.String("event_type", d.EventType),
		slog.Int("attempt", d.Attempts), slog.Int("status_code", a.StatusCode),
	}
	switch {
	case a.Delivered:
		dl.log.InfoContext(ctx, "webhook delivered", attrs...)
	case a.NextAttemptAt.IsZero():
		dl.log.WarnContext(ctx, "webhook delivery failed; giving up", append(attrs, slog.String("error", a.Error))...)
	default:
		dl.log.InfoContext(ctx, "webhook attempt failed; will retry",
			append(attrs, slog.String("error", a.Error), slog.Time("next_attempt_at", a.NextAttemptAt))...)
	}
}
