package learners_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// treeData returns n points uniform on [0,1]^d (distinct with probability
// 1) with uniform labels in [0, k), from a PCG seeded by seed.
func treeData(seed uint64, n, d, k int) learners.Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	ds := learners.Dataset{X: make([]float64, n*d), D: d, Y: make([]int, n), K: k}
	for i := range ds.X {
		ds.X[i] = rng.Float64()
	}
	for i := range ds.Y {
		ds.Y[i] = rng.IntN(k)
	}
	return ds
}

// trainErrors returns the number of training points h misclassifies.
func trainErrors(t *testing.T, h learners.Classifier, ds learners.Dataset, rng *rand.Rand) int {
	t.Helper()
	pred := make([]int, ds.Len())
	if err := h.PredictBatch(ds.X, pred, rng); err != nil {
		t.Fatal(err)
	}
	e := 0
	for i, y := range ds.Y {
		if pred[i] != y {
			e++
		}
	}
	return e
}

// A tree grown to purity interpolates distinct points with any labels,
// also on a grid where every coordinate value is shared by many points.
func TestTreeInterpolatesDistinctPoints(t *testing.T) {
	for _, tc := range []struct{ n, d, k int }{{1, 1, 2}, {2, 1, 2}, {50, 1, 2}, {300, 2, 2}, {500, 3, 5}, {200, 10, 3}} {
		ds := treeData(uint64(tc.n*tc.d), tc.n, tc.d, tc.k)
		h, err := learners.Tree{}.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		if e := trainErrors(t, h, ds, nil); e != 0 {
			t.Errorf("n=%d d=%d k=%d: %d training errors", tc.n, tc.d, tc.k, e)
		}
		tc := h.(*learners.TreeClassifier)
		if tc.Nodes() != 2*tc.Leaves()-1 {
			t.Errorf("%d nodes, %d leaves", tc.Nodes(), tc.Leaves())
		}
	}
	// A 16 x 16 grid with XOR-like labels: the root split has zero Gini
	// gain, and the tree must still split.
	var ds learners.Dataset
	ds.D, ds.K = 2, 2
	for i := range 16 {
		for j := range 16 {
			ds.X = append(ds.X, float64(i), float64(j))
			ds.Y = append(ds.Y, (i+j)%2)
		}
	}
	h, err := learners.Tree{}.Fit(ds)
	if err != nil {
		t.Fatal(err)
	}
	if e := trainErrors(t, h, ds, nil); e != 0 {
		t.Errorf("checkerboard: %d training errors", e)
	}
}

// The split rule on small cases worked by hand.
func TestTreeSplitsAndTies(t *testing.T) {
	// 1-D, labels 0 0 1 1: one split at the midpoint 1.5, depth 1.
	ds := learners.Dataset{X: []float64{0, 1, 2, 3}, D: 1, Y: []int{0, 0, 1, 1}, K: 2}
	h, err := learners.Tree{}.Fit(ds)
	if err != nil {
		t.Fatal(err)
	}
	tc := h.(*learners.TreeClassifier)
	if tc.Depth() != 1 || tc.Leaves() != 2 {
		t.Fatalf("depth %d, leaves %d, want 1, 2", tc.Depth(), tc.Leaves())
	}
	for x, want := range map[float64]int{1.5: 0, 1.5000001: 1, -5: 0, 9: 1} {
		if got, _ := h.Predict([]float64{x}, nil); got != want {
			t.Errorf("Predict(%v) = %d, want %d", x, got, want)
		}
	}
	// Two features that separate equally well: the lower feature wins.
	ds = learners.Dataset{X: []float64{0, 0, 1, 1, 2, 2, 3, 3}, D: 2, Y: []int{0, 0, 1, 1}, K: 2}
	h, _ = learners.Tree{}.Fit(ds)
	// Feature 0 decides: (1, 100) goes left (x_0 <= 1.5).
	if got, _ := h.Predict([]float64{1, 100}, nil); got != 0 {
		t.Errorf("tie between features: Predict((1, 100)) = %d, want 0 (split on feature 0)", got)
	}
	// Labels 0 1 0 on 0 1 2: thresholds 0.5 and 1.5 tie; the lower wins,
	// then 1.5 splits the right part, so 0.9 is answered 1.
	ds = learners.Dataset{X: []float64{0, 1, 2}, D: 1, Y: []int{0, 1, 0}, K: 2}
	h, _ = learners.Tree{}.Fit(ds)
	if d := h.(*learners.TreeClassifier).Depth(); d != 2 {
		t.Errorf("depth %d, want 2", d)
	}
	for x, want := range map[float64]int{0.4: 0, 0.6: 1, 1.4: 1, 1.6: 0} {
		if got, _ := h.Predict([]float64{x}, nil); got != want {
			t.Errorf("Predict(%v) = %d, want %d", x, got, want)
		}
	}
	// Coinciding points with different labels: one leaf, the majority,
	// ties to the lower class.
	ds = learners.Dataset{X: []float64{1, 1, 1, 1}, D: 1, Y: []int{2, 1, 2, 1}, K: 3}
	h, _ = learners.Tree{}.Fit(ds)
	if got, _ := h.Predict([]float64{1}, nil); got != 1 {
		t.Errorf("duplicates: Predict = %d, want 1", got)
	}
	// Adjacent floats: the threshold stays below the upper value.
	a := 1.0
	b := math.Nextafter(a, 2)
	ds = learners.Dataset{X: []float64{a, b}, D: 1, Y: []int{0, 1}, K: 2}
	h, _ = learners.Tree{}.Fit(ds)
	if e := trainErrors(t, h, ds, nil); e != 0 {
		t.Errorf("adjacent floats: %d training errors", e)
	}
}

