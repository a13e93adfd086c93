package bench_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rolemodels/rolemodels/bench"
	"github.com/rolemodels/rolemodels/learners"
)

// trainingErrors returns the number of training points h misclassifies,
// with a fixed rng for samplers.
func trainingErrors(h learners.Classifier, ds learners.Dataset) (int, error) {
	pred := make([]int, ds.Len())
	if err := h.PredictBatch(ds.X, pred, rand.New(rand.NewPCG(1, 1))); err != nil {
		return 0, err
	}
	e := 0
	for i, y := range ds.Y {
		if pred[i] != y {
			e++
		}
	}
	return e, nil
}

// rootOracle returns the root split that Tree's rule picks, computed
// independently: for each feature the values sorted with their labels,
// prefix class counts, and the weighted Gini impurity
// n_L - s_L/n_L + n_R - s_R/n_R in floating point at every boundary between
// distinct values; the least wins, ties (within 1e-9) to the lower
// feature, then the lower threshold.
func rootOracle(ds learners.Dataset) (int, float64) {
	n := ds.Len()
	bestF, bestT, bestI := -1, 0.0, math.Inf(1)
	type pt struct {
		v float64
		y int
	}
	for f := range ds.D {
		pts := make([]pt, n)
		for i := range n {
			pts[i] = pt{ds.Row(i)[f], ds.Y[i]}
		}
		slices.SortFunc(pts, func(a, b pt) int {
			switch {
			case a.v < b.v:
				return -1
			case a.v > b.v:
				return 1
			}
			return 0
		})
		left := make([]float64, ds.K)
		right := make([]float64, ds.K)
		for _, p := range pts {
			right[p.y]++
		}
		for i := 0; i+1 < n; i++ {
			left[pts[i].y]++
			right[pts[i].y]--
			if pts[i].v == pts[i+1].v {
				continue
			}
			var sl, sr float64
			for c := range ds.K {
				sl += left[c] * left[c]
				sr += right[c] * right[c]
			}
			nl, nr := float64(i+1), float64(n-i-1)
			imp := nl - sl/nl + nr - sr/nr
			if imp < bestI-1e-9 {
				bestF, bestT, bestI = f, pts[i].v/2+pts[i+1].v/2, imp
			}
		}
	}
	return bestF, bestT
}

// BenchmarkTree times Tree.Fit grown to purity (fit) and PredictBatch on
// as many uniform queries (predict) on m uniform points in [0,1]^d with
// pure-noise binary labels. Before timing, the fitted tree must
// interpolate (zero training errors on distinct points), have
// Nodes = 2 Leaves - 1, and its root split must equal rootOracle's.
// Metrics: ns/point for fit, ns/query for predict; the log gives the depth
// and the leaves.
func BenchmarkTree(b *testing.B) {
	for _, s := range []struct{ m, d int }{{20000, 2}, {20000, 10}, {100000, 2}} {
		ds := bench.ClassData(s.m, s.d, 2)
		var fit *learners.TreeClassifier
		check := func(b *testing.B) {
			if fit != nil {
				return
			}
			h, err := learners.Tree{}.Fit(ds)
			if err != nil {
				b.Fatal(err)
			}
			fit = h.(*learners.TreeClassifier)
			if e, err := trainingErrors(fit, ds); err != nil || e != 0 {
				b.Fatalf("tree grown to purity: %d training errors (%v)", e, err)
			}
			if fit.Nodes() != 2*fit.Leaves()-1 {
				b.Fatalf("%d nodes, %d leaves", fit.Nodes(), fit.Leaves())
			}
			f, t := fit.Root()
			if wf, wt := rootOracle(ds); f != wf || t != wt {
				b.Fatalf("root split (%d, %v), oracle (%d, %v)", f, t, wf, wt)
			}
			b.Logf("m=%d d=%d: depth %d, %d leaves", s.m, s.d, fit.Depth(), fit.Leaves())
		}
		b.Run(fmt.Sprintf("fit/m=%d,d=%d", s.m, s.d), func(b *testing.B) {
			check(b)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := (learners.Tree{}).Fit(ds); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s.m), "ns/point")
		})
		b.Run(fmt.Sprintf("predict/m=%d,q=%d,d=%d", s.m, s.m, s.d), func(b *testing.B) {
			check(b)
			q := bench.ClassData(s.m+1, s.d, 2).X
			dst := make([]int, s.m+1)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := fit.PredictBatch(q, dst, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s.m+1), "ns/query")
		})
	}
}

