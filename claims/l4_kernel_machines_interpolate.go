package claims

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimL4 is claim L4: a ridgeless kernel machine with a bandwidth small
// against the nearest-neighbour spacing interpolates and agrees with 1-NN
// off a measured set of near-ties, so it inherits L1.
//
// The condition, and why it suffices. With h = s_min / c (s_min the smallest
// distance between training points, c in {2, 4, 8}) the Gram matrix is
// G = I + E with zero-diagonal E whose largest row sum e is measured; when
// e < 1, the one-vs-rest coefficients A = G^-1 Y (targets +-1) satisfy
// |A - Y|_max <= eps = e/(1-e) (Neumann series). At a query with nearest
// training point x_(1) (label c*) and relative kernel weights w_i =
// K(r_i)/K(r_(1)), f_c* - f_c >= 2 (1 - eps) - 2 (1 + eps) sum_{i != (1)} w_i,
// so the machine answers the 1-NN label wherever
//
//	(1 - eps) > (1 + eps) sum_{i != (1)} w_i      (the margin condition).
//
// Checked, on R = l4Replicates stratified label sets at the same positions
// (stratifiedLabels), each fitted by the production kernel machine
// (c.KernelMachine):
//
//   - calibrated, conformance: the mean risk Lbar of the R machines against
//     1-NN's exact mean EL given the positions, with tolerance tol = r + F:
//     on the points meeting the margin condition the machine's answers are
//     1-NN's, whose mean risk is the additive sum of spreadOf restricted to
//     them (Bernstein radius r at c.Delta); at the F-points that fail it any
//     answer's risk is within max_c eta_c(x_j) - min_c eta_c(x_j) of 1-NN's
//     expected one, F = (1/N) sum_{j fails} that width. With L1's exact
//     |EL - G^| <= A^ this is the claim: |Lbar - G^| <= A^ + r + F;
//   - exact: interpolation (zero training error) and agreement with 1-NN at
//     every evaluation point that meets the margin condition, on the first
//     label set.
//
// Cases with e >= 1/2 (eps >= 1) or a Gram matrix that does not factorize
// are unresolved.
//
// MDD. The conformance check rejects, with probability at least 1 - delta,
// a learner whose expected mean risk is more than tol + r off EL and whose
// answers depend on each training point's draws only where 1-NN's do:
// Detectable(tol, r). The label noise of m R draws dominates: each training
// point's Voronoi cell holds about N/m evaluation points, so r falls like
// sqrt(1/N + 1/m)/R, and a prediction of the machine costs O(m) per query:
// at m = 300, N = 500, R = 64 the MDD measured a median of 0.004-0.008 and
// a worst of 0.008-0.012 (runs of 5 and 20 cases; 0.0049/0.0096 over 20),
// the worst on high-noise posteriors; 0.01 on every case would take R
// about 1.3 times larger.
var claimL4 = Claim{
	ID:     "L4",
	Title:  "Ridgeless kernel machines with a small bandwidth interpolate and are samplers",
	Source: "Kaplun et al. 2022, Section 5 (kernel machines in the interpolating regime)",
	Statement: "For the ridgeless Laplace or Gaussian kernel machine with bandwidth h = s_min/c (c >= 2) and Gram row sums e < 1/2: " +
		"zero training error; the 1-NN label wherever (1 - eps) > (1 + eps) sum_i K(r_i)/K(r_1), eps = e/(1-e); " +
		"and its mean risk over R label sets is within r + F of 1-NN's exact mean EL, F the eta-width of the points failing that margin.",
	Kind:       FiniteBound,
	Unit:       "risk",
	Checks:     l4Checks,
	Assertions: l4Assertions,
	Property:   propertyL4,
	Falsifiers: []Falsifier{
		{Name: "laplace-ridge=1e4", Checks: 5, Assertions: 1, Property: func(c *Check) {
			falsifierL4Smoother(c, learners.Laplace, 1)
		}},
		{Name: "gaussian-bandwidth=10-ridge=1e4", Checks: 5, Assertions: 1, Property: func(c *Check) {
			falsifierL4Smoother(c, learners.Gaussian, 10)
		}},
		{Name: "edge-bayes-share", Checks: 5, Assertions: 1, Property: falsifierL4Edge},
	},
}

