package guardrails_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/guardrails"
)

func TestLanguageGuard(t *testing.T) {
	tests := []struct {
		name, summary string
		english       bool
	}{
		{"English prose passes.", "The error budget is spent when payment-service fails, so the target stays at the balanced candidate.", true},
		{"Terse English full of names and numbers passes.", "checkout-service availability 99.506% over 60 days (F1); ceiling 99.407% with payment-service, inventory-service held to SLO.", true},
		{"English with a foreign place name passes.", "The Zürich region served 95% of requests under 650 ms during the failover to the secondary provider.", true},
		{"A short fragment is too short to judge.", "Ceiling: 99.407%.", true},
		{"German fails.", "Für checkout-service empfehlen wir eine Verfügbarkeit von 99% über 30 Tage, weil die Abhängigkeit begrenzt.", false},
		{"German without umlauts fails.", "Die Verfuegbarkeit von checkout-service liegt bei 99.5% und wird durch payment-service begrenzt, nicht durch den Cache.", false},
		{"French fails.", "La disponibilité de checkout-service est de 99.5% sur 30 jours et elle est limitée par payment-service.", false},
		{"Spanish fails.", "La disponibilidad de checkout-service es del 99.5% en 30 días y está limitada por payment-service.", false},
		{"Russian fails.", "Доступность checkout-service составляет 99.5% за 30 дней и ограничена сервисом payment-service.", false},
		{"Chinese fails.", "checkout-service 的可用性在 30 天内为 99.5%，受 payment-service 限制。", false},
		{"A terse engine-style line without function words passes.", "Measured: external-payment-api mean hourly p95 latency: 565.6 ms.", true},
		{"English that mentions a non-critical path and MIT-licensed code passes.", "The non-critical path through the MIT-licensed client met its target, so os and com suffixes do not matter.", true},
		{"Italian fails.", "La disponibilità di checkout-service è del 99.5% su 30 giorni ed è limitata da payment-service, che non è critico.", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := goodDraft()
			d.Summary = tt.summary
			_, vs := guardrails.CheckDraft(marshal(t, d), evidence(t))
			for _, v := range vs {
				if v.Guard == guardrails.GuardLanguage {
					require.Equal(t, tt.english, v.Passed, "%+v", v.Violations)
					if !tt.english {
						require.Equal(t, "summary", v.Violations[0].Path)
						require.Equal(t, guardrails.RuleNotEnglish, v.Violations[0].Rule)
					}
				}
			}
		})
	}
}

func TestLanguageGuardWholeDraft(t *testing.T) {
	// Each German claim is too short to judge alone; together they are
	// German.
	d := goodDraft()
	d.Summary = "Wir empfehlen die Stufe balanced."
	d.Rationale[0].Claim = "Die Verfügbarkeit ist gut."
	d.Rationale[1].Claim = "Das ist nicht kritisch."
	d.Rationale[2].Claim = "Der Cache hilft auch."
	d.Rationale[3].Claim = "Die Latenz ist stabil."
	d.Rationale[4].Claim = "Wir sind sicher."
	d.Risks = []string{"Keine."}
	d.ConfidenceNote = "Hoch, weil die Daten gut sind."
	_, vs := guardrails.CheckDraft(marshal(t, d), evidence(t))
	require.Contains(t, violations(vs), "language  not-english")
}
