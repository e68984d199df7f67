package petshop

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
)

// node is one component of graph.csv with everything derived from its
// upstream name.
type node struct {
	raw  string // upstream name, e.g. "PetSearch_AWS::ECS::Fargate"
	name string // the part before the type suffix, e.g. "PetSearch"
	typ  string // the type suffix, e.g. "AWS::ECS::Fargate", "remote", "client" or ""
	id   string
	kind slorec.ServiceKind
	tier slorec.Tier
	rule string
	deps []string // raw names of the callees, in graph.csv order
}

// splitType splits an upstream X-Ray node name into its name and its type
// suffix. The suffix follows the last underscore when it is "remote",
// "client" or an AWS resource type (it contains "::"); a name without an
// underscore that contains "::" is all type (AWS::StepFunctions::StateMachine).
// Anything else has no type: an instrumented application segment such as
// PetSite or lambda_step_readDDB.
func splitType(raw string) (name, typ string) {
	if i := strings.LastIndexByte(raw, '_'); i >= 0 {
		if suf := raw[i+1:]; suf == "remote" || suf == "client" || strings.Contains(suf, "::") {
			return raw[:i], suf
		}
		return raw, ""
	}
	if strings.Contains(raw, "::") {
		return "", raw
	}
	return raw, ""
}

// baseID returns the normalised id of an upstream name before collisions
// are resolved: a leading URL scheme is dropped from the name, the "AWS"
// namespace and a type segment repeating the name (DynamoDB_AWS::DynamoDB)
// are dropped from the type, and the rest is lowercased with every run of
// characters other than a-z and 0-9 turned into one hyphen.
func baseID(name, typ string) string {
	if i := strings.Index(name, "://"); i > 0 {
		name = name[i+3:]
	}
	var parts []string
	if name != "" {
		parts = append(parts, name)
	}
	if typ != "" {
		segs := strings.Split(typ, "::")
		if segs[0] == "AWS" {
			segs = segs[1:]
		}
		if len(segs) > 0 && strings.EqualFold(segs[0], name) {
			segs = segs[1:]
		}
		parts = append(parts, segs...)
	}
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(strings.Join(parts, "-")) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			hyphen = false
		} else if !hyphen && b.Len() > 0 {
			b.WriteByte('-')
			hyphen = true
		}
	}
	id := strings.TrimSuffix(b.String(), "-")
	if id == "" {
		return "component"
	}
	return id
}

// assignIDs sets the id of every node. Names that normalise to the same id
// (the data has Servi-searc... and servi-searc..., one load balancer seen
// by two callers) are ordered bytewise: the first keeps the id, the next
// get "-2", "-3" and so on. Ids depend only on the set of names, not on
// their order in the file.
func assignIDs(nodes []*node) {
	groups := map[string][]*node{}
	for _, n := range nodes {
		b := baseID(n.name, n.typ)
		groups[b] = append(groups[b], n)
	}
	used := make(map[string]bool, len(groups))
	for b := range groups {
		used[b] = true
	}
	bases := make([]string, 0, len(groups))
	for b := range groups {
		bases = append(bases, b)
	}
	slices.Sort(bases)
	for _, b := range bases {
		g := groups[b]
		slices.SortFunc(g, func(x, y *node) int { return cmp.Compare(x.raw, y.raw) })
		g[0].id = b
		k := 2
		for _, n := range g[1:] {
			for used[b+"-"+strconv.Itoa(k)] {
				k++
			}
			n.id = b + "-" + strconv.Itoa(k)
			used[n.id] = true
		}
	}
}

// awsService returns the AWS service segment of a type (ECS for
// AWS::ECS::Fargate), or "" for a type outside the AWS namespace.
func awsService(typ string) string {
	segs := strings.Split(typ, "::")
	if len(segs) < 2 || segs[0] != "AWS" {
		return ""
	}
	return segs[1]
}

// classify returns the kind, tier and the rule that decided them for an
// upstream name split by splitType. The rules are listed in doc.go.
func classify(name, typ string) (slorec.ServiceKind, slorec.Tier, string) {
	lname := strings.ToLower(name)
	switch typ {
	case "client":
		return slorec.KindService, slorec.TierLow, "X-Ray client node (a caller outside the traced application): service, tier low"
	case "remote":
		switch {
		case strings.Contains(lname, ".elb.amazonaws.com"):
			return slorec.KindService, slorec.TierCritical, "remote Elastic Load Balancing host (*.elb.amazonaws.com): service, tier critical"
		case strings.HasPrefix(lname, "execute-api."):
			return slorec.KindService, slorec.TierCritical, "remote API Gateway host (execute-api.*): service, tier critical"
		case strings.Contains(lname, "sql"):
			return slorec.KindDatastore, slorec.TierStandard, "remote SQL endpoint (name contains SQL): datastore"
		}
		return slorec.KindExternal, slorec.TierStandard, "remote endpoint not run by the application: external"
	case "":
		return slorec.KindService, slorec.TierStandard, "instrumented application segment (no type suffix): service"
	}
	if strings.HasPrefix(typ, "Database::") {
		return slorec.KindDatastore, slorec.TierStandard, "Database::* (X-Ray SQL database): datastore"
	}
	switch s := awsService(typ); s {
	case "ApiGateway", "ElasticLoadBalancing", "ElasticLoadBalancingV2":
		return slorec.KindService, slorec.TierCritical, "AWS::" + s + ": service, tier critical"
	case "Lambda", "ECS", "EC2", "EKS", "ElasticBeanstalk", "StepFunctions":
		return slorec.KindService, slorec.TierStandard, "AWS::" + s + " (compute): service"
	case "DynamoDB", "RDS", "S3":
		return slorec.KindDatastore, slorec.TierStandard, "AWS::" + s + " (storage): datastore"
	case "SQS", "SNS", "SimpleNotificationService", "Kinesis":
		return slorec.KindQueue, slorec.TierStandard, "AWS::" + s + " (messaging): queue"
	case "":
		return slorec.KindService, slorec.TierStandard, fmt.Sprintf("unrecognised type %q: service (default)", typ)
	default:
		return slorec.KindExternal, slorec.TierStandard, "AWS::" + s + " (managed API the application calls but does not run): external"
	}
}

