package learners_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/learners"
)

// stNN is a test-local naive 1-nearest-neighbour classifier (Euclidean, ties
// to the lower training index), independent of the package's index.
type stNN struct {
	x    []float64
	y    []int
	d, k int
}

func (c *stNN) Dim() int     { return c.d }
func (c *stNN) Classes() int { return c.k }

func (c *stNN) Predict(q []float64, _ *rand.Rand) (int, error) {
	if len(q) != c.d {
		return 0, errors.New("nn: wrong length")
	}
	return c.y[stNaiveNearest(q, c.x, c.d)], nil
}

func (c *stNN) PredictBatch(q []float64, dst []int, rng *rand.Rand) error {
	if len(q) != len(dst)*c.d {
		return errors.New("nn: wrong length")
	}
	for i := range dst {
		dst[i], _ = c.Predict(q[i*c.d:(i+1)*c.d], rng)
	}
	return nil
}

// stNaiveNearest returns the lowest index of a row of p nearest to q.
func stNaiveNearest(q, p []float64, d int) int {
	best, bestDist := -1, 0.0
	for i := 0; i < len(p)/d; i++ {
		var dist float64
		for j := range d {
			dist += (p[i*d+j] - q[j]) * (p[i*d+j] - q[j])
		}
		if best < 0 || dist < bestDist {
			best, bestDist = i, dist
		}
	}
	return best
}

// stNNLearner fits the test-local 1-NN, copying the training data (Fit may be
// handed reused buffers).
var stNNLearner = learners.LearnerFunc(func(ds learners.Dataset) (learners.Classifier, error) {
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	return &stNN{x: slices.Clone(ds.X), y: slices.Clone(ds.Y), d: ds.D, k: ds.K}, nil
})

// stCoin is a randomized classifier: class rng.IntN(k), one draw per point.
type stCoin struct{ d, k int }

func (c stCoin) Dim() int     { return c.d }
func (c stCoin) Classes() int { return c.k }

func (c stCoin) Predict(q []float64, rng *rand.Rand) (int, error) {
	if rng == nil {
		return 0, errors.New("stCoin: nil rng")
	}
	if len(q) != c.d {
		return 0, errors.New("stCoin: wrong length")
	}
	return rng.IntN(c.k), nil
}

func (c stCoin) PredictBatch(q []float64, dst []int, rng *rand.Rand) error {
	if len(q) != len(dst)*c.d {
		return errors.New("stCoin: wrong length")
	}
	for i := range dst {
		var err error
		if dst[i], err = c.Predict(q[i*c.d:(i+1)*c.d], rng); err != nil {
			return err
		}
	}
	return nil
}

// stConstant is a deterministic classifier that always answers c.
type stConstant struct{ d, k, c int }

func (c stConstant) Dim() int                                   { return c.d }
func (c stConstant) Classes() int                               { return c.k }
func (c stConstant) Predict([]float64, *rand.Rand) (int, error) { return c.c, nil }
func (c stConstant) PredictBatch(q []float64, dst []int, _ *rand.Rand) error {
	for i := range dst {
		dst[i] = c.c
	}
	return nil
}

// stGridSource draws points with coordinates in {0, 1/4, ..., 1} (so distance
// ties are frequent and all arithmetic is exact) and uniform labels in [0, k).
func stGridSource(d, k int) learners.Source {
	return func(rng *rand.Rand, x []float64, y []int) {
		for i := range x {
			x[i] = float64(rng.IntN(5)) / 4
		}
		for i := range y {
			y[i] = rng.IntN(k)
		}
	}
}

// stGridPoints returns n random points of dimension d on the grid of
// stGridSource.
func stGridPoints(rng *rand.Rand, n, d int) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = float64(rng.IntN(5)) / 4
	}
	return x
}

// stNaiveIndependentNN is LabelIndependentNN written from its documentation:
// one Uint64 seed, a PCG stream per block of rows, one source call per row.
func stNaiveIndependentNN(source learners.Source, m int, x []float64, d int, rng *rand.Rand) (labels []int, nearest []float64) {
	n := len(x) / d
	seed := rng.Uint64()
	var stream *rand.Rand
	for j := range n {
		if j%learners.IndependentBlockRows == 0 {
			stream = rand.New(rand.NewPCG(seed, uint64(j/learners.IndependentBlockRows)))
		}
		px := make([]float64, m*d)
		py := make([]int, m)
		source(stream, px, py)
		i := stNaiveNearest(x[j*d:(j+1)*d], px, d)
		labels = append(labels, py[i])
		nearest = append(nearest, px[i*d:(i+1)*d]...)
	}
	return labels, nearest
}

