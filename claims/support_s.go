package claims

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// This file holds the helpers of the S group (samplers are bad classifiers
// that reproduce the noise): classifiers that know the posterior, and the
// power computations of the falsifiers (which labels a k-NN majority or a
// kernel ridge machine predicts whatever the training labels turn out to
// be). The calibration machinery (hidden partitions, the gap at every level
// and its 1-NN tolerance) is in support_s_levels.go.

// ---------------------------------------------------------------------------
// Classifiers that know eta.

// oracleSampler is the conditional sampler of claim S1: it answers each query
// x with a fresh label y ~ eta(.|x) drawn from the rng passed to Predict
// (gen.SampleLabel, one rng.Float64 per query), independently across
// queries.
type oracleSampler struct{ dist gen.Distribution }

// bayesClassifier answers argmax_c eta_c(x), ties to the lower class
// (gen.BayesLabel): the falsifier of every "is a sampler" claim.
type bayesClassifier struct{ dist gen.Distribution }

func (o oracleSampler) Dim() int         { return o.dist.Dim() }
func (o oracleSampler) Classes() int     { return o.dist.Classes() }
func (b bayesClassifier) Dim() int       { return b.dist.Dim() }
func (b bayesClassifier) Classes() int   { return b.dist.Classes() }
func (o oracleSampler) String() string   { return "oracle sampler of " + o.dist.String() }
func (b bayesClassifier) String() string { return "Bayes classifier of " + b.dist.String() }

func (o oracleSampler) Predict(x []float64, rng *rand.Rand) (int, error) {
	y := []int{0}
	return y[0], o.PredictBatch(x, y, rng)
}

func (o oracleSampler) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	if rng == nil {
		return errors.New("claims: the oracle sampler needs a non-nil *rand.Rand")
	}
	if err := checkRows(x, o.dist.Dim(), dst); err != nil {
		return err
	}
	d := o.dist.Dim()
	eta := make([]float64, o.dist.Classes())
	for j := range dst {
		o.dist.Posterior(x[j*d:(j+1)*d], eta)
		dst[j] = gen.SampleLabel(eta, rng)
	}
	return nil
}

func (b bayesClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	y := []int{0}
	return y[0], b.PredictBatch(x, y, rng)
}

func (b bayesClassifier) PredictBatch(x []float64, dst []int, _ *rand.Rand) error {
	if err := checkRows(x, b.dist.Dim(), dst); err != nil {
		return err
	}
	d := b.dist.Dim()
	eta := make([]float64, b.dist.Classes())
	for j := range dst {
		b.dist.Posterior(x[j*d:(j+1)*d], eta)
		dst[j] = gen.BayesLabel(eta)
	}
	return nil
}

// checkRows returns an error unless x holds len(dst) finite rows of
// dimension d.
func checkRows(x []float64, d int, dst []int) error {
	if err := learners.CheckPoints(x, d); err != nil {
		return err
	}
	if len(x)/d != len(dst) {
		return fmt.Errorf("claims: %d query rows but len(dst) = %d", len(x)/d, len(dst))
	}
	return nil
}

// knowsPosterior returns a learner that validates its training set and then
// ignores it, answering with the oracle sampler (sampler = true) or the Bayes
// classifier of dist.
func knowsPosterior(dist gen.Distribution, sampler bool) learners.Learner {
	return learners.LearnerFunc(func(train learners.Dataset) (learners.Classifier, error) {
		if err := train.Validate(); err != nil {
			return nil, err
		}
		if train.D != dist.Dim() || train.K != dist.Classes() {
			return nil, fmt.Errorf("claims: training set of dimension %d with %d classes for %v", train.D, train.K, dist)
		}
		if sampler {
			return oracleSampler{dist}, nil
		}
		return bayesClassifier{dist}, nil
	})
}

// caseStreams draws one seed with rapid and returns gen.NewStreams(seed):
// independent PCG streams for training positions, labels and evaluation
// points, so that a case replays from one drawn value and changing one
// sample size leaves the other samples as they were. It is the convention of
// the S group and of the kit's drawSample (kit.go). Separate c.Rand calls
// with distinct labels would be independent too (Check.Rand mixes the label
// into the stream's state, and gen.Seeds draws seeds uniformly over 2^64);
// what must never happen is two uses of one stream's draws, e.g. labels by
// inversion from the uniforms that drew the positions (no noise at all).
func caseStreams(c *Check) gen.Streams {
	return gen.NewStreams(c.Seed("seed"))
}

// ---------------------------------------------------------------------------
// Power: labels that a learner predicts whatever the training labels are.

// binomialLowerTail returns P(Bin(n, p) <= t).
func binomialLowerTail(n int, p float64, t int) float64 {
	if t < 0 {
		return 0
	}
	if t >= n {
		return 1
	}
	ps := make([]float64, n)
	for i := range ps {
		ps[i] = p
	}
	law := make([]float64, n+1)
	PoissonBinomial(ps, law)
	s := 0.0
	for j := 0; j <= t; j++ {
		s += law[j]
	}
	return s
}

