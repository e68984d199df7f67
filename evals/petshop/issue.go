package petshop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/slorec/slorec"
)

// target is an upstream target.json: the anomalous metric that was
// noticed, and the component where the issue was injected.
type target struct {
	Target struct {
		Node      string   `json:"node"`
		Metric    string   `json:"metric"`
		Agg       string   `json:"agg"`
		Timestamp *float64 `json:"timestamp"`
	} `json:"target"`
	RootCause struct {
		Node   string  `json:"node"`
		Metric *string `json:"metric"`
	} `json:"root_cause"`
	Metadata struct {
		Reproducibility struct {
			Command string `json:"command"`
		} `json:"reproducibility"`
	} `json:"metadata"`
}

// readTarget parses target.json and checks its nodes against g. file labels
// errors.
func readTarget(data []byte, file string, g *graphFile) (*target, error) {
	var t target
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&t); err != nil {
		line := 0
		if se, ok := err.(*json.SyntaxError); ok {
			line = 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		}
		if line > 0 {
			return nil, slorec.Errorf(slorec.EINVALID, "%s:%d: malformed JSON: %v", file, line, err)
		}
		return nil, slorec.Errorf(slorec.EINVALID, "%s: malformed JSON: %v", file, err)
	}
	switch {
	case t.Target.Node == "":
		return nil, slorec.Errorf(slorec.EINVALID, "%s: target.node is required", file)
	case g.byRaw[t.Target.Node] == nil:
		return nil, slorec.Errorf(slorec.EINVALID, "%s: target.node %q is not in graph.csv", file, t.Target.Node)
	case t.RootCause.Node == "":
		return nil, slorec.Errorf(slorec.EINVALID, "%s: root_cause.node is required", file)
	case g.byRaw[t.RootCause.Node] == nil:
		return nil, slorec.Errorf(slorec.EINVALID, "%s: root_cause.node %q is not in graph.csv", file, t.RootCause.Node)
	case t.Target.Timestamp == nil:
		return nil, slorec.Errorf(slorec.EINVALID, "%s: target.timestamp is required", file)
	case *t.Target.Timestamp <= 0 || *t.Target.Timestamp >= maxUnix:
		return nil, slorec.Errorf(slorec.EINVALID, "%s: target.timestamp %v is not a unix time", file, *t.Target.Timestamp)
	}
	return &t, nil
}

// at returns the target timestamp.
func (t *target) at() time.Time {
	sec := *t.Target.Timestamp
	whole := int64(sec)
	return time.Unix(whole, int64((sec-float64(whole))*1e9)).UTC()
}

// incident turns the target into an incident of the dataset: on the target
// node, starting at the target timestamp, ending where the scenario's
// metrics end (upstream gives no end), with the root cause.
func (t *target) incident(id, rel string, g *graphFile, end time.Time) slorec.Incident {
	what := t.Target.Metric
	if t.Target.Agg != "" {
		what += " (" + t.Target.Agg + ")"
	}
	summary := fmt.Sprintf("Injected performance issue; root cause %s.", t.RootCause.Node)
	if c := t.Metadata.Reproducibility.Command; c != "" {
		summary += " Reproduce with: " + c
	}
	inc := slorec.Incident{
		ID:        id,
		Service:   g.byRaw[t.Target.Node].id,
		Start:     t.at(),
		Title:     fmt.Sprintf("PetShop injected issue %s: %s %s anomalous", rel, t.Target.Node, what),
		Summary:   summary,
		RootCause: g.byRaw[t.RootCause.Node].id,
	}
	if end.After(inc.Start) {
		inc.End = end
	}
	return inc
}
