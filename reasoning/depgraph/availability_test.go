package depgraph_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/slorec/slorec"
	"github.com/slorec/slorec/reasoning/depgraph"
)

// obs is a measured availability.
func obs(a float64) depgraph.NodeInput { return depgraph.NodeInput{Observed: a, HasObserved: true} }

// committed is a measured availability with a committed SLO.
func committed(observed, slo float64) depgraph.NodeInput {
	return depgraph.NodeInput{Observed: observed, HasObserved: true, Committed: slo}
}

// check is the expected composition of one service; Binding names the
// binding contribution's Target ("" for none).
type check struct {
	comp    depgraph.Composition
	binding string
}

func TestAvailability(t *testing.T) {
	tests := map[string]struct {
		services []slorec.Service
		inputs   map[string]depgraph.NodeInput
		want     map[string]check
	}{
		// b = 0.999 × 0.9995 = 0.9985005; a = 0.995 × 0.9985005 = 0.9935079975.
		"A serial chain with complete data splits each observed availability into intrinsic × dependencies.": {
			services: []slorec.Service{svc("a", hard("b")), svc("b", hard("c")), svc("c")},
			inputs:   map[string]depgraph.NodeInput{"a": obs(0.9935079975), "b": obs(0.9985005), "c": obs(0.9995)},
			want: map[string]check{
				"a": {binding: "b", comp: depgraph.Composition{
					ID: "a", Intrinsic: 0.995, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.9935079975, Effective: 0.9935079975, EffectiveSource: depgraph.SourceCeiling,
					Contributions: []depgraph.Contribution{
						{Target: "b", Kind: slorec.KindService, Availability: 0.9985005, Source: depgraph.SourceCeiling, CallRatio: 1, Factor: 0.9985005},
					},
				}},
				"c": {comp: depgraph.Composition{
					ID: "c", Intrinsic: 0.9995, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.9995, Effective: 0.9995, EffectiveSource: depgraph.SourceCeiling,
				}},
			},
		},
		// Effective: db min(0.9995 committed, 0.9998) = 0.9995; pay its SLA
		// 0.995; geo the datastore prior 0.9995. Observed basis: db 0.9998.
		// Intrinsic = 0.99 / (0.9998 × 0.995 × 0.9995) = 0.99 / 0.9943035995
		// = 0.995671745026; ceiling = that × 0.9995 × 0.995 × 0.9995
		// = 0.989702940588. pay's 0.995 binds.
		"Dependencies count by what they commit to, publish, or are assumed to deliver.": {
			services: []slorec.Service{
				svc("app", hard("db"), hard("pay"), hard("geo")),
				ofKind(slorec.KindDatastore, svc("db")),
				withSLA(0.995, ofKind(slorec.KindExternal, svc("pay"))),
				ofKind(slorec.KindDatastore, svc("geo")),
			},
			inputs: map[string]depgraph.NodeInput{"app": obs(0.99), "db": committed(0.9998, 0.9995)},
			want: map[string]check{
				"app": {binding: "pay", comp: depgraph.Composition{
					ID: "app", Intrinsic: 0.995671745026, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.989702940588, Effective: 0.989702940588, EffectiveSource: depgraph.SourceCeiling,
					Contributions: []depgraph.Contribution{
						{Target: "db", Kind: slorec.KindDatastore, Availability: 0.9995, Source: depgraph.SourceCommitted, CallRatio: 1, Factor: 0.9995},
						{Target: "pay", Kind: slorec.KindExternal, Availability: 0.995, Source: depgraph.SourcePublishedSLA, CallRatio: 1, Factor: 0.995},
						{Target: "geo", Kind: slorec.KindDatastore, Availability: 0.9995, Source: depgraph.SourcePrior, CallRatio: 1, Factor: 0.9995},
					},
					Flags: []depgraph.Flag{depgraph.FlagPriorUsed, depgraph.FlagPublishedSLAUsed},
				}},
				"db": {comp: depgraph.Composition{
					ID: "db", Intrinsic: 0.9998, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.9998, Effective: 0.9995, EffectiveSource: depgraph.SourceCommitted,
				}},
				"pay": {comp: depgraph.Composition{
					ID: "pay", Intrinsic: 0.995, IntrinsicSource: depgraph.SourcePublishedSLA,
					Ceiling: 0.995, Effective: 0.995, EffectiveSource: depgraph.SourcePublishedSLA,
					Flags: []depgraph.Flag{depgraph.FlagNoObserved, depgraph.FlagPublishedSLAUsed},
				}},
				"geo": {comp: depgraph.Composition{
					ID: "geo", Intrinsic: 0.9995, IntrinsicSource: depgraph.SourcePrior,
					Ceiling: 0.9995, Effective: 0.9995, EffectiveSource: depgraph.SourcePrior,
					Flags: []depgraph.Flag{depgraph.FlagNoObserved, depgraph.FlagPriorUsed},
				}},
			},
		},
		// Group: 1 − (1 − 0.99)(1 − 0.98) = 1 − 0.0002 = 0.9998.
		// Intrinsic 0.999 / 0.9998 = 0.999199839968; ceiling 0.999.
		"A redundancy group multiplies its members' unavailabilities.": {
			services: []slorec.Service{
				svc("app", redundant("pay", hard("p1")), redundant("pay", ratio(0.5, hard("p2")))),
				withSLA(0.99, ofKind(slorec.KindExternal, svc("p1"))),
				withSLA(0.98, ofKind(slorec.KindExternal, svc("p2"))),
			},
			inputs: map[string]depgraph.NodeInput{"app": obs(0.999)},
			want: map[string]check{
				"app": {binding: "pay", comp: depgraph.Composition{
					ID: "app", Intrinsic: 0.999199839968, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.999, Effective: 0.999, EffectiveSource: depgraph.SourceCeiling,
					Contributions: []depgraph.Contribution{{
						Target: "pay", Group: "pay", Kind: slorec.KindExternal,
						Members: []depgraph.Member{
							{Target: "p1", Kind: slorec.KindExternal, Availability: 0.99, Source: depgraph.SourcePublishedSLA, CallRatio: 1},
							{Target: "p2", Kind: slorec.KindExternal, Availability: 0.98, Source: depgraph.SourcePublishedSLA, CallRatio: 0.5},
						},
						Availability: 0.9998, Source: depgraph.SourcePublishedSLA, CallRatio: 1, Factor: 0.9998,
					}},
					Flags: []depgraph.Flag{depgraph.FlagPublishedSLAUsed},
				}},
			},
		},
		"Soft and async dependencies do not cap the ceiling but are reported.": {
			services: []slorec.Service{
				svc("app", soft("rec"), async("mail")),
				svc("rec"),
				ofKind(slorec.KindQueue, svc("mail")),
			},
			inputs: map[string]depgraph.NodeInput{"app": obs(0.999), "rec": obs(0.95), "mail": obs(0.9)},
			want: map[string]check{
				"app": {comp: depgraph.Composition{
					ID: "app", Intrinsic: 0.999, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.999, Effective: 0.999, EffectiveSource: depgraph.SourceCeiling,
					Excluded: []depgraph.Contribution{
						{Target: "rec", Kind: slorec.KindService, Availability: 0.95, Source: depgraph.SourceCeiling, CallRatio: 1, Factor: 0.95, Reason: depgraph.ExcludedSoft},
						{Target: "mail", Kind: slorec.KindQueue, Availability: 0.9, Source: depgraph.SourceCeiling, CallRatio: 1, Factor: 0.9, Reason: depgraph.ExcludedAsync},
					},
				}},
			},
		},
		// Observed basis: 1 − 0.1 × (1 − 0.99) = 0.999, intrinsic
		// 0.998 / 0.999 = 0.998998998999. search commits to 0.98 (below its
		// ceiling 0.99): factor 1 − 0.1 × 0.02 = 0.998, ceiling
		// 0.998998998999 × 0.998 = 0.997001001001.
		"A call ratio scales a dependency's unavailability, here at its committed level.": {
			services: []slorec.Service{svc("app", ratio(0.1, hard("search"))), svc("search")},
			inputs:   map[string]depgraph.NodeInput{"app": obs(0.998), "search": committed(0.99, 0.98)},
			want: map[string]check{
				"app": {binding: "search", comp: depgraph.Composition{
					ID: "app", Intrinsic: 0.998998998999, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.997001001001, Effective: 0.997001001001, EffectiveSource: depgraph.SourceCeiling,
					Contributions: []depgraph.Contribution{
						{Target: "search", Kind: slorec.KindService, Availability: 0.98, Source: depgraph.SourceCommitted, CallRatio: 0.1, Factor: 0.998},
					},
				}},
			},
		},
		"A commitment above the ceiling is flagged and dependents get the ceiling.": {
			services: []slorec.Service{svc("db")},
			inputs:   map[string]depgraph.NodeInput{"db": committed(0.999, 0.9999)},
			want: map[string]check{
				"db": {comp: depgraph.Composition{
					ID: "db", Intrinsic: 0.999, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.999, Effective: 0.999, EffectiveSource: depgraph.SourceCeiling,
					Flags: []depgraph.Flag{depgraph.FlagCommittedAboveCeiling},
				}},
			},
		},
		// ghost gets the service prior 0.999; app's intrinsic is 0.99 / 0.999.
		"A missing dependency gets the service prior and is flagged on both sides.": {
			services: []slorec.Service{svc("app", hard("ghost"))},
			inputs:   map[string]depgraph.NodeInput{"app": obs(0.99)},
			want: map[string]check{
				"app": {binding: "ghost", comp: depgraph.Composition{
					ID: "app", Intrinsic: 0.990990990991, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.99, Effective: 0.99, EffectiveSource: depgraph.SourceCeiling,
					Contributions: []depgraph.Contribution{
						{Target: "ghost", Kind: slorec.KindService, Missing: true, Availability: 0.999, Source: depgraph.SourcePrior, CallRatio: 1, Factor: 0.999},
					},
					Flags: []depgraph.Flag{depgraph.FlagMissingDependency, depgraph.FlagPriorUsed},
				}},
				"ghost": {comp: depgraph.Composition{
					ID: "ghost", Intrinsic: 0.999, IntrinsicSource: depgraph.SourcePrior,
					Ceiling: 0.999, Effective: 0.999, EffectiveSource: depgraph.SourcePrior,
					Flags: []depgraph.Flag{depgraph.FlagMissing, depgraph.FlagNoObserved, depgraph.FlagPriorUsed},
				}},
			},
		},
		// Inside the cycle each uses the other's observed 0.99 at ratio 0.1:
		// factor 0.999. b: intrinsic 0.99 / 0.999, ceiling 0.99. a also
		// depends on c (0.999): intrinsic 0.99 / (0.999 × 0.999)
		// = 0.991982973965, ceiling 0.99. b and c tie at 0.999: the first
		// declared binds.
		"A cycle of hard calls uses observed availabilities inside it and flags every member.": {
			services: []slorec.Service{
				svc("a", ratio(0.1, hard("b")), hard("c")),
				svc("b", ratio(0.1, hard("a"))),
				svc("c"),
			},
			inputs: map[string]depgraph.NodeInput{"a": obs(0.99), "b": obs(0.99), "c": obs(0.999)},
			want: map[string]check{
				"a": {binding: "b", comp: depgraph.Composition{
					ID: "a", Intrinsic: 0.991982973965, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.99, Effective: 0.99, EffectiveSource: depgraph.SourceCeiling,
					Contributions: []depgraph.Contribution{
						{Target: "b", Kind: slorec.KindService, Availability: 0.99, Source: depgraph.SourceObserved, CallRatio: 0.1, Factor: 0.999},
						{Target: "c", Kind: slorec.KindService, Availability: 0.999, Source: depgraph.SourceCeiling, CallRatio: 1, Factor: 0.999},
					},
					Flags: []depgraph.Flag{depgraph.FlagCycle},
				}},
				"b": {binding: "a", comp: depgraph.Composition{
					ID: "b", Intrinsic: 0.990990990991, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.99, Effective: 0.99, EffectiveSource: depgraph.SourceCeiling,
					Contributions: []depgraph.Contribution{
						{Target: "a", Kind: slorec.KindService, Availability: 0.99, Source: depgraph.SourceObserved, CallRatio: 0.1, Factor: 0.999},
					},
					Flags: []depgraph.Flag{depgraph.FlagCycle},
				}},
				"c": {comp: depgraph.Composition{
					ID: "c", Intrinsic: 0.999, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.999, Effective: 0.999, EffectiveSource: depgraph.SourceCeiling,
				}},
			},
		},
		"A cycle closed by an async edge does not affect availability.": {
			services: []slorec.Service{svc("a", hard("b")), svc("b", async("a"))},
			inputs:   map[string]depgraph.NodeInput{"a": obs(0.99), "b": obs(0.995)},
			want: map[string]check{
				"b": {comp: depgraph.Composition{
					ID: "b", Intrinsic: 0.995, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.995, Effective: 0.995, EffectiveSource: depgraph.SourceCeiling,
					Excluded: []depgraph.Contribution{
						{Target: "a", Kind: slorec.KindService, Availability: 0.99, Source: depgraph.SourceCeiling, CallRatio: 1, Factor: 0.99, Reason: depgraph.ExcludedAsync},
					},
				}},
			},
		},
		// 0.999 × 0.99 = 0.98901: the SLA stands for the service itself and
		// its declared hard dependency still multiplies, which errs low.
		"A service without measurements starts from its published SLA.": {
			services: []slorec.Service{withSLA(0.999, ofKind(slorec.KindExternal, svc("ext", hard("x")))), svc("x")},
			inputs:   map[string]depgraph.NodeInput{"x": obs(0.99)},
			want: map[string]check{
				"ext": {binding: "x", comp: depgraph.Composition{
					ID: "ext", Intrinsic: 0.999, IntrinsicSource: depgraph.SourcePublishedSLA,
					Ceiling: 0.98901, Effective: 0.98901, EffectiveSource: depgraph.SourcePublishedSLA,
					Contributions: []depgraph.Contribution{
						{Target: "x", Kind: slorec.KindService, Availability: 0.99, Source: depgraph.SourceCeiling, CallRatio: 1, Factor: 0.99},
					},
					Flags: []depgraph.Flag{depgraph.FlagNoObserved, depgraph.FlagPublishedSLAUsed},
				}},
			},
		},
		"An input SLA overrides the catalog's and is clamped to 1.": {
			services: []slorec.Service{withSLA(0.99, svc("ext"))},
			inputs:   map[string]depgraph.NodeInput{"ext": {PublishedSLA: 1.5}},
			want: map[string]check{
				"ext": {comp: depgraph.Composition{
					ID: "ext", Intrinsic: 1, IntrinsicSource: depgraph.SourcePublishedSLA,
					Ceiling: 1, Effective: 1, EffectiveSource: depgraph.SourcePublishedSLA,
					Flags: []depgraph.Flag{depgraph.FlagNoObserved, depgraph.FlagPublishedSLAUsed},
				}},
			},
		},
		// 0.9999 / 0.999 > 1: capped, so the ceiling is 0.999, below what
		// was observed.
		"A service observed above what its hard dependencies allow is capped and flagged.": {
			services: []slorec.Service{svc("app", hard("db")), svc("db")},
			inputs:   map[string]depgraph.NodeInput{"app": obs(0.9999), "db": obs(0.999)},
			want: map[string]check{
				"app": {binding: "db", comp: depgraph.Composition{
					ID: "app", Intrinsic: 1, IntrinsicSource: depgraph.SourceObserved,
					Ceiling: 0.999, Effective: 0.999, EffectiveSource: depgraph.SourceCeiling,
					Contributions: []depgraph.Contribution{
						{Target: "db", Kind: slorec.KindService, Availability: 0.999, Source: depgraph.SourceCeiling, CallRatio: 1, Factor: 0.999},
					},
					Flags: []depgraph.Flag{depgraph.FlagIntrinsicCapped},
				}},
			},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			g := depgraph.New(tt.services)
			got := g.Availability(tt.inputs)
			require.Len(t, got, g.Len())
			for id, want := range tt.want {
				c, ok := got[id]
				require.True(t, ok, id)
				requireComposition(t, want, c)
			}
		})
	}
}

