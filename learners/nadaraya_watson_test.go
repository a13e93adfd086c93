package learners_test

import (
	"flag"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
	"pgregory.net/rapid"
)

var kernAll = []learners.Kernel{learners.Gaussian, learners.Laplace, learners.Hilbert}

func kernFitNW(t kernT, m learners.NadarayaWatson, ds learners.Dataset) *learners.NadarayaWatsonClassifier {
	t.Helper()
	c, err := m.Fit(ds)
	if err != nil {
		t.Fatalf("Fit(%+v): %v", m, err)
	}
	return c.(*learners.NadarayaWatsonClassifier)
}

// kernWithDuplicates draws a dataset whose points are copies of a few
// distinct points (exact duplicates with possibly different labels).
func kernWithDuplicates(t *rapid.T) learners.Dataset {
	n := rapid.IntRange(1, 25).Draw(t, "n")
	d := rapid.IntRange(1, 4).Draw(t, "d")
	k := rapid.IntRange(2, 4).Draw(t, "k")
	ds := kernUniform(rapid.Uint64().Draw(t, "seed"), n, d, k)
	for i := 1; i < n; i++ {
		if src := rapid.IntRange(-1, i-1).Draw(t, "copy of"); src >= 0 {
			copy(ds.X[i*d:(i+1)*d], ds.Row(src))
		}
	}
	return ds
}

// At a training point the Hilbert kernel is infinite: both the plug-in and
// the sampler answer the label of the lowest-index training point at
// distance exactly 0, and the estimate is that label's indicator.
func TestNadarayaWatsonHilbertInterpolates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ds := kernWithDuplicates(t)
		randomized := rapid.Bool().Draw(t, "randomized")
		c := kernFitNW(t, learners.NadarayaWatson{Kernel: learners.Hilbert, Randomized: randomized}, ds)
		rng := rand.New(rand.NewPCG(1, 2))
		q := make([]float64, ds.K)
		for i := range ds.Len() {
			want := -1
			for j := range ds.Len() {
				if kernDist(ds.Row(i), ds.Row(j)) == 0 {
					want = ds.Y[j]
					break
				}
			}
			got, err := c.Predict(ds.Row(i), rng)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("training point %d: predicted %d, want %d (first exact duplicate's label)", i, got, want)
			}
			if err := c.Estimate(ds.Row(i), q); err != nil {
				t.Fatal(err)
			}
			for cl, v := range q {
				if w := b2f(cl == want); v != w {
					t.Fatalf("training point %d: Estimate = %v, want the indicator of %d", i, q, want)
				}
			}
		}
	})
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// kernNaiveEstimate is the Nadaraya-Watson estimate straight from the
// formula with Kernel.Eval; it is only accurate where no weight underflows.
func kernNaiveEstimate(ds learners.Dataset, kern learners.Kernel, h float64, x []float64) []float64 {
	q := make([]float64, ds.K)
	var total float64
	for i := range ds.Len() {
		w := kern.Eval(kernDist(x, ds.Row(i)), h, ds.D)
		q[ds.Y[i]] += w
		total += w
	}
	for c := range q {
		q[c] /= total
	}
	return q
}

// Estimate agrees with the formula q(c|x) = sum_i K(x,x_i)[y_i=c] /
// sum_j K(x,x_j) to rounding (relative weights only rescale numerator and
// denominator; 1e-12 allows n = 30 roundings of each of a few operations),
// the plug-in answers its argmax with ties to the lower class, and the
// estimate is a probability vector.
func TestNadarayaWatsonEstimate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 30).Draw(t, "n")
		d := rapid.IntRange(1, 4).Draw(t, "d")
		k := rapid.IntRange(2, 5).Draw(t, "k")
		seed := rapid.Uint64().Draw(t, "seed")
		ds := kernUniform(seed, n, d, k)
		kern := rapid.SampledFrom(kernAll).Draw(t, "kernel")
		h := rapid.SampledFrom([]float64{0.1, 0.3, 1}).Draw(t, "bandwidth")
		plug := kernFitNW(t, learners.NadarayaWatson{Kernel: kern, Bandwidth: h}, ds)
		queries := kernUniform(seed+1, 10, d, k).X
		q := make([]float64, k)
		for j := range 10 {
			x := queries[j*d : (j+1)*d]
			if err := plug.Estimate(x, q); err != nil {
				t.Fatal(err)
			}
			want := kernNaiveEstimate(ds, kern, h, x)
			var sum float64
			best := 0
			for c := range q {
				if !(q[c] >= 0 && q[c] <= 1) || math.Abs(q[c]-want[c]) > 1e-12 {
					t.Fatalf("query %v: Estimate = %v, formula gives %v", x, q, want)
				}
				sum += q[c]
				if q[c] > q[best] {
					best = c
				}
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Fatalf("query %v: Estimate sums to %v", x, sum)
			}
			got, err := plug.Predict(x, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != best {
				t.Fatalf("query %v: plug-in predicted %d, argmax of Estimate %v is %d", x, got, q, best)
			}
		}
	})
}

