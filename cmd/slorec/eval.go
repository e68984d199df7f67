package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/corpus"
	"github.com/slorec/slorec/dataset"
	"github.com/slorec/slorec/evals"
	"github.com/slorec/slorec/evals/backtest"
	"github.com/slorec/slorec/evals/faithfulness"
	"github.com/slorec/slorec/evals/gen"
	"github.com/slorec/slorec/evals/redteam"
	evalret "github.com/slorec/slorec/evals/retrieval"
	"github.com/slorec/slorec/reasoning/recommend"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/embed"
)

// Where `slorec eval` looks for datasets when none is named: the
// generated datasets of the repository and the PetShop real-metrics
// dataset of the shared data, both relative to the working directory.
const (
	defaultDatasetsDir = "evals/datasets"
	defaultPetshopDir  = "../shared/data/metrics/petshop"
	defaultRunbooksDir = "../shared/data/knowledge/runbooks/prometheus-operator"
)

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func evalUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: slorec eval <suite> [flags]")
	fmt.Fprintln(w, "       slorec eval gen (--topology FILE | --services N | --builtin NAME) [--days D] [--seed S] --out DIR")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Suites:")
	for _, s := range append(append([]string(nil), evals.Suites...), evals.SuiteAll) {
		note := ""
		if ok, why := evals.Available(s); !ok && s != evals.SuiteAll {
			note = " (not available yet: " + why + ")"
		}
		fmt.Fprintf(w, "  %-13s%s\n", s, note)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Without --dataset the suites run on the embedded e-commerce example, every dataset under evals/datasets and, when it is there, the PetShop data under ../shared/data/metrics/petshop.")
	fmt.Fprintln(w, "redteam always runs on the embedded example, with a scripted model; it ignores --dataset.")
}