func init() { register(claimL4) }

const l4Checks, l4Assertions = 5, 1

// The default sizes of claim L4: m training positions, N evaluation points,
// R stratified label sets. The cost is R m N (a prediction is O(m)) and the
// radius falls like sqrt(1/N + 1/m)/R (stratified draws), so many label sets
// on few evaluation points beat the converse.
const l4M, l4N, l4Replicates = 300, 500, 64

// l4Delta is the delta at which claim L4's check runs; its falsifiers run
// the same check at the same delta.
func l4Delta() float64 { return claimDelta(checksFor(l4Checks), l4Assertions) }

// l4Spec: every family, d <= 2, k <= 4.
var l4Spec = gen.Spec{MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 4}

// kernelRegime is the claimed regime of a ridgeless kernel machine on fixed
// training positions: its kernel and bandwidth, the largest off-diagonal row
// sum e of its Gram matrix and eps = e/(1-e) (+Inf when e >= 1).
type kernelRegime struct {
	kernel learners.Kernel
	h      float64
	rowSum float64
	eps    float64
}

// kernelScore returns the exponent a of the kernel at distance r, K(r) =
// exp(-a): r/h (Laplace) or r^2/(2 h^2) (Gaussian), so relative weights
// exp(-(a_i - a_(1))) never underflow all at once.
func kernelScore(kernel learners.Kernel, r, h float64) float64 {
	if kernel == learners.Gaussian {
		u := r / h
		return u * u / 2
	}
	return r / h
}

// regimeNeighbours is the number of nearest training points whose kernel
// weights newKernelRegime and safe sum exactly; the remaining m - K points
// each weigh at most as much as the K-th, which bounds their sum (the bound
// is what enters e and the margin, so it errs on the safe side).
const regimeNeighbours = 16

// newKernelRegime measures (an upper bound on) e and eps for kernel at
// bandwidth h on train.
func newKernelRegime(kernel learners.Kernel, h float64, train points) (kernelRegime, error) {
	m := train.len()
	k := min(m, regimeNeighbours+1) // the point itself comes first
	ind := make([]int, m*k)
	dist := make([]float64, m*k)
	idx, err := learners.NewIndex(train.x, train.d)
	if err != nil {
		return kernelRegime{}, err
	}
	if err := idx.SearchBatch(train.x, k, ind, dist); err != nil {
		return kernelRegime{}, err
	}
	e := 0.0
	for i := range m {
		s, last := 0.0, 0.0
		for l := 1; l < k; l++ {
			last = math.Exp(-kernelScore(kernel, dist[i*k+l], h))
			s += last
		}
		e = max(e, s+float64(m-k)*last)
	}
	eps := math.Inf(1)
	if e < 1 {
		eps = e / (1 - e)
	}
	return kernelRegime{kernel: kernel, h: h, rowSum: e, eps: eps}, nil
}