// The sampler is deterministic given its source: the same seed gives the
// same answers, and a batch equals the sequence of single predictions.
func TestNadarayaWatsonSamplerDeterministic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 20).Draw(t, "n")
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 4).Draw(t, "k")
		seed := rapid.Uint64().Draw(t, "seed")
		ds := kernUniform(seed, n, d, k)
		m := learners.NadarayaWatson{
			Kernel:     rapid.SampledFrom(kernAll).Draw(t, "kernel"),
			Bandwidth:  rapid.SampledFrom([]float64{0.1, 1}).Draw(t, "bandwidth"),
			Randomized: true,
		}
		c := kernFitNW(t, m, ds)
		queries := append(kernUniform(seed+1, 15, d, k).X, ds.X...) // include training points
		rows := len(queries) / d
		a, b := make([]int, rows), make([]int, rows)
		if err := c.PredictBatch(queries, a, rand.New(rand.NewPCG(seed, 7))); err != nil {
			t.Fatal(err)
		}
		if err := c.PredictBatch(queries, b, rand.New(rand.NewPCG(seed, 7))); err != nil {
			t.Fatal(err)
		}
		single := rand.New(rand.NewPCG(seed, 7))
		for j := range rows {
			if a[j] != b[j] {
				t.Fatalf("row %d: %d then %d with the same seed", j, a[j], b[j])
			}
			s, err := c.Predict(queries[j*d:(j+1)*d], single)
			if err != nil {
				t.Fatal(err)
			}
			if s != a[j] {
				t.Fatalf("row %d: batch %d, single %d", j, a[j], s)
			}
		}
	})
}

// nwFrequencyBudget is the false-alarm probability of
// TestNadarayaWatsonSamplerFrequencies, the only probabilistic test of this
// package (every other learners test is exact): 4e-8, the learners row of
// the suite's split in claims/budget.go.
const nwFrequencyBudget = 4e-8

// rapidChecksRun returns the number of checks rapid runs per property: the
// -rapid.checks flag (its default is RAPID_CHECKS, else 100), divided by 5
// under -short as rapid does.
func rapidChecksRun() int {
	n := 100
	if f := flag.Lookup("rapid.checks"); f != nil {
		if v, err := strconv.Atoi(f.Value.String()); err == nil && v > 0 {
			n = v
		}
	}
	if testing.Short() {
		n /= 5
	}
	return max(1, n)
}

