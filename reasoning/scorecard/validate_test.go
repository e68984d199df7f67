package scorecard_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/scorecard"
)

func TestServiceValidate(t *testing.T) {
	tests := map[string]struct {
		change func(*scorecard.Service)
		want   string // "" for valid
	}{
		"A complete service is valid.": {
			change: func(*scorecard.Service) {},
		},
		"A service with nothing but an id is valid.": {
			change: func(s *scorecard.Service) { *s = scorecard.Service{ID: "checkout"} },
		},
		"A 100% target is valid.": {
			change: func(s *scorecard.Service) { s.SLOs[0].Target = 1 },
		},
		"A missing id should error.": {
			change: func(s *scorecard.Service) { s.ID = "" },
			want:   "id: required",
		},
		"An SLO without a name should error.": {
			change: func(s *scorecard.Service) { s.SLOs[0].Name = "" },
			want:   `service "checkout": slos[0].name: required`,
		},
		"Two SLOs with one name should error.": {
			change: func(s *scorecard.Service) { s.SLOs = append(s.SLOs, s.SLOs[0]) },
			want:   `service "checkout": slos[1].name: duplicate SLO "availability"`,
		},
		"A target given as a percentage should error.": {
			change: func(s *scorecard.Service) { s.SLOs[0].Target = 99.9 },
			want:   `service "checkout": slos[0].target: 99.9 looks like a percentage; use a ratio (0.999 for 99.9%)`,
		},
		"A zero target should error.": {
			change: func(s *scorecard.Service) { s.SLOs[0].Target = 0 },
			want:   `service "checkout": slos[0].target: 0 is not a ratio in (0,1]`,
		},
		"A current given as a percentage should error.": {
			change: func(s *scorecard.Service) { s.SLOs[0].Current = 99.95 },
			want:   `service "checkout": slos[0].current: 99.95 looks like a percentage; use a ratio (0.999 for 99.9%)`,
		},
		"A NaN current should error.": {
			change: func(s *scorecard.Service) { s.SLOs[0].Current = math.NaN() },
			want:   `service "checkout": slos[0].current: NaN is not a ratio in [0,1]`,
		},
		"A window over a year should error.": {
			change: func(s *scorecard.Service) { s.SLOs[0].WindowDays = 400 },
			want:   `service "checkout": slos[0].window_days: 400 is not in [1,366] (or 0 for the default)`,
		},
		"A negative budget should error.": {
			change: func(s *scorecard.Service) { s.Cost.BudgetMonthly = -1 },
			want:   `service "checkout": cost.budget_monthly: -1 is not a non-negative number`,
		},
		"A month not in YYYY-MM form should error.": {
			change: func(s *scorecard.Service) { s.Cost.Entries[1].Month = "2026-1" },
			want:   `service "checkout": cost.entries[1].month: "2026-1" is not a month in YYYY-MM form`,
		},
		"A month with a day should error.": {
			change: func(s *scorecard.Service) { s.Cost.Entries[1].Month = "2026-10-01" },
			want:   `service "checkout": cost.entries[1].month: "2026-10-01" is not a month in YYYY-MM form`,
		},
		"A month given twice should error.": {
			change: func(s *scorecard.Service) { s.Cost.Entries[1].Month = s.Cost.Entries[0].Month },
			want:   `service "checkout": cost.entries[1].month: duplicate month 2026-09`,
		},
		"A negative amount should error.": {
			change: func(s *scorecard.Service) { s.Cost.Entries[0].Amount = -5 },
			want:   `service "checkout": cost.entries[0].amount: -5 is not a non-negative number`,
		},
		"An infinite amount should error.": {
			change: func(s *scorecard.Service) { s.Cost.Entries[0].Amount = math.Inf(1) },
			want:   `service "checkout": cost.entries[0].amount: +Inf is not a non-negative number`,
		},
		"Uptime given as a percentage should error.": {
			change: func(s *scorecard.Service) { s.Reliability.Uptime = 99.95 },
			want:   `service "checkout": reliability.uptime: 99.95 looks like a percentage; use a ratio (0.999 for 99.9%)`,
		},
		"A negative MTTR should error.": {
			change: func(s *scorecard.Service) { s.Reliability.MTTRMinutes = -1 },
			want:   `service "checkout": reliability.mttr_minutes: -1 is not a non-negative number`,
		},
		"A negative incident count should error.": {
			change: func(s *scorecard.Service) { s.Reliability.Incidents30d = -1 },
			want:   `service "checkout": reliability.incidents_30d: -1 is negative`,
		},
		"A change failure rate given as a percentage should error.": {
			change: func(s *scorecard.Service) { s.Reliability.ChangeFailureRate = 5 },
			want:   `service "checkout": reliability.change_failure_rate: 5 looks like a percentage; use a ratio (0.999 for 99.9%)`,
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			s := with(healthy("checkout"), tt.change)
			err := s.Validate()
			_, evalErr := scorecard.Evaluate(s)
			if tt.want == "" {
				require.NoError(t, err)
				require.NoError(t, evalErr)
				return
			}
			require.Error(t, err)
			require.Equal(t, slorec.EINVALID, slorec.ErrorCode(err))
			require.Equal(t, tt.want, slorec.ErrorMessage(err))
			require.Equal(t, err, evalErr, "Evaluate validates too")
		})
	}
}
