// Package petshop imports Amazon's PetShop root-cause-analysis dataset into
// the eval dataset format of DESIGN.md section 7 (package dataset), so
// backtests can run on real metrics at 5-minute resolution.
//
// # Source and license
//
// The data is "The PetShop Dataset — Finding Causes of Performance Issues
// across Microservices" by Michaela Hardt, William R. Orchard, Patrick
// Blöbaum, Shiva Kasiviswanathan and Elke Kirschbaum (Amazon; arXiv:2311.04806,
// CLeaR 2024), published at github.com/amazon-science/petshop-root-cause-analysis
// (the copy read by the tests is commit 1c5992dc46a02c988a027e2219036d59e8158a91,
// see ../shared/data/SOURCES.tsv (relative to the repository root)). The dataset is licensed under the
// Creative Commons Attribution 4.0 International license (CC-BY-4.0,
// LICENSE_DATASET next to the data); the upstream code is Apache-2.0. The
// upstream README names no authors, so the attribution above is the
// paper's. Datasets this package produces are adaptations of that data:
// anything redistributed must keep this attribution and say that it was
// changed (the conversions below).
//
// The application is the PetAdoptions sample of
// github.com/aws-samples/one-observability-demo, adapted by the authors;
// the node names are those of its AWS X-Ray service map (ECS and Lambda
// services, Step Functions, DynamoDB, RDS, SQS, SNS, load balancers and
// the AWS APIs it calls).
//
// # Input layout
//
// Import takes the upstream root (holding dataset/<traffic>/) or a traffic
// folder (holding graph.csv). In a traffic folder:
//
//   - graph.csv is a square 0/1 adjacency matrix over the X-Ray nodes: the
//     header row is an empty cell and the node names, each row a node name
//     and one cell per node; 1 in row A, column B means A calls B.
//   - noissue/metrics.csv is the normal-traffic window (high_traffic: 589
//     buckets from 2023-09-05T14:00Z, 49 h 5 min, 39 components).
//   - train/issue_N/ (and, upstream, test/issue_N/) hold a metrics.csv of
//     a few buckets around an injected issue and a target.json naming the
//     anomalous node and metric and the root-cause node. In the copy read
//     by the tests the eight train issues are from April 2023, five months
//     before the normal window, and cover 44 components.
//
// A metrics.csv is a pandas frame written with a three-level column index:
// header rows "microservice" (the node name), "metric" (latency, requests,
// availability) and "statistic" (Average, p50, p90, p95, p99, Sum), then a
// "unix_timestamp" row, then one row per bucket whose first cell is the
// bucket start in unix seconds ("1693922400.0") and whose other cells are
// the statistics, empty when CloudWatch had no data.
//
// # Topology
//
// Every graph.csv node becomes a service (44 in high_traffic; five of them,
// S3, invalid_AWS::DynamoDB::Table, payforadoption_client,
// servi-payfo...elb and the StepFnStateMachine client, have metrics only
// in the issue scenarios). Service.Name keeps the upstream name.
//
// Ids: an upstream name is split into a name and a type suffix: the text
// after the last underscore when it is "remote", "client" or contains "::"
// (PetSearch_AWS::ECS::Fargate is PetSearch and AWS::ECS::Fargate); a name
// without an underscore that contains "::" is all type
// (AWS::StepFunctions::StateMachine); anything else has no type (PetSite,
// lambda_step_readDDB). A leading URL scheme is dropped from the name, the
// "AWS" namespace and a first type segment equal to the name
// (DynamoDB_AWS::DynamoDB) are dropped from the type, and name and type
// segments are joined, lowercased, with every run of characters outside
// a-z0-9 turned into one hyphen: petsearch-ecs-fargate, dynamodb,
// stepfunctions-statemachine, pgsql-query-remote,
// sqs-us-west-2-amazonaws-com-services-sqspetadoption-sqs-queue. Names that
// normalise to the same id are sorted bytewise; the first keeps the id and
// the others get -2, -3, ...: the data has Servi-searc.us-west-2.elb... and
// servi-searc.us-west-2.elb... (one load balancer seen by two callers, as
// two X-Ray nodes), which become servi-searc-us-west-2-elb-amazonaws-com-remote
// and ...-remote-2. Ids depend only on the set of graph.csv names.
//
// Kinds and tiers, first matching rule wins (Report.Components says which
// rule applied to each component):
//
//   - type "client" (an X-Ray client node: a caller outside the traced
//     application, such as the traffic generator): service, tier low.
//   - type "remote" (a host the traced code calls without instrumentation):
//     a *.elb.amazonaws.com host is a load balancer, service, tier
//     critical; an execute-api.* host is API Gateway, service, tier
//     critical; a name containing "sql" (PGSQL Query) is the SQL database
//     seen from its client, datastore; any other (169.254.170.2, the ECS
//     metadata endpoint; amazon.com) is external.
//   - Database::* (X-Ray's SQL database node, here RDS): datastore.
//   - AWS::ApiGateway, AWS::ElasticLoadBalancing(V2): service, tier critical.
//   - AWS::Lambda, AWS::ECS, AWS::EC2, AWS::EKS, AWS::ElasticBeanstalk,
//     AWS::StepFunctions (compute and orchestration): service.
//   - AWS::DynamoDB, AWS::RDS, AWS::S3: datastore.
//   - AWS::SQS, AWS::SNS, AWS::SimpleNotificationService, AWS::Kinesis: queue.
//   - any other AWS::* (SSM, STS, Evidently: managed APIs the application
//     calls but does not run): external.
//   - no type (an instrumented application segment): service; tier
//     critical when no graph.csv node calls it (the entry point: PetSite,
//     the web front end and the target node of every labelled issue).
//   - any other type: service (listed as unrecognised in the report).
//
// Tier is standard unless a rule says otherwise. Every graph.csv edge is a
// hard dependency with provenance "observed" (the service map comes from
// traces), sync except: edges out of a queue (a queue delivering to its
// consumers; none in this data) and edges into an
// AWS::StepFunctions::StateMachine, whose StartExecution returns before the
// workflow runs. The data agrees: PetSite's availability is 99.9% while
// the state machine's is 25%, which a hard sync edge would not allow.
// Report.AsyncEdges lists them. No call ratios or redundancy groups are
// set: graph.csv has neither.
//
// # Metrics
//
// One row per component per bucket, sorted by (timestamp, id):
//
//   - timestamp: the unix seconds as RFC 3339 UTC. They must be whole
//     seconds on the 5-minute grid (else an error naming file and line).
//     Rows are sorted by time; a row repeating an earlier timestamp with
//     identical cells is dropped (and reported), with different cells it
//     is an error naming both lines.
//   - requests: the requests/Sum statistic, a count per 5-minute bucket
//     (no rate conversion; the normalized copy under
//     /work/shared/data/metrics/normalized divides it by 300 to get
//     requests per second). It must be a whole number. An empty cell drops
//     the bucket (reported). Zero requests is a real, kept bucket with no
//     errors and no latency; latency cells present with zero requests are
//     cleared (reported).
//   - errors: round(requests × (1 − availability/100)) from
//     availability/Average in percent, rounded half away from zero, then
//     clamped to [0, requests]. The percentages are ratios of whole
//     counts (PetSite at 2023-09-07T01:50Z: 96.907216...% of 679 requests,
//     658 successes), so the rounding recovers the error count (21). Availability above 100 (beyond 1e-9) is an
//     error; an empty availability with requests > 0 drops the bucket
//     (reported), since its error count is unknown.
//   - latency_p50_ms, latency_p95_ms, latency_p99_ms: the latency/p50, p95
//     and p99 statistics times 1000 (seconds to milliseconds). Empty cells
//     stay empty, and a zero is treated as empty (the format's "no data").
//     If the present percentiles are out of order (estimator noise), they
//     are sorted among themselves and the bucket is reported as fixed; the
//     high_traffic data has no such bucket. latency/Average and latency/p90
//     have no column in the format and are ignored (listed in the report).
//
// dataset.Write rounds latencies to 0.1 ms, so values below 0.05 ms become
// empty cells on disk: Report.SubResolutionLatencies counts them (579 p50
// values of petlistadoptions_client in the normal window).
//
// Negative or non-numeric cells, ragged rows, header rows other than the
// four above, duplicate columns, a component missing its requests or
// availability column, and a component graph.csv does not declare are
// errors naming the file, line and column.
//
// # Issues
//
// With Options.Issue (e.g. "train/issue_0") the scenario's buckets join the
// normal window's, converted by the same rules, and its target.json
// becomes one incident: on the target node, starting at the target
// timestamp, ending where the scenario's metrics end (upstream gives no
// end), with the root-cause node as RootCause and the reproduction command
// in the summary. Timestamps are kept as recorded, so the dataset then
// spans both windows and the months between them; Report.NormalWindow and
// Report.Issue.Window say where each is.
//
// The result passes Dataset.Validate for any now at or after Report.End;
// Import checks it with now = Report.End.
package petshop
