package backstage

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/slorec/slorec"
)

// ResourceKind returns the slorec kind of a Resource of the given
// spec.type, compared case-insensitively, and whether the type is in the
// mapping. The types are the ones Backstage's documentation uses and the
// usual names of the managed offerings:
//
//   - datastore: database db rds aurora postgres postgresql mysql mariadb
//     sqlserver mssql oracle sqlite cockroachdb mongodb mongo dynamodb
//     cassandra scylladb couchbase couchdb redis memcached cache elasticache
//     elasticsearch opensearch solr bigtable spanner firestore cosmosdb
//     bigquery snowflake clickhouse data-warehouse s3 s3-bucket bucket
//     gcs-bucket storage-bucket storage blob-storage object-storage
//     filesystem nfs volume;
//   - queue: queue message-queue message-broker broker topic kafka
//     kafka-topic kafka-cluster sqs sqs-queue sns sns-topic pubsub
//     pubsub-topic pub-sub rabbitmq amqp activemq kinesis kinesis-stream nats
//     eventhub event-hub event-bus eventbridge stream pulsar;
//   - external: external third-party saas vendor.
//
// Any other type (kubernetes-cluster, cdn, ...) is reported as datastore
// with ok false: a resource is infrastructure a component needs, and the
// datastore prior (managed, replicated infrastructure) fits it best.
func ResourceKind(typ string) (kind slorec.ServiceKind, ok bool) {
	if k, ok := resourceKinds[strings.ToLower(typ)]; ok {
		return k, true
	}
	return slorec.KindDatastore, false
}

var resourceKinds = func() map[string]slorec.ServiceKind {
	m := map[string]slorec.ServiceKind{}
	for _, t := range strings.Fields(`database db rds aurora postgres postgresql mysql mariadb
		sqlserver mssql oracle sqlite cockroachdb mongodb mongo dynamodb cassandra scylladb
		couchbase couchdb redis memcached cache elasticache elasticsearch opensearch solr
		bigtable spanner firestore cosmosdb bigquery snowflake clickhouse data-warehouse
		s3 s3-bucket bucket gcs-bucket storage-bucket storage blob-storage object-storage
		filesystem nfs volume`) {
		m[t] = slorec.KindDatastore
	}
	for _, t := range strings.Fields(`queue message-queue message-broker broker topic kafka
		kafka-topic kafka-cluster sqs sqs-queue sns sns-topic pubsub pubsub-topic pub-sub
		rabbitmq amqp activemq kinesis kinesis-stream nats eventhub event-hub event-bus
		eventbridge stream pulsar`) {
		m[t] = slorec.KindQueue
	}
	for _, t := range strings.Fields(`external third-party saas vendor`) {
		m[t] = slorec.KindExternal
	}
	return m
}()

// kindAnnotation returns the kind AnnotationKind sets, or "".
func (b *builder) kindAnnotation(e *entity) slorec.ServiceKind {
	p, ok := e.annotations[AnnotationKind]
	if !ok {
		return ""
	}
	k := slorec.ServiceKind(strings.ToLower(strings.TrimSpace(p.s)))
	if !k.Valid() {
		b.warn(e.raw, p.line, "annotation %s is %q, want service, datastore, queue or external; ignored", AnnotationKind, p.s)
		return ""
	}
	return k
}

// tier returns the entity's tier and where it came from: the annotation,
// the label, a tag "tier-<tier>" or "tier:<tier>" (the separators Backstage
// tags allow), then lifecycle experimental, which the descriptor format
// defines as "low or no reliability guarantees", and standard.
func (b *builder) tier(e *entity) (slorec.Tier, string) {
	parse := func(p value, what string) (slorec.Tier, bool) {
		t := slorec.Tier(strings.ToLower(strings.TrimSpace(p.s)))
		if !t.Valid() {
			b.warn(e.raw, p.line, "%s %s is %q, want critical, high, standard or low; ignored", what, AnnotationTier, p.s)
			return "", false
		}
		return t, true
	}
	if p, ok := e.annotations[AnnotationTier]; ok {
		if t, ok := parse(p, "annotation"); ok {
			return t, TierFromAnnotation
		}
	}
	if p, ok := e.labels[AnnotationTier]; ok {
		if t, ok := parse(p, "label"); ok {
			return t, TierFromLabel
		}
	}
	var found []slorec.Tier
	for _, tag := range e.tags {
		tag = strings.ToLower(tag)
		rest, ok := strings.CutPrefix(tag, "tier-")
		if !ok {
			rest, ok = strings.CutPrefix(tag, "tier:")
		}
		if t := slorec.Tier(rest); ok && t.Valid() && !slices.Contains(found, t) {
			found = append(found, t)
		}
	}
	if len(found) > 0 {
		if len(found) > 1 {
			b.warn(e.raw, 0, "tags name several tiers %v; the first, %s, is used", found, found[0])
		}
		return found[0], TierFromTag
	}
	if strings.EqualFold(e.lifecycle, "experimental") {
		return slorec.TierLow, TierFromLifecycle
	}
	return slorec.TierStandard, TierFromDefault
}

// publishedSLA reads AnnotationPublishedSLA: a ratio in [0,1].
func (b *builder) publishedSLA(e *entity) float64 {
	p, ok := e.annotations[AnnotationPublishedSLA]
	if !ok {
		return 0
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(p.s), 64)
	switch {
	case err != nil || math.IsNaN(v) || math.IsInf(v, 0):
		b.warn(e.raw, p.line, "annotation %s is %q, want a ratio such as \"0.9995\"; ignored", AnnotationPublishedSLA, p.s)
		return 0
	case v > 1 && v <= 100:
		b.warn(e.raw, p.line, "annotation %s is %q, which looks like a percentage; it is a ratio (\"0.9995\" for 99.95%%); ignored", AnnotationPublishedSLA, p.s)
		return 0
	case v < 0 || v > 1:
		b.warn(e.raw, p.line, "annotation %s is %q, not a ratio in [0,1]; ignored", AnnotationPublishedSLA, p.s)
		return 0
	}
	return v
}