// majorityForecast1D says what a k-NN majority (kNN odd) trained on the
// one-dimensional positions train predicts at each evaluation point, for a
// posterior that is constant on the intervals region(x) (a grid cell, a
// clean-label band). The K nearest training points of a query lie among the
// K nearest on each side of it; when those 2K candidates all lie in the
// query's region, the K votes are independent draws from the region's
// posterior and the majority is the region's Bayes label c* unless c* gets at
// most (K-1)/2 votes, an event of probability
// p = P(Bin(K, eta_{c*}) <= (K-1)/2). forecast[j] is c* for such a confined
// point and -1 otherwise; fail = sum of p over confined points bounds the
// probability that any forecast is wrong (union bound).
func majorityForecast1D(train, eval points, kNN int, region func(x []float64) int) (forecast []int, fail float64) {
	xs := slices.Clone(train.x)
	sort.Float64s(xs)
	m := len(xs)
	forecast = make([]int, eval.len())
	tails := map[int]float64{} // by region; only looked up, never iterated
	for j := range forecast {
		forecast[j] = -1
		q := eval.row(j)
		pos := sort.SearchFloat64s(xs, q[0])
		lo, hi := max(0, pos-kNN), min(m-1, pos+kNN-1)
		r := region(q)
		if region(xs[lo:lo+1]) != r || region(xs[hi:hi+1]) != r {
			continue
		}
		eta := eval.posterior(j)
		c := gen.BayesLabel(eta)
		p, ok := tails[r]
		if !ok {
			p = binomialLowerTail(kNN, eta[c], (kNN-1)/2)
			tails[r] = p
		}
		forecast[j] = c
		fail += p
	}
	return forecast, fail
}

// forecastGapLowerBound returns a lower bound on the calibration gap T (at
// the level whose cell map is cell, with cells cells) of any predictions
// that agree with forecast wherever forecast[j] >= 0: the gap of the
// forecast points alone minus, for each other point, the largest TV it can
// add, 1 - min_c eta_c(x_j) (triangle inequality). It also returns the
// fraction of points without a forecast.
func forecastGapLowerBound(eval points, cell []int32, cells int, forecast []int) (lower, unforecast float64) {
	k, n := eval.k, eval.len()
	sum := make([]float64, cells*k)
	loss := 0.0
	for j := 0; j < n; j++ {
		eta := eval.posterior(j)
		if forecast[j] < 0 {
			loss += 1 - slices.Min(eta)
			unforecast++
			continue
		}
		b := int(cell[j])
		row := sum[b*k : (b+1)*k]
		for c, v := range eta {
			row[c] -= v
		}
		row[forecast[j]]++
	}
	s := 0.0
	for _, v := range sum {
		s += math.Abs(v)
	}
	return (s/2 - loss) / float64(n), unforecast / float64(n)
}

// kernelRidgeForecast says what a kernel ridge machine (learners.KernelMachine
// with kernel kern, bandwidth h and ridge lambda > 0) trained on the
// positions train predicts at each query point whatever the training labels,
// with probability at least 1 - delta. Its scores are linear in the one-vs-
// rest targets, f_c(q) = s(q) . Y_c with s(q) = (G + lambda I)^-1 k(q), so
// E f_c(q) = s(q) . (2 eta_c - 1) is computed exactly (one Cholesky solve per
// class). Changing one label y_l moves f_a - f_c by at most 4 |s_l(q)|, and
// ||s(q)||_2 <= ||k(q)||_2 / lambda (the eigenvalues of G + lambda I are
// >= lambda), so by McDiarmid f_a - f_c stays within
// r = sqrt(ln(2/delta') 8 ||k(q)||^2 / lambda^2) of its mean with
// probability 1 - delta'. When the mean margin of the best class a over every
// other class exceeds r, the machine predicts a; delta' = delta / (Q (k-1))
// over the Q queries and k-1 rivals. forecast[j] is a, or -1 where the
// margin is too small.
func kernelRidgeForecast(kern learners.Kernel, h, lambda float64, train, query points, delta float64) ([]int, error) {
	if !(lambda > 0) {
		return nil, errors.New("claims: kernelRidgeForecast needs a positive ridge")
	}
	m, k, d := train.len(), train.k, train.d
	g := mat.NewSymDense(m, nil)
	for i := 0; i < m; i++ {
		for l := i; l < m; l++ {
			v := kern.Eval(math.Sqrt(sqDistance(train.row(i), train.row(l))), h, d)
			if l == i {
				v += lambda
			}
			g.SetSym(i, l, v)
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(g) {
		return nil, errors.New("claims: kernelRidgeForecast: G + lambda I did not factorize")
	}
	mu := mat.NewDense(m, k, nil)
	for i := 0; i < m; i++ {
		for c, v := range train.posterior(i) {
			mu.Set(i, c, 2*v-1)
		}
	}
	var a mat.Dense
	if err := chol.SolveTo(&a, mu); err != nil {
		return nil, fmt.Errorf("claims: kernelRidgeForecast: %w", err)
	}
	ar := a.RawMatrix()
	q := query.len()
	logTerm := math.Log(2 * float64(q) * float64(max(1, k-1)) / delta)
	forecast := make([]int, q)
	kq := make([]float64, m)
	mean := make([]float64, k)
	for j := 0; j < q; j++ {
		norm2 := 0.0
		for i := 0; i < m; i++ {
			kq[i] = kern.Eval(math.Sqrt(sqDistance(query.row(j), train.row(i))), h, d)
			norm2 += kq[i] * kq[i]
		}
		clear(mean)
		for i := 0; i < m; i++ {
			for c, v := range ar.Data[i*ar.Stride : i*ar.Stride+k] {
				mean[c] += kq[i] * v
			}
		}
		best := gen.BayesLabel(mean)
		radius := math.Sqrt(logTerm * 8 * norm2 / (lambda * lambda))
		forecast[j] = best
		for c := range mean {
			if c != best && mean[best]-mean[c] <= radius {
				forecast[j] = -1
				break
			}
		}
	}
	return forecast, nil
}

// sqDistance returns ||a - b||^2.
func sqDistance(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		t := a[i] - b[i]
		s += t * t
	}
	return s
}
