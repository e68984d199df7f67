// Package backtest scores recommendations against held-out history: the
// engine is fitted on the first part of a dataset and its targets are
// checked on the part that follows, side by side with baseline methods.
//
// # Split
//
// A dataset's history runs from its first bucket to its last bucket plus
// the bucket width, H days. The training window is [start, start + N) and
// the test window [start + N, start + N + M). By default M is a third of
// H, in whole days when H is at least three days and capped at 30, and N
// is H − M. The SLO window the engine recommends for is M rounded to whole
// days (at least one), so a target is scored over a window as long as the
// one it was set for.
//
// # Scoring
//
// For every service with traffic in both windows, every method and SLI:
//
//	availability  achieved = Σ(requests − errors) / Σ requests over the test window
//	              attained = achieved ≥ target
//	              slack    = achieved − target              (a ratio; 0.0004 = 0.04 pp)
//	              burned   = (1 − achieved) / (1 − target)   (share of the error budget, at most 1000)
//	latency       achieved = the request-weighted share of test requests under the threshold
//	              attained = achieved ≥ percentile / 100
//	              slack    = (threshold − T) / threshold, T the test window's own
//	                         threshold at the percentile (stats.Threshold)
//	              burned   = (1 − achieved) / (1 − percentile / 100)
//
// # Methods
//
//   - slorec: the engine's recommendation at the configured tier (balanced
//     by default), as it would be shown to a user.
//   - current: the dataset's current SLOs (slos.json), where there are
//     some.
//   - observed-mean: availability Σgood/Σtotal over the training window;
//     latency threshold the request-weighted mean of the training
//     window's percentile series.
//   - fixed-99.9: 99.9% availability for everyone.
//   - peer: the closest open-source peer's method as the project's eval
//     issue states it: the availabilities of rolling windows (the SLO
//     window long, stepping one bucket) give three tiers, met in 99.9%,
//     99% and 95% of windows; the 99% tier is the peer's recommendation,
//     capped by the product of the training availabilities of the
//     service's hard synchronous dependencies. Its latency threshold is
//     the 99th percentile of the training window's percentile series.
//
// # Verdict
//
// A dataset passes when slorec attains its target in at least 95% of its
// service-SLI pairs, no slorec availability target is above its
// dependency ceiling, and, per SLI, no baseline that attains at least 95%
// of the pairs it shares with slorec has a mean slack on those pairs at or
// below slorec's (it would be as safe and tighter).
package backtest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/reasoning/stats"
)

// Method names.
const (
	Slorec       = "slorec"
	Current      = "current"
	ObservedMean = "observed-mean"
	Fixed999     = "fixed-99.9"
	Peer         = "peer"
)

// Methods lists the methods in report order, slorec first.
var Methods = []string{Slorec, Current, ObservedMean, Fixed999, Peer}

// MinAttainment is the share of service-SLI pairs a method must attain to
// count as safe.
const MinAttainment = 0.95

// MinSharedPairs is the fewest shared pairs on which a baseline is judged
// against slorec: 95% of fewer pairs is not a measurement (two of two
// attained says little), so such comparisons are reported and not judged.
const MinSharedPairs = 5

// Engine produces the recommendations under test. Tests inject a worse one
// to check that the verdict notices.
type Engine struct {
	Name      string
	Recommend func(ctx context.Context, in recommend.Input, opt recommend.Options) (*recommend.Result, error)
}

// DefaultEngine is the engine of package recommend.
var DefaultEngine = Engine{Name: recommend.EngineVersion, Recommend: recommend.Recommend}

// Config configures a backtest. The zero value is the default.
type Config struct {
	// TrainDays and TestDays set the split (see the package
	// documentation); zero means the default. Fractions of a day are
	// allowed, for short real datasets.
	TrainDays, TestDays float64
	// Tier is the tier slorec recommends; zero means balanced.
	Tier stats.Tier
	// Seed seeds the engine's bootstrap.
	Seed uint64
	// Engine is the engine under test; zero means DefaultEngine.
	Engine Engine
}

