// Package dataset reads and writes the eval dataset format of DESIGN.md
// section 7: a directory holding topology.json, metrics.csv and, optionally,
// slos.json, incidents.json, truth.json and platform.json.
//
// Load validates everything and reports every problem (up to MaxProblems)
// with its file, line and field, so a person can fix a hand-made dataset in
// one pass. Write produces byte-identical files for equal datasets, so
// generated datasets can be committed and compared.
//
// A dependency target that topology.json does not declare is not an error:
// it is a missing node, which the engine flags and which lowers confidence.
// Load lists them in Dataset.MissingNodes, and accepts metrics, incidents and
// SLOs that name them.
package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/slorec/slorec"
)

// File names inside a dataset directory.
const (
	TopologyFile  = "topology.json"
	MetricsFile   = "metrics.csv"
	SLOsFile      = "slos.json"
	IncidentsFile = "incidents.json"
	TruthFile     = "truth.json"
	PlatformFile  = "platform.json"
)

// Dataset is one dataset directory in memory.
type Dataset struct {
	// Dir is the directory the dataset was loaded from; informational.
	Dir   string
	Graph slorec.Graph
	// Metrics are the buckets of metrics.csv, in file order (Load) or in
	// any order (Write sorts them by timestamp, then service).
	Metrics []slorec.MetricBucket
	// SLOs are the current SLOs of slos.json; nil when the file is absent.
	SLOs []slorec.SLO
	// Incidents are the past incidents of incidents.json.
	Incidents []slorec.Incident
	// Truth is the ground truth of a synthetic dataset; nil for real data.
	Truth *Truth
	// Platform is the operational data of platform.json (cost, change
	// failure rate, governance, teams); nil when the file is absent.
	Platform *Platform
	// MissingNodes are dependency targets topology.json does not declare,
	// sorted. Load fills it; Write ignores it.
	MissingNodes []string
}

// Truth is the ground truth of a synthetic dataset (truth.json): what the
// generator knows and the engine has to estimate.
type Truth struct {
	// Generator says what produced the dataset, e.g. "evals/sim".
	Generator string `json:"generator,omitempty"`
	// Seed is the generator's random seed.
	Seed int64 `json:"seed,omitempty"`
	// Start and End bound the simulated period.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// SoftenedEdges are dependency edges the generator treated as soft
	// (no failure propagation, no load) to break cycles.
	SoftenedEdges []Edge `json:"softened_edges,omitempty"`
	// Services is keyed by service id.
	Services map[string]TruthService `json:"services"`
}

// Edge names a dependency edge.
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TruthService is the ground truth for one service. Availabilities are
// ratios of successful requests, weighted by the simulated traffic.
type TruthService struct {
	// IntrinsicAvailability is the availability of the service's own code
	// over the period, including its own incidents but excluding failures
	// propagated from dependencies.
	IntrinsicAvailability float64 `json:"intrinsic_availability"`
	// EndToEndAvailability is the availability its callers experienced:
	// intrinsic failures, incidents, and failures propagated along hard
	// synchronous dependencies.
	EndToEndAvailability float64 `json:"end_to_end_availability"`
	// BaselineIntrinsicAvailability is the configured intrinsic
	// availability, without incidents.
	BaselineIntrinsicAvailability float64 `json:"baseline_intrinsic_availability"`
	// BaselineEndToEndAvailability is the end-to-end availability the
	// topology implies without any incident.
	BaselineEndToEndAvailability float64 `json:"baseline_end_to_end_availability"`
	// Requests is the number of requests simulated over the period.
	Requests int64 `json:"requests"`
}

// LoadOptions configures Load.
type LoadOptions struct {
	// Now bounds metric timestamps: rows after Now are problems. Zero
	// means time.Now().
	Now time.Time
}