// marginSlack returns s0 such that the margin condition, checked as
//
//	1 - eps > (1 + eps) rest + (1 + rest) s0,
//
// guarantees that the ridgeless learners.KernelMachine at this regime, fitted
// on train (m points, K classes, dimension d), answers the 1-NN label, float
// arithmetic included (u = 2^-53):
//
//   - The margin argument holds for any non-negative weights with w_(1) = 1
//     and any coefficients within eps' of Y. The machine's relative weights
//     exp(-(a_i - a_(1))) come from the same scores as kernelScore on the
//     index's distances, bit for bit, and safe sums the same weights (the k
//     nearest, and (m - k) times the k-th for the others, which bounds them:
//     every step is monotone), so only safe's own sum, (k + 2) u rest, and the
//     machine's score sums, m terms of size at most (2 + eps) w_i with up to
//     m rescalings, 2 m u (2 + eps)(1 + rest) each, enter: in half-margin
//     units at most (2 + eps)(2m + k + 2) u (1 + rest).
//   - Coefficients: A^ - A = G^-1 (G A^ - Y), ||G^-1||_inf <= 1/(1 - e), so
//     eps' = eps + delta with delta = ||G A^ - Y||_max / (1 - e). The sparse
//     path certifies a relative Frobenius residual rho <=
//     learners.SparseResidualTolerance against G with its cut entries (its
//     own evaluation adds at most 5 (m + 1) u per entry), so
//     ||G A^ - Y||_max <= (rho + 5 (m + 1) u) sqrt(m K). The dense path is
//     Cholesky on the cut matrix, backward stable (Higham, Theorem 10.4:
//     |Delta G| <= gamma_{3m+1} |R^T| |R|, entries at most 1 + O(u) since R's
//     columns have norm sqrt(G_ii) = 1), so ||G A^ - Y||_max is at most
//     m ((3m + 2) u + e^-46) ||A^||_max with ||A^||_max <= 2 + eps. Either way the
//     machine's Gram entries are within (46 (d + 5) + 3) u relative of the
//     kernel at the same positions (kernel.go: a few ulps times a <= 46, and
//     1.5 ulps for the exponential), adding e (46 (d + 5) + 3) u (2 + eps).
//   - eps itself: newKernelRegime's row sums err by at most ((d + 5) m +
//     k + 3) u (a relative error (d + 5) u a of each score moves its weight
//     by (d + 5) u a e^-a <= (d + 5) u / e, and k + 3 roundings of the sum),
//     and eps = e/(1 - e) moves by that over (1 - e)^2.
//
// With eps' = eps + delta + Delta eps, the half-margin (1 - eps') - (1 + eps')
// rest loses (delta + Delta eps)(1 + rest) against the exact one, and the
// rounding above comes on top: s0 = delta + Delta eps + (2 + eps)(2m + k +
// 2) u. With rho = 1e-10 the sparse path's tolerance dominates it: about
// 3.5e-9/(1 - e) at m = 300, K = 4.
func (kr kernelRegime) marginSlack(m, classes, d int) float64 {
	const u = 0x1p-53
	mf, kf, df := float64(m), float64(regimeNeighbours), float64(d)
	norm := 2 + kr.eps
	sparse := (learners.SparseResidualTolerance + 5*(mf+1)*u) * math.Sqrt(mf*float64(classes))
	dense := mf * ((3*mf+2)*u + math.Exp(-46)) * norm
	entries := kr.rowSum * (46*(df+5) + 3) * u * norm
	delta := (max(sparse, dense) + entries) / (1 - kr.rowSum)
	dEps := ((df+5)*mf + kf + 3) * u / ((1 - kr.rowSum) * (1 - kr.rowSum))
	return delta + dEps + norm*(2*mf+kf+2)*u
}

// safe reports, for each evaluation point, whether it meets the margin
// condition; its nearest training point is the first of the index's answer,
// ties to the lower index as in nnAnalysis.
func (kr kernelRegime) safe(train, eval points) ([]bool, error) {
	out := make([]bool, eval.len())
	if math.IsInf(kr.eps, 1) {
		return out, nil
	}
	m := train.len()
	k := min(m, regimeNeighbours)
	ind := make([]int, eval.len()*k)
	dist := make([]float64, eval.len()*k)
	idx, err := learners.NewIndex(train.x, train.d)
	if err != nil {
		return nil, err
	}
	if err := idx.SearchBatch(eval.x, k, ind, dist); err != nil {
		return nil, err
	}
	s0 := kr.marginSlack(m, train.k, train.d)
	for j := range out {
		a1 := kernelScore(kr.kernel, dist[j*k], kr.h)
		rest, last := 0.0, 0.0
		for l := 1; l < k; l++ {
			last = math.Exp(-(kernelScore(kr.kernel, dist[j*k+l], kr.h) - a1))
			rest += last
		}
		rest += float64(m-k) * last
		out[j] = 1-kr.eps > (1+kr.eps)*rest+(1+rest)*s0
	}
	return out, nil
}

// l4Case is one case of claim L4: positions, stratified label sets,
// evaluation points, the claimed regime, the points meeting its margin and
// 1-NN's analysis.
type l4Case struct {
	dist   gen.Distribution
	train  points
	labels [][]int
	eval   points
	kr     kernelRegime
	safe   []bool
	a      nnAnalysis
	spread additiveSpread // 1-NN's terms on the safe points
	fail   float64        // F
}

