// Package openslo writes slorec services and SLOs as OpenSLO v1 documents,
// reads OpenSLO v1 SLOs back as slorec SLOs, and validates documents
// against the official OpenSLO v1 JSON schemas.
//
//	Export(services, slos, mapping, Options) -> multi-document YAML
//	Build(...)                               -> the same as typed objects (Bundle)
//	rec.SLOs() (package slorec)            -> the SLOs accepting rec would commit
//	Import(reader)                           -> []slorec.SLO, []Warning
//	NewValidator(fs) / NewValidatorDir(dir)  -> (*Validator).Validate(doc)
//	FindSchemas(getenv), Validate(doc)       -> the schemas at their default place
//
// The types (Service, SLI, SLO, AlertPolicy, AlertCondition,
// AlertNotificationTarget and their parts) follow the v1 specification and
// marshal with gopkg.in/yaml.v3; there is no OpenSLO SDK dependency.
//
// # Export
//
//	slorec                              OpenSLO v1
//	----------------------------------  ------------------------------------------------
//	Service                             Service, metadata.name Name(id); displayName the
//	                                    service's name (or id); labels managed-by, tier,
//	                                    kind, owner (when label-safe); annotations
//	                                    slorec.io/service-id, kind, tier, owner,
//	                                    published-sla, catalog-version
//	SLO                                 SLO "<service name>-<sli>", spec.service the
//	                                    Service's name, the indicator inline (named
//	                                    "<slo>-sli"), one objective with target, a
//	                                    rolling timeWindow of WindowDays ("30d"),
//	                                    budgetingMethod Occurrences
//	availability                        ratioMetric, counter: true, bad = sum(<errors
//	                                    selector>), total = sum(<requests selector>)
//	latency, histogram mapped           ratioMetric, counter: true, good =
//	                                    sum(<histogram>_bucket{le="<threshold in the
//	                                    histogram's unit>"}), total = sum(<histogram>_count)
//	latency, summary mapped             thresholdMetric avg(<summary>{quantile="<p>"}),
//	                                    objective op lte, value the threshold in the
//	                                    summary's unit (a quantile below a value, not a
//	                                    share of requests: said in the description)
//	provenance                          SLO annotations (see the Annotation constants)
//
// Queries come from the Prometheus mapping (package prommap), the one
// ingestion and rule generation read, so an exported SLO measures the
// series slorec learned from. With counter: true the queries return the
// counters themselves, summed over the service's series as in the
// specification's examples; the consuming tool takes the rates or
// increases over the windows it needs. A latency threshold must be a bucket
// boundary when the mapping lists the histogram's buckets: a histogram
// cannot count requests faster than any other value, and Export refuses
// rather than measure a looser SLO at the next boundary up. When the
// mapping lists none, the threshold is taken for a boundary (a query on a
// boundary the histogram lacks returns nothing). The le matcher is
// prommap's: le="0.2", or le=~"1|1\\.0" for whole numbers, which
// Prometheus 3 stores as "1.0".
//
// A latency SLO is a ratio metric like an availability one, so the SLI kind,
// threshold and percentile also go into annotations (slorec.io/sli,
// slorec.io/threshold-ms, slorec.io/percentile). They are a convenience:
// Import recognizes the histogram bucket of the good query without them.
//
// Export is deterministic: services are sorted by id, SLOs by service and
// SLI (availability first), map keys by name, and nothing depends on the
// clock. It refuses, listing every problem at once: an SLO failing
// slorec.SLO.Validate, two SLOs for one service and SLI, service ids that
// share a name, and SLOs the mapping cannot measure.
//
// # Names
//
// OpenSLO names must be RFC 1123 labels for every implementation to accept
// them, and slorec ids are not (www.googleapis.com, ids of 60+ characters
// in PetShop). Name lower-cases an id and turns every run of other
// characters into a hyphen; a name longer than 63 characters is cut and
// suffixed with six hex digits of the id's SHA-256. Two ids with one name
// are an export error, not a silent rename. The original id travels in
// slorec.io/service-id, so Import gives back the id, not the name.
//
// # Alerting
//
// slorec pages at a 14.4x burn over 1 hour and opens a ticket at a 1x burn
// over 3 days (the first and last rows of the SRE Workbook's multiwindow
// table, ch. 5). Each export with SLOs carries two AlertConditions (kind
// burnrate, op gte, threshold 14.4 / 1, lookbackWindow 1h / 3d), two
// AlertPolicies (slorec-page: breaching and resolved, not no-data;
// slorec-ticket: breaching and no-data, since broken metrics deserve a
// ticket rather than a page) and two AlertNotificationTargets. Every SLO
// lists both policies by name (only the page when its window is shorter
// than three days). OpenSLO conditions have a single lookback window, so
// the workbook's short window (5 minutes, 6 hours) becomes alertAfter: the
// condition must hold that long. It delays an alert by that much and does
// not reset as fast as a second window would; a tool that supports
// multiwindow alerts should add the short window back. The 6x over 6 hours
// page of the workbook is not exported: slorec does not alert on it.
//
// Conditions and targets are separate objects named by reference, one
// shared set for all SLOs (burn rates are relative to the SLO referencing
// the policy).
//
// # The v1 schemas and the specification disagree
//
// The schemas (at the commit of the shared copy) differ from the
// specification's prose; exports follow the schemas:
//
//   - spec.alertPolicies is a list of names; the prose's
//     {alertPolicyRef: name} objects fail the schema. Export writes names;
//     Import reads both, and inline policies.
//   - budgetingMethod allows Occurrences and Timeslices; RatioTimeslices,
//     in the prose and in an official example, fails the schema.
//   - an objective requires target; targetPercent alone fails. Export
//     writes target; Import reads either.
//   - an inline notification target must have kind AlertCondition (a slip
//     in the schema), so Export names targets by targetRef.
//   - an AlertPolicy has exactly one condition (maxItems 1).
//
// The official examples do not validate (alertPolicies is null, counter is
// missing, RatioTimeslices); Import still reads them.
//
// # Import
//
//	OpenSLO v1                          slorec.SLO
//	----------------------------------  ------------------------------------------------
//	spec.service                        Service; the slorec.io/service-id annotation of
//	                                    the SLO, or of the Service of that name, wins
//	indicator / indicatorRef            the SLI: inline, or an SLI object of the input
//	ratioMetric good|bad / total, raw   availability, unless the SLO's slorec.io/sli
//	                                    says latency, or the good query counts one
//	                                    histogram bucket (..._bucket{le="0.3"}, or
//	                                    le=~"1|1\\.0"): then latency with the bucket
//	                                    as threshold (unit from the metric name,
//	                                    seconds with a warning when it names none)
//	thresholdMetric, op lt|lte, value   latency, ThresholdMs the value: converted from
//	                                    seconds when the query names seconds, kept for
//	                                    milliseconds (or _ms), read as milliseconds with
//	                                    a warning otherwise
//	thresholdMetric, op gt|gte          skipped with a warning (no slorec SLI)
//	objectives[0].target, targetPercent Target (targetPercent / 100); further
//	                                    objectives are dropped with a warning
//	timeWindow[0].duration              WindowDays: d, w (7 d), whole numbers of hours
//	                                    or minutes; M, Q, Y as 30, 90, 365 days with a
//	                                    warning; under a day the default 30 with a
//	                                    warning; over 366 days an error
//	calendar-aligned window             read as rolling, with a warning
//	Timeslices, RatioTimeslices         read as Occurrences, with a warning: the target
//	                                    then applies to requests, not to time slices
//	composite SLO                       skipped with a warning
//	slorec.io/ annotations              ID, Version, RecommendationID, Forced,
//	                                    Justification, Author, CreatedAt, Percentile
//
// Every SLO passes slorec.SLO.Validate. Errors list every problem with the
// document, line, kind, name and JSON pointer: malformed YAML, an
// apiVersion other than openslo/v1, an unknown kind, a missing field slorec
// needs (metadata.name, spec.service, an indicator, a target, total), a
// target outside (0,1) (with a hint when it looks like a percentage), an
// indicatorRef to no SLI, two SLOs for one service and SLI.
//
// # Validation
//
// The official schemas are third-party files (Apache-2.0) kept outside the
// repository, by default at ../shared/data/openslo-v1-schemas; the
// environment variable SLOREC_OPENSLO_SCHEMAS overrides the place.
// NewValidator registers every file under its own $id, so their absolute
// $ref URLs resolve to the files; any other URL is an error, never a
// fetch. YAML is converted to the values a JSON reader would produce
// (timestamps stay strings). A failing object is explained with the
// general schema and its kind's schema, which the root combines, because
// the root's oneOf over kinds fails in every branch.
package openslo
