package sim

import (
	"time"

	"github.com/slorec/slorec"
)

// EcommerceEnd returns when the e-commerce example's metrics end. It is
// fixed so that the committed files never change and never lie in the
// future.
func EcommerceEnd() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }

// Ecommerce returns the scenario of examples/ecommerce: the brief's
// illustrative system (api-gateway -> auth, product, checkout; checkout ->
// payment, inventory; payment -> an unreliable external payment API) with
// datastores, a cache and an event queue added, 60 days of hourly metrics
// ending at EcommerceEnd(), the brief's current SLOs and a handful of
// incidents.
//
// The parameters are tuned so that the last 30 days reproduce the brief's
// sample metrics (api-gateway p99 ~250 ms and 0.1% errors, auth-service
// ~50 ms and 0.05%, checkout-service ~800 ms and 0.5%). The gateway calls
// checkout on 0.8% of its requests: that is what makes a 0.5% checkout
// error rate consistent with 0.1% at the gateway, and a p99 of 800 ms at
// checkout consistent with 250 ms at the gateway.
func Ecommerce() Config {
	hard := func(target string, ratio float64) slorec.Dependency {
		return slorec.Dependency{Target: target, Type: slorec.Sync, Criticality: slorec.Hard, CallRatio: ratio, Provenance: slorec.Declared}
	}
	svc := func(id string, kind slorec.ServiceKind, tier slorec.Tier, owner string, deps ...slorec.Dependency) slorec.Service {
		return slorec.Service{ID: id, Kind: kind, Tier: tier, Owner: owner, Deps: deps}
	}
	external := svc("external-payment-api", slorec.KindExternal, slorec.TierCritical, "payments-team")
	external.Name = "Payment provider API"
	external.PublishedSLA = 0.995

	g := slorec.Graph{Services: []slorec.Service{
		svc("api-gateway", slorec.KindService, slorec.TierCritical, "edge-team",
			hard("auth-service", 0),
			hard("product-service", 0.7),
			hard("checkout-service", 0.008)),
		svc("auth-service", slorec.KindService, slorec.TierCritical, "identity-team",
			hard("user-db", 0.4)),
		svc("product-service", slorec.KindService, slorec.TierHigh, "catalog-team",
			// The cache is soft: on a miss or an error the service reads
			// product-db, which it does for 30% of requests anyway.
			slorec.Dependency{Target: "product-cache", Type: slorec.Sync, Criticality: slorec.Soft, Provenance: slorec.Declared},
			hard("product-db", 0.3)),
		svc("checkout-service", slorec.KindService, slorec.TierCritical, "checkout-team",
			hard("inventory-service", 0),
			hard("payment-service", 0.5),
			slorec.Dependency{Target: "order-events", Type: slorec.Async, Criticality: slorec.Hard, CallRatio: 0.45, Provenance: slorec.Declared}),
		svc("payment-service", slorec.KindService, slorec.TierCritical, "payments-team",
			hard("external-payment-api", 0)),
		svc("inventory-service", slorec.KindService, slorec.TierHigh, "fulfilment-team",
			hard("inventory-db", 0)),
		svc("user-db", slorec.KindDatastore, slorec.TierCritical, "identity-team"),
		svc("product-db", slorec.KindDatastore, slorec.TierHigh, "catalog-team"),
		svc("product-cache", slorec.KindDatastore, slorec.TierHigh, "catalog-team"),
		svc("inventory-db", slorec.KindDatastore, slorec.TierHigh, "fulfilment-team"),
		svc("order-events", slorec.KindQueue, slorec.TierHigh, "platform-team"),
		external,
	}}

	services := map[string]ServiceParams{
		"api-gateway":          {IntrinsicAvailability: 0.99967, EntryRequestsPerHour: 360000, LatencyP50Ms: 9, LatencyP99Ms: 110},
		"auth-service":         {IntrinsicAvailability: 0.99957, LatencyP50Ms: 9, LatencyP99Ms: 50},
		"product-service":      {IntrinsicAvailability: 0.9998, LatencyP50Ms: 30, LatencyP99Ms: 190},
		"checkout-service":     {IntrinsicAvailability: 0.9996, LatencyP50Ms: 40, LatencyP99Ms: 160},
		"payment-service":      {IntrinsicAvailability: 0.9995, LatencyP50Ms: 25, LatencyP99Ms: 90},
		"inventory-service":    {IntrinsicAvailability: 0.9998, EntryRequestsPerHour: 20000, LatencyP50Ms: 15, LatencyP99Ms: 60},
		"user-db":              {IntrinsicAvailability: 0.9999, LatencyP50Ms: 1.5, LatencyP99Ms: 12},
		"product-db":           {IntrinsicAvailability: 0.9999, LatencyP50Ms: 4, LatencyP99Ms: 30},
		"product-cache":        {IntrinsicAvailability: 0.9995, LatencyP50Ms: 0.8, LatencyP99Ms: 4},
		"inventory-db":         {IntrinsicAvailability: 0.9999, LatencyP50Ms: 3, LatencyP99Ms: 25},
		"order-events":         {IntrinsicAvailability: 0.9999, LatencyP50Ms: 1, LatencyP99Ms: 5},
		"external-payment-api": {IntrinsicAvailability: 0.9935, LatencyP50Ms: 240, LatencyP99Ms: 800},
	}

	at := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err) // a typo in a literal below
		}
		return t
	}
	incidents := []Incident{
		{ID: "INC-2026-0914", Service: "external-payment-api", ReportedOn: "payment-service", Severity: "sev2",
			Start: at("2026-09-14T13:00:00Z"), Duration: 4 * time.Hour, FailureFraction: 0.15, LatencyFactor: 2.5,
			Title:   "Payment provider returning 502s and slow authorisations",
			Summary: "The payment provider degraded for four hours; about 15% of authorisations failed and the rest were 2-3x slower. No retry budget on our side."},
		{ID: "", Service: "product-db", Unrecorded: true,
			Start: at("2026-09-20T02:00:00Z"), Duration: 2 * time.Hour, LatencyFactor: 4},
		{ID: "INC-2026-1003", Service: "user-db", Severity: "sev2",
			Start: at("2026-10-03T03:12:00Z"), Duration: 6 * time.Minute, FailureFraction: 1,
			Title:   "user-db primary failover",
			Summary: "The user-db primary failed its health checks and the replica was promoted after six minutes; logins failed meanwhile."},
		{ID: "INC-2026-1009", Service: "external-payment-api", ReportedOn: "payment-service", Severity: "sev1",
			Start: at("2026-10-09T19:20:00Z"), Duration: 40 * time.Minute, FailureFraction: 0.9, LatencyFactor: 3,
			Title:   "Payment provider outage",
			Summary: "The payment provider was down for 40 minutes at peak; 90% of payments failed with timeouts. Their status page acknowledged it 25 minutes in."},
		{ID: "INC-2026-1021", Service: "payment-service", Severity: "sev3",
			Start: at("2026-10-21T10:05:00Z"), Duration: 85 * time.Minute, FailureFraction: 0.06,
			Title:   "payment-service v2.14 deploy raised 5xx",
			Summary: "A connection-pool change in v2.14 failed 6% of payment requests until the rollback."},
		{ID: "INC-2026-1026", Service: "external-payment-api", ReportedOn: "payment-service", Severity: "sev3",
			Start: at("2026-10-26T14:00:00Z"), Duration: 3 * time.Hour, FailureFraction: 0.08, LatencyFactor: 1.8,
			Title:   "Payment provider elevated latency and errors",
			Summary: "Elevated latency and 8% errors from the payment provider for three hours."},
	}

	slos := []slorec.SLO{
		{Service: "api-gateway", SLI: slorec.Availability, Target: 0.999, WindowDays: 30},
		{Service: "api-gateway", SLI: slorec.Latency, Target: 0.95, ThresholdMs: 200, Percentile: 95, WindowDays: 30},
		{Service: "checkout-service", SLI: slorec.Availability, Target: 0.995, WindowDays: 30},
		{Service: "checkout-service", SLI: slorec.Latency, Target: 0.95, ThresholdMs: 1000, Percentile: 95, WindowDays: 30},
	}

	const days = 60
	return Config{
		Graph:       g,
		Services:    services,
		SLOs:        slos,
		Incidents:   incidents,
		Start:       EcommerceEnd().AddDate(0, 0, -days),
		Days:        days,
		BucketWidth: time.Hour,
		Seed:        20261101,
		Traffic:     Traffic{DiurnalAmplitude: 0.45, PeakHourUTC: 15, WeekendFactor: 0.8, Noise: 0.05},
	}
}
