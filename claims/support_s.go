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
// that reproduce the noise): classifiers that know the posterior, fixed
// partitions of the input space, the Form-B calibration statistic with the
// label-free tolerance a 1-NN teacher provably meets, and the power
// computations of the falsifiers (which labels a k-NN majority or a kernel
// ridge machine predicts whatever the training labels turn out to be).

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
// points. Two c.Rand calls would not do: rapid often draws equal small seeds
// for them, and equal seeds give identical streams, so labels drawn by
// inversion would be a function of the positions drawn from the same
// uniforms (no noise at all).
func caseStreams(c *Check) gen.Streams {
	return gen.NewStreams(c.Seed("seed"))
}

// ---------------------------------------------------------------------------
// Partitions fixed before training.

// partition is a partition of the input space into cells 0..cells-1 that is
// fixed before any training label is drawn (it depends on the distribution's
// structure and, for quantile cells, on an independent sample only).
type partition struct {
	cells  int
	name   string
	cellOf func(x []float64) int
}

// assign returns the cell of every point of p.
func (pt partition) assign(p points) []int {
	cell := make([]int, p.len())
	for j := range cell {
		cell[j] = pt.cellOf(p.row(j))
	}
	return cell
}

// gridPartition is the r^d grid of [0,1]^d (gen.CellOf numbering).
func gridPartition(d, r int) partition {
	cells := 1
	for range d {
		cells *= r
	}
	return partition{cells: cells, name: fmt.Sprintf("grid r=%d (%d cells)", r, cells),
		cellOf: func(x []float64) int { return gen.CellOf(x, r) }}
}

// quantilePartition cuts the first coordinate at the empirical j/cells
// quantiles of an independent sample of 64 cells points from dist: cells of
// about equal mass, for a distribution with unbounded support.
func quantilePartition(dist gen.Distribution, rng *rand.Rand, cells int) partition {
	d := dist.Dim()
	n := 64 * cells
	x := gen.SampleX(dist, rng, n)
	first := make([]float64, n)
	for j := range first {
		first[j] = x[j*d]
	}
	sort.Float64s(first)
	cuts := make([]float64, cells-1)
	for b := range cuts {
		cuts[b] = first[(b+1)*n/cells]
	}
	return partition{cells: cells, name: fmt.Sprintf("quantiles of x_0 (%d cells)", cells),
		cellOf: func(x []float64) int { return sort.SearchFloat64s(cuts, x[0]) }}
}

// defaultPartition returns at most maxCells cells fixed before training: the
// r^d grid of [0,1]^d with the largest r such that r^d <= maxCells (the
// families whose marginal is uniform on the cube), or maxCells quantile cells
// of the first coordinate for a Gaussian mixture (unbounded support).
func defaultPartition(dist gen.Distribution, rng *rand.Rand, maxCells int) partition {
	if _, unbounded := dist.(*gen.GaussianMixture); unbounded {
		return quantilePartition(dist, rng, maxCells)
	}
	d, r := dist.Dim(), 1
	for {
		n := 1
		for range d {
			n *= r + 1
		}
		if n > maxCells {
			break
		}
		r++
	}
	return gridPartition(d, r)
}

// cleanLabelPartition splits [0,1]^d by the clean label of a PairSwap
// distribution: the rows of the (clean label, prediction) matrix of S5.
func cleanLabelPartition(ps *gen.PairSwap) partition {
	return partition{cells: ps.Classes(), name: "clean label", cellOf: ps.CleanLabel}
}

// ---------------------------------------------------------------------------
// The Form-B calibration statistic (claims S4 and S5).

// calibration is the Form-B gap of a classifier's predictions pred on
// evaluation points, per cell B of a partition and weighted:
//
//	gap_B = (1/N_B) 1/2 sum_c | sum_{j in B} (1[pred_j = c] - eta_c(x_j)) |
//	      = TV between the cell's prediction rates and its mean posterior,
//	T     = sum_B (N_B/N) gap_B.
type calibration struct {
	total float64   // T
	cell  []float64 // gap_B (0 for an empty cell)
	count []int     // N_B
	pred  []int     // the predictions measured
}

// measureCalibration computes the calibration of pred on eval, whose cells
// are cell[j] in 0..cells-1.
func measureCalibration(eval points, cell []int, cells int, pred []int) calibration {
	k, n := eval.k, eval.len()
	sum := make([]float64, cells*k)
	cal := calibration{cell: make([]float64, cells), count: make([]int, cells), pred: pred}
	for j := 0; j < n; j++ {
		b := cell[j]
		cal.count[b]++
		row := sum[b*k : (b+1)*k]
		for c, v := range eval.posterior(j) {
			row[c] -= v
		}
		row[pred[j]]++
	}
	for b := range cal.cell {
		if cal.count[b] == 0 {
			continue
		}
		s := 0.0
		for _, v := range sum[b*k : (b+1)*k] {
			s += math.Abs(v)
		}
		cal.cell[b] = s / 2 / float64(cal.count[b])
		cal.total += s / 2
	}
	cal.total /= float64(n)
	return cal
}

