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
// outside [0, K). It accepts any finite feature; the learners that compute
// distances also reject points whose norm exceeds MaxNorm.
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

// MaxNorm = 2^510 (about 3.35e153) is the largest Euclidean norm of a
// point, training point or query, that the learners built on Euclidean
// distances accept: Index (NewIndex, NewKDTree, NewBruteForce, Search,
// SearchBatch), KNN, RandomNeighbour, KernelMachine, NadarayaWatson and
// LabelIndependentNN. For points x, x' with ||x||, ||x'|| <= MaxNorm,
//
//	||x - x'||^2 <= (||x|| + ||x'||)^2 <= 4 MaxNorm^2 = 2^1022,
//
// and every term of the expansion ||q||^2 + ||x||^2 - 2 q.x that the
// brute-force search screens with is at most 2^1021 in magnitude, so every
// squared distance these learners compute is finite (rounding adds a
// relative (d+2) 2^-53, far from the factor 2 left below the largest
// float64, 2^1024). Beyond it two far points could both be at distance +Inf
// from a query and tie, so that the nearest neighbour, and every kernel
// weight, would be wrong; such points are rejected with an error (rescale
// the data). At the other end, coordinate differences below about 1e-154
// have squares that underflow toward 0: points that close count as equally
// near and the lower training index wins, as for any tie.
const MaxNorm = 0x1p510

// maxSqNorm is MaxNorm^2.
const maxSqNorm = 0x1p1020

// checkNorms returns an error naming the first row of the row-major finite
// x (dimension d >= 1) whose Euclidean norm exceeds MaxNorm; what names
// the rows ("training point", "query").
func checkNorms(x []float64, d int, what string) error {
	for i := 0; i+d <= len(x); i += d {
		var s float64
		for _, v := range x[i : i+d] {
			s += v * v
		}
		if !(s <= maxSqNorm) {
			if len(x) > d {
				what = fmt.Sprintf("%s %d", what, i/d)
			}
			return fmt.Errorf("learners: %s has Euclidean norm %.4g, above MaxNorm = 2^510 (about %.4g), where squared distances can overflow; rescale the data",
				what, hypotRow(x[i:i+d]), float64(MaxNorm))
		}
	}
	return nil
}

// hypotRow returns the Euclidean norm of x without overflow.
func hypotRow(x []float64) float64 {
	var r float64
	for _, v := range x {
		r = math.Hypot(r, v)
	}
	return r
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
