package chat_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/reasoning/chat"
	"github.com/slorec/slorec/reasoning/recommend"
)

// exampleIDs are the service ids of the embedded e-commerce example.
var exampleIDs = []string{
	"api-gateway", "auth-service", "checkout-service", "external-payment-api", "inventory-db", "inventory-service",
	"order-events", "payment-service", "product-cache", "product-db", "product-service", "user-db",
}

func TestRoute(t *testing.T) {
	r := chat.NewRouter(exampleIDs)
	tests := []struct {
		name     string
		text     string
		intent   chat.Intent
		services []string
		targets  []float64
		changes  []recommend.Change
		unknown  []string
		followUp bool
	}{
		{"A why question with a possessive explains.", "why is checkout-service's target 99.5%?", chat.IntentExplain, []string{"checkout-service"}, []float64{0.995}, nil, nil, false},
		{"Explain names the service after a preposition.", "explain the recommendation for payment-service", chat.IntentExplain, []string{"payment-service"}, nil, nil, nil, false},
		{"Case and a missing -service suffix still match.", "Why is Checkout's SLO so low?", chat.IntentExplain, []string{"checkout-service"}, nil, nil, nil, false},
		{"A plural possessive and a spaced id match.", "how was the payment service' ceiling computed", chat.IntentExplain, []string{"payment-service"}, nil, nil, nil, false},
		{"A name alone asks for its explanation.", "api-gateway", chat.IntentExplain, []string{"api-gateway"}, nil, nil, nil, false},
		{"A what-if reads the target and pairs it with the service.", "what if payment-service drops to 99%?", chat.IntentWhatIf, []string{"payment-service"}, []float64{0.99}, []recommend.Change{{Service: "payment-service", Target: 0.99}}, nil, false},
		{"What happens if ... only delivers is a what-if.", "what happens if external-payment-api only delivers 99.5%", chat.IntentWhatIf, []string{"external-payment-api"}, []float64{0.995}, []recommend.Change{{Service: "external-payment-api", Target: 0.995}}, nil, false},
		{"A follow-up what-if about it leaves the service to the context.", "what if it drops to 99%?", chat.IntentWhatIf, nil, []float64{0.99}, []recommend.Change{{Target: 0.99}}, nil, false},
		{"Nines and ratios are targets.", "suppose inventory-service commits to three nines", chat.IntentWhatIf, []string{"inventory-service"}, []float64{0.999}, []recommend.Change{{Service: "inventory-service", Target: 0.999}}, nil, false},
		{"A ratio is a target; the changed service is the one before it.", "is checkout-service at risk if payment-service falls to 0.985?", chat.IntentWhatIf, []string{"checkout-service", "payment-service"}, []float64{0.985}, []recommend.Change{{Service: "payment-service", Target: 0.985}}, nil, false},
		{"Two changes pair in order.", "what if payment-service drops to 99% and inventory-service to 99.9%", chat.IntentWhatIf, []string{"payment-service", "inventory-service"}, []float64{0.99, 0.999}, []recommend.Change{{Service: "payment-service", Target: 0.99}, {Service: "inventory-service", Target: 0.999}}, nil, false},
		{"A bare figure after a verb reads as a percent.", "what if auth drops to 99.9", chat.IntentWhatIf, []string{"auth-service"}, []float64{0.999}, []recommend.Change{{Service: "auth-service", Target: 0.999}}, nil, false},
		{"Compare names two services.", "compare checkout-service and payment-service", chat.IntentCompare, []string{"checkout-service", "payment-service"}, nil, nil, nil, false},
		{"Versus compares too, with spaced ids.", "product service vs inventory service?", chat.IntentCompare, []string{"product-service", "inventory-service"}, nil, nil, nil, false},
		{"A longer id wins over an alias inside it.", "compare inventory db and inventory", chat.IntentCompare, []string{"inventory-db", "inventory-service"}, nil, nil, nil, false},
		{"Which services are at risk asks for fleet health.", "which services are at risk?", chat.IntentAtRisk, nil, nil, nil, nil, false},
		{"Infeasible SLOs are a risk question.", "Which SLOs are infeasible right now?", chat.IntentAtRisk, nil, nil, nil, nil, false},
		{"At risk with a service filters to it.", "is api-gateway healthy?", chat.IntentAtRisk, []string{"api-gateway"}, nil, nil, nil, false},
		{"A policy question is knowledge.", "what does our error budget policy say?", chat.IntentKnowledge, nil, nil, nil, nil, false},
		{"How do we handle is knowledge, whatever service it names.", "how do we handle a payment provider outage", chat.IntentKnowledge, []string{"payment-service"}, nil, nil, nil, false},
		{"A definition is knowledge.", "what is an error budget?", chat.IntentKnowledge, nil, nil, nil, nil, false},
		{"A runbook question is knowledge.", "Is there a runbook for database failover?", chat.IntentKnowledge, nil, nil, nil, nil, false},
		{"What about a service is a follow-up.", "what about inventory-service?", "", []string{"inventory-service"}, nil, nil, nil, true},
		{"And with an alias is a follow-up.", "and auth?", "", []string{"auth-service"}, nil, nil, nil, true},
		{"The weather is off-topic.", "what's the weather in Paris?", chat.IntentRefuse, nil, nil, nil, nil, false},
		{"Writing code is off-topic.", "write me a python script to parse logs", chat.IntentRefuse, nil, nil, nil, nil, false},
		{"A write request is refused as read-only.", "set checkout to 99.999%", chat.IntentRefuse, []string{"checkout-service"}, []float64{0.99999}, nil, nil, false},
		{"A misspelt id is unknown.", "explain the recommendation for chekout-service", chat.IntentExplain, nil, nil, nil, []string{"chekout-service"}, false},
		{"An unknown service named in words is unknown.", "why is the billing service target so high?", chat.IntentExplain, nil, nil, nil, []string{"billing service"}, false},
		{"Nothing to place has no intent.", "hello there", "", nil, nil, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := r.Route(tt.text)
			require.Equal(t, tt.intent, rt.Intent, "rule %q", rt.Rule)
			require.Equal(t, tt.services, rt.Services)
			require.Equal(t, tt.targets, rt.Targets)
			require.Equal(t, tt.unknown, rt.Unknown)
			require.Equal(t, tt.followUp, rt.FollowUp)
			if tt.changes != nil || tt.intent == chat.IntentWhatIf {
				require.Equal(t, tt.changes, rt.Changes)
			}
		})
	}
}