func TestLabelIndependentNN(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 4).Draw(t, "d")
		k := rapid.IntRange(2, 3).Draw(t, "k")
		m := rapid.IntRange(1, 12).Draw(t, "m")
		n := rapid.IntRange(1, 2*learners.IndependentBlockRows+3).Draw(t, "n")
		seed := rapid.Uint64().Draw(t, "seed")
		x := stGridPoints(rand.New(rand.NewPCG(seed, 1)), n, d)
		source := stGridSource(d, k)

		nearest := make([]float64, len(x))
		got, err := learners.LabelIndependentNN(source, m, x, d, rand.New(rand.NewPCG(seed, 2)), nearest)
		if err != nil {
			t.Fatal(err)
		}
		want, wantNearest := stNaiveIndependentNN(source, m, x, d, rand.New(rand.NewPCG(seed, 2)))
		if !slices.Equal(got, want) {
			t.Fatalf("labels differ from the naive implementation:\n got %v\nwant %v", got, want)
		}
		if !slices.Equal(nearest, wantNearest) {
			t.Fatalf("neighbours differ from the naive implementation:\n got %v\nwant %v", nearest, wantNearest)
		}
		// Without nearest, the same labels.
		again, err := learners.LabelIndependentNN(source, m, x, d, rand.New(rand.NewPCG(seed, 2)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(again, want) {
			t.Fatal("labels depend on whether nearest is requested")
		}
	})
}

// TestLabelIndependentGeneral checks that the general per-point-teacher
// labeler with a deterministic 1-NN learner gives exactly the labels of
// LabelIndependentNN from the same seed.
func TestLabelIndependentGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 3).Draw(t, "k")
		m := rapid.IntRange(1, 8).Draw(t, "m")
		n := rapid.IntRange(1, learners.IndependentBlockRows+3).Draw(t, "n")
		seed := rapid.Uint64().Draw(t, "seed")
		x := stGridPoints(rand.New(rand.NewPCG(seed, 1)), n, d)
		source := stGridSource(d, k)
		got, err := learners.LabelIndependent(stNNLearner, source, m, x, d, k, rand.New(rand.NewPCG(seed, 2)))
		if err != nil {
			t.Fatal(err)
		}
		want, err := learners.LabelIndependentNN(source, m, x, d, rand.New(rand.NewPCG(seed, 2)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("LabelIndependent(1-NN) differs from LabelIndependentNN:\n got %v\nwant %v", got, want)
		}
	})
}