// Span is a time window.
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Days  float64   `json:"days"`
}

// Pair is one method's target for one service and SLI, scored on the test
// window.
type Pair struct {
	Service string         `json:"service"`
	SLI     slorec.SLIKind `json:"sli"`
	Method  string         `json:"method"`
	// Target is the availability target, or the latency objective's
	// share (percentile / 100).
	Target      float64 `json:"target"`
	ThresholdMs float64 `json:"threshold_ms,omitempty"`
	Percentile  float64 `json:"percentile,omitempty"`
	// Achieved is the test window's availability, or its share of
	// requests under the threshold; AchievedMs is the test window's own
	// latency at the percentile.
	Achieved     float64 `json:"achieved"`
	AchievedMs   float64 `json:"achieved_ms,omitempty"`
	Attained     bool    `json:"attained"`
	Slack        float64 `json:"slack"`
	BudgetBurned float64 `json:"budget_burned"`
}

// Summary aggregates one method's pairs for one SLI.
type Summary struct {
	Method         string         `json:"method"`
	SLI            slorec.SLIKind `json:"sli"`
	Pairs          int            `json:"pairs"`
	Attained       int            `json:"attained"`
	AttainmentRate float64        `json:"attainment_rate"`
	MeanSlack      float64        `json:"mean_slack"`
	MeanBurned     float64        `json:"mean_budget_burned"`
}

// Comparison sets slorec against one baseline on the pairs both cover.
type Comparison struct {
	Baseline string         `json:"baseline"`
	SLI      slorec.SLIKind `json:"sli"`
	Pairs    int            `json:"pairs"`
	// Rates and mean slacks over the shared pairs.
	SlorecRate     float64 `json:"slorec_rate"`
	BaselineRate   float64 `json:"baseline_rate"`
	SlorecSlack    float64 `json:"slorec_slack"`
	BaselineSlack  float64 `json:"baseline_slack"`
	BaselineIsSafe bool    `json:"baseline_is_safe"`
	// Judged is false when there are fewer than MinSharedPairs shared
	// pairs.
	Judged bool `json:"judged"`
	// SlorecTighter is true when the baseline is not safe, or slorec's
	// mean slack is smaller.
	SlorecTighter bool `json:"slorec_tighter"`
}

// Consistency is the check that no recommended availability target
// exceeds its dependency ceiling.
type Consistency struct {
	Checked int `json:"checked"`
	// AboveCeiling lists services whose recommended target is above the
	// ceiling its dependencies allow; Inconsistent those the engine's own
	// fleet check flags (targets above the ceiling recomputed with every
	// recommendation adopted).
	AboveCeiling []string `json:"above_ceiling,omitempty"`
	Inconsistent []string `json:"inconsistent,omitempty"`
}

// IntrinsicService is the inferred against the true intrinsic availability
// of one service.
type IntrinsicService struct {
	Service  string  `json:"service"`
	Inferred float64 `json:"inferred"`
	Truth    float64 `json:"truth"`
	// ErrorPP is (inferred − truth) in percentage points.
	ErrorPP float64 `json:"error_pp"`
}

// Intrinsic reports the error of the engine's intrinsic-availability
// inference over the whole history against truth.json.
type Intrinsic struct {
	Services   []IntrinsicService `json:"services"`
	MeanAbsPP  float64            `json:"mean_abs_error_pp"`
	MaxAbsPP   float64            `json:"max_abs_error_pp"`
	MaxService string             `json:"max_service"`
}

// Verdict says whether slorec did what it should on a dataset.
type Verdict struct {
	Pass    bool     `json:"pass"`
	Reasons []string `json:"reasons"`
}

// Result is the backtest of one dataset.
type Result struct {
	Dataset     string       `json:"dataset"`
	Engine      string       `json:"engine"`
	Tier        stats.Tier   `json:"tier"`
	Services    int          `json:"services"`
	Scored      int          `json:"scored_services"`
	BucketWidth string       `json:"bucket_width"`
	Train       Span         `json:"train"`
	Test        Span         `json:"test"`
	WindowDays  int          `json:"slo_window_days"`
	Summaries   []Summary    `json:"summaries"`
	Comparisons []Comparison `json:"comparisons"`
	Consistency Consistency  `json:"consistency"`
	Intrinsic   *Intrinsic   `json:"intrinsic,omitempty"`
	Verdict     Verdict      `json:"verdict"`
	Notes       []string     `json:"notes,omitempty"`
	Pairs       []Pair       `json:"pairs"`
}

