package corpus_test

import (
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec/corpus"
)

// Word-count bounds for shipped documents: long enough to be useful,
// short enough to stay focused.
const (
	minWords = 300
	maxWords = 1200
)

// folderKind maps each docs/ subfolder to the kind its documents have.
var folderKind = map[string]string{
	"runbooks":      corpus.KindRunbook,
	"slo-templates": corpus.KindSLOTemplate,
	"policies":      corpus.KindPolicy,
	"provider-slas": corpus.KindProviderSLA,
	"postmortems":   corpus.KindPostmortem,
	"guides":        corpus.KindGuide,
}

func load(t *testing.T) []corpus.Document {
	t.Helper()
	docs, err := corpus.Load()
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	return docs
}

func byID(docs []corpus.Document) map[string]corpus.Document {
	m := make(map[string]corpus.Document, len(docs))
	for _, d := range docs {
		m[d.ID] = d
	}
	return m
}

func TestLoadShippedDocumentsAreValid(t *testing.T) {
	docs := load(t)
	require.NoError(t, corpus.Validate(docs))
	require.True(t, sort.SliceIsSorted(docs, func(i, j int) bool { return docs[i].ID < docs[j].ID }), "Load sorts by ID")

	seen := map[string]string{}
	for _, d := range docs {
		t.Run(d.ID, func(t *testing.T) {
			require.NoError(t, d.Validate())
			require.NotContains(t, seen, d.ID, "duplicate id")
			seen[d.ID] = d.Path

			dir, file := path.Split(d.Path)
			require.Equal(t, d.ID+".md", file, "file name is the id")
			require.Equal(t, folderKind[path.Base(dir)], d.Kind, "folder %s holds kind", dir)

			words := len(strings.Fields(d.Body))
			require.GreaterOrEqual(t, words, minWords, "body words")
			require.LessOrEqual(t, words, maxWords, "body words")
			require.GreaterOrEqual(t, strings.Count(d.Body, "\n## "), 3, "at least three ## sections for the heading-aware chunker")
			require.False(t, strings.HasPrefix(d.Body, "# "), "the title lives in front matter, not in an H1")

			require.Equal(t, "CC-BY-4.0", d.License, "one licence for the project's own text")
			require.NotEmpty(t, d.Sources)
			require.Equal(t, strings.Join(d.Sources, ", "), d.Source)
			for _, s := range d.Sources {
				if s != "slorec authors" {
					require.Regexp(t, `^https://\S+$`, s)
					require.NotEmpty(t, d.LicenseNote, "documents drawing on public pages say which in license_note")
				}
			}
			require.NotEmpty(t, d.Tags)
			require.Equal(t, d.Kind+"/"+d.ID, d.Ref())
		})
	}
}

func TestLoadMeetsKindMinimums(t *testing.T) {
	docs := load(t)
	counts := map[string]int{}
	for _, d := range docs {
		counts[d.Kind]++
	}
	want := map[string]int{
		corpus.KindRunbook:     10,
		corpus.KindPolicy:      5,
		corpus.KindGuide:       7,
		corpus.KindSLOTemplate: 8,
		corpus.KindProviderSLA: 9,
		corpus.KindPostmortem:  12,
	}
	for kind, n := range want {
		require.GreaterOrEqual(t, counts[kind], n, "documents of kind %s", kind)
	}
	require.GreaterOrEqual(t, len(docs), 44)
	require.Len(t, counts, len(corpus.Kinds()), "every kind is represented")
}

func TestLoadCoversRequiredTopics(t *testing.T) {
	docs := byID(load(t))
	required := map[string][]string{
		corpus.KindRunbook: {
			"hard-dependency-outage", "payment-provider-degradation", "database-failover-replica-lag",
			"latency-regression", "retry-storm-circuit-breaking", "cache-stampede-cold-cache",
			"queue-backlog-consumer-lag", "dns-certificate-expiry", "bad-deploy-rollback",
			"noisy-neighbour-resource-exhaustion",
		},
		corpus.KindPolicy: {
			"error-budget-policy", "error-budget-exhausted-actions", "slo-review-cadence",
			"on-call-escalation", "change-management-error-budget",
		},
		corpus.KindGuide: {
			"multiwindow-burn-rate-alerting", "choosing-slis-per-service-kind", "extra-nine-dependency-math",
			"latency-percentiles-do-not-add", "soft-hard-dependencies-graceful-degradation",
			"setting-slos-with-little-history", "availability-windows-rolling-calendar",
			"evaluating-third-party-runbooks", "redacting-incident-data",
		},
		corpus.KindSLOTemplate: {
			"slo-template-api-gateway-edge", "slo-template-stateless-critical", "slo-template-stateless-high",
			"slo-template-stateless-standard", "slo-template-datastore", "slo-template-queue",
			"slo-template-external-dependency", "slo-template-batch-job",
		},
		corpus.KindProviderSLA: {
			"aws-rds-sla", "aws-dynamodb-sla", "aws-s3-sla", "aws-sqs-sla", "google-cloud-sql-sla",
			"google-cloud-spanner-sla", "azure-sql-database-sla", "stripe-payment-provider-status",
			"twilio-sendgrid-sla",
		},
	}
	for kind, ids := range required {
		for _, id := range ids {
			d, ok := docs[id]
			require.True(t, ok, "missing %s %q", kind, id)
			require.Equal(t, kind, d.Kind, id)
		}
	}
}

