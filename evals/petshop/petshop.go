package petshop

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/dataset"
)

// BucketSize is the resolution of the upstream metrics: CloudWatch
// statistics over 5-minute periods.
const BucketSize = 5 * time.Minute

// Upstream file and folder names inside a traffic scenario folder.
const (
	GraphFile   = "graph.csv"
	MetricsFile = "metrics.csv"
	TargetFile  = "target.json"
	NormalDir   = "noissue"
	// DefaultTraffic is the traffic scenario read when Options.Traffic is
	// empty, and the only one in the copy under /work/shared/data.
	DefaultTraffic = "high_traffic"
)

// Options configures Import.
type Options struct {
	// Traffic names the traffic scenario folder under dataset/ (upstream
	// has high_traffic, low_traffic and temporal_traffic); empty means
	// DefaultTraffic. It is ignored when the directory given to Import
	// holds graph.csv itself.
	Traffic string
	// Issue adds one injected-issue scenario, named by its folder relative
	// to the traffic folder, e.g. "train/issue_0": its buckets join the
	// metrics and its target.json becomes an incident. Empty imports the
	// normal window only.
	Issue string
}

// Action says what the importer did to a row it could not take as is.
type Action string

// Actions.
const (
	Fixed   Action = "fixed"
	Dropped Action = "dropped"
)

// Adjustment is one bucket (or, for a duplicate row, one whole row) the
// importer fixed or dropped.
type Adjustment struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// Component is the service id; empty for a whole row.
	Component string `json:"component,omitempty"`
	Action    Action `json:"action"`
	Reason    string `json:"reason"`
}

// Window is a run of consecutive 5-minute buckets.
type Window struct {
	// Start is the first bucket's start; End is the last bucket's end
	// (its start plus BucketSize), so End-Start spans every bucket.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Timestamps is the number of bucket starts present; Missing is the
	// number of grid points between Start and End that have no row.
	Timestamps int `json:"timestamps"`
	Missing    int `json:"missing"`
}

// Duration returns End - Start.
func (w Window) Duration() time.Duration { return w.End.Sub(w.Start) }

// ComponentReport describes one graph.csv component and what was imported
// for it.
type ComponentReport struct {
	// ID is the service id in the dataset; Name is the upstream name.
	ID   string             `json:"id"`
	Name string             `json:"name"`
	Kind slorec.ServiceKind `json:"kind"`
	Tier slorec.Tier        `json:"tier"`
	// Rule is the mapping rule that chose Kind and Tier.
	Rule string `json:"rule"`
	// NormalBuckets and IssueBuckets count the component's metric rows
	// from the normal window and the issue scenario; ZeroTraffic counts
	// those with no requests.
	NormalBuckets int `json:"normal_buckets"`
	IssueBuckets  int `json:"issue_buckets"`
	ZeroTraffic   int `json:"zero_traffic"`
}

// AsyncEdge is a dependency imported as async, with the reason.
type AsyncEdge struct {
	dataset.Edge
	Reason string `json:"reason"`
}

// IssueReport describes the imported issue scenario.
type IssueReport struct {
	// Path is the scenario folder relative to the traffic folder.
	Path   string `json:"path"`
	Window Window `json:"window"`
	// Incident is the incident made from target.json.
	Incident slorec.Incident `json:"incident"`
}