// Run backtests d. It fails only on input the engine refuses or a split
// that leaves no test window.
func Run(ctx context.Context, d *dataset.Dataset, cfg Config) (*Result, error) {
	if cfg.Engine.Recommend == nil {
		cfg.Engine = DefaultEngine
	}
	if cfg.Tier == "" {
		cfg.Tier = stats.Balanced
	}
	byService := d.MetricsByService()
	first, last, width, ok := extent(byService)
	if !ok {
		return nil, slorec.Errorf(slorec.EINVALID, "dataset %s: no metrics to backtest", d.Dir)
	}
	hist := last.Add(width).Sub(first)
	train, test, err := split(first, hist, width, cfg.TrainDays, cfg.TestDays)
	if err != nil {
		return nil, slorec.Errorf(slorec.EINVALID, "dataset %s: %s", d.Dir, slorec.ErrorMessage(err))
	}
	window := max(1, int(math.Round(test.Days)))
	res := &Result{
		Dataset: d.Dir, Engine: cfg.Engine.Name, Tier: cfg.Tier,
		Services: len(d.Graph.Services), BucketWidth: widthText(width),
		Train: train, Test: test, WindowDays: window,
	}

	trainM := make(map[string][]slorec.MetricBucket, len(byService))
	testM := make(map[string][]slorec.MetricBucket, len(byService))
	for id, bs := range byService {
		trainM[id] = within(bs, train)
		testM[id] = within(bs, test)
	}
	opt := recommend.Options{Tier: cfg.Tier, WindowDays: window, Seed: cfg.Seed}
	in := recommend.Input{Services: d.Graph.Services, Metrics: trainM, SLOs: d.SLOs}
	rec, err := cfg.Engine.Recommend(ctx, in, opt)
	if err != nil {
		return nil, fmt.Errorf("recommend on the training window: %w", err)
	}

	targets := methodTargets(d, rec, trainM, width, window)
	var noTest, noTrain []string
	for _, s := range d.Graph.Services {
		id := s.ID
		tb := testM[id]
		if !hasTraffic(trainM[id]) {
			noTrain = append(noTrain, id)
			continue
		}
		if !hasTraffic(tb) {
			noTest = append(noTest, id)
			continue
		}
		res.Scored++
		for _, m := range Methods {
			for _, t := range targets[key{id, m}] {
				if p, ok := score(id, m, t, tb); ok {
					res.Pairs = append(res.Pairs, p)
				}
			}
		}
	}
	if len(noTrain) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("not scored, no traffic in the training window: %v", noTrain))
	}
	if len(noTest) > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("not scored, no traffic in the test window: %v", noTest))
	}
	res.Summaries = summarize(res.Pairs)
	res.Comparisons = compare(res.Pairs)
	res.Consistency = consistency(rec)
	if d.Truth != nil {
		full, err := cfg.Engine.Recommend(ctx, recommend.Input{Services: d.Graph.Services, Metrics: byService, SLOs: d.SLOs}, recommend.Options{Tier: cfg.Tier, Seed: cfg.Seed})
		if err != nil {
			return nil, fmt.Errorf("recommend on the whole history: %w", err)
		}
		res.Intrinsic = intrinsic(d, full)
	}
	res.Verdict = verdict(res)
	return res, nil
}