// TestLabelIndependentNNDeterministic checks that the labels depend only on
// the seed: not on GOMAXPROCS, not on the run.
func TestLabelIndependentNNDeterministic(t *testing.T) {
	const n, d, m, k = 3000, 2, 20, 3
	x := stGridPoints(rand.New(rand.NewPCG(7, 7)), n, d)
	run := func(procs int) []int {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		labels, err := learners.LabelIndependentNN(stGridSource(d, k), m, x, d, rand.New(rand.NewPCG(1, 2)), nil)
		if err != nil {
			t.Fatal(err)
		}
		return labels
	}
	one := run(1)
	for _, procs := range []int{1, 2, 5} {
		if got := run(procs); !slices.Equal(got, one) {
			t.Errorf("GOMAXPROCS=%d gives different labels than GOMAXPROCS=1", procs)
		}
	}
	other, err := learners.LabelIndependentNN(stGridSource(d, k), m, x, d, rand.New(rand.NewPCG(1, 3)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(other, one) {
		t.Error("a different seed gives the same 3000 labels")
	}
}

// TestLabelWithPool checks the documented order of draws against a naive
// implementation, and that a pool of one teacher is LabelWith.
func TestLabelWithPool(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 4).Draw(t, "k")
		n := rapid.IntRange(1, 40).Draw(t, "n")
		seed := rapid.Uint64().Draw(t, "seed")
		rng := rand.New(rand.NewPCG(seed, 1))
		x := stGridPoints(rng, n, d)
		size := rapid.IntRange(1, 4).Draw(t, "pool size")
		pool := make([]learners.Classifier, size)
		for i := range pool {
			if rapid.Bool().Draw(t, "randomized") {
				pool[i] = stCoin{d, k}
			} else {
				m := rapid.IntRange(1, 5).Draw(t, "m")
				px := stGridPoints(rng, m, d)
				py := make([]int, m)
				stGridSource(d, k)(rng, px, py)
				pool[i] = &stNN{x: px, y: py, d: d, k: k}
			}
		}

		got, err := learners.LabelWithPool(pool, x, rand.New(rand.NewPCG(seed, 2)))
		if err != nil {
			t.Fatal(err)
		}
		naive := rand.New(rand.NewPCG(seed, 2))
		for i := range n {
			teacher := pool[0]
			if size > 1 {
				teacher = pool[naive.IntN(size)]
			}
			want, _ := teacher.Predict(x[i*d:(i+1)*d], naive)
			if got[i] != want {
				t.Fatalf("row %d labeled %d, naive %d", i, got[i], want)
			}
		}

		one, err := learners.LabelWithPool(pool[:1], x, rand.New(rand.NewPCG(seed, 3)))
		if err != nil {
			t.Fatal(err)
		}
		with, err := learners.LabelWith(pool[0], x, rand.New(rand.NewPCG(seed, 3)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(one, with) {
			t.Fatalf("pool of one %v, LabelWith %v", one, with)
		}
	})
}

// TestMajority checks the vote against a naive count (ties to the lower
// class), the order of draws of randomized members, the nil-rng batch path,
// and that a majority of one is its member.
func TestMajority(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 4).Draw(t, "k")
		n := rapid.IntRange(1, 30).Draw(t, "n")
		seed := rapid.Uint64().Draw(t, "seed")
		rng := rand.New(rand.NewPCG(seed, 1))
		x := stGridPoints(rng, n, d)
		size := rapid.IntRange(1, 6).Draw(t, "ensemble size")
		randomized := rapid.Bool().Draw(t, "randomized members")
		ensemble := make([]learners.Classifier, size)
		for i := range ensemble {
			switch {
			case randomized && rapid.Bool().Draw(t, "stCoin"):
				ensemble[i] = stCoin{d, k}
			case rapid.Bool().Draw(t, "stConstant"):
				ensemble[i] = stConstant{d, k, rapid.IntRange(0, k-1).Draw(t, "c")}
			default:
				m := rapid.IntRange(1, 5).Draw(t, "m")
				px := stGridPoints(rng, m, d)
				py := make([]int, m)
				stGridSource(d, k)(rng, px, py)
				ensemble[i] = &stNN{x: px, y: py, d: d, k: k}
			}
		}
		maj, err := learners.NewMajority(ensemble)
		if err != nil {
			t.Fatal(err)
		}
		if maj.Dim() != d || maj.Classes() != k {
			t.Fatalf("Dim, Classes = %d, %d, want %d, %d", maj.Dim(), maj.Classes(), d, k)
		}

		got, err := learners.LabelWithMajority(ensemble, x, rand.New(rand.NewPCG(seed, 2)))
		if err != nil {
			t.Fatal(err)
		}
		naive := rand.New(rand.NewPCG(seed, 2))
		single := rand.New(rand.NewPCG(seed, 2))
		for i := range n {
			counts := make([]int, k)
			for _, h := range ensemble {
				c, _ := h.Predict(x[i*d:(i+1)*d], naive)
				counts[c]++
			}
			if want := stArgmaxLow(counts); got[i] != want {
				t.Fatalf("row %d: majority %d, naive %d (votes %v)", i, got[i], want, counts)
			}
			if c, err := maj.Predict(x[i*d:(i+1)*d], single); err != nil || c != got[i] {
				t.Fatalf("row %d: Predict %d, %v, batch %d", i, c, err, got[i])
			}
		}
		if !randomized {
			nilRNG, err := learners.LabelWithMajority(ensemble, x, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(nilRNG, got) {
				t.Fatalf("nil-rng batch %v, row-by-row %v", nilRNG, got)
			}
		}

		member, err := learners.LabelWith(ensemble[0], x, rand.New(rand.NewPCG(seed, 4)))
		if err != nil {
			t.Fatal(err)
		}
		one, err := learners.LabelWithMajority(ensemble[:1], x, rand.New(rand.NewPCG(seed, 4)))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(one, member) {
			t.Fatalf("majority of one %v, member %v", one, member)
		}
	})
}