// Report says what Import read and what it changed.
type Report struct {
	// Source is the traffic scenario folder read.
	Source string `json:"source"`
	// Components lists every graph.csv component, sorted by id.
	Components []ComponentReport `json:"components"`
	// WithMetrics counts the components that have at least one bucket.
	WithMetrics int `json:"with_metrics"`
	// AsyncEdges lists the dependencies imported as async; every other
	// edge is sync and hard.
	AsyncEdges []AsyncEdge `json:"async_edges"`
	// NormalWindow is the span of the noissue/ metrics; a backtest can fit
	// on its first part and test on the rest.
	NormalWindow Window `json:"normal_window"`
	// Issue is set when Options.Issue named a scenario.
	Issue *IssueReport `json:"issue,omitempty"`
	// Start and End bound every bucket of the dataset. With an issue
	// scenario they cover both windows and the gap between them.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Buckets is the number of metric rows in the dataset; ZeroTraffic
	// counts those with no requests.
	Buckets     int `json:"buckets"`
	ZeroTraffic int `json:"zero_traffic"`
	// Fixed and Dropped count the adjustments by action; Adjustments lists
	// them.
	Fixed       int          `json:"fixed"`
	Dropped     int          `json:"dropped"`
	Adjustments []Adjustment `json:"adjustments"`
	// IgnoredStatistics are the upstream metric/statistic columns the
	// dataset format has no place for (latency Average and p90).
	IgnoredStatistics []string `json:"ignored_statistics"`
	// SubResolutionLatencies counts latency values below 0.05 ms, which
	// dataset.Write (rounding to 0.1 ms) writes as empty cells.
	SubResolutionLatencies int `json:"sub_resolution_latencies"`
}

// Import reads the PetShop data in dir and returns it as a dataset with
// 5-minute buckets, and a report of what it read and changed. dir is the
// root of the upstream repository (holding dataset/<traffic>/) or a traffic
// folder itself (holding graph.csv). The conversion rules are in the
// package documentation. The dataset passes Dataset.Validate for any now
// at or after Report.End.
//
// Errors: ENOTFOUND when dir, graph.csv, a metrics.csv or the issue folder
// is missing; EINVALID, naming the file and line, for malformed input or a
// metrics component that graph.csv does not declare; I/O errors otherwise.
func Import(dir string, opt Options) (*dataset.Dataset, *Report, error) {
	root, err := trafficDir(dir, opt.Traffic)
	if err != nil {
		return nil, nil, err
	}
	gpath := filepath.Join(root, GraphFile)
	gf, err := open(gpath)
	if err != nil {
		return nil, nil, err
	}
	g, err := readGraph(gf, gpath)
	gf.Close()
	if err != nil {
		return nil, nil, err
	}

	normal, err := readMetricsFile(filepath.Join(root, NormalDir, MetricsFile), g)
	if err != nil {
		return nil, nil, err
	}
	rep := &Report{Source: root, NormalWindow: window(normal.times)}
	files := []*metricsFile{normal}

	d := &dataset.Dataset{Dir: root}
	if opt.Issue != "" {
		issue, ir, err := readIssue(root, opt.Issue, g)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, issue)
		rep.Issue = ir
		d.Incidents = []slorec.Incident{ir.Incident}
	}

	d.Graph, rep.AsyncEdges = g.topology()
	comps := map[string]*ComponentReport{}
	for _, n := range g.nodes {
		comps[n.id] = &ComponentReport{ID: n.id, Name: n.raw, Kind: n.kind, Tier: n.tier, Rule: n.rule}
	}
	ignored := map[string]bool{}
	for i, mf := range files {
		for _, b := range mf.buckets {
			c := comps[b.Service]
			if i == 0 {
				c.NormalBuckets++
			} else {
				c.IssueBuckets++
			}
			if b.Requests == 0 {
				c.ZeroTraffic++
				rep.ZeroTraffic++
			}
		}
		d.Metrics = append(d.Metrics, mf.buckets...)
		rep.Adjustments = append(rep.Adjustments, mf.adjust...)
		rep.SubResolutionLatencies += mf.subResCell
		for _, s := range mf.ignored {
			ignored[s] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(comps)) {
		c := comps[id]
		rep.Components = append(rep.Components, *c)
		if c.NormalBuckets+c.IssueBuckets > 0 {
			rep.WithMetrics++
		}
	}
	rep.IgnoredStatistics = slices.Sorted(maps.Keys(ignored))
	for _, a := range rep.Adjustments {
		switch a.Action {
		case Fixed:
			rep.Fixed++
		case Dropped:
			rep.Dropped++
		}
	}

	slices.SortStableFunc(d.Metrics, func(a, b slorec.MetricBucket) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Service, b.Service))
	})
	for i := 1; i < len(d.Metrics); i++ {
		if a, b := d.Metrics[i-1], d.Metrics[i]; a.Service == b.Service && a.Start.Equal(b.Start) {
			return nil, nil, slorec.Errorf(slorec.EINVALID, "issue %s overlaps the normal window: two buckets for %s at %s",
				opt.Issue, a.Service, a.Start.Format(time.RFC3339))
		}
	}
	rep.Buckets = len(d.Metrics)
	rep.Start, rep.End = rep.NormalWindow.Start, rep.NormalWindow.End
	if rep.Issue != nil {
		if rep.Issue.Window.Start.Before(rep.Start) {
			rep.Start = rep.Issue.Window.Start
		}
		if rep.Issue.Window.End.After(rep.End) {
			rep.End = rep.Issue.Window.End
		}
	}

	if err := d.Validate(rep.End); err != nil {
		return nil, nil, fmt.Errorf("petshop: imported dataset does not validate: %w", err)
	}
	return d, rep, nil
}