// extent returns the first and last bucket start over all services and
// the most common bucket width.
func extent(m map[string][]slorec.MetricBucket) (first, last time.Time, width time.Duration, ok bool) {
	widths := map[time.Duration]int{}
	for _, bs := range m {
		for i := range bs {
			t := bs[i].Start
			if !ok || t.Before(first) {
				first = t
			}
			if !ok || t.After(last) {
				last = t
			}
			ok = true
			if i > 0 {
				if g := t.Sub(bs[i-1].Start); g > 0 {
					widths[g]++
				}
			}
		}
	}
	width, n := time.Hour, 0
	for w, c := range widths {
		if c > n || (c == n && w < width) {
			width, n = w, c
		}
	}
	return first, last, width, ok
}

const day = 24 * time.Hour

func days(d time.Duration) float64 { return d.Hours() / 24 }

// split lays out the training and test windows over a history of hist
// starting at first.
func split(first time.Time, hist, width time.Duration, trainDays, testDays float64) (Span, Span, error) {
	if trainDays < 0 || testDays < 0 || math.IsNaN(trainDays) || math.IsNaN(testDays) {
		return Span{}, Span{}, slorec.Errorf(slorec.EINVALID, "train and test days must be positive")
	}
	test := time.Duration(testDays * float64(day))
	if testDays == 0 {
		test = hist / 3
		if hist >= 3*day {
			test = min(30*day, test.Truncate(day))
		}
		test = test.Truncate(width)
	}
	train := time.Duration(trainDays * float64(day))
	if trainDays == 0 {
		train = hist - test
	}
	switch {
	case test < width:
		return Span{}, Span{}, slorec.Errorf(slorec.EINVALID, "the test window (%s) is shorter than one bucket (%s)", test, width)
	case train < width:
		return Span{}, Span{}, slorec.Errorf(slorec.EINVALID, "the training window (%s) is shorter than one bucket (%s)", train, width)
	case train+test > hist:
		return Span{}, Span{}, slorec.Errorf(slorec.EINVALID, "%.2f training + %.2f test days exceed the %.2f days of history", days(train), days(test), days(hist))
	}
	mid := first.Add(train)
	return Span{first, mid, days(train)}, Span{mid, mid.Add(test), days(test)}, nil
}

// within returns the buckets starting in s.
func within(bs []slorec.MetricBucket, s Span) []slorec.MetricBucket {
	var out []slorec.MetricBucket
	for _, b := range bs {
		if !b.Start.Before(s.Start) && b.Start.Before(s.End) {
			out = append(out, b)
		}
	}
	return out
}

func hasTraffic(bs []slorec.MetricBucket) bool {
	for i := range bs {
		if bs[i].Requests > 0 {
			return true
		}
	}
	return false
}

func sums(bs []slorec.MetricBucket) (good, total int64) {
	for i := range bs {
		good += bs[i].Requests - bs[i].Errors
		total += bs[i].Requests
	}
	return good, total
}

// score checks one target against the test buckets.
func score(id, method string, t target, test []slorec.MetricBucket) (Pair, bool) {
	p := Pair{Service: id, SLI: t.sli, Method: method, Target: t.target, ThresholdMs: t.thresholdMs, Percentile: t.percentile}
	if t.sli == slorec.Availability {
		good, total := sums(test)
		if total == 0 || !(t.target >= 0 && t.target <= 1) {
			return Pair{}, false
		}
		p.Achieved = float64(good) / float64(total)
		p.Attained = p.Achieved >= t.target-1e-12
		p.Slack = p.Achieved - t.target
		p.BudgetBurned = burned(1-p.Achieved, 1-t.target)
		return round(p), true
	}
	if !(t.thresholdMs > 0) || !(t.percentile > 0 && t.percentile < 100) {
		return Pair{}, false
	}
	share, ok := stats.Attainment(test, t.thresholdMs)
	own, ok2 := stats.Threshold(test, t.percentile)
	if !ok || !ok2 {
		return Pair{}, false
	}
	p.Target = t.percentile / 100
	p.Achieved, p.AchievedMs = share, own
	p.Attained = share >= p.Target-1e-9
	p.Slack = (t.thresholdMs - own) / t.thresholdMs
	p.BudgetBurned = burned(1-share, 1-p.Target)
	return round(p), true
}

// MaxBurned caps the budget burned: a 100% target has no budget, so any
// failure burns it "infinitely".
const MaxBurned = 1000

