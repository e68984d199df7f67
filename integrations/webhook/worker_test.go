package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/integrations/webhook"
)

const (
	waitFor = 5 * time.Second
	tick    = 5 * time.Millisecond
)

// startWorker runs a worker over o until the test ends (or stop is
// called) and returns it with a function that stops it and waits for Run
// to return.
func startWorker(t *testing.T, cfg webhook.WorkerConfig) (*webhook.Worker, func()) {
	t.Helper()
	w, err := webhook.NewWorker(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(waitFor):
			t.Fatal("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return w, stop
}

func TestWorkerDeliversDueDeliveries(t *testing.T) {
	rc := newReceiver(t, nil)
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	now := time.Now()
	for i := range 3 {
		o.add(fmt.Sprintf("d-%d", i), "sub-1", now.Add(-time.Duration(i)*time.Second))
	}
	o.add("later", "sub-1", now.Add(time.Hour))

	startWorker(t, webhook.WorkerConfig{Outbox: o, PollInterval: 10 * time.Millisecond})

	require.Eventually(t, func() bool {
		for i := range 3 {
			if o.get(fmt.Sprintf("d-%d", i)).Status != slorec.DeliveryDelivered {
				return false
			}
		}
		return true
	}, waitFor, tick)
	time.Sleep(50 * time.Millisecond) // a few more polls
	require.Equal(t, map[string]int{"d-0": 1, "d-1": 1, "d-2": 1}, rc.countByDelivery())
	require.Equal(t, slorec.DeliveryPending, o.get("later").Status)
	requireVerified(t, rc.got())
	d := o.get("d-0")
	require.Equal(t, 1, d.Attempts)
	require.Equal(t, 200, d.LastStatusCode)
}

func TestWorkerRetriesOnTheNextDueTime(t *testing.T) {
	rc := newReceiver(t, failFirst(1))
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	clk := newClock()
	o.add("d-1", "sub-1", clk.Now())
	w, _ := startWorker(t, webhook.WorkerConfig{
		Outbox: o, Clock: clk.Now, PollInterval: 5 * time.Millisecond,
		Policy: webhook.Policy{Base: time.Minute, Jitter: webhook.NoJitter},
	})

	require.Eventually(t, func() bool { return o.get("d-1").Attempts == 1 }, waitFor, tick)
	d := o.get("d-1")
	require.Equal(t, slorec.DeliveryPending, d.Status)
	require.Equal(t, 500, d.LastStatusCode)
	require.Equal(t, clk.Now().Add(time.Minute), d.NextAttemptAt)

	time.Sleep(50 * time.Millisecond) // ten polls: not due yet
	require.Len(t, rc.got(), 1)

	clk.Advance(time.Minute)
	w.Notify()
	require.Eventually(t, func() bool { return o.get("d-1").Status == slorec.DeliveryDelivered }, waitFor, tick)
	require.Equal(t, 2, o.get("d-1").Attempts)
	require.Len(t, rc.got(), 2)
}

func TestWorkerGivesUpAfterMaxAttempts(t *testing.T) {
	rc := newReceiver(t, status(http.StatusInternalServerError))
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	o.add("d-1", "sub-1", time.Now())
	startWorker(t, webhook.WorkerConfig{
		Outbox: o, PollInterval: 2 * time.Millisecond,
		Policy: webhook.Policy{MaxAttempts: 3, Base: time.Millisecond, Max: time.Millisecond, Jitter: webhook.NoJitter},
	})

	require.Eventually(t, func() bool { return o.get("d-1").Status == slorec.DeliveryFailed }, waitFor, tick)
	time.Sleep(30 * time.Millisecond)
	require.Len(t, rc.got(), 3)
	d := o.get("d-1")
	require.Equal(t, 3, d.Attempts)
	require.Contains(t, d.LastError, "gave up after 3 attempts")
	require.True(t, d.NextAttemptAt.IsZero())
}

func TestWorkerGivesUpOnGoneAndDeactivates(t *testing.T) {
	rc := newReceiver(t, status(http.StatusGone))
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	o.add("d-1", "sub-1", time.Now())
	// Due after the 410 has been recorded.
	o.add("d-2", "sub-1", time.Now().Add(100*time.Millisecond))
	startWorker(t, webhook.WorkerConfig{Outbox: o, PollInterval: 2 * time.Millisecond})

	require.Eventually(t, func() bool { return o.get("d-2").Status == slorec.DeliveryFailed }, waitFor, tick)
	require.Equal(t, slorec.DeliveryFailed, o.get("d-1").Status)
	require.Equal(t, 1, o.get("d-1").Attempts)
	require.Len(t, rc.got(), 1, "the second delivery is given up unsent")
	require.Contains(t, o.get("d-2").LastError, "inactive")
	require.Equal(t, []slorec.DeliveryAttempt{{At: o.attemptsOf("d-1")[0].At, StatusCode: 410, Error: o.get("d-1").LastError, DeactivateSubscription: true}}, o.attemptsOf("d-1"))
}

func TestWorkerNotifyWakesIt(t *testing.T) {
	rc := newReceiver(t, nil)
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	w, _ := startWorker(t, webhook.WorkerConfig{Outbox: o, PollInterval: time.Hour})
	time.Sleep(20 * time.Millisecond) // the first look at the empty outbox is over

	o.add("d-1", "sub-1", time.Now())
	w.Notify()

	require.Eventually(t, func() bool { return o.get("d-1").Status == slorec.DeliveryDelivered }, time.Second, tick)
}

func TestWorkerStopsOnCancelAfterInFlightSends(t *testing.T) {
	rc := newReceiver(t, slow(200*time.Millisecond, http.StatusOK))
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	o.add("d-1", "sub-1", time.Now())
	w, stop := startWorker(t, webhook.WorkerConfig{Outbox: o, PollInterval: time.Millisecond})
	require.Eventually(t, func() bool { return len(rc.got()) == 1 }, waitFor, time.Millisecond)

	stop() // returns only when Run has

	require.Equal(t, slorec.DeliveryDelivered, o.get("d-1").Status, "the in-flight send should finish")
	o.add("d-2", "sub-1", time.Now())
	w.Notify()
	time.Sleep(30 * time.Millisecond)
	require.Len(t, rc.got(), 1, "a stopped worker should send nothing")
}

func TestWorkerNeverSendsOneDeliveryTwiceAtOnce(t *testing.T) {
	// Each POST takes 30 ms and fails; the delivery is due again at once,
	// and while a POST is in flight the worker is prodded constantly and
	// Deliver is called beside Run.
	rc := newReceiver(t, slow(30*time.Millisecond, http.StatusInternalServerError))
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	o.add("d-1", "sub-1", time.Now())
	w, _ := startWorker(t, webhook.WorkerConfig{
		Outbox: o, PollInterval: time.Millisecond,
		Policy: webhook.Policy{MaxAttempts: 5, Base: time.Nanosecond, Max: time.Nanosecond, Jitter: webhook.NoJitter},
	})

	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for o.get("d-1").Status == slorec.DeliveryPending {
				w.Notify()
				_, _ = w.Deliver(context.Background(), "d-1")
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()

	_, overlaps := rc.concurrency()
	require.Empty(t, overlaps)
	require.Equal(t, slorec.DeliveryFailed, o.get("d-1").Status)
	require.Len(t, rc.got(), 5)
}

func TestDeliverRefusesADeliveryInFlight(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(int, http.ResponseWriter, *http.Request) { <-release })
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	o.add("d-1", "sub-1", time.Now())
	w, err := webhook.NewWorker(webhook.WorkerConfig{Outbox: o})
	require.NoError(t, err)
	first := make(chan error, 1)
	go func() {
		_, err := w.Deliver(context.Background(), "d-1")
		first <- err
	}()
	require.Eventually(t, func() bool { return len(rc.got()) == 1 }, waitFor, time.Millisecond)

	_, err = w.Deliver(context.Background(), "d-1")

	require.Equal(t, slorec.ECONFLICT, slorec.ErrorCode(err))
	close(release)
	require.NoError(t, <-first)
	require.Len(t, rc.got(), 1)
}

func TestWorkerBoundsConcurrency(t *testing.T) {
	rc := newReceiver(t, slow(20*time.Millisecond, http.StatusOK))
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	for i := range 12 {
		o.add(fmt.Sprintf("d-%02d", i), "sub-1", time.Now())
	}
	startWorker(t, webhook.WorkerConfig{Outbox: o, PollInterval: time.Millisecond, Concurrency: 3})

	require.Eventually(t, func() bool { return len(rc.got()) == 12 }, waitFor, tick)
	most, overlaps := rc.concurrency()
	require.Equal(t, 3, most)
	require.Empty(t, overlaps)
	for id, n := range rc.countByDelivery() {
		require.Equal(t, 1, n, id)
	}
}

func TestDeliver(t *testing.T) {
	rc := newReceiver(t, nil)
	o := newOutbox()
	o.subscribe("sub-1", rc.URL)
	o.subscribe("sub-off", rc.URL)
	o.subs["sub-off"] = func(s slorec.Subscription) slorec.Subscription { s.Active = false; return s }(o.subs["sub-off"])
	o.add("d-1", "sub-1", time.Now())
	o.add("d-off", "sub-off", time.Now())
	o.add("d-later", "sub-1", time.Now().Add(time.Hour))
	w, err := webhook.NewWorker(webhook.WorkerConfig{Outbox: o})
	require.NoError(t, err)
	ctx := context.Background()

	t.Run("A due delivery should be sent and recorded.", func(t *testing.T) {
		d, err := w.Deliver(ctx, "d-1")
		require.NoError(t, err)
		require.Equal(t, slorec.DeliveryDelivered, d.Status)
		require.Equal(t, 1, d.Attempts)
	})
	t.Run("A delivered delivery should not be sent again.", func(t *testing.T) {
		d, err := w.Deliver(ctx, "d-1")
		require.NoError(t, err)
		require.Equal(t, 1, d.Attempts)
		require.Len(t, rc.got(), 1)
	})
	t.Run("A delivery not yet due should not be sent.", func(t *testing.T) {
		d, err := w.Deliver(ctx, "d-later")
		require.NoError(t, err)
		require.Equal(t, slorec.DeliveryPending, d.Status)
		require.Zero(t, d.Attempts)
		require.Len(t, rc.got(), 1)
	})
	t.Run("A delivery of an inactive subscription should fail unsent.", func(t *testing.T) {
		d, err := w.Deliver(ctx, "d-off")
		require.NoError(t, err)
		require.Equal(t, slorec.DeliveryFailed, d.Status)
		require.Contains(t, d.LastError, "inactive")
		require.Len(t, rc.got(), 1)
	})
	t.Run("An unknown delivery should be ENOTFOUND.", func(t *testing.T) {
		_, err := w.Deliver(ctx, "nope")
		require.Equal(t, slorec.ENOTFOUND, slorec.ErrorCode(err))
	})
	t.Run("An outbox that cannot record should return its error.", func(t *testing.T) {
		o.add("d-2", "sub-1", time.Now())
		o.failRecord = true
		defer func() { o.failRecord = false }()
		_, err := w.Deliver(ctx, "d-2")
		require.Equal(t, slorec.EUNAVAILABLE, slorec.ErrorCode(err))
		require.Equal(t, slorec.DeliveryPending, o.get("d-2").Status)
	})
}

func TestNewWorkerValidates(t *testing.T) {
	tests := map[string]webhook.WorkerConfig{
		"A worker without an outbox should be invalid.":         {},
		"A worker with a negative poll should be invalid.":      {Outbox: newOutbox(), PollInterval: -time.Second},
		"A worker with an invalid policy should be invalid.":    {Outbox: newOutbox(), Policy: webhook.Policy{MaxAttempts: -1}},
		"A worker with negative concurrency should be invalid.": {Outbox: newOutbox(), Concurrency: -1},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := webhook.NewWorker(cfg)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
		})
	}
}

func TestWorkerRunsOnce(t *testing.T) {
	w, _ := startWorker(t, webhook.WorkerConfig{Outbox: newOutbox(), PollInterval: time.Hour})
	time.Sleep(10 * time.Millisecond)
	// Bounded, in case the first Run had not started yet.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	require.Equal(t, slorec.ECONFLICT, slorec.ErrorCode(w.Run(ctx)))
}