// naiveBestSplit returns the best root split by the rule of Tree, computed
// directly from the impurity in floating point over every feature and
// threshold: (feature, threshold).
func naiveBestSplit(ds learners.Dataset) (int, float64) {
	bestF, bestT, bestI := -1, 0.0, math.Inf(1)
	n := ds.Len()
	for f := range ds.D {
		vals := make([]float64, n)
		for i := range n {
			vals[i] = ds.Row(i)[f]
		}
		slices.Sort(vals)
		vals = slices.Compact(vals)
		for j := 0; j+1 < len(vals); j++ {
			thr := vals[j]/2 + vals[j+1]/2
			cl := make([]float64, ds.K)
			cr := make([]float64, ds.K)
			var nl, nr float64
			for i := range n {
				if ds.Row(i)[f] <= thr {
					cl[ds.Y[i]]++
					nl++
				} else {
					cr[ds.Y[i]]++
					nr++
				}
			}
			g := func(c []float64, m float64) float64 {
				s := 0.0
				for _, v := range c {
					s += v * v
				}
				return m - s/m
			}
			imp := g(cl, nl) + g(cr, nr)
			if imp < bestI-1e-9 {
				bestF, bestT, bestI = f, thr, imp
			}
		}
	}
	return bestF, bestT
}

// The root split equals the naive search's on random data with few
// distinct values (many ties in value and in score).
func TestTreeRootSplitMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		n, d, k := 2+rng.IntN(30), 1+rng.IntN(4), 2+rng.IntN(3)
		ds := learners.Dataset{X: make([]float64, n*d), D: d, Y: make([]int, n), K: k}
		for i := range ds.X {
			ds.X[i] = float64(rng.IntN(5))
		}
		for i := range ds.Y {
			ds.Y[i] = rng.IntN(k)
		}
		h, err := learners.Tree{MaxDepth: 1}.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		f, thr := naiveBestSplit(ds)
		tc := h.(*learners.TreeClassifier)
		gotF, gotT := tc.Root()
		pure := slices.Min(ds.Y) == slices.Max(ds.Y)
		if pure || f < 0 {
			if gotF >= 0 {
				t.Fatalf("trial %d: split on %d at %v, want a leaf", trial, gotF, gotT)
			}
			continue
		}
		if gotF != f || gotT != thr {
			t.Fatalf("trial %d: root split (%d, %v), naive (%d, %v)", trial, gotF, gotT, f, thr)
		}
	}
}

// MaxDepth and MinLeaf limit the tree.
func TestTreeLimits(t *testing.T) {
	ds := treeData(5, 400, 2, 2)
	for _, depth := range []int{1, 2, 3, 5} {
		h, err := learners.Tree{MaxDepth: depth}.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		tc := h.(*learners.TreeClassifier)
		if tc.Depth() > depth || tc.Leaves() > 1<<depth {
			t.Errorf("MaxDepth %d: depth %d, %d leaves", depth, tc.Depth(), tc.Leaves())
		}
		if trainErrors(t, h, ds, nil) == 0 {
			t.Errorf("MaxDepth %d interpolated 400 noisy labels", depth)
		}
	}
	h, err := learners.Tree{MinLeaf: 50}.Fit(ds)
	if err != nil {
		t.Fatal(err)
	}
	if l := h.(*learners.TreeClassifier).Leaves(); l > 400/50 {
		t.Errorf("MinLeaf 50: %d leaves", l)
	}
}