// The sampler's answer at x has law q(.|x) = Estimate(x). With m
// independent answers, Hoeffding's inequality bounds the deviation of each
// class frequency: P(|freq_c - q_c| > eps) <= 2 exp(-2 m eps^2), so
// eps = sqrt(ln(2K/delta) / (2m)) holds for all K classes at once with
// probability >= 1 - delta (gen.Hoeffding(m, delta/K); learners tests do not
// import gen). delta = nwFrequencyBudget / checks, checks being the number
// rapid runs (rapidChecksRun), so the test fails by chance with probability
// at most 4e-8 whatever -rapid.checks is: 4e-10 per check at the default
// 100. Fail-file replays are fixed bit streams and spend nothing.
func TestNadarayaWatsonSamplerFrequencies(t *testing.T) {
	const m = 5000
	delta := nwFrequencyBudget / float64(rapidChecksRun())
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 20).Draw(t, "n")
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 4).Draw(t, "k")
		seed := rapid.Uint64().Draw(t, "seed")
		ds := kernUniform(seed, n, d, k)
		mm := learners.NadarayaWatson{
			Kernel:     rapid.SampledFrom(kernAll).Draw(t, "kernel"),
			Bandwidth:  rapid.SampledFrom([]float64{0.05, 0.2, 1}).Draw(t, "bandwidth"),
			Randomized: true,
		}
		c := kernFitNW(t, mm, ds)
		x := kernUniform(seed+1, 1, d, k).X
		q := make([]float64, k)
		if err := c.Estimate(x, q); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, 3))
		counts := make([]int, k)
		for range m {
			y, err := c.Predict(x, rng)
			if err != nil {
				t.Fatal(err)
			}
			counts[y]++
		}
		eps := math.Sqrt(math.Log(2*float64(k)/delta) / (2 * m))
		for cl := range k {
			freq := float64(counts[cl]) / m
			if math.Abs(freq-q[cl]) > eps {
				t.Fatalf("class %d: frequency %v, Estimate %v, Hoeffding eps %v", cl, freq, q[cl], eps)
			}
			if q[cl] == 0 && counts[cl] != 0 {
				t.Fatalf("class %d has estimate 0 but was drawn %d times", cl, counts[cl])
			}
		}
	})
}

// Far from the data every Gaussian or Laplace weight underflows; weights
// relative to the nearest point make the estimate the nearest label's
// indicator rather than 0/0.
func TestNadarayaWatsonFarQuery(t *testing.T) {
	ds := learners.Dataset{X: []float64{0, 1, 2}, D: 1, Y: []int{1, 0, 2}, K: 3}
	for _, kern := range []learners.Kernel{learners.Gaussian, learners.Laplace, learners.Hilbert} {
		c := kernFitNW(t, learners.NadarayaWatson{Kernel: kern, Bandwidth: 1e-3}, ds)
		for _, tc := range []struct {
			x    float64
			want int
		}{{-1e6, 1}, {1e6, 2}, {0.9, 0}} {
			q := make([]float64, 3)
			if err := c.Estimate([]float64{tc.x}, q); err != nil {
				t.Fatal(err)
			}
			if kern != learners.Hilbert && q[tc.want] != 1 {
				t.Errorf("%v: Estimate(%v) = %v, want the indicator of %d", kern, tc.x, q, tc.want)
			}
			if got, _ := c.Predict([]float64{tc.x}, nil); got != tc.want {
				t.Errorf("%v: Predict(%v) = %d, want %d", kern, tc.x, got, tc.want)
			}
		}
	}
}

// The plug-in's answers do not depend on the order of the training points,
// except where two classes' estimates are within rounding (skipped: gap
// below 1e-9).
func TestNadarayaWatsonOrderIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 30).Draw(t, "n")
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 4).Draw(t, "k")
		seed := rapid.Uint64().Draw(t, "seed")
		ds := kernUniform(seed, n, d, k)
		m := learners.NadarayaWatson{
			Kernel:    rapid.SampledFrom(kernAll).Draw(t, "kernel"),
			Bandwidth: rapid.SampledFrom([]float64{0.01, 0.1, 1}).Draw(t, "bandwidth"),
		}
		perm := rand.New(rand.NewPCG(seed, 2)).Perm(n)
		a := kernFitNW(t, m, ds)
		b := kernFitNW(t, m, kernPermute(ds, perm))
		queries := kernUniform(seed+1, 20, d, k).X
		q := make([]float64, k)
		for j := range 20 {
			x := queries[j*d : (j+1)*d]
			if err := a.Estimate(x, q); err != nil {
				t.Fatal(err)
			}
			pa, _ := a.Predict(x, nil)
			near := false
			for c := range q {
				if c != pa && q[pa]-q[c] <= 1e-9 {
					near = true
				}
			}
			if near {
				continue
			}
			if pb, _ := b.Predict(x, nil); pa != pb {
				t.Fatalf("query %v: %d in training order, %d after permutation (estimate %v)", x, pa, pb, q)
			}
		}
	})
}