// stateMachineType is the X-Ray type of a Step Functions state machine.
const stateMachineType = "AWS::StepFunctions::StateMachine"

// edgeType returns the type of the edge from caller to callee and why it is
// not the default sync, or "" when it is sync.
func edgeType(caller, callee *node) (slorec.DependencyType, string) {
	switch {
	case caller.kind == slorec.KindQueue:
		return slorec.Async, "a queue delivers to its consumers; nobody waits on the delivery"
	case callee.typ == stateMachineType:
		return slorec.Async, "StartExecution of a Step Functions state machine returns before the workflow runs"
	}
	return slorec.Sync, ""
}

// graphFile is graph.csv parsed.
type graphFile struct {
	nodes []*node          // in graph.csv order
	byRaw map[string]*node // by upstream name
}

// readGraph parses graph.csv: a square adjacency matrix whose header row is
// an empty cell and the component names, and whose rows are a component
// name and one 0/1 cell per component; a 1 in row A, column B is a call
// from A to B. file labels errors.
func readGraph(r io.Reader, file string) (*graphFile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	bad := func(line int, format string, args ...any) error {
		return slorec.Errorf(slorec.EINVALID, "%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}
	header, err := cr.Read()
	if err == io.EOF {
		return nil, bad(1, "empty file: want a header row of component names")
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	if len(header) < 2 || header[0] != "" {
		return nil, bad(1, "header must be an empty cell followed by component names (got %d cells, first %q)", len(header), header[0])
	}
	g := &graphFile{byRaw: map[string]*node{}}
	col := map[string]int{}
	for j, raw := range header[1:] {
		if raw == "" {
			return nil, bad(1, "column %d: empty component name", j+2)
		}
		if k, dup := col[raw]; dup {
			return nil, bad(1, "column %d: component %q repeats column %d", j+2, raw, k+2)
		}
		col[raw] = j
		name, typ := splitType(raw)
		n := &node{raw: raw, name: name, typ: typ}
		g.nodes = append(g.nodes, n)
		g.byRaw[raw] = n
	}
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			return nil, bad(line, "%d cells, want %d (a name and one cell per component)", len(rec), len(header))
		}
		from := g.byRaw[rec[0]]
		if from == nil {
			return nil, bad(line, "row component %q is not in the header", rec[0])
		}
		if l, dup := seen[rec[0]]; dup {
			return nil, bad(line, "row component %q repeats line %d", rec[0], l)
		}
		seen[rec[0]] = line
		for j, cell := range rec[1:] {
			v, err := strconv.ParseFloat(cell, 64)
			switch {
			case err != nil || (v != 0 && v != 1):
				return nil, bad(line, "column %d (%s -> %s): %q is not 0 or 1", j+2, rec[0], header[j+1], cell)
			case v == 1 && g.nodes[j] == from:
				return nil, bad(line, "column %d: %q calls itself", j+2, rec[0])
			case v == 1:
				from.deps = append(from.deps, g.nodes[j].raw)
			}
		}
	}
	for _, n := range g.nodes {
		if _, ok := seen[n.raw]; !ok {
			return nil, slorec.Errorf(slorec.EINVALID, "%s: component %q has a column but no row", file, n.raw)
		}
	}
	assignIDs(g.nodes)
	called := map[string]bool{}
	for _, n := range g.nodes {
		for _, d := range n.deps {
			called[d] = true
		}
	}
	for _, n := range g.nodes {
		n.kind, n.tier, n.rule = classify(n.name, n.typ)
		if n.typ == "" && !called[n.raw] {
			n.tier = slorec.TierCritical
			n.rule = "instrumented application segment with no callers in graph.csv (the entry point): service, tier critical"
		}
	}
	return g, nil
}

// topology builds the dataset graph: services sorted by id, dependencies
// sorted by target id, all hard, sync unless edgeType says async. It also
// returns the async edges with the reason for each.
func (g *graphFile) topology() (slorec.Graph, []AsyncEdge) {
	var (
		out   slorec.Graph
		async []AsyncEdge
	)
	for _, n := range g.nodes {
		s := slorec.Service{ID: n.id, Name: n.raw, Kind: n.kind, Tier: n.tier}
		for _, raw := range n.deps {
			callee := g.byRaw[raw]
			typ, why := edgeType(n, callee)
			s.Deps = append(s.Deps, slorec.Dependency{Target: callee.id, Type: typ, Criticality: slorec.Hard, Provenance: slorec.Observed})
			if typ == slorec.Async {
				async = append(async, AsyncEdge{Edge: dataset.Edge{From: n.id, To: callee.id}, Reason: why})
			}
		}
		slices.SortFunc(s.Deps, func(a, b slorec.Dependency) int { return cmp.Compare(a.Target, b.Target) })
		out.Services = append(out.Services, s)
	}
	slices.SortFunc(out.Services, func(a, b slorec.Service) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(async, func(a, b AsyncEdge) int {
		return cmp.Or(cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return out, async
}

// csvError turns an encoding/csv error into an EINVALID error naming the
// file and line.
func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return slorec.Errorf(slorec.EINVALID, "%s:%d: malformed CSV: %v", file, pe.Line, pe.Err)
	}
	return fmt.Errorf("read %s: %w", file, err)
}
