package retrieval

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
)

// BM25 parameters of both full-text legs, the in-memory one and
// retrieval/pgindex's posting table: the defaults of Lucene and
// Elasticsearch (Robertson and Zaragoza, 2009, suggest k1 in [1.2, 2]).
const (
	BM25K1 = 1.2
	BM25B  = 0.75
)

// MemIndex is the in-memory Index of the embedded default: exact cosine
// similarity for the vector leg and BM25 for the full-text leg (title and
// section terms count twice, as Postgres weighs them higher), fused like
// the Postgres index. Writes go to a map of records; searches read a
// snapshot built from it on the first search after a write: postings per
// term, and per model a contiguous matrix of unit vectors. It is safe for
// concurrent use.
type MemIndex struct {
	mu   sync.RWMutex
	recs map[string]*memRecord // by chunk id
	docs map[string][]string   // doc id -> chunk ids
	snap *snapshot             // nil after a write
}

type memRecord struct {
	Record
	tf  map[string]int
	len int
}

type posting struct {
	rec int32 // index into snapshot.recs
	tf  float32
}

type matrix struct {
	dims int
	rows []int32   // record index of each row
	data []float32 // len(rows) × dims, each row of unit length
}

type snapshot struct {
	recs []*memRecord // sorted by id
	post map[string][]posting
	vecs map[string]*matrix // by model
	avg  float64            // mean chunk length in terms
}

// NewMemIndex returns an empty index.
func NewMemIndex() *MemIndex {
	return &MemIndex{recs: map[string]*memRecord{}, docs: map[string][]string{}}
}

// Put implements Index.
func (m *MemIndex) Put(_ context.Context, records []Record) error {
	if err := ValidateRecords(records); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	replaced := map[string]bool{}
	for _, r := range records {
		if !replaced[r.DocID] {
			replaced[r.DocID] = true
			m.deleteLocked(r.DocID)
		}
	}
	for _, r := range records {
		mr := &memRecord{Record: r}
		mr.tf, mr.len = TermCounts(r.Chunk)
		mr.Vector = slices.Clone(r.Vector)
		m.recs[r.ID] = mr
		m.docs[r.DocID] = append(m.docs[r.DocID], r.ID)
	}
	m.snap = nil
	return nil
}

// DeleteDocument implements Index.
func (m *MemIndex) DeleteDocument(_ context.Context, docID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deleteLocked(docID)
	m.snap = nil
	return nil
}

func (m *MemIndex) deleteLocked(docID string) {
	for _, id := range m.docs[docID] {
		delete(m.recs, id)
	}
	delete(m.docs, docID)
}