func TestNadarayaWatsonErrors(t *testing.T) {
	good := learners.Dataset{X: []float64{0, 0, 1, 0, 0, 1}, D: 2, Y: []int{0, 1, 1}, K: 2}
	for _, tc := range []struct {
		name string
		m    learners.NadarayaWatson
		ds   learners.Dataset
	}{
		{name: "zero kernel", m: learners.NadarayaWatson{Bandwidth: 1}, ds: good},
		{name: "kernel -1", m: learners.NadarayaWatson{Kernel: -1, Bandwidth: 1}, ds: good},
		{name: "bandwidth 0", m: learners.NadarayaWatson{Kernel: learners.Gaussian}, ds: good},
		{name: "bandwidth < 0", m: learners.NadarayaWatson{Kernel: learners.Laplace, Bandwidth: -2}, ds: good},
		{name: "bandwidth NaN", m: learners.NadarayaWatson{Kernel: learners.Laplace, Bandwidth: math.NaN()}, ds: good},
		{name: "bandwidth Inf", m: learners.NadarayaWatson{Kernel: learners.Gaussian, Bandwidth: math.Inf(1)}, ds: good},
		{name: "empty", m: learners.NadarayaWatson{Kernel: learners.Hilbert}, ds: learners.Dataset{D: 2, K: 2}},
		{name: "ragged", m: learners.NadarayaWatson{Kernel: learners.Hilbert}, ds: learners.Dataset{X: []float64{0, 0, 1}, D: 2, Y: []int{0, 1}, K: 2}},
		{name: "K = 1", m: learners.NadarayaWatson{Kernel: learners.Hilbert}, ds: learners.Dataset{X: []float64{0}, D: 1, Y: []int{0}, K: 1}},
		{name: "NaN feature", m: learners.NadarayaWatson{Kernel: learners.Hilbert}, ds: learners.Dataset{X: []float64{math.NaN()}, D: 1, Y: []int{0}, K: 2}},
		{name: "label >= K", m: learners.NadarayaWatson{Kernel: learners.Hilbert}, ds: learners.Dataset{X: []float64{0}, D: 1, Y: []int{2}, K: 2}},
	} {
		if c, err := tc.m.Fit(tc.ds); err == nil {
			t.Errorf("%s: Fit returned a %T and no error", tc.name, c)
		}
	}

	// Hilbert ignores the bandwidth, even a bad one.
	kernFitNW(t, learners.NadarayaWatson{Kernel: learners.Hilbert, Bandwidth: math.NaN()}, good)

	rng := rand.New(rand.NewPCG(1, 1))
	for _, randomized := range []bool{false, true} {
		c := kernFitNW(t, learners.NadarayaWatson{Kernel: learners.Laplace, Bandwidth: 1, Randomized: randomized}, good)
		for _, q := range [][]float64{nil, {0}, {0, 0, 0}, {0, math.NaN()}} {
			if _, err := c.Predict(q, rng); err == nil {
				t.Errorf("randomized %v: Predict(%v): no error", randomized, q)
			}
			if err := c.Estimate(q, make([]float64, 2)); err == nil {
				t.Errorf("Estimate(%v): no error", q)
			}
		}
		if err := c.Estimate([]float64{0, 0}, make([]float64, 1)); err == nil {
			t.Errorf("Estimate with len(dst) = 1: no error")
		}
		if err := c.PredictBatch([]float64{0, 0, 1}, make([]int, 1), rng); err == nil {
			t.Errorf("randomized %v: ragged PredictBatch: no error", randomized)
		}
		if err := c.PredictBatch([]float64{0, 0}, make([]int, 2), rng); err == nil {
			t.Errorf("randomized %v: PredictBatch with len(dst) = 2: no error", randomized)
		}
		_, err := c.Predict([]float64{0, 0}, nil)
		if err2 := c.PredictBatch([]float64{0, 0}, make([]int, 1), nil); randomized != (err != nil) || randomized != (err2 != nil) {
			t.Errorf("randomized %v: nil rng gave errors %v, %v", randomized, err, err2)
		}
	}
}
