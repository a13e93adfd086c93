package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Stream identifiers for NewStream. Each names one use of randomness so that
// drawing more or fewer values for one use never shifts the values of another.
const (
	StreamTrain     uint64 = 0x9e3779b97f4a7c15 // training sets
	StreamUnlabeled uint64 = 0xbf58476d1ce4e5b9 // unlabeled points to distill on
	StreamEval      uint64 = 0x94d049bb133111eb // evaluation points
	StreamLabels    uint64 = 0xd6e8feb86659fd93 // labels and other per-point draws
)

// NewStream returns rand.New(rand.NewPCG(seed, id)): a PCG generator whose
// 128-bit state starts at (seed, id). Distinct (seed, id) pairs start at
// distinct points of the generator's 2^128-long cycle; overlaps between the
// short runs a test draws are negligible, so streams with distinct ids behave
// as independent.
func NewStream(seed, id uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, id))
}

// Streams holds the independent generators of one problem, all derived from a
// single seed: Train (training sets), Unlabeled (points to distill on), Eval
// (evaluation points) and Labels (labels and other per-point draws). Because
// each use has its own stream, changing one sample size does not change the
// data of another.
type Streams struct {
	Train, Unlabeled, Eval, Labels *rand.Rand
}

// NewStreams returns the streams of seed: NewStream(seed, StreamTrain),
// NewStream(seed, StreamUnlabeled), NewStream(seed, StreamEval) and
// NewStream(seed, StreamLabels). The same seed gives the same data bit for bit.
func NewStreams(seed uint64) Streams {
	return Streams{
		Train:     NewStream(seed, StreamTrain),
		Unlabeled: NewStream(seed, StreamUnlabeled),
		Eval:      NewStream(seed, StreamEval),
		Labels:    NewStream(seed, StreamLabels),
	}
}

// SampleX draws n points from dist's marginal with rng and returns them as a
// row-major n x d matrix. Points are drawn in order, so the first n' rows equal
// SampleX(dist, rng', n') for a generator rng' in the same state. It panics if
// n < 0, rng is nil or n*d overflows an int.
func SampleX(dist Distribution, rng *rand.Rand, n int) []float64 {
	if n < 0 {
		panic(fmt.Sprintf("gen: SampleX: n = %d, want n >= 0", n))
	}
	if rng == nil {
		panic("gen: SampleX: nil rng")
	}
	d := dist.Dim()
	checkSize("SampleX", n, d)
	x := make([]float64, n*d)
	for j := 0; j < n; j++ {
		dist.SampleX(rng, x[j*d:(j+1)*d])
	}
	return x
}

// SampleLabel draws y ~ eta by inversion with one rng.Float64(): u in [0,1)
// gives the first c with u < eta_0 + ... + eta_c. Rounding that leaves the
// cumulative sum below u gives the last class with eta_c > 0. It panics if eta
// is empty or not a probability vector (an entry negative, NaN or infinite,
// or a sum off 1 by more than PosteriorTolerance: no law to draw from), or
// if rng is nil.
func SampleLabel(eta []float64, rng *rand.Rand) int {
	if len(eta) == 0 {
		panic("gen: SampleLabel: empty eta (len(eta) = 0), want one entry per class")
	}
	if rng == nil {
		panic("gen: SampleLabel: nil rng")
	}
	if !isProb(eta) {
		param, msg := probProblem(eta)
		panic(fmt.Sprintf("gen: SampleLabel: not a probability vector: %s: %s", param, msg))
	}
	return LabelAt(eta, rng.Float64())
}

// LabelAt returns the label that SampleLabel's inversion gives to u in
// [0, 1): the first c with u < eta_0 + ... + eta_c among the classes of
// positive probability, the last of them if rounding leaves the cumulative
// sum below u. A u uniform on [0, 1) gives y ~ eta; stratified or
// antithetic u give labels with the same marginal law. It panics if eta is
// empty; it does not validate eta (SampleLabel does, once per label, and
// callers drawing many u for one row validate it once).
func LabelAt(eta []float64, u float64) int {
	if len(eta) == 0 {
		panic("gen: LabelAt: empty eta (len(eta) = 0), want one entry per class")
	}
	acc := 0.0
	last := 0
	for c, v := range eta {
		if v > 0 {
			acc += v
			last = c
			if u < acc {
				return c
			}
		}
	}
	return last
}

// SampleLabels draws one label y_j ~ eta(.|x_j) per row of the row-major
// matrix x (N x d), in row order, with rng. It panics if len(x) is not a
// multiple of d or rng is nil.
func SampleLabels(dist Distribution, rng *rand.Rand, x []float64) []int {
	d := dist.Dim()
	if len(x)%d != 0 {
		panic(fmt.Sprintf("gen: SampleLabels: len(x) = %d is not a multiple of d = %d", len(x), d))
	}
	if rng == nil {
		panic("gen: SampleLabels: nil rng")
	}
	eta := make([]float64, dist.Classes())
	y := make([]int, len(x)/d)
	for j := range y {
		dist.Posterior(x[j*d:(j+1)*d], eta)
		y[j] = SampleLabel(eta, rng)
	}
	return y
}

// SampleLabeled draws m labeled points (x_j, y_j) from dist with rng, one
// point at a time (x_j from the marginal, then y_j ~ eta(.|x_j)), so the
// first m' points of a sample of size m equal a sample of size m' drawn from
// the same state: samples are nested in m. x is row-major m x d. It panics if
// m < 0, rng is nil or m*d overflows an int.
func SampleLabeled(dist Distribution, rng *rand.Rand, m int) (x []float64, y []int) {
	if m < 0 {
		panic(fmt.Sprintf("gen: SampleLabeled: m = %d, want m >= 0", m))
	}
	if rng == nil {
		panic("gen: SampleLabeled: nil rng")
	}
	d := dist.Dim()
	checkSize("SampleLabeled", m, d)
	x = make([]float64, m*d)
	y = make([]int, m)
	eta := make([]float64, dist.Classes())
	for j := 0; j < m; j++ {
		xj := x[j*d : (j+1)*d]
		dist.SampleX(rng, xj)
		dist.Posterior(xj, eta)
		y[j] = SampleLabel(eta, rng)
	}
	return x, y
}

// checkSize panics, naming fn, if n rows of dimension d overflow an int.
func checkSize(fn string, n, d int) {
	if d > 0 && n > math.MaxInt/d {
		panic(fmt.Sprintf("gen: %s: %d points of dimension %d overflow an int", fn, n, d))
	}
}
