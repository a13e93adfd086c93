package learners_test

import (
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/learners"
)

// stNaiveCell is the cell index of x on the r^d grid of [lo, hi]^d, written
// independently of HistogramClassifier.Cell: coordinate 0 slowest, values
// clamped into the box.
func stNaiveCell(x []float64, r int, lo, hi float64) int {
	cell := 0
	for _, v := range x {
		j := int(math.Floor((v - lo) / (hi - lo) * float64(r)))
		j = max(0, min(r-1, j))
		cell = cell*r + j
	}
	return cell
}

// stTrainingErrors counts the points of ds that c mislabels.
func stTrainingErrors(t interface{ Fatal(...any) }, c learners.Classifier, ds learners.Dataset) int {
	pred := make([]int, ds.Len())
	if err := c.PredictBatch(ds.X, pred, nil); err != nil {
		t.Fatal(err)
	}
	errs := 0
	for i, y := range ds.Y {
		if pred[i] != y {
			errs++
		}
	}
	return errs
}

// TestHistogramERM checks on tiny grids (r^d <= 4 cells, k <= 3, so at most
// 81 labelings) that the fitted histogram has the fewest training errors of
// all k^(r^d) labelings, found by brute force, and that it is the labeling
// the documented tie rules select.
func TestHistogramERM(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 2).Draw(t, "d")
		r := rapid.IntRange(1, map[int]int{1: 4, 2: 2}[d]).Draw(t, "r")
		k := rapid.IntRange(2, 3).Draw(t, "k")
		box := rapid.SampledFrom([][2]float64{{0, 0}, {0, 1}, {-1, 1}, {0.5, 2}}).Draw(t, "box")
		lo, hi := box[0], box[1]
		if lo == 0 && hi == 0 {
			hi = 1
		}
		n := rapid.IntRange(1, 16).Draw(t, "n")
		// Coordinates on a grid of eighths of the box, from a quarter box
		// outside on each side: cell boundaries, Hi itself and points
		// outside the box all occur.
		coord := rapid.IntRange(-2, 10)
		ds := learners.Dataset{D: d, K: k, X: make([]float64, n*d), Y: make([]int, n)}
		for i := range ds.X {
			ds.X[i] = lo + float64(coord.Draw(t, "x"))/8*(hi-lo)
		}
		for i := range ds.Y {
			ds.Y[i] = rapid.IntRange(0, k-1).Draw(t, "y")
		}

		h := learners.Histogram{Resolution: r, Lo: box[0], Hi: box[1]}
		fitted, err := h.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		c := fitted.(*learners.HistogramClassifier)
		cells := 1
		for range d {
			cells *= r
		}
		labels := c.Labels()
		if len(labels) != cells {
			t.Fatalf("%d cell labels, want %d", len(labels), cells)
		}

		cellOf := make([]int, n)
		for i := range n {
			cellOf[i] = stNaiveCell(ds.Row(i), r, lo, hi)
			if got := c.Cell(ds.Row(i)); got != cellOf[i] {
				t.Fatalf("Cell(%v) = %d, want %d", ds.Row(i), got, cellOf[i])
			}
		}

		// Brute force over all labelings, in lexicographic order.
		best := math.MaxInt
		labeling := make([]int, cells)
		for {
			errs := 0
			for i, y := range ds.Y {
				if labeling[cellOf[i]] != y {
					errs++
				}
			}
			best = min(best, errs)
			j := cells - 1
			for j >= 0 && labeling[j] == k-1 {
				labeling[j] = 0
				j--
			}
			if j < 0 {
				break
			}
			labeling[j]++
		}
		if got := stTrainingErrors(t, c, ds); got != best {
			t.Fatalf("histogram has %d training errors, brute force %d", got, best)
		}

		// The tie rules: majority per cell, overall majority for empty cells,
		// ties to the lower class.
		total := make([]int, k)
		perCell := make([][]int, cells)
		for i := range perCell {
			perCell[i] = make([]int, k)
		}
		for i, y := range ds.Y {
			total[y]++
			perCell[cellOf[i]][y]++
		}
		overall := stArgmaxLow(total)
		for cell, counts := range perCell {
			want := overall
			if slices.Max(counts) > 0 {
				want = stArgmaxLow(counts)
			}
			if labels[cell] != want {
				t.Fatalf("cell %d labeled %d, want %d (counts %v, overall %v)", cell, labels[cell], want, counts, total)
			}
		}
	})
}

// stArgmaxLow returns the lowest index of the maximum of counts.
func stArgmaxLow(counts []int) int {
	best := 0
	for c, v := range counts {
		if v > counts[best] {
			best = c
		}
	}
	return best
}