func TestAvailabilityAcceptsOddInputs(t *testing.T) {
	g := depgraph.New([]slorec.Service{svc("a", hard("b")), svc("b")})
	nan := 0.0
	nan /= nan
	got := g.Availability(map[string]depgraph.NodeInput{
		"a":       {Observed: nan, HasObserved: true},
		"b":       {Observed: -3, HasObserved: true, Committed: 7},
		"unknown": obs(0.5),
	})
	require.True(t, got["a"].Has(depgraph.FlagNoObserved), "NaN counts as no measurement")
	require.Zero(t, got["b"].Ceiling, "observed values are clamped into [0,1]")
	require.InDelta(t, 0, got["a"].Ceiling, 1e-12)
	require.NotContains(t, got, "unknown")

	require.Empty(t, depgraph.New(nil).Availability(nil))
}

// requireComposition compares floats within 1e-9 and everything else
// exactly.
func requireComposition(t *testing.T, want check, got depgraph.Composition) {
	t.Helper()
	const eps = 1e-9
	if want.binding == "" {
		require.Nil(t, got.Binding, "binding")
	} else {
		require.NotNil(t, got.Binding, "binding")
		require.Equal(t, want.binding, got.Binding.Target, "binding")
	}
	got.Binding = nil
	w := want.comp
	for _, f := range []struct {
		name      string
		want, got *float64
	}{
		{"intrinsic", &w.Intrinsic, &got.Intrinsic},
		{"ceiling", &w.Ceiling, &got.Ceiling},
		{"effective", &w.Effective, &got.Effective},
	} {
		require.InDelta(t, *f.want, *f.got, eps, f.name)
		*f.got = *f.want
	}
	got.Contributions = alignContributions(t, w.Contributions, got.Contributions)
	got.Excluded = alignContributions(t, w.Excluded, got.Excluded)
	require.Equal(t, w, got)
}

func alignContributions(t *testing.T, want, got []depgraph.Contribution) []depgraph.Contribution {
	t.Helper()
	const eps = 1e-9
	require.Len(t, got, len(want))
	if len(got) == 0 {
		return got
	}
	out := make([]depgraph.Contribution, len(got))
	for i, c := range got {
		require.InDelta(t, want[i].Availability, c.Availability, eps, c.Target)
		require.InDelta(t, want[i].Factor, c.Factor, eps, c.Target)
		c.Availability, c.Factor = want[i].Availability, want[i].Factor
		out[i] = c
	}
	return out
}