// BenchmarkForest times Forest.Fit (B trees on bootstrap samples, ceil(sqrt
// d) features per split, grown on all cores) and the sampler's
// PredictBatch on m uniform points with pure-noise binary labels. Before
// timing, the majority's answers on the training points must equal a vote
// recomputed from its Trees (ties to the lower class), and the sampler's
// answers must each be the answer of the tree its rng stream picks.
func BenchmarkForest(b *testing.B) {
	for _, s := range []struct{ m, d, trees int }{{5000, 4, 100}, {20000, 2, 10}} {
		ds := bench.ClassData(s.m, s.d, 2)
		l := learners.Forest{Trees: s.trees, Seed: 1}
		h, err := l.Fit(ds)
		if err != nil {
			b.Fatal(err)
		}
		vote := h.(*learners.ForestClassifier)
		pred := make([]int, s.m)
		if err := vote.PredictBatch(ds.X, pred, nil); err != nil {
			b.Fatal(err)
		}
		for i := range s.m {
			var count [2]int
			for _, t := range vote.Trees() {
				c, _ := t.Predict(ds.Row(i), nil)
				count[c]++
			}
			want := 0
			if count[1] > count[0] {
				want = 1
			}
			if pred[i] != want {
				b.Fatalf("point %d: vote %d, recomputed %d", i, pred[i], want)
			}
		}
		sh, err := learners.ForestSampler(l).Fit(ds)
		if err != nil {
			b.Fatal(err)
		}
		sampler := sh.(*learners.ForestSamplerClassifier)
		if err := sampler.PredictBatch(ds.X, pred, rand.New(rand.NewPCG(2, 2))); err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(2, 2))
		for i := range s.m {
			c, _ := sampler.Trees()[rng.IntN(s.trees)].Predict(ds.Row(i), nil)
			if pred[i] != c {
				b.Fatalf("point %d: sampler %d, its tree %d", i, pred[i], c)
			}
		}
		b.Run(fmt.Sprintf("fit/m=%d,d=%d,B=%d", s.m, s.d, s.trees), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := l.Fit(ds); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s.trees), "ns/tree")
		})
		b.Run(fmt.Sprintf("sampler-predict/m=%d,q=%d,d=%d,B=%d", s.m, s.m, s.d, s.trees), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 3))
			b.ReportAllocs()
			for range b.N {
				if err := sampler.PredictBatch(ds.X, pred, rng); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s.m), "ns/query")
		})
	}
}

// BenchmarkRandomFeatures times the ridgeless RandomFeatures.Fit (features,
// the m x m feature Gram matrix, Cholesky) at W = 2m, on m uniform points
// in [0,1]^2 with pure-noise binary labels. Before timing, the fit must
// certify interpolation (relative residual below 1/sqrt(m K)) and have zero
// training errors. Metrics: s/fit and GFLOP/s counting the Gram matrix's
// m^2 W and the factorization's m^3/3 multiply-adds as 2 flops each.
func BenchmarkRandomFeatures(b *testing.B) {
	for _, s := range []struct{ m, w int }{{500, 1000}, {2000, 4000}} {
		ds := bench.ClassData(s.m, 2, 2)
		l := learners.RandomFeatures{Width: s.w, Seed: 1}
		b.Run(fmt.Sprintf("fit/m=%d,W=%d", s.m, s.w), func(b *testing.B) {
			h, err := l.Fit(ds)
			if err != nil {
				b.Fatal(err)
			}
			c := h.(*learners.RandomFeaturesClassifier)
			if bound := 1 / math.Sqrt(float64(2*s.m)); !(c.Residual() < bound) {
				b.Fatalf("residual %g, not below 1/sqrt(mK) = %g", c.Residual(), bound)
			}
			if e, err := trainingErrors(c, ds); err != nil || e != 0 {
				b.Fatalf("%d training errors (%v)", e, err)
			}
			b.Logf("residual %.3g", c.Residual())
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := l.Fit(ds); err != nil {
					b.Fatal(err)
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			m, w := float64(s.m), float64(s.w)
			b.ReportMetric(sec, "s/fit")
			b.ReportMetric((m*m*w+m*m*m/3)/sec/1e9, "GFLOP/s")
		})
	}
}
