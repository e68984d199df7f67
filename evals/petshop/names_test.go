package petshop

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
)

func TestNames(t *testing.T) {
	tests := []struct {
		raw        string
		name, typ  string
		id         string
		kind       slorec.ServiceKind
		tier       slorec.Tier
		ruleSubstr string
	}{
		{"PetSearch_AWS::ECS::Fargate", "PetSearch", "AWS::ECS::Fargate", "petsearch-ecs-fargate", slorec.KindService, slorec.TierStandard, "AWS::ECS"},
		{"payforadoption_AWS::ECS::Container", "payforadoption", "AWS::ECS::Container", "payforadoption-ecs-container", slorec.KindService, slorec.TierStandard, "compute"},
		{"lambda_step_readDDB_AWS::Lambda::Function", "lambda_step_readDDB", "AWS::Lambda::Function", "lambda-step-readddb-lambda-function", slorec.KindService, slorec.TierStandard, "AWS::Lambda"},
		{"web_AWS::EC2::Instance", "web", "AWS::EC2::Instance", "web-ec2-instance", slorec.KindService, slorec.TierStandard, "AWS::EC2"},
		{"AWS::StepFunctions::StateMachine", "", "AWS::StepFunctions::StateMachine", "stepfunctions-statemachine", slorec.KindService, slorec.TierStandard, "AWS::StepFunctions"},
		{"StepFunctions_AWS::StepFunctions", "StepFunctions", "AWS::StepFunctions", "stepfunctions", slorec.KindService, slorec.TierStandard, "AWS::StepFunctions"},
		{"PetAdoptionStatusUpdater/prod_AWS::ApiGateway::Stage", "PetAdoptionStatusUpdater/prod", "AWS::ApiGateway::Stage", "petadoptionstatusupdater-prod-apigateway-stage", slorec.KindService, slorec.TierCritical, "AWS::ApiGateway"},
		{"front_AWS::ElasticLoadBalancingV2::LoadBalancer", "front", "AWS::ElasticLoadBalancingV2::LoadBalancer", "front-elasticloadbalancingv2-loadbalancer", slorec.KindService, slorec.TierCritical, "ElasticLoadBalancingV2"},
		{"servi-lista.us-west-2.elb.amazonaws.com_remote", "servi-lista.us-west-2.elb.amazonaws.com", "remote", "servi-lista-us-west-2-elb-amazonaws-com-remote", slorec.KindService, slorec.TierCritical, "Load Balancing"},
		{"execute-api.us-west-2.amazonaws.com_remote", "execute-api.us-west-2.amazonaws.com", "remote", "execute-api-us-west-2-amazonaws-com-remote", slorec.KindService, slorec.TierCritical, "API Gateway"},
		{"PGSQL Query_remote", "PGSQL Query", "remote", "pgsql-query-remote", slorec.KindDatastore, slorec.TierStandard, "SQL"},
		{"169.254.170.2_remote", "169.254.170.2", "remote", "169-254-170-2-remote", slorec.KindExternal, slorec.TierStandard, "remote endpoint"},
		{"www.amazon.com_remote", "www.amazon.com", "remote", "www-amazon-com-remote", slorec.KindExternal, slorec.TierStandard, "remote endpoint"},
		{"DynamoDB_AWS::DynamoDB", "DynamoDB", "AWS::DynamoDB", "dynamodb", slorec.KindDatastore, slorec.TierStandard, "storage"},
		{"petInfo_AWS::DynamoDB::Table", "petInfo", "AWS::DynamoDB::Table", "petinfo-dynamodb-table", slorec.KindDatastore, slorec.TierStandard, "storage"},
		{"db_AWS::RDS::DBInstance", "db", "AWS::RDS::DBInstance", "db-rds-dbinstance", slorec.KindDatastore, slorec.TierStandard, "AWS::RDS"},
		{"S3_AWS::S3", "S3", "AWS::S3", "s3", slorec.KindDatastore, slorec.TierStandard, "AWS::S3"},
		{"adoptions@services-database.us-west-2.rds.amazonaws.com_Database::SQL", "adoptions@services-database.us-west-2.rds.amazonaws.com", "Database::SQL",
			"adoptions-services-database-us-west-2-rds-amazonaws-com-database-sql", slorec.KindDatastore, slorec.TierStandard, "Database::"},
		{"https://sqs.us-west-2.amazonaws.com/Services-sqspetadoption_AWS::SQS::Queue", "https://sqs.us-west-2.amazonaws.com/Services-sqspetadoption", "AWS::SQS::Queue",
			"sqs-us-west-2-amazonaws-com-services-sqspetadoption-sqs-queue", slorec.KindQueue, slorec.TierStandard, "messaging"},
		{"SimpleNotificationService_AWS::SimpleNotificationService", "SimpleNotificationService", "AWS::SimpleNotificationService", "simplenotificationservice", slorec.KindQueue, slorec.TierStandard, "messaging"},
		{"events_AWS::Kinesis::Stream", "events", "AWS::Kinesis::Stream", "events-kinesis-stream", slorec.KindQueue, slorec.TierStandard, "AWS::Kinesis"},
		{"STS_AWS::STS", "STS", "AWS::STS", "sts", slorec.KindExternal, slorec.TierStandard, "managed API"},
		{"Evidently_AWS::Evidently", "Evidently", "AWS::Evidently", "evidently", slorec.KindExternal, slorec.TierStandard, "managed API"},
		{"PetSearch_client", "PetSearch", "client", "petsearch-client", slorec.KindService, slorec.TierLow, "client"},
		{"lambda_step_readDDB", "lambda_step_readDDB", "", "lambda-step-readddb", slorec.KindService, slorec.TierStandard, "no type suffix"},
		{"thing_Acme::Widget", "thing", "Acme::Widget", "thing-acme-widget", slorec.KindService, slorec.TierStandard, "unrecognised"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			name, typ := splitType(tt.raw)
			require.Equal(t, tt.name, name)
			require.Equal(t, tt.typ, typ)
			require.Equal(t, tt.id, baseID(name, typ))
			kind, tier, rule := classify(name, typ)
			require.Equal(t, tt.kind, kind)
			require.Equal(t, tt.tier, tier)
			require.Contains(t, rule, tt.ruleSubstr)
		})
	}
}