func TestDistill(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, d, k = 200, 2, 3
	x := stGridPoints(rng, n, d)
	labels, err := learners.LabelIndependentNN(stGridSource(d, k), 5, x, d, rng, nil)
	if err != nil {
		t.Fatal(err)
	}
	student, err := learners.Distill(learners.Histogram{Resolution: 3}, x, d, labels, k)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := learners.Histogram{Resolution: 3}.Fit(learners.Dataset{X: x, D: d, Y: labels, K: k})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := student.(*learners.HistogramClassifier).Labels(), direct.(*learners.HistogramClassifier).Labels(); !slices.Equal(a, b) {
		t.Errorf("Distill gives cell labels %v, Fit %v", a, b)
	}
}

func TestDistillErrors(t *testing.T) {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 1)) }
	x := []float64{0, 0.5, 1, 1}
	src := stGridSource(2, 2)
	teacher := &stNN{x: []float64{0, 0}, y: []int{1}, d: 2, k: 2}
	nan := []float64{0, math.NaN()}
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"LabelWith nil teacher", func() error { _, err := learners.LabelWith(nil, x, nil); return err }},
		{"LabelWith empty", func() error { _, err := learners.LabelWith(teacher, nil, nil); return err }},
		{"LabelWith ragged", func() error { _, err := learners.LabelWith(teacher, x[:3], nil); return err }},
		{"LabelWith NaN", func() error { _, err := learners.LabelWith(teacher, nan, nil); return err }},
		{"LabelWith randomized nil rng", func() error { _, err := learners.LabelWith(stCoin{2, 2}, x, nil); return err }},
		{"pool empty", func() error { _, err := learners.LabelWithPool(nil, x, rng()); return err }},
		{"pool nil member", func() error {
			_, err := learners.LabelWithPool([]learners.Classifier{teacher, nil}, x, rng())
			return err
		}},
		{"pool mismatched dim", func() error {
			_, err := learners.LabelWithPool([]learners.Classifier{teacher, stCoin{3, 2}}, x, rng())
			return err
		}},
		{"pool mismatched classes", func() error {
			_, err := learners.LabelWithPool([]learners.Classifier{teacher, stCoin{2, 3}}, x, rng())
			return err
		}},
		{"pool nil rng", func() error { _, err := learners.LabelWithPool([]learners.Classifier{teacher}, x, nil); return err }},
		{"pool empty x", func() error { _, err := learners.LabelWithPool([]learners.Classifier{teacher}, nil, rng()); return err }},
		{"pool ragged", func() error {
			_, err := learners.LabelWithPool([]learners.Classifier{teacher}, x[:3], rng())
			return err
		}},
		{"pool NaN", func() error { _, err := learners.LabelWithPool([]learners.Classifier{teacher}, nan, rng()); return err }},
		{"majority empty", func() error { _, err := learners.LabelWithMajority(nil, x, rng()); return err }},
		{"majority mismatched", func() error {
			_, err := learners.LabelWithMajority([]learners.Classifier{teacher, stCoin{1, 2}}, x, rng())
			return err
		}},
		{"majority NaN", func() error {
			_, err := learners.LabelWithMajority([]learners.Classifier{teacher}, nan, rng())
			return err
		}},
		{"majority randomized nil rng", func() error {
			_, err := learners.LabelWithMajority([]learners.Classifier{teacher, stCoin{2, 2}}, x, nil)
			return err
		}},
		{"majority member class out of range", func() error {
			_, err := learners.LabelWithMajority([]learners.Classifier{stConstant{2, 2, 5}}, x, rng())
			return err
		}},
		{"NewMajority empty", func() error { _, err := learners.NewMajority(nil); return err }},
		{"NewMajority nil member", func() error { _, err := learners.NewMajority([]learners.Classifier{nil}); return err }},
		{"independent NN nil source", func() error { _, err := learners.LabelIndependentNN(nil, 3, x, 2, rng(), nil); return err }},
		{"independent NN m = 0", func() error { _, err := learners.LabelIndependentNN(src, 0, x, 2, rng(), nil); return err }},
		{"independent NN nil rng", func() error { _, err := learners.LabelIndependentNN(src, 3, x, 2, nil, nil); return err }},
		{"independent NN empty", func() error { _, err := learners.LabelIndependentNN(src, 3, nil, 2, rng(), nil); return err }},
		{"independent NN ragged", func() error { _, err := learners.LabelIndependentNN(src, 3, x[:3], 2, rng(), nil); return err }},
		{"independent NN NaN", func() error { _, err := learners.LabelIndependentNN(src, 3, nan, 2, rng(), nil); return err }},
		{"independent NN d = 0", func() error { _, err := learners.LabelIndependentNN(src, 3, x, 0, rng(), nil); return err }},
		{"independent NN nearest length", func() error {
			_, err := learners.LabelIndependentNN(src, 3, x, 2, rng(), make([]float64, 3))
			return err
		}},
		{"independent nil learner", func() error { _, err := learners.LabelIndependent(nil, src, 3, x, 2, 2, rng()); return err }},
		{"independent nil source", func() error { _, err := learners.LabelIndependent(stNNLearner, nil, 3, x, 2, 2, rng()); return err }},
		{"independent m = 0", func() error { _, err := learners.LabelIndependent(stNNLearner, src, 0, x, 2, 2, rng()); return err }},
		{"independent nil rng", func() error { _, err := learners.LabelIndependent(stNNLearner, src, 3, x, 2, 2, nil); return err }},
		{"independent k = 1", func() error { _, err := learners.LabelIndependent(stNNLearner, src, 3, x, 2, 1, rng()); return err }},
		{"independent NaN", func() error { _, err := learners.LabelIndependent(stNNLearner, src, 3, nan, 2, 2, rng()); return err }},
		{"independent source label out of range", func() error {
			_, err := learners.LabelIndependent(stNNLearner, stGridSource(2, 3), 50, x, 2, 2, rng())
			return err
		}},
		{"Distill nil student", func() error { _, err := learners.Distill(nil, x, 2, []int{0, 1}, 2); return err }},
		{"Distill empty", func() error { _, err := learners.Distill(learners.Stump{}, nil, 2, nil, 2); return err }},
		{"Distill ragged", func() error { _, err := learners.Distill(learners.Stump{}, x[:3], 2, []int{0}, 2); return err }},
		{"Distill label count", func() error { _, err := learners.Distill(learners.Stump{}, x, 2, []int{0}, 2); return err }},
		{"Distill label range", func() error { _, err := learners.Distill(learners.Stump{}, x, 2, []int{0, 2}, 2); return err }},
		{"Distill NaN", func() error { _, err := learners.Distill(learners.Stump{}, nan, 2, []int{0}, 2); return err }},
		{"Distill k = 1", func() error { _, err := learners.Distill(learners.Stump{}, x, 2, []int{0, 0}, 1); return err }},
	} {
		if err := tc.call(); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// BenchmarkLabelIndependentNN times the hot loop of claim D1: n rows, each
// labeled by its nearest among m fresh points, with a cheap uniform source
// (its draws are part of the cost).
func BenchmarkLabelIndependentNN(b *testing.B) {
	for _, s := range []struct{ n, m, d int }{{100000, 200, 2}, {20000, 200, 8}} {
		b.Run(fmt.Sprintf("n=%d,m=%d,d=%d", s.n, s.m, s.d), func(b *testing.B) {
			source := func(rng *rand.Rand, x []float64, y []int) {
				for i := range x {
					x[i] = rng.Float64()
				}
				for i := range y {
					if rng.Float64() < 0.7 {
						y[i] = 1
					} else {
						y[i] = 0
					}
				}
			}
			x := make([]float64, s.n*s.d)
			rng := rand.New(rand.NewPCG(1, 2))
			for i := range x {
				x[i] = rng.Float64()
			}
			// Oracle check on a prefix before timing.
			got, err := learners.LabelIndependentNN(source, s.m, x[:300*s.d], s.d, rand.New(rand.NewPCG(3, 4)), nil)
			if err != nil {
				b.Fatal(err)
			}
			want, _ := stNaiveIndependentNN(source, s.m, x[:300*s.d], s.d, rand.New(rand.NewPCG(3, 4)))
			if !slices.Equal(got, want) {
				b.Fatal("LabelIndependentNN differs from the naive implementation")
			}
			runs := 0
			for b.Loop() {
				if _, err := learners.LabelIndependentNN(source, s.m, x, s.d, rng, nil); err != nil {
					b.Fatal(err)
				}
				runs++
			}
			b.ReportMetric(float64(s.n*s.m)*float64(runs)/b.Elapsed().Seconds(), "distances/s")
		})
	}
}

// TestLabelIndependentFreshSampleSize checks that a fresh sample too large to
// allocate (m huge, or m*d overflowing int) is rejected before any goroutine
// starts, with an error naming m, d and MaxFreshValues.
func TestLabelIndependentFreshSampleSize(t *testing.T) {
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 1)) }
	x := []float64{0, 0.5, 1, 1}
	src := stGridSource(2, 2)
	for _, m := range []int{learners.MaxFreshValues/2 + 1, 1e9, 1 << 62, math.MaxInt} {
		_, errNN := learners.LabelIndependentNN(src, m, x, 2, rng(), nil)
		_, err := learners.LabelIndependent(stNNLearner, src, m, x, 2, 2, rng())
		for name, err := range map[string]error{"LabelIndependentNN": errNN, "LabelIndependent": err} {
			if err == nil {
				t.Fatalf("%s with m = %d: no error", name, m)
			}
			for _, want := range []string{fmt.Sprintf("m = %d", m), "d = 2", "MaxFreshValues"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s with m = %d: error %q does not contain %q", name, m, err, want)
				}
			}
		}
	}
	if _, err := learners.LabelIndependent(stNNLearner, src, 3, x, 2, learners.MaxClasses+1, rng()); err == nil ||
		!strings.Contains(err.Error(), "MaxClasses") {
		t.Errorf("LabelIndependent with k = MaxClasses+1: error %v, want one naming MaxClasses", err)
	}
}

