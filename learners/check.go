package learners

import (
	"errors"
	"fmt"
	"math"
)

// errNilRNG is returned by randomized classifiers called without a source.
var errNilRNG = errors.New("learners: randomized classifier needs a non-nil *rand.Rand")

// checkQuery returns an error unless x is one finite point of dimension d.
func checkQuery(x []float64, d int) error {
	if len(x) != d {
		return fmt.Errorf("learners: query of length %d, want dimension %d", len(x), d)
	}
	for j, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("learners: query feature %d is %v, want finite", j, v)
		}
	}
	return nil
}

// checkBatch returns an error unless x is a non-empty finite row-major
// matrix of dimension d with exactly len(dst) rows.
func checkBatch(x []float64, d int, dst []int) error {
	if err := CheckPoints(x, d); err != nil {
		return err
	}
	if len(x)/d != len(dst) {
		return fmt.Errorf("learners: %d query rows but len(dst) = %d", len(x)/d, len(dst))
	}
	return nil
}

// classScratch returns k scores of scratch: buf's own storage when k fits,
// so that a single Predict allocates nothing for the usual class counts.
func classScratch(buf *[16]float64, k int) []float64 {
	if k <= len(buf) {
		return buf[:k]
	}
	return make([]float64, k)
}

// argmaxLow returns the index of the largest entry of s and that entry,
// ties to the lower index (the tie rule of every classifier here). It
// panics if s is empty.
func argmaxLow[T int | int32 | float64](s []T) (int, T) {
	best := 0
	for i, v := range s {
		if v > s[best] {
			best = i
		}
	}
	return best, s[best]
}