func TestAssignIDs(t *testing.T) {
	raws := []string{
		"servi-searc.us-west-2.elb.amazonaws.com_remote",
		"Servi-searc.us-west-2.elb.amazonaws.com_remote",
		"SERVI-SEARC.us-west-2.elb.amazonaws.com_remote",
		"servi-searc-us-west-2-elb-amazonaws-com-remote-2", // takes the suffix a collision would use
		"PetSite",
	}
	ids := func(order []string) map[string]string {
		var nodes []*node
		for _, r := range order {
			name, typ := splitType(r)
			nodes = append(nodes, &node{raw: r, name: name, typ: typ})
		}
		assignIDs(nodes)
		out := map[string]string{}
		for _, n := range nodes {
			out[n.raw] = n.id
		}
		return out
	}
	got := ids(raws)
	const base = "servi-searc-us-west-2-elb-amazonaws-com-remote"
	require.Equal(t, map[string]string{
		"SERVI-SEARC.us-west-2.elb.amazonaws.com_remote":   base,
		"Servi-searc.us-west-2.elb.amazonaws.com_remote":   base + "-3",
		"servi-searc.us-west-2.elb.amazonaws.com_remote":   base + "-4",
		"servi-searc-us-west-2-elb-amazonaws-com-remote-2": base + "-2",
		"PetSite": "petsite",
	}, got)

	reversed := slices.Clone(raws)
	slices.Reverse(reversed)
	require.Equal(t, got, ids(reversed), "ids do not depend on the order of graph.csv")
}

func TestEdgeType(t *testing.T) {
	queue := &node{kind: slorec.KindQueue, typ: "AWS::SQS::Queue"}
	consumer := &node{kind: slorec.KindService, typ: "AWS::Lambda"}
	machine := &node{kind: slorec.KindService, typ: stateMachineType}
	site := &node{kind: slorec.KindService}

	typ, why := edgeType(queue, consumer)
	require.Equal(t, slorec.Async, typ, "a queue's consumer is async")
	require.NotEmpty(t, why)
	typ, _ = edgeType(site, machine)
	require.Equal(t, slorec.Async, typ, "starting a state machine is async")
	typ, why = edgeType(site, queue)
	require.Equal(t, slorec.Sync, typ, "publishing to a queue waits for the publish")
	require.Empty(t, why)
	typ, _ = edgeType(machine, consumer)
	require.Equal(t, slorec.Sync, typ, "a state machine waits for its task Lambdas")
}