// trafficDir returns the folder holding graph.csv.
func trafficDir(dir, traffic string) (string, error) {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", slorec.Errorf(slorec.ENOTFOUND, "petshop data %s: no such directory", dir)
	case err != nil:
		return "", fmt.Errorf("petshop: %w", err)
	case !fi.IsDir():
		return "", slorec.Errorf(slorec.EINVALID, "petshop data %s: not a directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, GraphFile)); err == nil {
		return dir, nil
	}
	if traffic == "" {
		traffic = DefaultTraffic
	}
	if !filepath.IsLocal(traffic) || strings.ContainsAny(traffic, `/\`) {
		return "", slorec.Errorf(slorec.EINVALID, "petshop: traffic %q is not a folder name", traffic)
	}
	root := filepath.Join(dir, "dataset", traffic)
	if _, err := os.Stat(filepath.Join(root, GraphFile)); errors.Is(err, fs.ErrNotExist) {
		return "", slorec.Errorf(slorec.ENOTFOUND, "petshop data %s: no %s there nor in %s", dir, GraphFile, root)
	}
	return root, nil
}

// open opens a file, turning a missing one into ENOTFOUND.
func open(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, slorec.Errorf(slorec.ENOTFOUND, "petshop: %s: no such file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("petshop: %w", err)
	}
	return f, nil
}

func readMetricsFile(path string, g *graphFile) (*metricsFile, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readMetrics(f, path, g)
}

// readIssue reads the issue scenario folder rel under root.
func readIssue(root, rel string, g *graphFile) (*metricsFile, *IssueReport, error) {
	rel = filepath.ToSlash(filepath.Clean(rel))
	if !filepath.IsLocal(rel) || rel == NormalDir {
		return nil, nil, slorec.Errorf(slorec.EINVALID, "petshop: issue %q is not a scenario folder under %s (want e.g. train/issue_0)", rel, root)
	}
	dir := filepath.Join(root, filepath.FromSlash(rel))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, nil, slorec.Errorf(slorec.ENOTFOUND, "petshop: issue %s: no such folder %s", rel, dir)
	}
	mf, err := readMetricsFile(filepath.Join(dir, MetricsFile), g)
	if err != nil {
		return nil, nil, err
	}
	tpath := filepath.Join(dir, TargetFile)
	data, err := os.ReadFile(tpath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, slorec.Errorf(slorec.ENOTFOUND, "petshop: %s: no such file", tpath)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("petshop: %w", err)
	}
	t, err := readTarget(data, tpath, g)
	if err != nil {
		return nil, nil, err
	}
	w := window(mf.times)
	ir := &IssueReport{Path: rel, Window: w, Incident: t.incident("petshop/"+filepath.Base(root)+"/"+rel, rel, g, w.End)}
	return mf, ir, nil
}

// window summarises increasing bucket starts.
func window(times []time.Time) Window {
	if len(times) == 0 {
		return Window{}
	}
	w := Window{Start: times[0], End: times[len(times)-1].Add(BucketSize), Timestamps: len(times)}
	w.Missing = int(w.Duration()/BucketSize) - w.Timestamps
	return w
}