// Load reads and validates the dataset in dir. It returns a
// *ValidationError (code EINVALID) listing every problem, an ENOTFOUND error
// when dir does not exist, or an I/O error.
func Load(dir string, opt LoadOptions) (*Dataset, error) {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, slorec.Errorf(slorec.ENOTFOUND, "dataset %s: no such directory", dir)
	case err != nil:
		return nil, fmt.Errorf("load dataset: %w", err)
	case !fi.IsDir():
		return nil, slorec.Errorf(slorec.EINVALID, "dataset %s: not a directory", dir)
	}
	return load(os.DirFS(dir), dir, now)
}

// LoadFS reads and validates a dataset held at the root of fsys (an
// embedded example, say); name labels it in errors. It returns the errors
// Load does.
func LoadFS(fsys fs.FS, name string, opt LoadOptions) (*Dataset, error) {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	return load(fsys, name, now)
}

func load(fsys fs.FS, dir string, now time.Time) (*Dataset, error) {
	c := &collector{}
	d := &Dataset{Dir: dir}

	// topology.json
	var nodes map[string]bool // nil when the topology is unreadable
	data, err := readFile(fsys, TopologyFile, true, c)
	if err != nil {
		return nil, err
	}
	if data != nil {
		doc := newJDoc(TopologyFile, data, c)
		if doc.decode(&d.Graph) {
			nodes, d.MissingNodes = checkTopology(&d.Graph, doc.add)
		}
	}

	// metrics.csv
	f, err := fsys.Open(MetricsFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.add(Problem{File: MetricsFile, Message: "file is missing"})
	case err != nil:
		return nil, fmt.Errorf("load dataset: %w", err)
	default:
		var size int64
		if fi, err := f.Stat(); err == nil {
			size = fi.Size()
		}
		d.Metrics, err = readMetrics(f, MetricsFile, nodes, now, size, c)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("load dataset: %w", err)
		}
	}

	// slos.json, incidents.json, truth.json, platform.json: optional.
	if data, err := readFile(fsys, SLOsFile, false, c); err != nil {
		return nil, err
	} else if data != nil {
		var v slosDoc
		doc := newJDoc(SLOsFile, data, c)
		if doc.decode(&v) {
			checkSLOs(v.SLOs, nodes, doc.add)
			d.SLOs = v.SLOs
		}
	}
	if data, err := readFile(fsys, IncidentsFile, false, c); err != nil {
		return nil, err
	} else if data != nil {
		var v incidentsDoc
		doc := newJDoc(IncidentsFile, data, c)
		if doc.decode(&v) {
			checkIncidents(v.Incidents, nodes, doc.add)
			d.Incidents = v.Incidents
		}
	}
	if data, err := readFile(fsys, TruthFile, false, c); err != nil {
		return nil, err
	} else if data != nil {
		var t Truth
		doc := newJDoc(TruthFile, data, c)
		if doc.decode(&t) {
			checkTruth(&t, nodes, doc.add)
			d.Truth = &t
		}
	}
	if data, err := readFile(fsys, PlatformFile, false, c); err != nil {
		return nil, err
	} else if data != nil {
		var pl Platform
		doc := newJDoc(PlatformFile, data, c)
		if doc.decode(&pl) {
			checkPlatform(&pl, nodes, doc.add)
			d.Platform = &pl
		}
	}

	if err := c.err(dir); err != nil {
		return nil, err
	}
	return d, nil
}

type slosDoc struct {
	SLOs []slorec.SLO `json:"slos"`
}

type incidentsDoc struct {
	Incidents []slorec.Incident `json:"incidents"`
}

// readFile reads one dataset file. A missing required file is a problem; a
// missing optional one returns nil data.
func readFile(fsys fs.FS, name string, required bool, c *collector) ([]byte, error) {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		if required {
			c.add(Problem{File: name, Message: "file is missing"})
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load dataset: %w", err)
	}
	return data, nil
}

