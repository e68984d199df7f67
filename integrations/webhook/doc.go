// Package webhook delivers events to subscribers' endpoints: signed
// POSTs, retried with backoff, from the store's transactional outbox.
//
// # What a receiver gets
//
// One POST per event and subscription, the event's JSON as the body, with
// these headers:
//
//	Content-Type:       application/json
//	User-Agent:         slorec-webhook/1
//	Slorec-Event-Id:    the event's id (the same for every subscription)
//	Slorec-Event-Type:  slo.accepted or slo.modified
//	Slorec-Delivery-Id: this delivery's id (the same on every retry)
//	Slorec-Signature:   t=1767225600,v1=<64 lowercase hex digits>
//
// Delivery is at least once: a retry after a timeout may repeat a POST
// that did arrive, so receivers deduplicate by Slorec-Delivery-Id (or
// Slorec-Event-Id). Order is not guaranteed.
//
// # Signature
//
// As Stripe's: t is the send time in unix seconds; v1 is the lowercase
// hex HMAC-SHA256, keyed with the subscription's secret, of the bytes
// "<t>.<body>" (the decimal t, a dot, the raw body). To verify, a
// receiver recomputes the HMAC over the raw body it read, compares it in
// constant time with each v1 (there may be several during a secret
// rotation; unknown keys are ignored) and rejects a t more than a few
// minutes from its clock, which limits replays. Verify does exactly
// that; Sign makes the header.
//
// # Outcomes and retries
//
// Sender.Send makes one attempt (10 s timeout, redirects not followed)
// and classifies it: a 2xx is delivered; 410 Gone gives up at once and
// deactivates the subscription (in the store, with the attempt: nothing
// more is queued for it and its other pending deliveries are given up
// unsent); everything else, other 4xx
// included, is retried: see Sender.Send for why. Policy spaces the
// retries: exponential from 30 s, capped at 1 h, equal jitter, a
// Retry-After on 429 or 503 honoured up to the cap, and the delivery
// given up (failed) after 8 attempts.
//
// With SenderConfig.BlockPrivate (slorec serve's default) a connection
// to a loopback, private, link-local (cloud metadata included) or other
// special address is refused at connect time, after name resolution, and
// the delivery given up at once: a tenant's subscription cannot make the
// server call its own network (SSRF).
//
// # Job engines
//
// Both make attempts through the same step (Worker.Deliver): read the
// delivery, skip it unless pending and due, send, record the attempt
// with Outbox.RecordAttempt.
//
//   - Worker, the embedded default for one process (store/inmem): Run
//     polls Outbox.DueDeliveries, at most 4 sends at once and never one
//     delivery twice at once; the API calls Notify (the Notifier
//     interface) after a commit so deliveries go out at once.
//   - River on Postgres (NewRiverClient): the store inserts a
//     store.DeliveryJob on QueueName in the commit's transaction; any
//     replica's client works it, River's row locks keeping each job on
//     one replica at a time; a retry is a River snooze until the
//     delivery's next attempt (see RiverWorker). The leading client
//     also sweeps every SweepInterval: a pending delivery more than
//     SweepAge overdue whose job River gave up on gets a new one
//     (Requeuer, which the Postgres store implements).
//
// Run one engine per store, never both.
package webhook