func burned(spent, budget float64) float64 {
	switch {
	case spent <= 0:
		return 0
	case budget <= 0:
		return MaxBurned
	}
	return min(spent/budget, MaxBurned)
}

// round keeps reports readable and stable: six decimals for ratios, two
// for milliseconds.
func round(p Pair) Pair {
	r6 := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
	p.Achieved, p.Slack, p.BudgetBurned = r6(p.Achieved), r6(p.Slack), r6(p.BudgetBurned)
	p.AchievedMs = math.Round(p.AchievedMs*100) / 100
	return p
}

func summarize(pairs []Pair) []Summary {
	var out []Summary
	for _, sli := range []slorec.SLIKind{slorec.Availability, slorec.Latency} {
		for _, m := range Methods {
			s := Summary{Method: m, SLI: sli}
			for _, p := range pairs {
				if p.Method == m && p.SLI == sli {
					s.Pairs++
					if p.Attained {
						s.Attained++
					}
					s.MeanSlack += p.Slack
					s.MeanBurned += p.BudgetBurned
				}
			}
			if s.Pairs == 0 {
				continue
			}
			s.AttainmentRate = float64(s.Attained) / float64(s.Pairs)
			s.MeanSlack /= float64(s.Pairs)
			s.MeanBurned /= float64(s.Pairs)
			out = append(out, s)
		}
	}
	return out
}

// compare sets slorec against every baseline, per SLI, on shared pairs.
func compare(pairs []Pair) []Comparison {
	type k struct {
		svc string
		sli slorec.SLIKind
	}
	ours := map[k]Pair{}
	for _, p := range pairs {
		if p.Method == Slorec {
			ours[k{p.Service, p.SLI}] = p
		}
	}
	var out []Comparison
	for _, sli := range []slorec.SLIKind{slorec.Availability, slorec.Latency} {
		for _, m := range Methods[1:] {
			c := Comparison{Baseline: m, SLI: sli}
			var so, sb float64
			var ao, ab int
			for _, p := range pairs {
				if p.Method != m || p.SLI != sli {
					continue
				}
				o, ok := ours[k{p.Service, sli}]
				if !ok {
					continue
				}
				c.Pairs++
				so += o.Slack
				sb += p.Slack
				if o.Attained {
					ao++
				}
				if p.Attained {
					ab++
				}
			}
			if c.Pairs == 0 {
				continue
			}
			n := float64(c.Pairs)
			c.SlorecRate, c.BaselineRate = float64(ao)/n, float64(ab)/n
			c.SlorecSlack, c.BaselineSlack = so/n, sb/n
			c.BaselineIsSafe = c.BaselineRate >= MinAttainment
			c.Judged = c.Pairs >= MinSharedPairs
			c.SlorecTighter = !c.BaselineIsSafe || c.SlorecSlack < c.BaselineSlack
			out = append(out, c)
		}
	}
	return out
}

func consistency(rec *recommend.Result) Consistency {
	var c Consistency
	for _, r := range rec.Recommendations {
		for _, o := range r.Objectives {
			if o.SLI != slorec.Availability {
				continue
			}
			c.Checked++
			if a := rec.Analyses[r.Service]; a != nil && o.Target > a.Composition.Ceiling+1e-9 {
				c.AboveCeiling = append(c.AboveCeiling, r.Service)
			}
		}
	}
	c.Inconsistent = slices.Clone(rec.Fleet.Inconsistent)
	return c
}

func intrinsic(d *dataset.Dataset, full *recommend.Result) *Intrinsic {
	out := &Intrinsic{}
	var sum float64
	for _, s := range d.Graph.Services {
		t, ok := d.Truth.Services[s.ID]
		a := full.Analyses[s.ID]
		if !ok || a == nil || !a.Availability.HasData {
			continue
		}
		e := 100 * (a.Composition.Intrinsic - t.IntrinsicAvailability)
		out.Services = append(out.Services, IntrinsicService{
			Service: s.ID, Inferred: math.Round(a.Composition.Intrinsic*1e6) / 1e6,
			Truth: math.Round(t.IntrinsicAvailability*1e6) / 1e6, ErrorPP: math.Round(e*1e4) / 1e4,
		})
		sum += math.Abs(e)
		if math.Abs(e) > out.MaxAbsPP {
			out.MaxAbsPP, out.MaxService = math.Abs(e), s.ID
		}
	}
	if len(out.Services) == 0 {
		return nil
	}
	out.MeanAbsPP = sum / float64(len(out.Services))
	return out
}