func runEval(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			evalUsage(e.stdout)
			return errHelp
		}
		evalUsage(e.stderr)
		return usagef("eval: name a suite")
	}
	suite, args := args[0], args[1:]
	if suite == "gen" {
		return runEvalGen(ctx, e, args)
	}
	if ok, why := evals.Available(suite); !ok && suite != evals.SuiteAll {
		if why == "unknown suite" {
			evalUsage(e.stderr)
			return usagef("eval: unknown suite %q", suite)
		}
		return slorec.Errorf(slorec.EUNAVAILABLE, "eval %s: not available yet: %s", suite, why)
	}

	fs := flag.NewFlagSet("eval "+suite, flag.ContinueOnError)
	var dirs stringList
	fs.Var(&dirs, "dataset", "dataset directory (repeatable); default: the embedded example, evals/datasets/* and PetShop")
	pet := fs.String("petshop", "", "PetShop dataset directory (the upstream root); default "+defaultPetshopDir+" when no --dataset is given and it exists")
	format := formatFlag(fs, "md", "json")
	out := fs.String("out", "", "write the report to FILE in --format, and the other format beside it (.md <-> .json); default: stdout only")
	baseline := fs.String("baseline", "", "a previous JSON report: list what got worse and exit 1 if anything did")
	trainDays := fs.Float64("train-days", 0, "training window in days (default: the history minus the test window)")
	testDays := fs.Float64("test-days", 0, "test window in days (default: a third of the history, at most 30)")
	tier := fs.String("tier", "balanced", "backtest, faithfulness: tier slorec recommends: conservative|balanced|aspirational")
	seed := fs.Uint64("seed", 1, "seed of the engine's bootstrap")
	runbooks := fs.String("runbooks", "", "retrieval: third-party runbooks to index beside the corpus; default "+defaultRunbooksDir+" when it exists")
	useURL := fs.String("use-url", e.getenv("SLOREC_EMBED_BASE_URL"), "retrieval: base URL of a running OpenAI-compatible embeddings server serving universal-sentence-encoder-lite, for the USE configurations; env SLOREC_EMBED_BASE_URL")
	useServer := fs.Bool("use-server", false, "retrieval: start the bundled embedding server (scripts/embed-server, Node.js) for the USE configurations")
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	if err := checkFormat("eval", *format, "md", "json"); err != nil {
		return err
	}
	if *useServer && (suite == evals.SuiteRetrieval || suite == evals.SuiteAll) {
		url, stop, err := startEmbedServer(ctx)
		if err != nil {
			return err
		}
		defer stop()
		*useURL = url
	}
	var base *evals.Report
	if *baseline != "" {
		b, err := evals.ReadReport(*baseline)
		if err != nil {
			return err
		}
		base = b
	}
	sets, err := evalDatasets(dirs, *pet)
	if err != nil {
		return err
	}

	rep := &evals.Report{Suite: suite, Engine: recommend.EngineVersion}
	for _, s := range evals.Suites {
		if suite != evals.SuiteAll && s != suite {
			continue
		}
		ok, why := evals.Available(s)
		st := evals.SuiteStatus{Name: s, Ran: ok}
		if !ok {
			st.Note = "not available yet: " + why
		}
		if ok && s == evals.SuiteBacktest {
			cfg := backtest.Config{TrainDays: *trainDays, TestDays: *testDays, Tier: statsTier(*tier), Seed: *seed}
			if err := runBacktests(ctx, e, sets, cfg, rep); err != nil {
				return err
			}
			st.Note = fmt.Sprintf("%d datasets", len(rep.Backtest))
		}
		if ok && s == evals.SuiteRetrieval {
			r, err := runRetrievalEval(ctx, e, *runbooks, *useURL)
			if err != nil {
				return err
			}
			rep.Retrieval = r
			st.Note = fmt.Sprintf("%d questions, %d configurations", r.Queries, len(r.Configs))
		}
		if ok && s == evals.SuiteRedteam {
			r, err := redteam.Run(ctx)
			if err != nil {
				return fmt.Errorf("redteam: %w", err)
			}
			rep.Redteam = r
			st.Note = fmt.Sprintf("%d adversarial cases, %d good drafts, %d benign messages; %d misses", r.Adversarial, r.GoodDrafts, r.Benign, r.Misses)
		}
		if ok && s == evals.SuiteFaithfulness {
			r, err := runFaithfulness(ctx, sets, faithfulness.Config{Tier: statsTier(*tier), Seed: *seed})
			if err != nil {
				return err
			}
			rep.Faithfulness = r
			st.Note = fmt.Sprintf("%d datasets, %d explanations", len(r.Datasets), r.Overall.Explanations)
		}
		rep.Suites = append(rep.Suites, st)
	}
	rep.Finish()

	if err := writeReport(e.stdout, *out, *format, rep); err != nil {
		return err
	}
	if base != nil {
		regs := evals.Compare(base, rep)
		if len(regs) > 0 {
			for _, r := range regs {
				fmt.Fprintf(e.stderr, "regression: %s\n", r)
			}
			return slorec.Errorf(slorec.ECONFLICT, "eval: %d regressions against %s", len(regs), *baseline)
		}
		fmt.Fprintf(e.stderr, "no regressions against %s\n", *baseline)
	}
	return nil
}

// evalSet is a dataset to evaluate, loaded on demand (and, through
// evalDatasets, once).
type evalSet = evals.Set

// evalDatasets resolves the datasets: the ones named, or the defaults.
func evalDatasets(dirs []string, pet string) ([]evalSet, error) {
	sets, err := datasetList(dirs, pet)
	for i := range sets {
		sets[i].Load = sync.OnceValues(sets[i].Load)
	}
	return sets, err
}

func datasetList(dirs []string, pet string) ([]evalSet, error) {
	if len(dirs) == 0 && pet == "" {
		return evals.DefaultSets(defaultDatasetsDir, defaultPetshopDir)
	}
	var sets []evalSet
	if len(dirs) == 0 {
		var err error
		if sets, err = evals.DefaultSets(defaultDatasetsDir, ""); err != nil {
			return nil, err
		}
	}
	for _, dir := range dirs {
		sets = append(sets, evalSet{Name: dir, Load: func() (*dataset.Dataset, error) { return dataset.Load(dir, dataset.LoadOptions{}) }})
	}
	if pet != "" {
		sets = append(sets, evals.PetShopSet(pet))
	}
	return sets, nil
}

func runBacktests(ctx context.Context, e *env, sets []evalSet, cfg backtest.Config, rep *evals.Report) error {
	bar := newBar(e.stderr, len(sets), "backtest")
	defer bar.Finish()
	for _, s := range sets {
		bar.Describe("backtest " + s.Name)
		d, err := s.Load()
		if err != nil {
			return fmt.Errorf("dataset %s: %w", s.Name, err)
		}
		r, err := backtest.Run(ctx, d, cfg)
		if err != nil {
			return fmt.Errorf("backtest %s: %w", s.Name, err)
		}
		rep.Backtest = append(rep.Backtest, r)
		bar.Add(1)
	}
	return nil
}