// TestLabelIndependentBadSource checks that a source that fills a NaN or
// infinite feature or a negative or too large label makes both labelers
// fail with an error naming the row, the point and the value, rather than
// returning a label silently (LabelIndependentNN) or depending on the
// learner to notice (LabelIndependent).
func TestLabelIndependentBadSource(t *testing.T) {
	const n, d = 600, 2 // three blocks, each with rows whose sample is spoiled
	x := stGridPoints(rand.New(rand.NewPCG(3, 3)), n, d)
	// A learner that trusts its data: only the labeler's check can fail.
	trusting := learners.LearnerFunc(func(ds learners.Dataset) (learners.Classifier, error) {
		return stConstant{ds.D, ds.K, 0}, nil
	})
	for _, tc := range []struct {
		name  string
		spoil func(x []float64, y []int)
		want  []string
	}{
		{"NaN feature", func(x []float64, _ []int) { x[3] = math.NaN() }, []string{"feature 1 of point 1 is NaN"}},
		{"Inf feature", func(x []float64, _ []int) { x[0] = math.Inf(-1) }, []string{"feature 0 of point 0 is -Inf"}},
		{"negative label", func(_ []float64, y []int) { y[2] = -7 }, []string{"label -7 of point 2"}},
		{"huge label", func(_ []float64, y []int) { y[1] = 1 << 40 }, []string{"label 1099511627776 of point 1"}},
	} {
		src := func(rng *rand.Rand, x []float64, y []int) {
			stGridSource(d, 2)(rng, x, y)
			// Spoil the samples of about 2% of the rows, identified by
			// their draws: several blocks fail, the lowest row must win.
			if x[len(x)-1] == 0.25 && y[len(y)-1] == 1 && x[0] == 0.75 {
				tc.spoil(x, y)
			}
		}
		rng := func() *rand.Rand { return rand.New(rand.NewPCG(5, 6)) }
		_, errNN := learners.LabelIndependentNN(src, 4, x, d, rng(), nil)
		_, err := learners.LabelIndependent(trusting, src, 4, x, d, 2, rng())
		if errNN == nil || err == nil {
			t.Fatalf("%s: LabelIndependentNN error %v, LabelIndependent error %v, want both", tc.name, errNN, err)
		}
		for _, want := range append(tc.want, "row ") {
			for name, e := range map[string]error{"LabelIndependentNN": errNN, "LabelIndependent": err} {
				if !strings.Contains(e.Error(), want) {
					t.Errorf("%s: %s error %q does not contain %q", tc.name, name, e, want)
				}
			}
		}
		// Same message for features; labels are checked against k = 2
		// by LabelIndependent and against MaxClasses by LabelIndependentNN.
		if strings.Contains(tc.name, "feature") && errNN.Error() != err.Error() {
			t.Errorf("%s: LabelIndependentNN says %q, LabelIndependent %q", tc.name, errNN, err)
		}
		// The lowest failing row is reported, whatever the scheduling.
		for _, procs := range []int{1, 3} {
			func() {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				if _, again := learners.LabelIndependentNN(src, 4, x, d, rng(), nil); again == nil || again.Error() != errNN.Error() {
					t.Errorf("%s: GOMAXPROCS=%d gives %v, want %v", tc.name, procs, again, errNN)
				}
			}()
		}
	}
}
