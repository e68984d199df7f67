package webhook

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slorec/slorec"
)

// Defaults of WorkerConfig.
const (
	DefaultPollInterval = 5 * time.Second
	DefaultConcurrency  = 4
)

// WorkerConfig configures a Worker.
type WorkerConfig struct {
	// Outbox is the queue of deliveries; required.
	Outbox Outbox
	// Sender sends them; nil means NewSender with Clock.
	Sender *Sender
	// Policy decides retries; the zero value is the default policy.
	Policy Policy
	// Clock says which deliveries are due; nil means time.Now.
	Clock func() time.Time
	// PollInterval is the time between looks at the outbox when nobody
	// calls Notify; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Concurrency bounds the POSTs in flight; 0 means
	// DefaultConcurrency.
	Concurrency int
	// Logger logs every attempt and every outbox error; nil discards.
	Logger *slog.Logger
}

// Worker is the in-process job engine, the embedded default: Run polls
// the outbox for due deliveries and sends them, a few at a time. It is
// for one process over one store (store/inmem); replicas sharing a
// Postgres store use River (NewRiverClient) instead, and never both.
type Worker struct {
	dl           *deliverer
	outbox       Outbox
	now          func() time.Time
	pollInterval time.Duration
	concurrency  int
	log          *slog.Logger
	wake         chan struct{}
	running      atomic.Bool

	mu       sync.Mutex
	inFlight map[string]bool
}

// NewWorker validates cfg and returns a Worker with its defaults filled.
// Errors: EINVALID.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	switch {
	case cfg.Outbox == nil:
		return nil, slorec.Errorf(slorec.EINVALID, "webhook worker: no outbox")
	case cfg.PollInterval < 0 || cfg.Concurrency < 0:
		return nil, slorec.Errorf(slorec.EINVALID, "webhook worker: negative poll interval or concurrency")
	}
	if err := cfg.Policy.Validate(); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Sender == nil {
		cfg.Sender = NewSender(SenderConfig{Now: cfg.Clock})
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{
		dl:           &deliverer{outbox: cfg.Outbox, sender: cfg.Sender, policy: cfg.Policy, now: cfg.Clock, log: cfg.Logger},
		outbox:       cfg.Outbox,
		now:          cfg.Clock,
		pollInterval: cfg.PollInterval,
		concurrency:  cfg.Concurrency,
		log:          cfg.Logger,
		wake:         make(chan struct{}, 1),
		inFlight:     map[string]bool{},
	}, nil
}

// Notify wakes Run to look at the outbox now. It never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// Deliver makes one attempt of delivery id, if it is pending and due,
// records it in the outbox and returns the delivery as it now stands.
// Errors: ENOTFOUND, ECONFLICT when this worker is sending it already,
// and the outbox's errors.
func (w *Worker) Deliver(ctx context.Context, id string) (slorec.Delivery, error) {
	if !w.claim(id) {
		return slorec.Delivery{}, slorec.Errorf(slorec.ECONFLICT, "delivery %s is being sent", id)
	}
	defer w.release(id)
	return w.dl.deliver(ctx, id)
}

// Run sends due deliveries until ctx is done: at start, after each
// Notify, and every PollInterval. At most Concurrency are in flight, and
// never the same delivery twice. When ctx is done it starts no more and
// waits for those in flight, which are not cancelled but bounded by the
// sender's timeout. Outbox errors are logged and retried at the next
// poll. It returns nil, or ECONFLICT when the worker is running already.
func (w *Worker) Run(ctx context.Context) error {
	if !w.running.CompareAndSwap(false, true) {
		return slorec.Errorf(slorec.ECONFLICT, "webhook worker: already running")
	}
	defer w.running.Store(false)

	sem := make(chan struct{}, w.concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(w.pollInterval)
	defer tick.Stop()
	for {
		w.dispatch(ctx, sem, &wg)
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-tick.C:
		}
	}
}

// dispatch starts a send for every due delivery not in flight, waiting
// for a free slot before each, until a look at the outbox finds no more.
func (w *Worker) dispatch(ctx context.Context, sem chan struct{}, wg *sync.WaitGroup) {
	for ctx.Err() == nil {
		// Ask for enough to fill every slot even when all in flight are
		// still listed as due (they are, until their attempt is recorded).
		limit := w.concurrency + w.inFlightCount()
		due, err := w.outbox.DueDeliveries(ctx, w.now(), limit)
		if err != nil {
			if ctx.Err() == nil {
				w.log.WarnContext(ctx, "webhook worker: list due deliveries", slog.String("error", err.Error()))
			}
			return
		}
		started := 0
		for _, d := range due {
			if !w.claim(d.ID) {
				continue
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				w.release(d.ID)
				return
			}
			started++
			wg.Add(1)
			go func(id string) {
				defer wg.Done()
				defer func() { <-sem }()
				defer w.release(id)
				// In-flight sends outlive Run's ctx: a POST cut halfway
				// would be sent again anyway. The sender's timeout bounds
				// it.
				if _, err := w.dl.deliver(context.WithoutCancel(ctx), id); err != nil {
					w.log.WarnContext(ctx, "webhook worker: deliver", slog.String("delivery", id), slog.String("error", err.Error()))
				}
			}(d.ID)
		}
		if len(due) < limit || started == 0 {
			return
		}
	}
}

func (w *Worker) claim(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inFlight[id] {
		return false
	}
	w.inFlight[id] = true
	return true
}

func (w *Worker) release(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.inFlight, id)
}

func (w *Worker) inFlightCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.inFlight)
}
