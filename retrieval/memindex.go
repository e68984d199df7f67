package retrieval

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
)

// BM25 parameters of the in-memory full-text leg.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// MemIndex is the in-memory Index of the embedded default: exact cosine
// similarity for the vector leg and BM25 for the full-text leg (title and
// section terms count twice, as Postgres weighs them higher), fused like
// the Postgres index. It is safe for concurrent use.
type MemIndex struct {
	mu    sync.RWMutex
	recs  map[string]*memRecord // by chunk id
	docs  map[string][]string   // doc id -> chunk ids
	df    map[string]int        // term -> chunks containing it
	total int                   // Σ chunk lengths in terms
}

type memRecord struct {
	Record
	tf   map[string]int
	len  int
	norm float64 // |Vector|
}

// NewMemIndex returns an empty index.
func NewMemIndex() *MemIndex {
	return &MemIndex{recs: map[string]*memRecord{}, docs: map[string][]string{}, df: map[string]int{}}
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
		mr := &memRecord{Record: r, tf: map[string]int{}}
		mr.Vector = slices.Clone(r.Vector)
		for _, field := range []struct {
			text   string
			weight int
		}{{r.Title, 2}, {r.Section, 2}, {r.Text, 1}} {
			for _, t := range Terms(field.text) {
				mr.tf[t] += field.weight
				mr.len += field.weight
			}
		}
		for t := range mr.tf {
			m.df[t]++
		}
		m.total += mr.len
		mr.norm = vnorm(mr.Vector)
		m.recs[r.ID] = mr
		m.docs[r.DocID] = append(m.docs[r.DocID], r.ID)
	}
	return nil
}

// DeleteDocument implements Index.
func (m *MemIndex) DeleteDocument(_ context.Context, docID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deleteLocked(docID)
	return nil
}

func (m *MemIndex) deleteLocked(docID string) {
	for _, id := range m.docs[docID] {
		r := m.recs[id]
		for t := range r.tf {
			if m.df[t]--; m.df[t] == 0 {
				delete(m.df, t)
			}
		}
		m.total -= r.len
		delete(m.recs, id)
	}
	delete(m.docs, docID)
}

// Search implements Index.
func (m *MemIndex) Search(ctx context.Context, q Query) ([]Hit, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	depth := q.K
	if q.Mode == Hybrid {
		depth = LegDepth(q.K)
	}
	var vec, text []Hit
	if q.Mode != TextOnly && len(q.Vector) > 0 {
		vec = m.vectorLeg(q, depth)
	}
	if q.Mode != VectorOnly {
		text = m.textLeg(q, depth)
	}
	return Fuse(q.Mode, q.K, vec, text), ctx.Err()
}

func (m *MemIndex) vectorLeg(q Query, depth int) []Hit {
	qn := vnorm(q.Vector)
	if qn == 0 {
		return nil
	}
	var hits []Hit
	for _, r := range m.recs {
		if r.Model != q.Model || len(r.Vector) != len(q.Vector) || r.norm == 0 || !q.Filter.match(&r.Chunk) {
			continue
		}
		var dot float64
		for i, v := range r.Vector {
			dot += float64(v) * float64(q.Vector[i])
		}
		s := dot / (r.norm * qn)
		hits = append(hits, Hit{Chunk: r.Chunk, Vector: Leg{Score: s}, Score: s})
	}
	return Top(hits, depth)
}

func (m *MemIndex) textLeg(q Query, depth int) []Hit {
	terms := Terms(q.Text)
	if len(terms) == 0 || len(m.recs) == 0 {
		return nil
	}
	slices.Sort(terms)
	terms = slices.Compact(terms)
	n := float64(len(m.recs))
	avg := float64(m.total) / n
	var hits []Hit
	for _, r := range m.recs {
		if !q.Filter.match(&r.Chunk) {
			continue
		}
		var s float64
		for _, t := range terms {
			tf := float64(r.tf[t])
			if tf == 0 {
				continue
			}
			df := float64(m.df[t])
			idf := math.Log(1 + (n-df+0.5)/(df+0.5))
			s += idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*float64(r.len)/avg))
		}
		if s > 0 {
			hits = append(hits, Hit{Chunk: r.Chunk, Text: Leg{Score: s}, Score: s})
		}
	}
	return Top(hits, depth)
}

// Top sorts hits by score, then id, and keeps n.
func Top(hits []Hit, n int) []Hit {
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
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