// nnCalibrationBound is the label-free tolerance of claim S4 for a 1-NN
// teacher, computed from the training positions, the evaluation points and
// the nearest training point NN(j) of each evaluation point. With n_iB the
// number of evaluation points of cell B whose nearest training point is i:
//
//	T <= b + U,  b = (1/N) sum_B 1/2 sum_c | sum_{j in B} (eta_c(X_NN(j)) - eta_c(x_j)) |   (bias, <= A^)
//	U = (1/N) sum_B 1/2 sum_c | sum_i n_iB (1[y_i = c] - eta_c(X_i)) |,
//	E U <= (1/N) sum_B 1/2 sum_c sqrt(sum_i n_iB^2 eta_c(X_i)(1 - eta_c(X_i)))   (spread: Jensen, independent labels)
//
// and changing y_i moves U by at most w_i = (1/N) sum_B n_iB (it moves n_iB
// predictions of cell B from one class to another), so McDiarmid gives
// U <= E U + sqrt(ln(2/delta)/2 sum_i w_i^2). Per cell the same holds with
// 1/N_B in place of 1/N.
type nnCalibrationBound struct {
	bias, spread, sumSq float64 // weighted totals (b, the spread, sum_i w_i^2)
	cellBias            []float64
	cellSpread          []float64
	cellSumSq           []float64 // sum_i (n_iB/N_B)^2
	count               []int     // N_B
	boundary            float64   // A^ = (1/N) sum_j TV(eta(x_j), eta(X_NN(j))) >= b
}

// total returns b + spread + McDiarmid radius at delta: the 1-NN teacher's T
// exceeds it with probability at most delta over the training labels.
func (nb nnCalibrationBound) total(delta float64) float64 {
	return nb.bias + nb.spread + BoundedDifferences(nb.sumSq, delta)
}

// cellTotal is total for cell b alone.
func (nb nnCalibrationBound) cellTotal(b int, delta float64) float64 {
	return nb.cellBias[b] + nb.cellSpread[b] + BoundedDifferences(nb.cellSumSq[b], delta)
}

// nonEmpty returns the number of cells holding evaluation points.
func (nb nnCalibrationBound) nonEmpty() int {
	n := 0
	for _, c := range nb.count {
		if c > 0 {
			n++
		}
	}
	return n
}

// calibrationBoundNN computes nnCalibrationBound; nn[j] is the nearest
// training point of evaluation point j and cell[j] its cell. The sums run in
// a fixed order (evaluation points sorted by cell, then by neighbour), so the
// result is deterministic.
func calibrationBoundNN(train, eval points, nn, cell []int, cells int) nnCalibrationBound {
	k, n := eval.k, eval.len()
	nb := nnCalibrationBound{
		cellBias: make([]float64, cells), cellSpread: make([]float64, cells),
		cellSumSq: make([]float64, cells), count: make([]int, cells),
	}
	order := make([]int, n)
	for j := range order {
		order[j] = j
		nb.count[cell[j]]++
		nb.boundary += tv(eval.posterior(j), train.posterior(nn[j]))
	}
	nb.boundary /= float64(n)
	slices.SortFunc(order, func(a, b int) int {
		if cell[a] != cell[b] {
			return cell[a] - cell[b]
		}
		if nn[a] != nn[b] {
			return nn[a] - nn[b]
		}
		return a - b
	})
	diff := make([]float64, k) // sum_{j in B} (eta(X_NN(j)) - eta(x_j))
	vari := make([]float64, k) // sum_i n_iB^2 eta_c(X_i)(1 - eta_c(X_i))
	for lo := 0; lo < n; {
		b := cell[order[lo]]
		hi := lo
		for hi < n && cell[order[hi]] == b {
			hi++
		}
		clear(diff)
		clear(vari)
		nB := float64(hi - lo)
		sumSq := 0.0
		for r := lo; r < hi; {
			i := nn[order[r]]
			s := r
			for s < hi && nn[order[s]] == i {
				for c, v := range eval.posterior(order[s]) {
					diff[c] -= v
				}
				s++
			}
			cnt := float64(s - r)
			for c, v := range train.posterior(i) {
				diff[c] += cnt * v
				vari[c] += cnt * cnt * v * (1 - v)
			}
			sumSq += (cnt / nB) * (cnt / nB)
			r = s
		}
		bias, spread := 0.0, 0.0
		for c := range diff {
			bias += math.Abs(diff[c])
			spread += math.Sqrt(vari[c])
		}
		nb.cellBias[b] = bias / 2 / nB
		nb.cellSpread[b] = spread / 2 / nB
		nb.cellSumSq[b] = sumSq
		nb.bias += bias / 2
		nb.spread += spread / 2
		lo = hi
	}
	nb.bias /= float64(n)
	nb.spread /= float64(n)
	w := make([]int, train.len())
	for _, i := range nn {
		w[i]++
	}
	for _, c := range w {
		f := float64(c) / float64(n)
		nb.sumSq += f * f
	}
	return nb
}