// newL4Case draws the case's data from the streams of seed and analyses it
// at the regime kr (nil: drawn by l4Regime).
func newL4Case(c *Check, dist gen.Distribution, m, n, r int, seed uint64, regime func(train points) (kernelRegime, string)) (l4Case, string) {
	s := gen.NewStreams(seed)
	lc := l4Case{dist: dist, train: drawPoints(dist, s.Train, m), eval: drawPoints(dist, s.Eval, n)}
	lc.labels = stratifiedLabels(lc.train, r, s.Labels)
	kr, why := regime(lc.train)
	if why != "" {
		return lc, why
	}
	lc.kr = kr
	var err error
	if lc.safe, err = kr.safe(lc.train, lc.eval); err != nil {
		c.Fatalf("safe: %v", err)
	}
	if lc.a, err = analyseNN(lc.train, lc.eval); err != nil {
		c.Fatalf("analyseNN: %v", err)
	}
	lc.spread = spreadOf(lc.train, riskTable(lc.train, lc.eval, lc.a.nn, func(j int) bool { return lc.safe[j] }), r)
	for j, ok := range lc.safe {
		if !ok {
			e := lc.eval.posterior(j)
			lc.fail += (slices.Max(e) - slices.Min(e)) / float64(n)
		}
	}
	return lc, ""
}

// tolerance returns the check's tolerance at delta, r + F plus the float
// slack of the comparison.
func (lc l4Case) tolerance(delta float64) float64 {
	return lc.spread.radius(delta) + lc.fail + riskSlack(lc.eval.len(), len(lc.labels), lc.eval.k)
}

// kernelCheck is what the L4 check measures on one learner: the
// conformance of its mean risk with EL and, on the first label set, its
// training errors and its disagreements with 1-NN at the safe points.
type kernelCheck struct {
	conf         riskConformance
	trainErrors  int
	unsafe       int
	disagree     int
	disagreeSafe int
}

func (kc kernelCheck) String() string {
	return fmt.Sprintf("%d training errors; %d of the evaluation points fail the margin, %d disagree with 1-NN (%d of them meeting the margin); %v",
		kc.trainErrors, kc.unsafe, kc.disagree, kc.disagreeSafe, kc.conf)
}

// check fits learner on every label set and measures the kernelCheck.
func (lc l4Case) check(learner learners.Learner, tol, mdd float64) (kernelCheck, error) {
	var kc kernelCheck
	total := 0.0
	for t, y := range lc.labels {
		h, err := learner.Fit(lc.train.dataset(y))
		if err != nil {
			return kc, err
		}
		risk, pred, err := predictRisk(h, lc.eval, nil)
		if err != nil {
			return kc, err
		}
		total += risk
		if t > 0 {
			continue
		}
		trainPred := make([]int, lc.train.len())
		if err := h.PredictBatch(lc.train.x, trainPred, nil); err != nil {
			return kc, err
		}
		for i, c := range trainPred {
			if c != y[i] {
				kc.trainErrors++
			}
		}
		for j, ok := range lc.safe {
			if !ok {
				kc.unsafe++
			}
			if pred[j] != y[lc.a.nn[j]] {
				kc.disagree++
				if ok {
					kc.disagreeSafe++
				}
			}
		}
	}
	kc.conf = riskConformance{what: fmt.Sprintf("mean risk of %d kernel machines vs 1-NN's EL", len(lc.labels)),
		measured: total / float64(len(lc.labels)), expected: lc.a.expected, tol: tol, mdd: mdd}
	return kc, nil
}

// l4Regime draws the claimed regime on train: a kernel and h = s_min / c.
// It returns a non-empty reason when the positions have a duplicate or the
// Gram row sum is 1/2 or more.
func l4Regime(c *Check) func(train points) (kernelRegime, string) {
	kernel := rapid.SampledFrom([]learners.Kernel{learners.Laplace, learners.Gaussian}).Draw(c.T, "kernel")
	div := rapid.SampledFrom([]float64{2, 4, 8}).Draw(c.T, "c")
	return func(train points) (kernelRegime, string) { return regimeAt(c, kernel, div, train) }
}