// snapshot returns the current snapshot, building it if a write made it
// stale. The caller holds no lock.
func (m *MemIndex) snapshot() *snapshot {
	m.mu.RLock()
	s := m.snap
	m.mu.RUnlock()
	if s != nil {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.snap == nil {
		m.snap = m.build()
	}
	return m.snap
}

func (m *MemIndex) build() *snapshot {
	s := &snapshot{post: map[string][]posting{}, vecs: map[string]*matrix{}}
	for _, r := range m.recs {
		s.recs = append(s.recs, r)
	}
	slices.SortFunc(s.recs, func(a, b *memRecord) int { return cmp.Compare(a.ID, b.ID) })
	total := 0
	for i, r := range s.recs {
		total += r.len
		for t, tf := range r.tf {
			s.post[t] = append(s.post[t], posting{rec: int32(i), tf: float32(tf)})
		}
		n := vnorm(r.Vector)
		if n == 0 {
			continue
		}
		mx := s.vecs[r.Model]
		if mx == nil {
			mx = &matrix{dims: len(r.Vector)}
			s.vecs[r.Model] = mx
		}
		if len(r.Vector) != mx.dims {
			continue // a model has one dimension; validation keeps this out
		}
		mx.rows = append(mx.rows, int32(i))
		for _, x := range r.Vector {
			mx.data = append(mx.data, float32(float64(x)/n))
		}
	}
	if len(s.recs) > 0 {
		s.avg = float64(total) / float64(len(s.recs))
	}
	return s
}

// Search implements Index.
func (m *MemIndex) Search(ctx context.Context, q Query) ([]Hit, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	s := m.snapshot()
	depth := q.K
	if q.Mode == Hybrid {
		depth = LegDepth(q.K)
	}
	var vec, text []Hit
	if q.Mode != TextOnly && len(q.Vector) > 0 {
		vec = s.vectorLeg(q, depth)
	}
	if q.Mode != VectorOnly {
		text = s.textLeg(q, depth)
	}
	return Fuse(q.Mode, q.K, vec, text), ctx.Err()
}

func (s *snapshot) vectorLeg(q Query, depth int) []Hit {
	mx := s.vecs[q.Model]
	qn := vnorm(q.Vector)
	if mx == nil || mx.dims != len(q.Vector) || qn == 0 {
		return nil
	}
	qv := make([]float32, len(q.Vector))
	for i, x := range q.Vector {
		qv[i] = float32(float64(x) / qn)
	}
	best := newTopK(depth)
	d := mx.dims
	for i, ri := range mx.rows {
		r := s.recs[ri]
		if !q.Filter.match(&r.Chunk) {
			continue
		}
		row := mx.data[i*d : (i+1)*d]
		var dot float32
		for j, x := range row {
			dot += x * qv[j]
		}
		best.offer(ri, float64(dot), r.ID)
	}
	return best.hits(s, func(h *Hit, v float64) { h.VectorLeg.Score = v })
}

func (s *snapshot) textLeg(q Query, depth int) []Hit {
	terms := Terms(q.Text)
	if len(terms) == 0 || len(s.recs) == 0 {
		return nil
	}
	slices.Sort(terms)
	terms = slices.Compact(terms)
	n := float64(len(s.recs))
	scores := make([]float64, len(s.recs)) // dense: the postings of common terms cover most chunks
	var touched []int32
	for _, t := range terms {
		p := s.post[t]
		if len(p) == 0 {
			continue
		}
		df := float64(len(p))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for _, ps := range p {
			tf := float64(ps.tf)
			l := float64(s.recs[ps.rec].len)
			if scores[ps.rec] == 0 {
				touched = append(touched, ps.rec)
			}
			scores[ps.rec] += idf * tf * (BM25K1 + 1) / (tf + BM25K1*(1-BM25B+BM25B*l/s.avg))
		}
	}
	best := newTopK(depth)
	for _, ri := range touched {
		if r, v := s.recs[ri], scores[ri]; v > 0 && q.Filter.match(&r.Chunk) {
			best.offer(ri, v, r.ID)
		}
	}
	return best.hits(s, func(h *Hit, v float64) { h.TextLeg.Score = v })
}

// topK keeps the k best (score, then id) of the offers it gets.
type topK struct {
	k    int
	list []scored // best first
}

type scored struct {
	rec   int32
	score float64
	id    string
}

func newTopK(k int) *topK { return &topK{k: k} }

func better(a, b scored) bool { return a.score > b.score || a.score == b.score && a.id < b.id }

func (t *topK) offer(rec int32, score float64, id string) {
	s := scored{rec, score, id}
	if len(t.list) == t.k && !better(s, t.list[len(t.list)-1]) {
		return
	}
	i, _ := slices.BinarySearchFunc(t.list, s, func(e, target scored) int {
		if better(e, target) {
			return -1
		}
		return 1
	})
	t.list = slices.Insert(t.list, i, s)
	if len(t.list) > t.k {
		t.list = t.list[:t.k]
	}
}

func (t *topK) hits(s *snapshot, set func(*Hit, float64)) []Hit {
	out := make([]Hit, len(t.list))
	for i, e := range t.list {
		out[i] = Hit{Chunk: s.recs[e.rec].Chunk, Score: e.score}
		set(&out[i], e.score)
	}
	return out
}

// Top sorts hits by score, then id, and keeps n.
func Top(hits []Hit, n int) []Hit {
	sorted := true
	for i := 1; i < len(hits) && sorted; i++ {
		sorted = byScore(&hits[i-1], &hits[i]) <= 0
	}
	if !sorted {
		// A leg's rows arrive sorted or nearly so; sort pointers, not
		// whole hits, when they are not.
		ptrs := make([]*Hit, len(hits))
		for i := range hits {
			ptrs[i] = &hits[i]
		}
		slices.SortFunc(ptrs, byScore)
		out := make([]Hit, min(n, len(hits)))
		for i := range out {
			out[i] = *ptrs[i]
		}
		return out
	}
	if len(hits) > n {
		hits = hits[:n]
	}
	return hits
}

// Stale implements Index.
func (m *MemIndex) Stale(_ context.Context, model string) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []string
	for id, r := range m.recs {
		if r.Model != model {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Chunks implements Index.
func (m *MemIndex) Chunks(_ context.Context, ids []string) ([]Chunk, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Chunk
	if ids == nil {
		for _, r := range m.recs {
			out = append(out, r.Chunk)
		}
	} else {
		for _, id := range ids {
			if r, ok := m.recs[id]; ok {
				out = append(out, r.Chunk)
			}
		}
	}
	slices.SortFunc(out, func(a, b Chunk) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Len implements Index.
func (m *MemIndex) Len(context.Context) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.recs), nil
}

func vnorm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}
