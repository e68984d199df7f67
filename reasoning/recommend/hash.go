package recommend

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"slices"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
)

// selfHash digests what a service's own analysis reads: the engine version
// and options, its catalog record, its current SLOs and its buckets (in the
// order given). It runs in the statistics workers.
func selfHash(opt Options, svc slorec.Service, slos map[slorec.SLIKind]slorec.SLO, buckets []slorec.MetricBucket) [32]byte {
	h := sha256.New()
	opt.Workers = 0 // how many goroutines ran changes nothing
	head, _ := json.Marshal(struct {
		Engine string
		Opt    Options
		Svc    slorec.Service
		SLOs   []slorec.SLO
	}{EngineVersion, opt, svc, sortedSLOs(slos)})
	h.Write(head)
	buf := make([]byte, 0, 48*256)
	for i := range buckets {
		b := &buckets[i]
		buf = binary.LittleEndian.AppendUint64(buf, uint64(b.Start.UnixNano()))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(b.Requests))
		buf = binary.LittleEndian.AppendUint64(buf, uint64(b.Errors))
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(b.LatencyP50Ms))
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(b.LatencyP95Ms))
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(b.LatencyP99Ms))
		if len(buf) >= cap(buf)-48 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func sortedSLOs(m map[slorec.SLIKind]slorec.SLO) []slorec.SLO {
	out := make([]slorec.SLO, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b slorec.SLO) int {
		if a.SLI < b.SLI {
			return -1
		}
		if a.SLI > b.SLI {
			return 1
		}
		return 0
	})
	return out
}

// inputHashes chains the self hashes along the dependency graph (a Merkle
// DAG over the strongly connected components): a service's hash covers its
// own inputs, those of everything it transitively depends on, and the other
// members of its cycle, which is exactly what its recommendation reads. An
// unchanged hash means the stored recommendation can be reused.
func inputHashes(g *depgraph.Graph, analyses map[string]*Analysis) map[string]string {
	comps := g.Condensation()
	digests := make([][32]byte, len(comps))
	out := make(map[string]string, g.Len())
	for i, c := range comps {
		h := sha256.New()
		for _, m := range c.Members {
			s := analyses[m].selfHash
			h.Write(s[:])
		}
		for _, d := range c.Deps {
			h.Write(digests[d][:])
		}
		h.Sum(digests[i][:0])
		for _, m := range c.Members {
			sum := sha256.Sum256(append(digests[i][:], m...))
			out[m] = hex.EncodeToString(sum[:])
		}
	}
	return out
}