// samplerCase is one case of the calibration check (S4, S5, CheckSampler):
// training positions, evaluation points, a partition fixed before training,
// and the label-free 1-NN tolerance on them. Labels are drawn only in run.
type samplerCase struct {
	dist        gen.Distribution
	train, eval points
	part        partition
	cell        []int // cell of each evaluation point
	nn          []int // nearest training point of each evaluation point
	bound       nnCalibrationBound
	labels      *rand.Rand // training labels
	predict     *rand.Rand // a randomized classifier's own draws
}

// Stream identifiers of a samplerCase beyond gen's four.
const (
	streamPartition uint64 = 0x706172746974e6e  // quantile cells
	streamPredict   uint64 = 0x70726564696374a5 // a randomized classifier's draws
)

// newSamplerCase draws m training positions and n evaluation points of dist
// from seed's streams (gen.NewStreams), builds the partition with part (nil
// means defaultPartition with at most 16 cells) and computes the 1-NN
// tolerance. It draws no label.
func newSamplerCase(dist gen.Distribution, m, n int, seed uint64, part func(rng *rand.Rand) partition) (*samplerCase, error) {
	if m < 1 || n < 1 {
		return nil, fmt.Errorf("claims: sampler check needs m, n >= 1, got m = %d, n = %d", m, n)
	}
	st := gen.NewStreams(seed)
	sc := &samplerCase{
		dist:    dist,
		train:   drawPoints(dist, st.Train, m),
		eval:    drawPoints(dist, st.Eval, n),
		labels:  st.Labels,
		predict: gen.NewStream(seed, streamPredict),
	}
	if part == nil {
		part = func(rng *rand.Rand) partition { return defaultPartition(dist, rng, 16) }
	}
	sc.part = part(gen.NewStream(seed, streamPartition))
	sc.cell = sc.part.assign(sc.eval)
	var err error
	if sc.nn, _, err = nearestNeighbours(sc.train, sc.eval); err != nil {
		return nil, err
	}
	sc.bound = calibrationBoundNN(sc.train, sc.eval, sc.nn, sc.cell, sc.part.cells)
	return sc, nil
}

// run draws the training labels, fits learner, predicts the evaluation
// points and returns the calibration of the predictions.
func (sc *samplerCase) run(learner learners.Learner) (calibration, error) {
	y := sc.train.drawLabels(sc.labels)
	h, err := learner.Fit(sc.train.dataset(y))
	if err != nil {
		return calibration{}, fmt.Errorf("claims: fit: %w", err)
	}
	pred := make([]int, sc.eval.len())
	if err := h.PredictBatch(sc.eval.x, pred, sc.predict); err != nil {
		return calibration{}, fmt.Errorf("claims: predict: %w", err)
	}
	if err := checkLabels(pred, sc.eval.k); err != nil {
		return calibration{}, fmt.Errorf("claims: predictions: %w", err)
	}
	return measureCalibration(sc.eval, sc.cell, sc.part.cells, pred), nil
}

// calibrationVerdict is the outcome of the calibration check on one case:
// the weighted gap against the weighted 1-NN tolerance, and the worst cell
// against its own tolerance (each cell at delta / (non-empty cells)).
type calibrationVerdict struct {
	gap, tolerance           float64
	worstCell                int
	worstGap, worstTolerance float64 // of the cell with the smallest margin
}

// weightedOK and cellsOK say whether each assertion holds.
func (v calibrationVerdict) weightedOK() bool { return v.gap <= v.tolerance }
func (v calibrationVerdict) cellsOK() bool    { return v.worstGap <= v.worstTolerance }

// verdict compares cal with the tolerance at delta.
func (sc *samplerCase) verdict(cal calibration, delta float64) calibrationVerdict {
	v := calibrationVerdict{gap: cal.total, tolerance: sc.bound.total(delta), worstCell: -1}
	cellDelta := delta / float64(max(1, sc.bound.nonEmpty()))
	best := math.Inf(1)
	for b := range cal.cell {
		if cal.count[b] == 0 {
			continue
		}
		tol := sc.bound.cellTotal(b, cellDelta)
		if m := tol - cal.cell[b]; m < best {
			best, v.worstCell, v.worstGap, v.worstTolerance = m, b, cal.cell[b], tol
		}
	}
	return v
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

// forecastGapLowerBound returns a lower bound on the calibration gap T of any
// predictions that agree with forecast wherever forecast[j] >= 0: the gap of
// the forecast points alone minus, for each other point, the largest TV it
// can add, 1 - min_c eta_c(x_j) (triangle inequality). It also returns the
// fraction of points without a forecast.
func forecastGapLowerBound(eval points, cell []int, cells int, forecast []int) (lower, unforecast float64) {
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
		row := sum[cell[j]*k : (cell[j]+1)*k]
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