func TestHistogramCellConvention(t *testing.T) {
	h := learners.Histogram{Resolution: 4}
	ds := learners.Dataset{D: 2, K: 2, X: []float64{0.1, 0.1}, Y: []int{1}}
	fitted, err := h.Fit(ds)
	if err != nil {
		t.Fatal(err)
	}
	c := fitted.(*learners.HistogramClassifier)
	for _, tc := range []struct {
		x    []float64
		want int
	}{
		{[]float64{0, 0}, 0},
		{[]float64{0, 0.25}, 1},     // coordinate 1 fastest
		{[]float64{0.25, 0}, 4},     // coordinate 0 slowest
		{[]float64{1, 1}, 15},       // x == Hi goes to the last cell
		{[]float64{-3, 7}, 3},       // outside: nearest boundary cell
		{[]float64{0.999, 0.5}, 14}, //
		{[]float64{math.Inf(1), 0}, 12},
		{[]float64{math.NaN(), 0}, -1},
		{[]float64{0.5}, -1},
	} {
		if got := c.Cell(tc.x); got != tc.want {
			t.Errorf("Cell(%v) = %d, want %d", tc.x, got, tc.want)
		}
	}
	if c.Resolution() != 4 || c.Dim() != 2 || c.Classes() != 2 {
		t.Errorf("Resolution, Dim, Classes = %d, %d, %d, want 4, 2, 2", c.Resolution(), c.Dim(), c.Classes())
	}
	// The single training label fills every (empty) cell.
	for cell, y := range c.Labels() {
		if y != 1 {
			t.Errorf("cell %d labeled %d, want the overall majority 1", cell, y)
		}
	}
}

func TestHistogramErrors(t *testing.T) {
	good := learners.Dataset{D: 1, K: 2, X: []float64{0.5}, Y: []int{0}}
	for _, tc := range []struct {
		name string
		h    learners.Histogram
		ds   learners.Dataset
	}{
		{"resolution 0", learners.Histogram{Resolution: 0}, good},
		{"negative resolution", learners.Histogram{Resolution: -1}, good},
		{"Hi < Lo", learners.Histogram{Resolution: 2, Lo: 1, Hi: 0}, good},
		{"Hi == Lo", learners.Histogram{Resolution: 2, Lo: 1, Hi: 1}, good},
		{"NaN Lo", learners.Histogram{Resolution: 2, Lo: math.NaN(), Hi: 1}, good},
		{"Inf Hi", learners.Histogram{Resolution: 2, Lo: 0, Hi: math.Inf(1)}, good},
		{"overflowing width", learners.Histogram{Resolution: 2, Lo: -math.MaxFloat64, Hi: math.MaxFloat64}, good},
		{"too many cells", learners.Histogram{Resolution: 2}, learners.Dataset{D: 25, K: 2, X: make([]float64, 25), Y: []int{0}}},
		{"overflowing cells", learners.Histogram{Resolution: math.MaxInt}, learners.Dataset{D: 3, K: 2, X: make([]float64, 3), Y: []int{0}}},
		{"empty data", learners.Histogram{Resolution: 2}, learners.Dataset{D: 1, K: 2}},
		{"ragged data", learners.Histogram{Resolution: 2}, learners.Dataset{D: 2, K: 2, X: []float64{0.5}, Y: []int{0}}},
		{"NaN feature", learners.Histogram{Resolution: 2}, learners.Dataset{D: 1, K: 2, X: []float64{math.NaN()}, Y: []int{0}}},
		{"label out of range", learners.Histogram{Resolution: 2}, learners.Dataset{D: 1, K: 2, X: []float64{0.5}, Y: []int{2}}},
		{"one class", learners.Histogram{Resolution: 2}, learners.Dataset{D: 1, K: 1, X: []float64{0.5}, Y: []int{0}}},
	} {
		if _, err := tc.h.Fit(tc.ds); err == nil {
			t.Errorf("%s: Fit returned no error", tc.name)
		}
	}

	fitted, err := learners.Histogram{Resolution: 2}.Fit(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fitted.Predict([]float64{math.NaN()}, nil); err == nil {
		t.Error("Predict(NaN) returned no error")
	}
	if _, err := fitted.Predict([]float64{0, 0}, nil); err == nil {
		t.Error("Predict of a point of the wrong length returned no error")
	}
	if err := fitted.PredictBatch([]float64{0, 1}, make([]int, 3), nil); err == nil {
		t.Error("PredictBatch with a short dst returned no error")
	}
}
