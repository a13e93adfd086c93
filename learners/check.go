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

// checkNearQuery is checkQuery for the learners built on distances: it
// also rejects a query whose norm exceeds MaxNorm.
func checkNearQuery(x []float64, d int) error {
	if err := checkQuery(x, d); err != nil {
		return err
	}
	return checkNorms(x, d, "query")
}

// checkNearBatch is checkBatch for the learners built on distances: it
// also rejects rows whose norm exceeds MaxNorm.
func checkNearBatch(x []float64, d int, dst []int) error {
	if err := checkBatch(x, d, dst); err != nil {
		return err
	}
	return checkNorms(x, d, "query row")
}

// checkNearData is Dataset.Validate for the learners built on distances:
// it also rejects training points whose norm exceeds MaxNorm.
func checkNearData(train Dataset) error {
	if err := train.Validate(); err != nil {
		return err
	}
	return checkNorms(train.X, train.D, "training point")
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