func verdict(r *Result) Verdict {
	v := Verdict{Pass: true}
	fail := func(format string, args ...any) {
		v.Pass = false
		v.Reasons = append(v.Reasons, fmt.Sprintf(format, args...))
	}
	var pairs, attained int
	for _, s := range r.Summaries {
		if s.Method == Slorec {
			pairs += s.Pairs
			attained += s.Attained
		}
	}
	switch {
	case pairs == 0:
		fail("slorec produced no scorable target")
	case float64(attained) < MinAttainment*float64(pairs):
		fail("slorec attained %d of %d service-SLI pairs (%.1f%%), under %.0f%%", attained, pairs, 100*float64(attained)/float64(pairs), 100*MinAttainment)
	default:
		v.Reasons = append(v.Reasons, fmt.Sprintf("slorec attained %d of %d service-SLI pairs (%.1f%%)", attained, pairs, 100*float64(attained)/float64(pairs)))
	}
	if n := len(r.Consistency.AboveCeiling) + len(r.Consistency.Inconsistent); n > 0 {
		fail("%d recommended targets are above their dependency ceiling: %v %v", n, r.Consistency.AboveCeiling, r.Consistency.Inconsistent)
	}
	for _, c := range r.Comparisons {
		if !c.Judged {
			v.Reasons = append(v.Reasons, fmt.Sprintf("%s %s not judged: %d shared pairs, fewer than %d", c.Baseline, c.SLI, c.Pairs, MinSharedPairs))
			continue
		}
		if !c.SlorecTighter {
			fail("%s %s is as safe (%.1f%% attained) with mean slack %s against slorec's %s on %d shared pairs",
				c.Baseline, c.SLI, 100*c.BaselineRate, slackText(c.SLI, c.BaselineSlack), slackText(c.SLI, c.SlorecSlack), c.Pairs)
		}
	}
	return v
}

// slackText formats a mean slack: percentage points for availability, a
// percentage of the threshold for latency.
func slackText(sli slorec.SLIKind, v float64) string {
	if sli == slorec.Availability {
		return fmt.Sprintf("%+.4f pp", 100*v)
	}
	return fmt.Sprintf("%+.1f%% of the threshold", 100*v)
}

// SlackText is slackText for reports.
func SlackText(sli slorec.SLIKind, v float64) string { return slackText(sli, v) }

// key names one service's targets of one method.
type key struct{ service, method string }

// target is a method's objective for one SLI.
type target struct {
	sli         slorec.SLIKind
	target      float64
	thresholdMs float64
	percentile  float64
}