func TestRouteLatencyFigures(t *testing.T) {
	rt := chat.NewRouter(exampleIDs).Route("why is checkout-service's p95 threshold 650 ms and not 1.2 s?")
	require.Equal(t, chat.IntentExplain, rt.Intent)
	require.Equal(t, []float64{650, 1200}, rt.ThresholdsMs)
	require.Empty(t, rt.Targets, "p95 is a percentile, not a target")
}

func TestResolveAndSuggest(t *testing.T) {
	r := chat.NewRouter(exampleIDs)
	require.Equal(t, "checkout-service", r.Resolve("Checkout"))
	require.Equal(t, "checkout-service", r.Resolve("checkout service"))
	require.Equal(t, "inventory-db", r.Resolve("inventory-db"))
	require.Empty(t, r.Resolve("billing"))
	require.Equal(t, []string{"checkout-service"}, r.Suggest("chekout-service", 3))
	require.Equal(t, []string{"payment-service"}, r.Suggest("paymnt", 3))
	require.Contains(t, r.Suggest("inventory-api", 3), "inventory-service")

	// An alias shared by two ids is ambiguous and matches neither.
	amb := chat.NewRouter([]string{"pay-service", "pay_service", "pay-db"})
	require.Empty(t, amb.Resolve("pay"))
}
