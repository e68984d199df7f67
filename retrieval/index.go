package retrieval

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/slorec/slorec"
)

// Record is a chunk with its embedding and the model that made it.
type Record struct {
	Chunk
	Vector []float32
	// Model names the embedder (and implies the dimension); a chunk
	// embedded by another model than the query's is invisible to the
	// vector leg until it is re-embedded.
	Model string
}

// Filter restricts a search. Each non-empty list must overlap the chunk's
// value; empty lists match everything.
type Filter struct {
	Kinds    []string
	Services []string
	Tags     []string
}

// Empty reports whether the filter admits every chunk.
func (f Filter) Empty() bool { return len(f.Kinds)+len(f.Services)+len(f.Tags) == 0 }

func (f Filter) match(c *Chunk) bool {
	return (len(f.Kinds) == 0 || slices.Contains(f.Kinds, c.Kind)) &&
		overlaps(f.Services, c.Services) && overlaps(f.Tags, c.Tags)
}

func overlaps(want, have []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// Mode selects the legs of a search.
type Mode string

// Modes.
const (
	Hybrid     Mode = "hybrid" // vector and full text, fused by reciprocal rank
	TextOnly   Mode = "text"
	VectorOnly Mode = "vector"
)

// Query is one search.
type Query struct {
	// Text is the query for the full-text leg; Vector its embedding by
	// Model, for the vector leg.
	Text   string
	Vector []float32
	Model  string
	// K is the number of hits wanted; zero means 5.
	K      int
	Mode   Mode // zero means Hybrid
	Filter Filter
}

// Leg is how one leg of the search ranked a hit; Rank 0 means the leg did
// not find it.
type Leg struct {
	Rank  int     `json:"rank,omitempty"`
	Score float64 `json:"score,omitempty"`
}

// Hit is one search result.
type Hit struct {
	Chunk
	// Score is the fused score (hybrid) or the leg's own score.
	Score float64 `json:"score"`
	// VectorLeg and TextLeg say how each leg ranked the hit.
	VectorLeg Leg `json:"vector_leg"`
	TextLeg   Leg `json:"text_leg"`
}

// Index stores chunks and searches them. The Postgres index and the
// in-memory one implement it and pass one contract suite
// (retrieval/indextest).
type Index interface {
	// Put replaces, in one step, every chunk of each document the
	// records belong to: a document's chunks are always those of one
	// version of it.
	Put(ctx context.Context, records []Record) error
	// DeleteDocument removes a document's chunks; an unknown id is not
	// an error.
	DeleteDocument(ctx context.Context, docID string) error
	// Search runs q.
	Search(ctx context.Context, q Query) ([]Hit, error)
	// Stale lists the ids of chunks not embedded by model, sorted, so
	// they can be re-embedded.
	Stale(ctx context.Context, model string) ([]string, error)
	// Chunks returns the chunks with the given ids (all when ids is
	// nil), sorted by id.
	Chunks(ctx context.Context, ids []string) ([]Chunk, error)
	// Len is the number of chunks.
	Len(ctx context.Context) (int, error)
}

// RRFK is the rank offset of reciprocal rank fusion: a hit's fused score
// is Σ 1/(RRFK + rank) over the legs that found it. 60 is the value of the
// original paper and of most hybrid search engines.
const RRFK = 60

// LegDepth is how many candidates each leg contributes to the fusion.
func LegDepth(k int) int { return max(4*k, 40) }

// Words are the query terms for a full-text engine with its own stemmer:
// lowercase letters and digits, stopwords dropped, unstemmed.
func Words(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) || r > unicode.MaxASCII
	}) {
		if stopwords[w] || len(w) < 2 || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// Normalize fills the defaults of q and checks it.
func (q Query) Normalize() (Query, error) {
	if q.K <= 0 {
		q.K = 5
	}
	if q.K > 100 {
		return q, slorec.Errorf(slorec.EINVALID, "k: %d is more than 100", q.K)
	}
	if q.Mode == "" {
		q.Mode = Hybrid
	}
	switch q.Mode {
	case Hybrid, TextOnly, VectorOnly:
	default:
		return q, slorec.Errorf(slorec.EINVALID, "mode: unknown %q (want hybrid, text or vector)", q.Mode)
	}
	blank := strings.TrimSpace(q.Text) == ""
	switch {
	case q.Mode == VectorOnly && len(q.Vector) == 0:
		return q, slorec.Errorf(slorec.EINVALID, "a vector search needs a query vector")
	case q.Mode == TextOnly && blank:
		return q, slorec.Errorf(slorec.EINVALID, "a text search needs query text")
	case blank && len(q.Vector) == 0:
		return q, slorec.Errorf(slorec.EINVALID, "a search needs query text or a query vector")
	}
	return q, nil
}

// byScore orders hits best first: by score, then chunk id.
func byScore(a, b *Hit) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// Fuse merges the legs' ranked lists. In hybrid mode the score is the
// reciprocal-rank sum; with one leg, that leg's own score. Ties break by
// chunk id, so results are deterministic.
func Fuse(mode Mode, k int, vec, text []Hit) []Hit {
	byID := map[string]*Hit{}
	var order []*Hit
	add := func(h Hit, leg func(*Hit) *Leg, rank int) {
		cur, ok := byID[h.ID]
		if !ok {
			c := h
			c.VectorLeg, c.TextLeg, c.Score = Leg{}, Leg{}, 0
			cur = &c
			byID[h.ID] = cur
			order = append(order, cur)
		}
		l := leg(&h)
		*leg(cur) = Leg{Rank: rank, Score: l.Score}
		switch mode {
		case Hybrid:
			cur.Score += 1 / float64(RRFK+rank)
		default:
			cur.Score = l.Score
		}
	}
	for i, h := range vec {
		add(h, func(h *Hit) *Leg { return &h.VectorLeg }, i+1)
	}
	for i, h := range text {
		add(h, func(h *Hit) *Leg { return &h.TextLeg }, i+1)
	}
	// Sorting pointers moves 8 bytes a swap rather than a whole Hit; only
	// the k kept are copied out.
	slices.SortFunc(order, byScore)
	out := make([]Hit, min(k, len(order)))
	for i := range out {
		out[i] = *order[i]
	}
	return out
}

// stopwords are left out of full-text queries and the in-memory index;
// they match Postgres's English configuration closely enough for the
// contract tests and ranking.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be because been before
being below between both but by can did do does doing down during each few for from further had has have having he
her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
off on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours yourself yourselves`) {
		stopwords[w] = true
	}
}

// Terms splits text into lowercase search terms: letters and digits,
// stopwords dropped, each lightly stemmed (plural and common verb
// endings) so "replicas" finds "replica" and "failing" finds "fail".
func Terms(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if stopwords[w] || len(w) < 2 {
			continue
		}
		out = append(out, stem(w))
	}
	return out
}

// TermCounts is how both full-text legs count a chunk's terms for BM25:
// each term of the title and of the section counts twice, each of the body
// once (Postgres's weighted tsvector ranks them higher too), and length,
// BM25's document length, is the sum of the counts.
func TermCounts(c Chunk) (tf map[string]int, length int) {
	tf = map[string]int{}
	for _, field := range []struct {
		text   string
		weight int
	}{{c.Title, 2}, {c.Section, 2}, {c.Text, 1}} {
		for _, t := range Terms(field.text) {
			tf[t] += field.weight
			length += field.weight
		}
	}
	return tf, length
}

// stem strips a few English suffixes. It is deliberately light: wrong
// conflations hurt ranking more than missed ones.
func stem(w string) string {
	for _, suf := range []struct {
		s    string
		keep int // minimum stem length
	}{{"ies", 3}, {"ing", 4}, {"edly", 4}, {"ed", 4}, {"es", 4}, {"s", 3}} {
		if strings.HasSuffix(w, suf.s) && len(w)-len(suf.s) >= suf.keep {
			base := w[:len(w)-len(suf.s)]
			switch suf.s {
			case "ies":
				return base + "y"
			case "es":
				// -sses, -xes, -ches, -shes drop "es" (passes, indexes,
				// patches); other -es words drop the "s" (databases,
				// queues, failures).
				if strings.HasSuffix(base, "ss") || strings.HasSuffix(base, "x") || strings.HasSuffix(base, "ch") || strings.HasSuffix(base, "sh") {
					return base
				}
				return w[:len(w)-1]
			case "s":
				if strings.HasSuffix(base, "s") || strings.HasSuffix(base, "u") {
					return w
				}
			}
			return base
		}
	}
	return w
}

// ValidateRecords checks a batch before anything is stored: ids and
// document ids present and consistent, no duplicate chunk ids, finite
// vectors.
func ValidateRecords(records []Record) error {
	seen := map[string]bool{}
	for i, r := range records {
		switch {
		case r.ID == "" || r.DocID == "":
			return slorec.Errorf(slorec.EINVALID, "records[%d]: chunk id and document id are required", i)
		case !strings.HasPrefix(r.ID, r.Kind+"/"+r.DocID+"#"):
			return slorec.Errorf(slorec.EINVALID, "records[%d]: chunk id %q is not of the form kind/doc-id#section for %s/%s", i, r.ID, r.Kind, r.DocID)
		case seen[r.ID]:
			return slorec.Errorf(slorec.EINVALID, "records[%d]: duplicate chunk id %q", i, r.ID)
		case len(r.Vector) > 0 && r.Model == "":
			return slorec.Errorf(slorec.EINVALID, "records[%d] (%s): a vector needs its model", i, r.ID)
		}
		seen[r.ID] = true
		for _, v := range r.Vector {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return slorec.Errorf(slorec.EINVALID, "records[%d] (%s): vector has a non-finite value", i, r.ID)
			}
		}
	}
	return nil
}
