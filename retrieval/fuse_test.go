package retrieval_test

import (
	"slices"
	"testing"

	"github.com/slorec/slorec/retrieval"
)

func hit(id string, score float64) retrieval.Hit {
	return retrieval.Hit{Chunk: retrieval.Chunk{ID: id, Text: "text of " + id}, Score: score}
}

// vhit and thit are a leg's hits, which carry their leg's score.
func vhit(id string, score float64) retrieval.Hit {
	h := hit(id, score)
	h.VectorLeg.Score = score
	return h
}

func thit(id string, score float64) retrieval.Hit {
	h := hit(id, score)
	h.TextLeg.Score = score
	return h
}

func ids(hs []retrieval.Hit) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.ID)
	}
	return out
}

func TestTopOrdersByScoreThenID(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []retrieval.Hit
		n    int
		want []string
	}{
		{"sorted", []retrieval.Hit{hit("a", 3), hit("b", 2), hit("c", 1)}, 2, []string{"a", "b"}},
		{"reversed", []retrieval.Hit{hit("c", 1), hit("b", 2), hit("a", 3)}, 3, []string{"a", "b", "c"}},
		{"ties by id", []retrieval.Hit{hit("z", 2), hit("m", 2), hit("a", 2), hit("q", 5)}, 3, []string{"q", "a", "m"}},
		{"near-sorted", []retrieval.Hit{hit("a", 5), hit("c", 3), hit("b", 4), hit("d", 1)}, 10, []string{"a", "b", "c", "d"}},
		{"empty", nil, 5, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := retrieval.Top(slices.Clone(tc.in), tc.n)
			if !slices.Equal(ids(got), tc.want) {
				t.Fatalf("Top = %v, want %v", ids(got), tc.want)
			}
			for _, h := range got {
				if h.Text != "text of "+h.ID {
					t.Errorf("hit %s lost its chunk: %q", h.ID, h.Text)
				}
			}
		})
	}
}

func TestFuseHybridSumsReciprocalRanks(t *testing.T) {
	vec := []retrieval.Hit{vhit("a", 0.9), vhit("b", 0.8), vhit("c", 0.7)}
	text := []retrieval.Hit{thit("c", 12), thit("d", 11), thit("a", 10)}
	got := retrieval.Fuse(retrieval.Hybrid, 3, vec, text)
	// a: 1/(k+1)+1/(k+3); c: 1/(k+3)+1/(k+1): a tie broken by id. Then b
	// (vector rank 2) and d (text rank 2) tie at 1/(k+2): b first by id.
	if want := []string{"a", "c", "b"}; !slices.Equal(ids(got), want) {
		t.Fatalf("Fuse = %v, want %v", ids(got), want)
	}
	a := got[0]
	if a.VectorLeg.Rank != 1 || a.VectorLeg.Score != 0.9 || a.TextLeg.Rank != 3 || a.TextLeg.Score != 10 {
		t.Errorf("a's legs = %+v / %+v", a.VectorLeg, a.TextLeg)
	}
	k := float64(retrieval.RRFK)
	if want := 1/(k+1) + 1/(k+3); a.Score != want {
		t.Errorf("a's score = %v, want %v", a.Score, want)
	}
	if got := retrieval.Fuse(retrieval.Hybrid, 10, vec, text); len(got) != 4 {
		t.Errorf("k beyond the union: %d hits, want 4", len(got))
	}
}

func TestFuseOneLegKeepsItsScores(t *testing.T) {
	text := []retrieval.Hit{thit("x", 7), thit("y", 3)}
	got := retrieval.Fuse(retrieval.TextOnly, 5, nil, text)
	if !slices.Equal(ids(got), []string{"x", "y"}) || got[0].Score != 7 || got[0].TextLeg.Rank != 1 {
		t.Fatalf("Fuse = %+v", got)
	}
}