// ReadTopology reads a topology.json stream and checks it. Problems carry
// the file "topology.json", the line, the JSON path and the field. It also
// returns the missing nodes: dependency targets the topology does not
// declare.
func ReadTopology(r io.Reader) (g slorec.Graph, missing []string, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return slorec.Graph{}, nil, fmt.Errorf("read topology: %w", err)
	}
	c := &collector{}
	doc := newJDoc(TopologyFile, data, c)
	if doc.decode(&g) {
		_, missing = checkTopology(&g, doc.add)
	}
	if err := c.err(""); err != nil {
		return slorec.Graph{}, nil, err
	}
	return g, missing, nil
}

// Validate checks a dataset held in memory with the rules Load applies.
// Problems name the file and a path such as metrics[12].errors, but no line.
// Zero now means time.Now(). Metrics must be in increasing time order per
// service, as in the file.
func (d *Dataset) Validate(now time.Time) error {
	if now.IsZero() {
		now = time.Now()
	}
	c := &collector{}
	nodes, _ := checkTopology(&d.Graph, memReport(c, TopologyFile))
	checkMetrics(d.Metrics, nodes, now, c)
	checkSLOs(d.SLOs, nodes, memReport(c, SLOsFile))
	checkIncidents(d.Incidents, nodes, memReport(c, IncidentsFile))
	if d.Truth != nil {
		checkTruth(d.Truth, nodes, memReport(c, TruthFile))
	}
	if d.Platform != nil {
		checkPlatform(d.Platform, nodes, memReport(c, PlatformFile))
	}
	return c.err(d.Dir)
}

// MetricsByService groups the buckets by service, each series in the order
// of d.Metrics (increasing time for a loaded dataset).
func (d *Dataset) MetricsByService() map[string][]slorec.MetricBucket {
	counts := map[string]int{}
	for i := range d.Metrics {
		counts[d.Metrics[i].Service]++
	}
	out := make(map[string][]slorec.MetricBucket, len(counts))
	for s, n := range counts {
		out[s] = make([]slorec.MetricBucket, 0, n)
	}
	for _, b := range d.Metrics {
		out[b.Service] = append(out[b.Service], b)
	}
	return out
}

// Write writes d to dir, creating dir if needed. Each file is written to a
// temporary file and renamed into place, so a reader never sees half a
// file. The output is deterministic: JSON indented by two spaces with keys
// in schema order (map keys sorted), services, SLOs and incidents in the
// order given, metrics sorted by (timestamp, service) with latencies rounded
// to 0.1 ms. Optional files are written when d has content for them and
// removed otherwise, so dir afterwards holds exactly d. Other files in dir
// (a README) are left alone. Write does not validate; call Validate first.
func Write(dir string, d *Dataset) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write dataset: %w", err)
	}
	if err := writeJSON(dir, TopologyFile, d.Graph); err != nil {
		return err
	}
	if err := writeAtomic(dir, MetricsFile, func(w io.Writer) error { return writeMetrics(w, d.Metrics) }); err != nil {
		return err
	}
	optional := []struct {
		name string
		has  bool
		v    any
	}{
		{SLOsFile, len(d.SLOs) > 0, slosDoc{SLOs: d.SLOs}},
		{IncidentsFile, len(d.Incidents) > 0, incidentsDoc{Incidents: d.Incidents}},
		{TruthFile, d.Truth != nil, d.Truth},
		{PlatformFile, d.Platform != nil, d.Platform},
	}
	for _, o := range optional {
		if !o.has {
			if err := os.Remove(filepath.Join(dir, o.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("write dataset: %w", err)
			}
			continue
		}
		if err := writeJSON(dir, o.name, o.v); err != nil {
			return err
		}
	}
	return nil
}

func writeJSON(dir, name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("write dataset %s: %w", name, err)
	}
	data = append(data, '\n')
	return writeAtomic(dir, name, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}

// writeAtomic writes dir/name through a temporary file in dir and a rename.
func writeAtomic(dir, name string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return fmt.Errorf("write dataset %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("write dataset %s: %w", name, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write dataset %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write dataset %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write dataset %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write dataset %s: %w", name, err)
	}
	return nil
}
