package learners

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// NadarayaWatson is the Nadaraya-Watson kernel estimate of the class
// posterior, used as a plug-in classifier or as a randomized sampler.
//
// On training points x_1..x_n with labels y_i in [0, K), the estimate of
// eta_c(x) = P(y = c | x) is
//
//	q(c|x) = sum_i K(x, x_i) [y_i = c] / sum_j K(x, x_j),
//
// with K(x, x') = Kernel.Eval(||x - x'||, Bandwidth, d). The plug-in
// classifier (Randomized false) answers argmax_c q(c|x), ties to the lower
// class. The randomized classifier (Randomized true) answers y_i with
// probability K(x, x_i) / sum_j K(x, x_j), that is class c with probability
// q(c|x): it draws exactly one rng.Float64() per query and returns the first
// class c with u < q(0|x) + ... + q(c|x), never a class with q(c|x) = 0.
// Its law is q(.|x) exactly, so its total variation to the data law equals
// the L1 error of the estimate.
//
// The Hilbert kernel K(r) = r^(-d) is singular and ignores Bandwidth. At a
// training point (squared distance exactly 0 to some x_i) both classifiers
// answer that point's label, the lowest-index one among exact duplicates,
// and q(.|x) is that label's indicator; the sampler still draws its one
// uniform. Elsewhere the weights are computed relative to the nearest
// training point, w_i = (r_min / r_i)^d, which never overflows.
//
// Gaussian and Laplace weights are also computed relative to the nearest
// training point (w_i = K(r_i)/K(r_min), which leaves q unchanged), so the
// estimate is defined everywhere: far from the data, where every K(r_i)
// underflows, q(.|x) becomes the label distribution of the nearest training
// points (the nearest neighbour's label), never 0/0.
//
// Fit keeps a copy of the training data and costs O(n d); a query costs
// O(n d). Fit returns an error if the Kernel is invalid, if Bandwidth is
// not positive and finite (Gaussian, Laplace; Hilbert ignores it), or if the
// Dataset is invalid or has a point of norm above MaxNorm.
type NadarayaWatson struct {
	Kernel     Kernel
	Bandwidth  float64
	Randomized bool
}

// Fit returns a *NadarayaWatsonClassifier holding a copy of train. See
// NadarayaWatson for the formulas and the errors.
func (m NadarayaWatson) Fit(train Dataset) (Classifier, error) {
	if err := m.Kernel.validate(); err != nil {
		return nil, err
	}
	if m.Kernel != Hilbert {
		if err := kernCheckBandwidth("Nadaraya-Watson", m.Bandwidth); err != nil {
			return nil, err
		}
	}
	if err := checkNearData(train); err != nil {
		return nil, err
	}
	return &NadarayaWatsonClassifier{
		kern:       kernRadial{kernel: m.Kernel, h: m.Bandwidth, d: train.D},
		x:          slices.Clone(train.X),
		y:          slices.Clone(train.Y),
		d:          train.D,
		k:          train.K,
		randomized: m.Randomized,
	}, nil
}

// NadarayaWatsonClassifier is a fitted NadarayaWatson. It is immutable and
// safe for concurrent use when each goroutine passes its own rng.
type NadarayaWatsonClassifier struct {
	kern       kernRadial
	x          []float64 // n x d training points (a copy)
	y          []int     // labels (a copy)
	d, k       int
	randomized bool
}

// Dim returns the input dimension.
func (c *NadarayaWatsonClassifier) Dim() int { return c.d }

// Classes returns the number of classes K.
func (c *NadarayaWatsonClassifier) Classes() int { return c.k }

// Randomized reports whether Predict samples from q(.|x) (true) or answers
// its argmax (false).
func (c *NadarayaWatsonClassifier) Randomized() bool { return c.randomized }

// Estimate writes the Nadaraya-Watson estimate q(c|x) of eta_c(x) for each
// class c into dst (len(dst) == Classes()); the entries are in [0, 1] and
// sum to 1 up to rounding. It is the law of the randomized classifier's
// answer at x, and the plug-in classifier answers its argmax. Estimate
// returns an error if x has the wrong length, a non-finite entry or a norm
// above MaxNorm, or if len(dst) is not Classes().
func (c *NadarayaWatsonClassifier) Estimate(x, dst []float64) error {
	if err := checkNearQuery(x, c.d); err != nil {
		return err
	}
	if len(dst) != c.k {
		return fmt.Errorf("learners: len(dst) = %d, want %d classes", len(dst), c.k)
	}
	c.estimate(x, dst)
	return nil
}

// estimate writes q(.|x) into s and returns the label of the training point
// at x for the Hilbert kernel, or -1.
func (c *NadarayaWatsonClassifier) estimate(x, s []float64) int {
	_, hit := c.kern.accumulate(x, c.x, c.d, c.y, nil, s)
	if hit >= 0 {
		clear(s)
		s[c.y[hit]] = 1
		return c.y[hit]
	}
	var total float64
	for _, v := range s {
		total += v
	}
	// total >= 1: the nearest point has relative weight 1.
	for i := range s {
		s[i] /= total
	}
	return -1
}

// Predict returns argmax_c q(c|x) (plug-in, ties to the lower class; rng is
// ignored) or a class drawn from q(.|x) with one rng.Float64() (randomized).
// It returns an error if x has the wrong length, a non-finite entry or a
// norm above MaxNorm, or if the classifier is randomized and rng is nil.
func (c *NadarayaWatsonClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	if c.randomized && rng == nil {
		return 0, errNilRNG
	}
	if err := checkNearQuery(x, c.d); err != nil {
		return 0, err
	}
	var buf [16]float64
	s := classScratch(&buf, c.k)
	return c.predict(x, s, rng), nil
}

// PredictBatch writes Predict of each row of x into dst; the randomized
// classifier consumes rng row by row, so the batch equals the sequence of
// single predictions from the same rng. It returns an error on ragged input,
// a length mismatch, a non-finite entry, a row of norm above MaxNorm, or a
// nil rng when randomized.
func (c *NadarayaWatsonClassifier) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	if c.randomized && rng == nil {
		return errNilRNG
	}
	if err := checkNearBatch(x, c.d, dst); err != nil {
		return err
	}
	s := make([]float64, c.k)
	for j := range dst {
		dst[j] = c.predict(x[j*c.d:(j+1)*c.d], s, rng)
	}
	return nil
}

func (c *NadarayaWatsonClassifier) predict(x, s []float64, rng *rand.Rand) int {
	var u float64
	if c.randomized {
		u = rng.Float64()
	}
	if label := c.estimate(x, s); label >= 0 {
		return label
	}
	if !c.randomized {
		best, _ := argmaxLow(s)
		return best
	}
	var cum float64
	last := 0
	for cl, q := range s {
		if q == 0 {
			continue
		}
		cum += q
		last = cl
		if u < cum {
			return cl
		}
	}
	return last // rounding left the total just below u
}
