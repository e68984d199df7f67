package promrules

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/slorec/slorec"
)

// Window is one condition of a multi-window, multi-burn-rate alert: it
// holds when the error ratio over Long and the error ratio over Short both
// exceed BurnRate × the error budget. Long measures that enough budget has
// been spent to matter; Short (a twelfth of Long in the SRE Workbook)
// makes the alert reset soon after the burn stops.
type Window struct {
	Long  time.Duration `json:"long"`
	Short time.Duration `json:"short"`
	// BudgetSpent is the share of the SLO window's error budget that a
	// burn at the threshold rate spends in Long: 0.02 for the Workbook's
	// 1h page condition.
	BudgetSpent float64 `json:"budget_spent"`
}

// BurnRate returns the condition's threshold as a multiple of the
// error-budget rate: the rate that spends BudgetSpent of the budget of an
// SLO window of length slo in Long, BudgetSpent × slo / Long. A burn rate
// of 1 spends exactly the budget over the SLO window. The result is
// rounded to 10 significant digits, so that a 30-day window gives exactly
// 14.4, 6, 3 and 1 for the default policy rather than 14.399999999999999.
func (w Window) BurnRate(slo time.Duration) float64 {
	return round10(w.BudgetSpent * float64(slo) / float64(w.Long))
}

// Alert is one alerting rule per SLO: it fires when any of its Windows'
// conditions has held for For.
type Alert struct {
	// Severity is the value of the alert's severity label, e.g. "page".
	Severity string        `json:"severity"`
	For      time.Duration `json:"for"`
	Windows  []Window      `json:"windows"`
}

// The budget shares of the SRE Workbook, chapter 5 ("Alerting on SLOs"),
// table 5-8: page when 2% of a 30-day budget goes in an hour (burn 14.4)
// or 5% in six hours (burn 6); open a ticket when 10% goes in a day (burn
// 3) or 10% in three days (burn 1). Each short window is 1/12 of its long
// one, as the Workbook recommends.
const (
	pageFastBudget   = 0.02
	pageSlowBudget   = 0.05
	ticketFastBudget = 0.10
	ticketSlowBudget = 0.10
)

// Default `for` durations. A `for` filters a condition that holds for a
// single evaluation (a scrape gap, a counter reset the rate misreads) at
// the cost of the same delay before notifying. At a 99.9% target a full
// outage spends 2% of the budget in the 1h window in under a minute, so
// two minutes of `for` pages it in under three; a ticket can wait a
// quarter of an hour.
const (
	DefaultPageFor   = 2 * time.Minute
	DefaultTicketFor = 15 * time.Minute
)

// DefaultPolicy returns the SRE Workbook's multi-window, multi-burn-rate
// policy: page on 2% of the budget in 1h (checked over 1h and 5m) or 5% in
// 6h (6h and 30m); ticket on 10% in 1d (1d and 2h) or 10% in 3d (3d and
// 6h). For a 30-day SLO the burn rates are 14.4, 6, 3 and 1; for other
// windows they scale with the window (Window.BurnRate).
func DefaultPolicy() []Alert {
	return []Alert{
		{Severity: "page", For: DefaultPageFor, Windows: []Window{
			{Long: time.Hour, Short: 5 * time.Minute, BudgetSpent: pageFastBudget},
			{Long: 6 * time.Hour, Short: 30 * time.Minute, BudgetSpent: pageSlowBudget},
		}},
		{Severity: "ticket", For: DefaultTicketFor, Windows: []Window{
			{Long: 24 * time.Hour, Short: 2 * time.Hour, BudgetSpent: ticketFastBudget},
			{Long: 72 * time.Hour, Short: 6 * time.Hour, BudgetSpent: ticketSlowBudget},
		}},
	}
}