func TestBurnRateGuideStatesTheArithmetic(t *testing.T) {
	d := byID(load(t))["multiwindow-burn-rate-alerting"]
	for _, s := range []string{"14.4", "1 hour", "5 minutes", "6 hours", "30 minutes", "3 days", "14.4 x 1 / 720 = 2%", "6 x 6 / 720 = 5%", "1 x 72 / 720 = 10%"} {
		require.Contains(t, d.Body, s)
	}
}

func TestPostmortemsCiteTheirPublicReports(t *testing.T) {
	var n int
	for _, d := range load(t) {
		if d.Kind != corpus.KindPostmortem {
			continue
		}
		n++
		t.Run(d.ID, func(t *testing.T) {
			var https int
			for _, s := range d.Sources {
				if strings.HasPrefix(s, "https://") {
					https++
				}
			}
			require.Positive(t, https, "at least one https link to the public postmortem")
			require.Regexp(t, `^\d{4}-\d{2}-\d{2}$`, d.Date, "incident date")
			for _, section := range []string{"## What happened", "## Impact", "## Timeline summary", "## Root cause", "## What dependents experienced", "## Lessons for SLOs and dependency design"} {
				require.Contains(t, d.Body, section)
			}
		})
	}
	require.GreaterOrEqual(t, n, 12)
}

func TestProviderSLAsPublishRatios(t *testing.T) {
	docs := byID(load(t))
	// Headline figures as published by each provider (see each document's
	// source); a ratio, never a percentage.
	want := map[string]map[string]float64{
		"aws-rds-sla":              {"multi-az-db-instance-or-cluster": 0.9995, "single-db-instance": 0.995},
		"aws-dynamodb-sla":         {"standard-table": 0.9999, "global-table": 0.99999},
		"aws-s3-sla":               {"s3-standard": 0.999},
		"aws-sqs-sla":              {"sqs-standard-and-fifo": 0.999},
		"google-cloud-sql-sla":     {"enterprise-plus-ha": 0.9999, "enterprise-ha": 0.9995},
		"google-cloud-spanner-sla": {"multi-region-instance": 0.99999, "regional-instance": 0.9999},
		"azure-sql-database-sla":   {"general-purpose-and-standard-tiers": 0.9999},
		"twilio-sendgrid-sla":      {"twilio-and-sendgrid-services-api": 0.9995},
	}
	for id, offerings := range want {
		got := map[string]float64{}
		for _, s := range docs[id].SLAs {
			got[s.Offering] = s.Availability
		}
		for offering, a := range offerings {
			require.Contains(t, got, offering, id)
			require.InDelta(t, a, got[offering], 1e-12, "%s %s", id, offering)
		}
	}
	for _, d := range docs {
		for _, s := range d.SLAs {
			require.Equal(t, corpus.KindProviderSLA, d.Kind)
			require.Greater(t, s.Availability, 0.9, "%s: SLAs in the corpus are ratios above 90%%", d.ID)
			require.Less(t, s.Availability, 1.0, d.ID)
		}
	}
	require.Empty(t, docs["stripe-payment-provider-status"].SLAs, "no public SLA figure is claimed for Stripe")
}

var injectionPattern = regexp.MustCompile(`(?i)ignore (all |any )?(previous|prior) instructions`)

func TestInjectionExampleIsConfinedToOneFramedGuide(t *testing.T) {
	var hits []string
	for _, d := range load(t) {
		if injectionPattern.MatchString(d.Body) {
			hits = append(hits, d.ID)
		}
	}
	require.Equal(t, []string{"evaluating-third-party-runbooks"}, hits)
	d := byID(load(t))["evaluating-third-party-runbooks"]
	require.Equal(t, corpus.KindGuide, d.Kind)
	i := injectionPattern.FindStringIndex(d.Body)
	before := d.Body[max(0, i[0]-300):i[0]]
	require.Contains(t, before, "never to be followed", "the example is framed as something not to trust")
}

var (
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	ipv4Pattern  = regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`)
)

func TestNoRealPersonalData(t *testing.T) {
	// Only the redaction guide may contain an email address or an IP
	// address, and only reserved documentation values (RFC 2606, RFC 5737).
	docRanges := []string{"192.0.2.", "198.51.100.", "203.0.113."}
	var emailDocs, ipDocs []string
	for _, d := range load(t) {
		for _, e := range emailPattern.FindAllString(d.Body, -1) {
			emailDocs = append(emailDocs, d.ID)
			require.True(t, strings.HasSuffix(e, "@example.com"), "%s: %s is not a reserved example address", d.ID, e)
		}
		for _, ip := range ipv4Pattern.FindAllString(d.Body, -1) {
			ipDocs = append(ipDocs, d.ID)
			reserved := false
			for _, r := range docRanges {
				reserved = reserved || strings.HasPrefix(ip, r)
			}
			require.True(t, reserved, "%s: %s is not in a documentation range", d.ID, ip)
		}
	}
	require.NotEmpty(t, emailDocs, "the redaction guide keeps one fake email for redaction tests")
	require.NotEmpty(t, ipDocs, "the redaction guide keeps one fake IP for redaction tests")
	for _, id := range append(emailDocs, ipDocs...) {
		require.Equal(t, "redacting-incident-data", id)
	}
}
