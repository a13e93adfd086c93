package learners_test

import (
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/learners"
)

// stBruteStump enumerates every stump (feature j, threshold -Inf or a midpoint
// of consecutive distinct values, left label, right label) in the documented
// tie order and returns the first with the fewest training errors.
func stBruteStump(ds learners.Dataset) (feature int, threshold float64, left, right, errs int) {
	errs = math.MaxInt
	for j := range ds.D {
		vals := make([]float64, ds.Len())
		for i := range vals {
			vals[i] = ds.X[i*ds.D+j]
		}
		slices.Sort(vals)
		vals = slices.Compact(vals)
		thresholds := []float64{math.Inf(-1)}
		for i := 0; i+1 < len(vals); i++ {
			thresholds = append(thresholds, (vals[i]+vals[i+1])/2)
		}
		for _, th := range thresholds {
			for l := range ds.K {
				for r := range ds.K {
					e := 0
					for i, y := range ds.Y {
						pred := r
						if ds.X[i*ds.D+j] <= th {
							pred = l
						}
						if pred != y {
							e++
						}
					}
					if e < errs {
						feature, threshold, left, right, errs = j, th, l, r, e
					}
				}
			}
		}
	}
	return feature, threshold, left, right, errs
}

// TestStumpERM checks on small data with many ties that Stump returns
// exactly the stump brute force selects: fewest errors, then lowest feature,
// threshold and labels.
func TestStumpERM(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 3).Draw(t, "k")
		n := rapid.IntRange(1, 12).Draw(t, "n")
		ds := learners.Dataset{D: d, K: k, X: make([]float64, n*d), Y: make([]int, n)}
		for i := range ds.X {
			ds.X[i] = float64(rapid.IntRange(-3, 3).Draw(t, "x")) / 4
		}
		for i := range ds.Y {
			ds.Y[i] = rapid.IntRange(0, k-1).Draw(t, "y")
		}
		learner := learners.Learner(learners.Stump{})
		if d == 1 && rapid.Bool().Draw(t, "threshold learner") {
			learner = learners.Threshold{}
		}
		fitted, err := learner.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		c := fitted.(*learners.StumpClassifier)
		j, th, l, r, errs := stBruteStump(ds)
		gl, gr := c.Labels()
		if c.Feature() != j || c.Threshold() != th || gl != l || gr != r {
			t.Fatalf("stump (j=%d, t=%v, left=%d, right=%d), brute force (j=%d, t=%v, left=%d, right=%d)",
				c.Feature(), c.Threshold(), gl, gr, j, th, l, r)
		}
		if got := stTrainingErrors(t, c, ds); got != errs {
			t.Fatalf("stump has %d training errors, brute force %d", got, errs)
		}
	})
}

// TestStumpAdjacentFloats checks that a split between two adjacent floats,
// where the midpoint rounds to one of them, still separates them.
func TestStumpAdjacentFloats(t *testing.T) {
	a := 1.0
	b := math.Nextafter(a, 2)
	ds := learners.Dataset{D: 1, K: 2, X: []float64{b, a}, Y: []int{1, 0}}
	for _, learner := range []learners.Learner{learners.Stump{}, learners.Threshold{}} {
		c, err := learner.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range ds.X {
			if got, err := c.Predict([]float64{x}, nil); err != nil || got != ds.Y[i] {
				t.Errorf("%T: Predict(%v) = %d, %v, want %d", learner, x, got, err, ds.Y[i])
			}
		}
	}
}

func TestStumpErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		learner learners.Learner
		ds      learners.Dataset
	}{
		{"stump empty", learners.Stump{}, learners.Dataset{D: 1, K: 2}},
		{"stump ragged", learners.Stump{}, learners.Dataset{D: 2, K: 2, X: []float64{1, 2, 3}, Y: []int{0}}},
		{"stump Inf", learners.Stump{}, learners.Dataset{D: 1, K: 2, X: []float64{math.Inf(1)}, Y: []int{0}}},
		{"stump label", learners.Stump{}, learners.Dataset{D: 1, K: 2, X: []float64{0}, Y: []int{-1}}},
		{"stump K < 2", learners.Stump{}, learners.Dataset{D: 1, K: 1, X: []float64{0}, Y: []int{0}}},
		{"threshold d = 2", learners.Threshold{}, learners.Dataset{D: 2, K: 2, X: []float64{0, 1}, Y: []int{0}}},
		{"threshold NaN", learners.Threshold{}, learners.Dataset{D: 1, K: 2, X: []float64{math.NaN()}, Y: []int{0}}},
	} {
		if _, err := tc.learner.Fit(tc.ds); err == nil {
			t.Errorf("%s: Fit returned no error", tc.name)
		}
	}
	c, err := learners.Stump{}.Fit(learners.Dataset{D: 2, K: 2, X: []float64{0, 1}, Y: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Predict([]float64{0}, nil); err == nil {
		t.Error("Predict of a point of the wrong length returned no error")
	}
	if err := c.PredictBatch([]float64{0, math.NaN()}, make([]int, 1), nil); err == nil {
		t.Error("PredictBatch(NaN) returned no error")
	}
}

// stWildValue draws features that stress arithmetic: zeros of both signs,
// subnormals, huge values and their neighbours.
var stWildValue = rapid.SampledFrom([]float64{
	0, math.Copysign(0, -1), 5e-324, -5e-324, 1e-300, 1, -1, 1 + 1e-16, 1e300, -1e300,
	math.MaxFloat64, -math.MaxFloat64, math.Nextafter(math.MaxFloat64, 0),
})

// stWildDataset draws a binary dataset of 1 to 8 points in dimension 1 or
// 2 with features from stWildValue.
func stWildDataset(t *rapid.T) learners.Dataset {
	d := rapid.IntRange(1, 2).Draw(t, "d")
	n := rapid.IntRange(1, 8).Draw(t, "n")
	ds := learners.Dataset{D: d, K: 2, X: make([]float64, n*d), Y: make([]int, n)}
	for i := range ds.X {
		ds.X[i] = stWildValue.Draw(t, "x")
	}
	for i := range ds.Y {
		ds.Y[i] = rapid.IntRange(0, 1).Draw(t, "y")
	}
	return ds
}

// TestStudentsWildValues checks that the exact-ERM students neither panic
// nor misreport on extreme finite features: the stump's training error
// equals the best over all partitions by one feature, and every histogram
// cell index is in range.
func TestStudentsWildValues(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ds := stWildDataset(t)
		n, d := ds.Len(), ds.D
		stump, err := learners.Stump{}.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		// Best over partitions {x_j <= v} for every value v (and v = -Inf).
		best := n
		for j := range d {
			for _, v := range append(slices.Clone(ds.X), math.Inf(-1)) {
				for l := range 2 {
					for r := range 2 {
						e := 0
						for i, y := range ds.Y {
							pred := r
							if ds.X[i*d+j] <= v {
								pred = l
							}
							if pred != y {
								e++
							}
						}
						best = min(best, e)
					}
				}
			}
		}
		if got := stTrainingErrors(t, stump, ds); got != best {
			t.Fatalf("stump has %d training errors, best partition %d", got, best)
		}

		box := rapid.SampledFrom([][2]float64{{0, 0}, {-1e300, 1e300}, {-5e-324, 5e-324}, {1, math.Nextafter(1, 2)}}).Draw(t, "box")
		h, err := learners.Histogram{Resolution: 3, Lo: box[0], Hi: box[1]}.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		cells := 1
		for range d {
			cells *= 3
		}
		for i := range n {
			if c := h.(*learners.HistogramClassifier).Cell(ds.Row(i)); c < 0 || c >= cells {
				t.Fatalf("Cell(%v) = %d, want in [0, %d)", ds.Row(i), c, cells)
			}
		}
	})
}