var severityValue = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// validatePolicy checks a policy on its own; the check against each SLO's
// window is done per SLO.
func validatePolicy(p []Alert) error {
	if len(p) == 0 {
		return slorec.Errorf(slorec.EINVALID, "policy: no alerts")
	}
	seen := map[string]bool{}
	for i, a := range p {
		path := fmt.Sprintf("policy[%d]", i)
		switch {
		case !severityValue.MatchString(a.Severity):
			return slorec.Errorf(slorec.EINVALID, "%s.severity: %q is not a lower-case word (page, ticket)", path, a.Severity)
		case seen[a.Severity]:
			return slorec.Errorf(slorec.EINVALID, "%s.severity: %q given twice", path, a.Severity)
		case a.For < 0:
			return slorec.Errorf(slorec.EINVALID, "%s.for: negative", path)
		case len(a.Windows) == 0:
			return slorec.Errorf(slorec.EINVALID, "%s.windows: none", path)
		}
		if _, err := promDuration(a.For); err != nil && a.For != 0 {
			return slorec.Errorf(slorec.EINVALID, "%s.for: %v", path, err)
		}
		seen[a.Severity] = true
		for j, w := range a.Windows {
			wp := fmt.Sprintf("%s.windows[%d]", path, j)
			switch {
			case !(w.Short > 0):
				return slorec.Errorf(slorec.EINVALID, "%s.short: want a positive duration", wp)
			case w.Long <= w.Short:
				return slorec.Errorf(slorec.EINVALID, "%s.long: %v is not longer than short %v", wp, w.Long, w.Short)
			case !(w.BudgetSpent > 0 && w.BudgetSpent <= 1):
				return slorec.Errorf(slorec.EINVALID, "%s.budget_spent: %v is not a share in (0,1]", wp, w.BudgetSpent)
			}
			for _, d := range []time.Duration{w.Long, w.Short} {
				if _, err := promDuration(d); err != nil {
					return slorec.Errorf(slorec.EINVALID, "%s: %v", wp, err)
				}
			}
		}
	}
	return nil
}

// ruleWindows returns the windows an SLO's rules need, shortest first:
// every long and short window of the policy and the SLO window itself.
func ruleWindows(p []Alert, slo time.Duration) []time.Duration {
	ws := []time.Duration{slo}
	for _, a := range p {
		for _, w := range a.Windows {
			ws = append(ws, w.Long, w.Short)
		}
	}
	slices.Sort(ws)
	return slices.Compact(ws)
}

// longestWindow returns the policy's longest window.
func longestWindow(p []Alert) time.Duration {
	var m time.Duration
	for _, a := range p {
		for _, w := range a.Windows {
			m = max(m, w.Long)
		}
	}
	return m
}

// promDuration formats d in Prometheus' duration syntax, in the largest
// unit that divides it (90m, 1h, 1d, 30d), so each duration has one
// spelling and rule names derived from it are unique. Prometheus also
// knows weeks and years; days read better in "ratio_rate28d".
func promDuration(d time.Duration) (string, error) {
	switch {
	case d <= 0:
		return "", fmt.Errorf("duration %v is not positive", d)
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d", nil
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h", nil
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m", nil
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s", nil
	}
	return "", fmt.Errorf("duration %v is not a whole number of seconds", d)
}

// mustDuration is promDuration for durations already validated.
func mustDuration(d time.Duration) string {
	s, err := promDuration(d)
	if err != nil {
		panic("promrules: unvalidated duration: " + err.Error())
	}
	return s
}

// round10 rounds v to 10 significant digits, which removes the binary
// noise of 1-0.999 and 0.02*720 while keeping every digit a person wrote.
func round10(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 10, 64), 64)
	return r
}

// num formats a number for PromQL and annotations: the shortest exact
// representation of its 10-digit rounding, without an exponent.
func num(v float64) string { return strconv.FormatFloat(round10(v), 'f', -1, 64) }

// pct formats a ratio as a percentage for prose: 0.999 is "99.9%".
func pct(v float64) string { return num(v*100) + "%" }
