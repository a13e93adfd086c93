package learners

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Dataset is a labeled sample in row-major layout: point i is
// X[i*D : (i+1)*D] and its label is Y[i], an integer in [0, K).
type Dataset struct {
	X []float64 // features, len(X) == len(Y)*D
	D int       // input dimension, D >= 1
	Y []int     // labels in [0, K)
	K int       // number of classes, 2 <= K <= MaxClasses
}

// MaxClasses is the largest number of classes K that Dataset.Validate
// accepts. Learners allocate tables of O(K) or O(n K) entries (votes, scores,
// one-vs-rest targets), so a class count beyond it is rejected with an error
// instead of exhausting memory.
const MaxClasses = 1 << 16

// Len returns the number of points, len(d.Y).
func (d Dataset) Len() int { return len(d.Y) }

// Row returns point i as a sub-slice of d.X (no copy).
func (d Dataset) Row(i int) []float64 { return d.X[i*d.D : (i+1)*d.D] }

// Validate returns an error if the dataset is empty, ragged, has D < 1,
// K < 2 or K > MaxClasses, contains a NaN or Inf feature, or has a label
// outside [0, K).
func (d Dataset) Validate() error {
	if d.K < 2 {
		return fmt.Errorf("learners: number of classes K = %d, want >= 2", d.K)
	}
	if d.K > MaxClasses {
		return fmt.Errorf("learners: number of classes K = %d, want <= MaxClasses = %d", d.K, MaxClasses)
	}
	if err := CheckPoints(d.X, d.D); err != nil {
		return err
	}
	if len(d.X) != len(d.Y)*d.D {
		return fmt.Errorf("learners: %d features for %d labels of dimension %d, want %d", len(d.X), len(d.Y), d.D, len(d.Y)*d.D)
	}
	for i, y := range d.Y {
		if y < 0 || y >= d.K {
			return fmt.Errorf("learners: label %d of point %d outside [0, %d)", y, i, d.K)
		}
	}
	return nil
}

// CheckPoints returns an error unless x is a non-empty row-major matrix of
// dimension d >= 1 (len(x) a positive multiple of d) with finite entries.
func CheckPoints(x []float64, d int) error {
	if d < 1 {
		return fmt.Errorf("learners: dimension D = %d, want >= 1", d)
	}
	if len(x) == 0 {
		return ErrEmpty
	}
	if len(x)%d != 0 {
		return fmt.Errorf("learners: %d features is not a multiple of dimension %d (ragged data)", len(x), d)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("learners: feature %d of point %d is %v, want finite", i%d, i/d, v)
		}
	}
	return nil
}

// ErrEmpty is returned for data with no points.
var ErrEmpty = errors.New("learners: empty data")

// Learner fits labeled data and returns a classifier.
type Learner interface {
	// Fit validates train and returns a classifier fitted on it. Fit does
	// not retain or modify train's slices unless its doc says so.
	Fit(train Dataset) (Classifier, error)
}

// Classifier maps points to labels.
//
// Deterministic classifiers ignore rng (it may be nil). Randomized
// classifiers (samplers) draw only from rng and return an error if it is nil.
// A Classifier is safe for concurrent use when each goroutine passes its own
// rng.
type Classifier interface {
	// Dim returns the input dimension.
	Dim() int
	// Classes returns the number of classes K.
	Classes() int
	// Predict returns the label of the point x (len(x) == Dim()).
	// It returns an error if x has the wrong length or a non-finite entry.
	Predict(x []float64, rng *rand.Rand) (int, error)
	// PredictBatch writes the label of each row of the row-major matrix x
	// into dst (len(dst) == len(x)/Dim()) without allocating per point. It
	// returns an error on ragged input, a length mismatch or a non-finite
	// entry. Randomized classifiers consume rng row by row in order, so the
	// batch equals the sequence of single predictions from the same rng.
	PredictBatch(x []float64, dst []int, rng *rand.Rand) error
}

// LearnerFunc adapts a function to the Learner interface.
type LearnerFunc func(train Dataset) (Classifier, error)

// Fit calls f(train).
func (f LearnerFunc) Fit(train Dataset) (Classifier, error) { return f(train) }