// regimeAt returns the regime of kernel at h = s_min/div on train.
func regimeAt(c *Check, kernel learners.Kernel, div float64, train points) (kernelRegime, string) {
	sp, err := nnSpacing(train)
	if err != nil {
		c.Fatalf("nnSpacing: %v", err)
	}
	if sp.min == 0 {
		return kernelRegime{}, "duplicate training points"
	}
	kr, err := newKernelRegime(kernel, sp.min/div, train)
	if err != nil {
		c.Fatalf("newKernelRegime: %v", err)
	}
	if kr.rowSum >= 0.5 {
		return kr, fmt.Sprintf("Gram row sum e = %.3f >= 1/2 at h = %.3g", kr.rowSum, kr.h)
	}
	return kr, ""
}

func drawL4Case(c *Check) l4Case {
	dist := gen.Distributions(l4Spec).Draw(c.T, "dist")
	lc, why := newL4Case(c, dist, l4M, l4N, l4Replicates, c.Seed("seed"), l4Regime(c))
	if why != "" {
		c.Unresolved("%v: %s", dist, why)
	}
	return lc
}

func propertyL4(c *Check) {
	lc := drawL4Case(c)
	tol := lc.tolerance(c.Delta)
	r := lc.spread.radius(c.Delta)
	kc, err := lc.check(c.KernelMachine(learners.KernelMachine{Kernel: lc.kr.kernel, Bandwidth: lc.kr.h}), tol, Detectable(tol, r))
	if errors.Is(err, learners.ErrGramNotFactorized) {
		c.Unresolved("%v: %v", lc.dist, err)
	}
	if err != nil {
		c.Fatalf("%v: %v", lc.dist, err)
	}
	// Calibrated (c.Delta): the mean risk conforms to 1-NN's exact mean.
	if kc.conf.record(c) {
		c.Fatalf("%v, %v kernel, h = %.3g: off 1-NN's exact mean risk: %v", lc.dist, lc.kr.kernel, lc.kr.h, kc)
	}
	// Exact: interpolation.
	if kc.trainErrors > 0 {
		c.Fatalf("%v, %v kernel, h = %.3g, e = %.3g: %d training errors: %v", lc.dist, lc.kr.kernel, lc.kr.h, lc.kr.rowSum, kc.trainErrors, kc)
	}
	// Exact: the 1-NN label wherever the margin condition holds.
	if kc.disagreeSafe > 0 {
		c.Fatalf("%v, %v kernel, h = %.3g, eps = %.3g: disagrees with 1-NN at %d points meeting the margin: %v", lc.dist, lc.kr.kernel, lc.kr.h, lc.kr.eps, kc.disagreeSafe, kc)
	}
}

// l4Ridge is the ridge of the falsifiers' smoothers, l4FalsifierM their
// training size.
const (
	l4Ridge      = 1e4
	l4FalsifierM = 500
)