// runFaithfulness explains every service of every dataset and measures
// the explanations.
func runFaithfulness(ctx context.Context, sets []evalSet, cfg faithfulness.Config) (*faithfulness.Result, error) {
	var in []faithfulness.Dataset
	for _, s := range sets {
		d, err := s.Load()
		if err != nil {
			return nil, fmt.Errorf("dataset %s: %w", s.Name, err)
		}
		name := d.Dir
		if name == "" {
			name = s.Name
		}
		in = append(in, faithfulness.Dataset{Name: name, Data: d})
	}
	return faithfulness.Run(ctx, in, cfg)
}

// newBar returns a progress bar on w when w is a terminal, and a silent
// one otherwise (pipes, files, CI logs).
func newBar(w io.Writer, n int, what string) *progressbar.ProgressBar {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return progressbar.DefaultSilent(int64(n), what)
	}
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
	)
}

// writeReport prints the report in format, or writes it to out and its
// other format beside it. Files are written whole or not at all.
func writeReport(stdout io.Writer, out, format string, rep *evals.Report) error {
	render := func(f string) ([]byte, error) {
		var buf bytes.Buffer
		var err error
		if f == "json" {
			err = writeJSON(&buf, rep)
		} else {
			err = rep.WriteMarkdown(&buf)
		}
		return buf.Bytes(), err
	}
	if out == "" {
		b, err := render(format)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	other, otherPath := "json", siblingPath(out, ".json")
	if format == "json" {
		other, otherPath = "md", siblingPath(out, ".md")
	}
	for _, f := range []struct{ format, path string }{{format, out}, {other, otherPath}} {
		b, err := render(f.format)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(f.path, b); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s and %s\n", out, otherPath)
	return nil
}

// siblingPath swaps path's .md or .json extension for ext, or appends ext.
func siblingPath(path, ext string) string {
	switch filepath.Ext(path) {
	case ".md", ".json":
		return strings.TrimSuffix(path, filepath.Ext(path)) + ext
	}
	return path + ext
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return slorec.Errorf(slorec.EINVALID, "write %s: %v", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil { // CreateTemp makes it 0600; a report is for sharing
		return err
	}
	return os.Rename(f.Name(), path)
}

// runEvalGen generates a synthetic dataset: from a topology file (the
// dataset format, or a {services:[{id, kind, deps}]} source topology with
// the built-in assumptions), a built-in dataset's spec, or a random
// layered graph.
func runEvalGen(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("eval gen", flag.ContinueOnError)
	topo := fs.String("topology", "", "topology file: dataset-format topology.json or a source topology")
	builtin := fs.String("builtin", "", "regenerate a built-in dataset by name: "+strings.Join(builtinNames(), ", "))
	services := fs.Int("services", 0, "generate a random layered graph of N services instead")
	days := fs.Int("days", gen.DefaultDays, "days of metrics")
	seed := fs.Int64("seed", 1, "seed of every random draw")
	out := fs.String("out", "", "directory to write (must not exist, or be empty)")
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	given := 0
	for _, set := range []bool{*topo != "", *builtin != "", *services != 0} {
		if set {
			given++
		}
	}
	switch {
	case given != 1:
		fs.Usage()
		return usagef("eval gen: give exactly one of -topology, -builtin and -services")
	case *out == "":
		fs.Usage()
		return usagef("eval gen: -out is required")
	case *services < 0 || *services > 100_000:
		return usagef("eval gen: -services %d is not in 1..100000", *services)
	case *days < 1 || *days > 366:
		return usagef("eval gen: -days %d is not in 1..366", *days)
	}
	if err := checkEmptyDir(*out); err != nil {
		return err
	}
	var d *dataset.Dataset
	var err error
	switch {
	case *builtin != "":
		if _, ok := gen.Lookup(*builtin); !ok {
			return usagef("eval gen: no built-in dataset %q (have %s)", *builtin, strings.Join(builtinNames(), ", "))
		}
		d, err = gen.Build(*builtin)
	case *topo != "":
		var g slorec.Graph
		if g, err = gen.LoadTopology(*topo); err == nil {
			d, err = gen.Generate(g, gen.Options{Days: *days, Seed: *seed})
		}
	default:
		d, err = gen.Generate(gen.Random(*services, *seed), gen.Options{Days: *days, Seed: *seed})
	}
	if err != nil {
		return fmt.Errorf("eval gen: %w", err)
	}
	if err := writeDatasetDir(*out, d); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d services, %d buckets, %d incidents\n", *out, len(d.Graph.Services), len(d.Metrics), len(d.Incidents))
	return nil
}

func builtinNames() []string {
	var names []string
	for _, s := range gen.Datasets() {
		names = append(names, s.Name)
	}
	return names
}

// checkEmptyDir refuses an existing directory with files in it, so a
// generated dataset never mixes with an old one.
func checkEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return slorec.Errorf(slorec.EINVALID, "eval gen: %v", err)
	case len(entries) > 0:
		return slorec.Errorf(slorec.ECONFLICT, "eval gen: %s exists and is not empty", dir)
	}
	return nil
}

// writeDatasetDir writes d into a fresh directory beside dir and renames
// it into place, so a failure leaves no half-written dataset.
func writeDatasetDir(dir string, d *dataset.Dataset) error {
	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp*")
	if err != nil {
		return slorec.Errorf(slorec.EINVALID, "eval gen: %v", err)
	}
	defer os.RemoveAll(tmp)
	if err := dataset.Write(tmp, d); err != nil {
		return err
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err // not empty after all, or not ours to remove
	}
	return os.Rename(tmp, dir)
}

// runRetrievalEval runs the labeled questions against the shipped corpus
// (and the third-party runbooks when found) in every configuration the
// machine can run: full text always, GloVe when its cache is set up, the
// USE server when a URL is given. What cannot run is listed as skipped.
func runRetrievalEval(ctx context.Context, e *env, runbooks, useURL string) (*evalret.Result, error) {
	qs, err := evalret.Queries()
	if err != nil {
		return nil, err
	}
	docs, err := shipped()
	if err != nil {
		return nil, err
	}
	var skipped []string
	if runbooks == "" {
		if _, err := os.Stat(defaultRunbooksDir); err == nil {
			runbooks = defaultRunbooksDir
		}
	}
	if runbooks != "" {
		more, err := readDocuments([]string{runbooks}, corpus.KindRunbook)
		if err != nil {
			return nil, err
		}
		docs = append(docs, more...)
	} else {
		var kept []evalret.Query
		for _, q := range qs {
			if q.Set != "runbooks" {
				kept = append(kept, q)
			}
		}
		skipped = append(skipped, fmt.Sprintf("%d questions on the third-party runbooks: %s not found (give --runbooks)", len(qs)-len(kept), defaultRunbooksDir))
		qs = kept
	}
	var ids []string
	for _, d := range docs {
		for _, c := range retrieval.ChunkDocument(d, retrieval.ChunkOptions{}) {
			ids = append(ids, c.ID)
		}
	}
	if err := evalret.Check(qs, ids); err != nil {
		return nil, err
	}
	configs := []evalret.Config{{Name: "text", Mode: retrieval.TextOnly}}
	dir, err := embed.CacheDir(e.getenv)
	var g embed.Embedder
	if err == nil {
		g, err = embed.New(embed.Config{Name: embed.NameGloVe, CacheDir: dir})
	}
	if err == nil {
		configs = append(configs, evalret.Config{Name: "vector-glove", Mode: retrieval.VectorOnly, Embedder: g},
			evalret.Config{Name: "hybrid-glove", Mode: retrieval.Hybrid, Embedder: g})
	} else {
		skipped = append(skipped, "GloVe configurations: "+slorec.ErrorMessage(err))
	}
	if useURL != "" {
		u, err := embed.New(embed.Config{Name: embed.NameOpenAI, BaseURL: useURL, Model: "universal-sentence-encoder-lite", Timeout: 2 * time.Minute})
		if err != nil {
			return nil, err
		}
		configs = append(configs, evalret.Config{Name: "vector-use", Mode: retrieval.VectorOnly, Embedder: u},
			evalret.Config{Name: "hybrid-use", Mode: retrieval.Hybrid, Embedder: u})
	} else {
		skipped = append(skipped, "USE configurations: no embedding server (give --use-server to start the bundled one, or --use-url)")
	}
	res, err := evalret.Run(ctx, docs, qs, configs)
	if err != nil {
		return nil, err
	}
	res.Skipped = append(res.Skipped, skipped...)
	return res, nil
}