// methodTargets collects every method's targets.
func methodTargets(d *dataset.Dataset, rec *recommend.Result, train map[string][]slorec.MetricBucket, width time.Duration, window int) map[key][]target {
	out := map[key][]target{}
	add := func(id, m string, t target) { out[key{id, m}] = append(out[key{id, m}], t) }
	pct := map[string]float64{} // the percentile slorec's latency objective uses, per service
	for _, r := range rec.Recommendations {
		for _, o := range r.Objectives {
			switch o.SLI {
			case slorec.Availability:
				add(r.Service, Slorec, target{sli: o.SLI, target: o.Target})
			case slorec.Latency:
				add(r.Service, Slorec, target{sli: o.SLI, thresholdMs: o.ThresholdMs, percentile: o.Percentile})
				pct[r.Service] = o.Percentile
			}
		}
	}
	for _, s := range d.SLOs {
		t := target{sli: s.SLI, target: s.Target}
		if s.SLI == slorec.Latency {
			t.thresholdMs, t.percentile = s.ThresholdMs, s.Percentile
			if t.percentile == 0 {
				t.percentile = 100 * s.Target
			}
		}
		add(s.Service, Current, t)
	}
	observed := map[string]float64{}
	for _, s := range d.Graph.Services {
		bs := train[s.ID]
		if good, total := sums(bs); total > 0 {
			observed[s.ID] = float64(good) / float64(total)
		}
	}
	for _, s := range d.Graph.Services {
		id := s.ID
		bs := train[id]
		if a, ok := observed[id]; ok {
			add(id, ObservedMean, target{sli: slorec.Availability, target: a})
			add(id, Fixed999, target{sli: slorec.Availability, target: 0.999})
			if t, ok := peerAvailability(bs, width, window, s, observed); ok {
				add(id, Peer, target{sli: slorec.Availability, target: t})
			}
		}
		p := cmp.Or(pct[id], 95)
		if mean, q99, ok := percentileSeries(bs, p); ok {
			add(id, ObservedMean, target{sli: slorec.Latency, thresholdMs: mean, percentile: p})
			add(id, Peer, target{sli: slorec.Latency, thresholdMs: q99, percentile: p})
		}
	}
	return out
}

// peerAvailability is the peer method's recommendation (see the package
// documentation): bs are one service's training buckets, sorted, of width
// width.
func peerAvailability(bs []slorec.MetricBucket, width time.Duration, window int, svc slorec.Service, observed map[string]float64) (float64, bool) {
	if len(bs) == 0 {
		return 0, false
	}
	first := bs[0].Start
	w := min(time.Duration(window)*day, bs[len(bs)-1].Start.Add(width).Sub(first))
	// The window ending with bucket i covers the buckets starting in
	// [end − w, end), end = bs[i].Start + width; only windows inside the
	// training history count.
	var avail []float64
	var good, total int64
	j := 0
	for i := range bs {
		good += bs[i].Requests - bs[i].Errors
		total += bs[i].Requests
		lo := bs[i].Start.Add(width - w)
		for bs[j].Start.Before(lo) {
			good -= bs[j].Requests - bs[j].Errors
			total -= bs[j].Requests
			j++
		}
		if !lo.Before(first) && total > 0 {
			avail = append(avail, float64(good)/float64(total))
		}
	}
	if len(avail) == 0 {
		return 0, false
	}
	slices.Sort(avail)
	level := avail[int(math.Floor(0.01*float64(len(avail))))] // met in 99% of windows
	ceiling := 1.0
	for _, dep := range svc.Deps {
		if dep.Type == slorec.Async || dep.Criticality == slorec.Soft {
			continue
		}
		if a, ok := observed[dep.Target]; ok {
			ceiling *= a
		}
	}
	return min(level, ceiling), true
}

// percentileSeries returns the request-weighted mean and the 99th
// percentile of the buckets' p-th percentile series (p95 or p99 or p50).
func percentileSeries(bs []slorec.MetricBucket, p float64) (mean, q99 float64, ok bool) {
	var vals []float64
	var sum, w float64
	for i := range bs {
		v := bs[i].LatencyP95Ms
		switch p {
		case 99:
			v = bs[i].LatencyP99Ms
		case 50:
			v = bs[i].LatencyP50Ms
		}
		if !(v > 0) || bs[i].Requests == 0 {
			continue
		}
		vals = append(vals, v)
		sum += v * float64(bs[i].Requests)
		w += float64(bs[i].Requests)
	}
	if len(vals) == 0 {
		return 0, 0, false
	}
	slices.Sort(vals)
	i := min(len(vals)-1, int(math.Ceil(0.99*float64(len(vals))))-1)
	return sum / w, vals[max(i, 0)], true
}

// widthText names a bucket width compactly: "1h", "5m", "30s".
func widthText(w time.Duration) string {
	s := w.String()
	for _, z := range []string{"0s", "0m"} {
		if len(s) > 2 && strings.HasSuffix(s, z) && s != z {
			s = strings.TrimSuffix(s, z)
		}
	}
	return s
}