// falsifierL4Smoother: a kernel machine with a large ridge (and, for the
// Gaussian, a bandwidth far above the spacing) is a smoother: on a constant
// posterior (noise rate rho everywhere, d = 1) it predicts the Bayes label
// almost everywhere, so its risk is near R^* = rho, far below 1-NN's EL = G
// = 2 rho (1 - rho) at the claimed regime (Laplace, h = s_min/2).
// kernelRidgeForecast certifies from eta, with probability 1 - c.Delta/R
// per label set (each alone i.i.d.; union bound over the R sets), the label
// the smoother predicts at each point (its scores are linear in the
// labels); sizes m = 500, N = 1000, R = 2. The case resolves when the
// forecast risk is below EL minus the check's tolerance at l4Delta, and the
// check must then reject.
func falsifierL4Smoother(c *Check, kernel learners.Kernel, h float64) {
	rho := rapid.SampledFrom([]float64{0.25, 0.3}).Draw(c.T, "rho")
	dist, err := gen.NewGrid(1, 1, [][]float64{{1 - rho, rho}})
	if err != nil {
		c.Fatalf("NewGrid: %v", err)
	}
	const r = 2
	lc, why := newL4Case(c, dist, l4FalsifierM, 1000, r, c.Seed("seed"), func(train points) (kernelRegime, string) {
		return regimeAt(c, learners.Laplace, 2, train)
	})
	if why != "" {
		c.Unresolved("%s", why)
	}
	delta := l4Delta()
	tol := lc.tolerance(delta)
	forecast, err := kernelRidgeForecast(kernel, h, l4Ridge, lc.train, lc.eval, c.Delta/r)
	if err != nil {
		c.Fatalf("kernelRidgeForecast: %v", err)
	}
	upper := 0.0
	for j, f := range forecast {
		e := lc.eval.posterior(j)
		if f < 0 {
			upper += 1 - slices.Min(e)
		} else {
			upper += 1 - e[f]
		}
	}
	upper /= float64(lc.eval.len())
	if upper >= lc.a.expected-tol {
		c.Unresolved("rho = %v: forecast risk bound %.4f not below EL - tol = %.4f", rho, upper, lc.a.expected-tol)
	}
	kc, err := lc.check(c.KernelMachine(learners.KernelMachine{Kernel: kernel, Bandwidth: h, Ridge: l4Ridge}), tol, Detectable(tol, lc.spread.radius(c.Delta)))
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	if !kc.conf.record(c) {
		c.Fatalf("rho = %v: the L4 check did not reject the %v smoother (h = %g, ridge %g): %v", rho, kernel, h, l4Ridge, kc)
	}
}

// falsifierL4Edge: the ridgeless kernel machine answering the Bayes label
// on a share q of the queries (majorityOnShare), at the claim's sizes. On
// the safe points off the share it answers as 1-NN; its expected mean risk
// is EL + D(q) up to the F-points, D(q) the Bayes deviation over the safe
// points of the share (nnBayesDeviation); its terms are 1-NN's on the safe
// points off the share (radius r' at c.Delta). q is the smallest share with
// |D(q)| >= 1.5 MDD + F, MDD = tol + r (tol at l4Delta, r at c.Delta; the
// F-points of the mutant may move its risk by F either way, and F is 0 in
// most cases); the case
// resolves when |D(q)| > tol + F + r' (the F-points may move either way),
// and the conformance check must then reject.
func falsifierL4Edge(c *Check) {
	lc := drawL4Case(c)
	tol := lc.tolerance(l4Delta())
	mdd := Detectable(tol, lc.spread.radius(c.Delta))
	dev := nnBayesDeviation(lc.train, lc.eval, lc.a.nn)
	for j, ok := range lc.safe {
		if !ok {
			dev[j] = 0
		}
	}
	q, change, ok := shareDeviation(lc.eval, dev, 1.5*mdd+lc.fail)
	if !ok {
		c.Unresolved("%v: the Bayes label everywhere moves the risk by %.5f < 1.5 MDD + F = %.5f", lc.dist, -change, 1.5*mdd+lc.fail)
	}
	own := spreadOf(lc.train, riskTable(lc.train, lc.eval, lc.a.nn, func(j int) bool {
		return lc.safe[j] && unitHash(lc.eval.row(j), saltShare) >= q
	}), len(lc.labels))
	alt := own.radius(c.Delta)
	if -change <= tol+lc.fail+alt {
		c.Unresolved("%v, q = %.3f: deviation %.5f within tol + F + radius = %.5f + %.5f + %.5f", lc.dist, q, -change, tol, lc.fail, alt)
	}
	km := c.KernelMachine(learners.KernelMachine{Kernel: lc.kr.kernel, Bandwidth: lc.kr.h})
	kc, err := lc.check(majorityOnShare(km, knowsPosterior(lc.dist, false), q), tol, Detectable(tol, alt))
	if errors.Is(err, learners.ErrGramNotFactorized) {
		c.Unresolved("%v: %v", lc.dist, err)
	}
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	if !kc.conf.record(c) {
		c.Fatalf("%v, q = %.3f: the L4 check did not reject the kernel machine answering the Bayes label on a share (deviation %.5f): %v", lc.dist, q, -change, kc)
	}
}
