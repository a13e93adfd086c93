package learners

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Stump is the exact empirical risk minimiser over axis-aligned decision
// stumps with k classes:
//
//	h(x) = Left if x_j <= t, Right otherwise,
//
// over every feature j, every threshold t and every pair of labels. Only the
// partition of the training set matters, so the thresholds searched are -Inf
// (every point on the right) and, for each pair a < b of consecutive distinct
// values of feature j, a point t with a <= t < b (the midpoint a/2 + b/2, or a
// when rounding puts the midpoint outside [a, b)). Each side takes the
// majority label of its training points (ties to the lower class; an empty
// side gets class 0), which minimises that side's errors.
//
// Among stumps with the fewest training errors Fit returns the one with the
// lowest feature j, then the lowest threshold (-Inf first), then the lower
// labels. Fit runs in O(d n log n + d n k) time and O(n + k) extra memory, and
// returns an error if the Dataset is invalid.
type Stump struct{}

// Fit returns the empirical risk minimiser over stumps, a *StumpClassifier.
// See Stump for the rule and the errors.
func (Stump) Fit(train Dataset) (Classifier, error) {
	if err := train.Validate(); err != nil {
		return nil, err
	}
	return fitStump(train), nil
}

// Threshold is the exact empirical risk minimiser over one-dimensional
// threshold classifiers h(x) = Left if x <= t, Right otherwise, with k
// classes: the Stump learner restricted to D == 1, with the same thresholds
// and tie rules. Fit returns a *StumpClassifier, and an error if the Dataset
// is invalid or D != 1.
type Threshold struct{}

// Fit returns the empirical risk minimiser over thresholds, a
// *StumpClassifier. See Threshold for the rule and the errors.
func (Threshold) Fit(train Dataset) (Classifier, error) {
	if err := train.Validate(); err != nil {
		return nil, err
	}
	if train.D != 1 {
		return nil, fmt.Errorf("learners: threshold learner needs dimension 1, got %d", train.D)
	}
	return fitStump(train), nil
}

// fitStump is the search behind Stump and Threshold; train must be valid.
func fitStump(train Dataset) *StumpClassifier {
	n, d, k := train.Len(), train.D, train.K
	type point struct {
		v float64
		y int
	}
	pts := make([]point, n)
	total := make([]int, k)
	for _, y := range train.Y {
		total[y]++
	}
	left := make([]int, k)
	right := make([]int, k)

	// The -Inf stump of feature 0 is the first candidate in the tie order.
	best := &StumpClassifier{d: d, k: k, feature: 0, threshold: math.Inf(-1), left: 0}
	var bestCorrect int
	best.right, bestCorrect = argmaxLow(total)

	for j := range d {
		for i := range pts {
			pts[i] = point{train.X[i*d+j], train.Y[i]}
		}
		slices.SortFunc(pts, func(a, b point) int { return cmp.Compare(a.v, b.v) })
		clear(left)
		copy(right, total)
		for i := 0; i < n-1; i++ {
			left[pts[i].y]++
			right[pts[i].y]--
			if pts[i].v == pts[i+1].v {
				continue
			}
			l, cl := argmaxLow(left)
			r, cr := argmaxLow(right)
			if cl+cr > bestCorrect {
				bestCorrect = cl + cr
				best.feature = j
				best.threshold = between(pts[i].v, pts[i+1].v)
				best.left, best.right = l, r
			}
		}
	}
	return best
}

// between returns a threshold t with a <= t < b, the midpoint when it is
// representable in that range; a < b must be finite.
func between(a, b float64) float64 {
	t := a/2 + b/2
	if t < a || t >= b {
		return a
	}
	return t
}

// StumpClassifier is an axis-aligned decision stump: it predicts Left if
// x_j <= t and Right otherwise, where j = Feature() and t = Threshold()
// (t may be -Inf: then every finite point is on the right). It is returned
// by Stump.Fit and Threshold.Fit.
type StumpClassifier struct {
	d, k        int
	feature     int
	threshold   float64
	left, right int
}

// Dim returns the input dimension.
func (c *StumpClassifier) Dim() int { return c.d }

// Classes returns the number of classes.
func (c *StumpClassifier) Classes() int { return c.k }

// Feature returns the coordinate j the stump splits on.
func (c *StumpClassifier) Feature() int { return c.feature }

// Threshold returns the split point t (possibly -Inf).
func (c *StumpClassifier) Threshold() float64 { return c.threshold }

// Labels returns the labels predicted for x_j <= t (left) and x_j > t (right).
func (c *StumpClassifier) Labels() (left, right int) { return c.left, c.right }

func (c *StumpClassifier) label(x []float64) int {
	if x[c.feature] <= c.threshold {
		return c.left
	}
	return c.right
}

// Predict returns the stump's label for x. It ignores rng and returns an
// error if x has the wrong length or a non-finite entry.
func (c *StumpClassifier) Predict(x []float64, _ *rand.Rand) (int, error) {
	if err := checkQuery(x, c.d); err != nil {
		return 0, err
	}
	return c.label(x), nil
}

// PredictBatch writes the stump's label of each row of x into dst. It
// ignores rng and returns an error on ragged or non-finite input or a length
// mismatch.
func (c *StumpClassifier) PredictBatch(x []float64, dst []int, _ *rand.Rand) error {
	if err := checkBatch(x, c.d, dst); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = c.label(x[i*c.d : (i+1)*c.d])
	}
	return nil
}
