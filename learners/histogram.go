package learners

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// MaxHistogramCells is the largest number of cells r^d a Histogram accepts.
// A finer grid is almost surely a mistake (most cells would be empty) and
// its per-cell label table would not fit comfortably in memory.
const MaxHistogramCells = 1 << 24

// Histogram is the exact empirical risk minimiser over histogram classifiers
// on the regular r^d grid of the box [Lo, Hi]^d, where r = Resolution.
// Lo == Hi == 0 means the unit box [0, 1]^d.
//
// Cells are indexed row-major with coordinate 0 slowest:
//
//	cell(x) = sum_j c_j r^(d-1-j),  c_j = clamp(floor((x_j - Lo)/(Hi - Lo) * r), 0, r-1),
//
// so x_j == Hi falls in the last cell of coordinate j, and a point outside the
// box falls in the nearest boundary cell. On [0, 1]^d this is the indexing of
// gen.CellOf.
//
// Fit labels each cell with the majority label of the training points in it
// (ties to the lower class). A cell with no training point gets the majority
// label of the whole training set (ties to the lower class). Every labeling of
// a non-empty cell other than a majority one has strictly more training
// errors, and empty cells cost nothing, so the fitted classifier minimises
// the empirical 0-1 error over all k^(r^d) histograms; among the minimisers
// it is the one given by these tie rules. Fit runs in O(n d + n log n + r^d).
//
// Fit returns an error if Resolution < 1, if Lo or Hi is not finite, if
// Hi <= Lo (unless both are zero), if Hi - Lo overflows, if r^d exceeds
// MaxHistogramCells, or if the Dataset is invalid.
type Histogram struct {
	Resolution int
	Lo, Hi     float64
}

// box returns the grid's box, resolving the zero box to [0, 1].
func (h Histogram) box() (lo, hi float64, err error) {
	lo, hi = h.Lo, h.Hi
	if lo == 0 && hi == 0 {
		return 0, 1, nil
	}
	if math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsNaN(hi) || math.IsInf(hi, 0) {
		return 0, 0, fmt.Errorf("learners: histogram box [%v, %v] is not finite", lo, hi)
	}
	if !(hi > lo) {
		return 0, 0, fmt.Errorf("learners: histogram box [%v, %v] has Hi <= Lo", lo, hi)
	}
	if math.IsInf(hi-lo, 0) {
		return 0, 0, fmt.Errorf("learners: histogram box [%v, %v] is too wide (Hi - Lo overflows)", lo, hi)
	}
	return lo, hi, nil
}

// Fit returns the empirical risk minimiser over histograms on the grid, a
// *HistogramClassifier. See Histogram for the rule and the errors.
func (h Histogram) Fit(train Dataset) (Classifier, error) {
	if h.Resolution < 1 {
		return nil, fmt.Errorf("learners: histogram resolution %d, want >= 1", h.Resolution)
	}
	lo, hi, err := h.box()
	if err != nil {
		return nil, err
	}
	if err := train.Validate(); err != nil {
		return nil, err
	}
	cells, ok := gridCells(h.Resolution, train.D)
	if !ok {
		return nil, fmt.Errorf("learners: histogram with resolution %d in dimension %d has more than %d cells", h.Resolution, train.D, MaxHistogramCells)
	}
	if train.K > math.MaxInt/cells {
		return nil, fmt.Errorf("learners: histogram with %d cells and %d classes is too large", cells, train.K)
	}
	c := &HistogramClassifier{d: train.D, k: train.K, r: h.Resolution, lo: lo, hi: hi}

	// Sort the keys cell*K + label: each cell is then a run of keys, and
	// within it each label a sub-run in increasing label order, so the
	// longest sub-run found first is the majority with ties to the lower
	// class. Memory stays O(n + cells) whatever K is.
	n := train.Len()
	keys := make([]int, n)
	for i := range n {
		keys[i] = c.Cell(train.Row(i))*train.K + train.Y[i]
	}
	slices.Sort(keys)

	labels := slices.Clone(train.Y)
	slices.Sort(labels)
	overall, _ := longestRun(labels)

	c.labels = make([]int, cells)
	for i := range c.labels {
		c.labels[i] = overall
	}
	for start := 0; start < n; {
		cell := keys[start] / train.K
		end := start
		for end < n && keys[end]/train.K == cell {
			end++
		}
		best, _ := longestRun(keys[start:end])
		c.labels[cell] = best % train.K
		start = end
	}
	return c, nil
}

// longestRun returns the value of the first longest run of equal values in
// the sorted slice s, and the run's length. s must not be empty.
func longestRun(s []int) (value, length int) {
	value, length = s[0], 0
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i > length {
			value, length = s[i], j-i
		}
		i = j
	}
	return value, length
}

// gridCells returns r^d and whether it is at most MaxHistogramCells.
func gridCells(r, d int) (int, bool) {
	cells := 1
	for range d {
		if cells > MaxHistogramCells/r {
			return 0, false
		}
		cells *= r
	}
	return cells, true
}

// HistogramClassifier is a histogram on a regular grid: it predicts the
// label of the cell containing the query. It is returned by Histogram.Fit.
type HistogramClassifier struct {
	d, k, r int
	lo, hi  float64
	labels  []int
}

// Dim returns the input dimension.
func (c *HistogramClassifier) Dim() int { return c.d }

// Classes returns the number of classes.
func (c *HistogramClassifier) Classes() int { return c.k }

// Resolution returns the number r of cells along each coordinate.
func (c *HistogramClassifier) Resolution() int { return c.r }

// Cell returns the row-major index of the grid cell containing x, with
// coordinate 0 slowest (see Histogram). Points outside the box, including
// ±Inf coordinates, fall in the nearest boundary cell. Cell returns -1 if
// len(x) != Dim() or x has a NaN entry.
func (c *HistogramClassifier) Cell(x []float64) int {
	if len(x) != c.d {
		return -1
	}
	r := float64(c.r)
	w := c.hi - c.lo
	cell := 0
	for _, v := range x {
		t := (v - c.lo) / w * r
		var j int
		switch {
		case math.IsNaN(t):
			return -1
		case t < 0:
			j = 0
		case t >= r:
			j = c.r - 1
		default:
			j = int(t)
		}
		cell = cell*c.r + j
	}
	return cell
}

// Labels returns a copy of the label of every cell, indexed as by Cell.
func (c *HistogramClassifier) Labels() []int { return slices.Clone(c.labels) }

// Predict returns the label of the cell containing x. It ignores rng and
// returns an error if x has the wrong length or a non-finite entry.
func (c *HistogramClassifier) Predict(x []float64, _ *rand.Rand) (int, error) {
	if err := checkQuery(x, c.d); err != nil {
		return 0, err
	}
	return c.labels[c.Cell(x)], nil
}

// PredictBatch writes the label of each row of x into dst. It ignores rng
// and returns an error on ragged or non-finite input or a length mismatch.
func (c *HistogramClassifier) PredictBatch(x []float64, dst []int, _ *rand.Rand) error {
	if err := checkBatch(x, c.d, dst); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = c.labels[c.Cell(x[i*c.d:(i+1)*c.d])]
	}
	return nil
}
