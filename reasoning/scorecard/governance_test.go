package scorecard_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/reasoning/scorecard"
)

func TestCheckGovernance(t *testing.T) {
	tests := map[string]struct {
		in         scorecard.Governance
		wantStatus scorecard.GovernanceStatus
		wantPassed int
		wantFailed []string
	}{
		"Passing all five checks is compliant.": {
			in:         scorecard.Governance{Runbook: true, Monitoring: true, Owner: true, Documentation: true, IncidentResponse: true},
			wantStatus: scorecard.Compliant, wantPassed: 5,
		},
		"Passing four checks is partial.": {
			in:         scorecard.Governance{Runbook: true, Monitoring: true, Owner: true, Documentation: true},
			wantStatus: scorecard.Partial, wantPassed: 4,
			wantFailed: []string{scorecard.CheckIncidentResponse},
		},
		// Predict 4. Runbook, monitoring and ownership pass: 3 of 5, which is
		// in the 3–4 band: partial.
		"Passing runbook, monitoring and ownership but failing documentation and incident response is partial.": {
			in:         scorecard.Governance{Runbook: true, Monitoring: true, Owner: true},
			wantStatus: scorecard.Partial, wantPassed: 3,
			wantFailed: []string{scorecard.CheckDocumentation, scorecard.CheckIncidentResponse},
		},
		"Passing two checks is non-compliant.": {
			in:         scorecard.Governance{Runbook: true, Monitoring: true},
			wantStatus: scorecard.NonCompliant, wantPassed: 2,
			wantFailed: []string{scorecard.CheckOwnership, scorecard.CheckDocumentation, scorecard.CheckIncidentResponse},
		},
		"Passing no check is non-compliant.": {
			in:         scorecard.Governance{},
			wantStatus: scorecard.NonCompliant, wantPassed: 0,
			wantFailed: []string{scorecard.CheckRunbook, scorecard.CheckMonitoring, scorecard.CheckOwnership, scorecard.CheckDocumentation, scorecard.CheckIncidentResponse},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := scorecard.CheckGovernance("checkout", tt.in)
			require.Equal(t, tt.wantStatus, got.Status)
			require.Equal(t, tt.wantPassed, got.Passed)
			require.Len(t, got.Checks, 5, "every check is reported")
			var failed []string
			for _, c := range got.Checks {
				if c.Passed {
					require.Empty(t, c.Message, "check %s passed", c.Name)
					continue
				}
				failed = append(failed, c.Name)
				require.Contains(t, c.Message, "checkout", "check %s names the service", c.Name)
			}
			require.Equal(t, tt.wantFailed, failed)
		})
	}
}

func TestCheckGovernanceRunsChecksInOrder(t *testing.T) {
	got := scorecard.CheckGovernance("checkout", scorecard.Governance{})
	var names []string
	for _, c := range got.Checks {
		names = append(names, c.Name)
	}
	require.Equal(t, []string{"runbook", "monitoring", "ownership", "documentation", "incident_response"}, names)
}