// Bad parameters and bad data are errors.
func TestTreeForestBadInput(t *testing.T) {
	good := treeData(1, 10, 2, 2)
	for _, tc := range []struct {
		name string
		l    learners.Learner
		ds   learners.Dataset
		want string
	}{
		{"depth", learners.Tree{MaxDepth: -1}, good, "MaxDepth"},
		{"minleaf", learners.Tree{MinLeaf: -1}, good, "MinLeaf"},
		{"empty", learners.Tree{}, learners.Dataset{D: 2, K: 2}, "empty"},
		{"nan", learners.Tree{}, learners.Dataset{X: []float64{math.NaN()}, D: 1, Y: []int{0}, K: 2}, "finite"},
		{"label", learners.Tree{}, learners.Dataset{X: []float64{1}, D: 1, Y: []int{2}, K: 2}, "label"},
		{"trees", learners.Forest{}, good, "trees"},
		{"features", learners.Forest{Trees: 1, Features: 3}, good, "features"},
		{"sampler-features", learners.ForestSampler{Trees: 1, Features: -1}, good, "features"},
		{"forest-depth", learners.Forest{Trees: 1, MaxDepth: -2}, good, "MaxDepth"},
		{"forest-data", learners.Forest{Trees: 1}, learners.Dataset{X: []float64{1, 2}, D: 2, Y: []int{0}, K: 1}, "K = 1"},
	} {
		_, err := tc.l.Fit(tc.ds)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	for _, l := range []learners.Learner{learners.Tree{}, learners.Forest{Trees: 3}, learners.ForestSampler{Trees: 3}} {
		h, err := l.Fit(good)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		if _, err := h.Predict([]float64{1}, rng); err == nil {
			t.Errorf("%T: short query accepted", l)
		}
		if _, err := h.Predict([]float64{1, math.Inf(1)}, rng); err == nil {
			t.Errorf("%T: infinite query accepted", l)
		}
		if err := h.PredictBatch([]float64{1, 2, 3}, make([]int, 1), rng); err == nil {
			t.Errorf("%T: ragged batch accepted", l)
		}
		if err := h.PredictBatch([]float64{1, 2}, make([]int, 2), rng); err == nil {
			t.Errorf("%T: length mismatch accepted", l)
		}
	}
	h, _ := learners.ForestSampler{Trees: 2}.Fit(good)
	if _, err := h.Predict([]float64{0, 0}, nil); err == nil {
		t.Error("ForestSampler.Predict with a nil rng: no error")
	}
	if err := h.PredictBatch([]float64{0, 0}, make([]int, 1), nil); err == nil {
		t.Error("ForestSampler.PredictBatch with a nil rng: no error")
	}
}

// Forests are a function of the data and the seed; the sampler's batch
// equals its singles; majority and sampler share their trees.
func TestForestDeterminism(t *testing.T) {
	ds := treeData(9, 300, 4, 3)
	queries := treeData(10, 200, 4, 3).X
	fit := func(l learners.Learner) learners.Classifier {
		h, err := l.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	predict := func(h learners.Classifier, seed uint64) []int {
		dst := make([]int, len(queries)/4)
		if err := h.PredictBatch(queries, dst, rand.New(rand.NewPCG(seed, 0))); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	f := learners.Forest{Trees: 25, Seed: 11}
	a, b := predict(fit(f), 0), predict(fit(f), 0)
	if !slices.Equal(a, b) {
		t.Fatal("two fits with one seed differ")
	}
	f.Seed = 12
	if slices.Equal(a, predict(fit(f), 0)) {
		t.Error("seeds 11 and 12 give identical forests on 200 queries")
	}
	s := fit(learners.ForestSampler{Trees: 25, Seed: 11})
	batch := predict(s, 5)
	rng := rand.New(rand.NewPCG(5, 0))
	for r, want := range batch {
		got, err := s.Predict(queries[r*4:(r+1)*4], rng)
		if err != nil || got != want {
			t.Fatalf("row %d: single %d (%v), batch %d", r, got, err, want)
		}
	}
	// Every bootstrap tree is grown to purity on its sample, so it answers
	// every sampled training point's label; a point drawn by every tree is
	// fitted by the sampler. With Features = D there is no subsampling.
	for _, l := range []learners.Learner{learners.Forest{Trees: 1, Seed: 3, Features: 4}, learners.Forest{Trees: 1, Seed: 3}} {
		h := fit(l).(*learners.ForestClassifier)
		if len(h.Trees()) != 1 || h.Trees()[0].Leaves() < 50 {
			t.Errorf("%+v: %d trees, leaves %d", l, len(h.Trees()), h.Trees()[0].Leaves())
		}
	}
	// A forest of one tree on all features with a bootstrap is not the
	// Tree, but a majority of many interpolating trees has few training
	// errors.
	if e := trainErrors(t, fit(learners.Forest{Trees: 51, Seed: 1}), ds, nil); e > ds.Len()/5 {
		t.Errorf("forest of 51 trees: %d training errors of %d", e, ds.Len())
	}
}
