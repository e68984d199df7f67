package scorecard

import "fmt"

// Governance records which operational policies a service satisfies.
type Governance struct {
	Runbook          bool `json:"runbook"`
	Monitoring       bool `json:"monitoring"`
	Owner            bool `json:"owner"`
	Documentation    bool `json:"documentation"`
	IncidentResponse bool `json:"incident_response"`
}

// Names of the governance checks, in the order CheckGovernance runs them.
const (
	CheckRunbook          = "runbook"
	CheckMonitoring       = "monitoring"
	CheckOwnership        = "ownership"
	CheckDocumentation    = "documentation"
	CheckIncidentResponse = "incident_response"
)

// Check is the outcome of one governance check.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	// Message says what is missing, naming the service; empty when the
	// check passed.
	Message string `json:"message,omitempty"`
}

// GovernanceStatus summarizes how many governance checks a service passed.
type GovernanceStatus string

// Governance statuses.
const (
	Compliant    GovernanceStatus = "compliant"     // all 5 checks pass
	Partial      GovernanceStatus = "partial"       // 3 or 4 pass
	NonCompliant GovernanceStatus = "non_compliant" // 2 or fewer pass
)

// GovernanceResult is the outcome of all governance checks of a service.
type GovernanceResult struct {
	Status GovernanceStatus `json:"status"`
	Passed int              `json:"passed"`
	Checks []Check          `json:"checks"`
}

// CheckGovernance runs the five governance checks (runbook, monitoring,
// ownership, documentation, incident response) on the service named
// service and grades the number passed:
//
//	Passed  Status
//	5       compliant
//	3–4     partial
//	0–2     non_compliant
//
// A service with a runbook, monitoring and an owner but neither
// documentation nor an incident response process passes 3: partial.
// Every check is reported, passed or not, so the caller can say which ones
// failed.
func CheckGovernance(service string, g Governance) GovernanceResult {
	checks := []Check{
		check(CheckRunbook, g.Runbook, "%s has no operational runbook", service),
		check(CheckMonitoring, g.Monitoring, "%s is not monitored", service),
		check(CheckOwnership, g.Owner, "%s has no owning team", service),
		check(CheckDocumentation, g.Documentation, "%s has no service documentation", service),
		check(CheckIncidentResponse, g.IncidentResponse, "%s has no incident response process", service),
	}
	r := GovernanceResult{Checks: checks}
	for _, c := range checks {
		if c.Passed {
			r.Passed++
		}
	}
	switch {
	case r.Passed == len(checks):
		r.Status = Compliant
	case r.Passed >= 3:
		r.Status = Partial
	default:
		r.Status = NonCompliant
	}
	return r
}

func check(name string, passed bool, format, service string) Check {
	c := Check{Name: name, Passed: passed}
	if !passed {
		c.Message = fmt.Sprintf(format, service)
	}
	return c
}
