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
// Checked: interpolation (exact: zero training error); agreement with 1-NN at
// every evaluation point that meets the margin condition (exact); and the L1
// band with the points that fail it added, |L^ - G^| <= A^ + r + F, F =
// (1/N) sum_{j fails} (max_c eta_c(x_j) - min_c eta_c(x_j)), since the risks
// of two classifiers differ at x_j by at most that width (McDiarmid at
// c.Delta as in L1). Cases with e >= 1/2 (eps >= 1) or a Gram matrix that does
// not factorize are unresolved.
var claimL4 = Claim{
	ID:     "L4",
	Title:  "Ridgeless kernel machines with a small bandwidth interpolate and are samplers",
	Source: "Kaplun et al. 2022, Section 5 (kernel machines in the interpolating regime)",
	Statement: "For the ridgeless Laplace or Gaussian kernel machine with bandwidth h = s_min/c (c >= 2) and Gram row sums e < 1/2: " +
		"zero training error; the 1-NN label wherever (1 - eps) > (1 + eps) sum_i K(r_i)/K(r_1), eps = e/(1-e); " +
		"and |L^ - G^| <= A^ + r + F with F the eta-width of the points failing that margin.",
	Kind:       FiniteBound,
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
	},
}

func init() { register(claimL4) }

const l4Checks, l4Assertions = 20, 1

// l4Delta is the delta at which claim L4's check runs; its falsifiers run
// the same check at the same delta.
func l4Delta() float64 { return claimDelta(checksFor(l4Checks), l4Assertions) }

// l4Spec: every family, d <= 3, k <= 4.
var l4Spec = gen.Spec{MinDim: 1, MaxDim: 3, MinClasses: 2, MaxClasses: 4}

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

// kernelCheck is what the L4 check measures on one learner.
type kernelCheck struct {
	band         samplerBand // the L1 band with extra = F
	trainErrors  int         // training points predicted off their label
	unsafe       int         // evaluation points failing the margin condition
	disagree     int         // evaluation points where the learner and 1-NN differ
	disagreeSafe int         // ... among those meeting the margin condition
}

// rejects reports whether any assertion of the L4 check fails.
func (kc kernelCheck) rejects() bool {
	return kc.trainErrors > 0 || kc.disagreeSafe > 0 || kc.band.rejects()
}

func (kc kernelCheck) String() string {
	return fmt.Sprintf("%d training errors; %d of the evaluation points fail the margin, %d disagree with 1-NN (%d of them meeting the margin); %v",
		kc.trainErrors, kc.unsafe, kc.disagree, kc.disagreeSafe, kc.band)
}

// checkKernelInterpolation fits learner on (train, y) and checks it against
// the claimed regime: interpolation, agreement with 1-NN where the margin
// condition holds, and the L1 band widened by the points where it fails.
func checkKernelInterpolation(learner learners.Learner, kr kernelRegime, train points, y []int, eval points, a nnAnalysis, delta float64) (kernelCheck, error) {
	h, err := learner.Fit(train.dataset(y))
	if err != nil {
		return kernelCheck{}, err
	}
	var kc kernelCheck
	trainPred := make([]int, train.len())
	if err := h.PredictBatch(train.x, trainPred, nil); err != nil {
		return kc, err
	}
	for i, c := range trainPred {
		if c != y[i] {
			kc.trainErrors++
		}
	}
	risk, pred, err := predictRisk(h, eval, nil)
	if err != nil {
		return kc, err
	}
	safe, err := kr.safe(train, eval)
	if err != nil {
		return kc, err
	}
	fail := 0.0
	for j, ok := range safe {
		if !ok {
			kc.unsafe++
			e := eval.posterior(j)
			fail += slices.Max(e) - slices.Min(e)
		}
		if pred[j] != y[a.nn[j]] {
			kc.disagree++
			if ok {
				kc.disagreeSafe++
			}
		}
	}
	kc.band = samplerBand{
		risk:     risk,
		sampler:  a.sampler,
		bayes:    a.bayes,
		boundary: a.boundary,
		radius:   BoundedDifferences(a.sumSq, delta),
		extra:    fail / float64(eval.len()),
	}
	return kc, nil
}

// l4Regime draws the claimed regime on train: a kernel and h = s_min / c.
// It returns a non-empty reason when the positions have a duplicate.
func l4Regime(c *Check, train points) (kernelRegime, string) {
	kernel := rapid.SampledFrom([]learners.Kernel{learners.Laplace, learners.Gaussian}).Draw(c.T, "kernel")
	div := rapid.SampledFrom([]float64{2, 4, 8}).Draw(c.T, "c")
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
	return kr, ""
}

func propertyL4(c *Check) {
	dist := gen.Distributions(l4Spec).Draw(c.T, "dist")
	m := rapid.SampledFrom([]int{100, 200, 300}).Draw(c.T, "m")
	rng := c.Rand("data")
	train := drawPoints(dist, rng, m)
	eval := drawPoints(dist, rng, 2000)
	kr, why := l4Regime(c, train)
	if why != "" {
		c.Unresolved("%v: %s", dist, why)
	}
	if kr.rowSum >= 0.5 {
		c.Unresolved("%v: Gram row sum e = %.3f >= 1/2 at h = %.3g", dist, kr.rowSum, kr.h)
	}
	a, err := analyseNN(train, eval)
	if err != nil {
		c.Fatalf("analyseNN: %v", err)
	}
	y := train.drawLabels(rng)
	kc, err := checkKernelInterpolation(learners.KernelMachine{Kernel: kr.kernel, Bandwidth: kr.h}, kr, train, y, eval, a, c.Delta)
	if errors.Is(err, learners.ErrGramNotFactorized) {
		c.Unresolved("%v: %v", dist, err)
	}
	if err != nil {
		c.Fatalf("%v: %v", dist, err)
	}
	// Exact: interpolation.
	if kc.trainErrors > 0 {
		c.Fatalf("%v, %v kernel, h = %.3g, e = %.3g: %d training errors: %v", dist, kr.kernel, kr.h, kr.rowSum, kc.trainErrors, kc)
	}
	// Exact: the 1-NN label wherever the margin condition holds.
	if kc.disagreeSafe > 0 {
		c.Fatalf("%v, %v kernel, h = %.3g, eps = %.3g: disagrees with 1-NN at %d points meeting the margin: %v", dist, kr.kernel, kr.h, kr.eps, kc.disagreeSafe, kc)
	}
	// Probabilistic (c.Delta): the inherited L1 band.
	c.Margin(kc.band.width() - kc.band.deviation())
	if kc.band.rejects() {
		c.Fatalf("%v, %v kernel, h = %.3g: outside the L1 band: %v", dist, kr.kernel, kr.h, kc)
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
// almost everywhere, so its risk is R^* = rho, far below the L1 band around
// G = 2 rho (1 - rho) at the claimed regime (Laplace, h = s_min/2).
// kernelRidgeForecast certifies from eta, with probability 1 - c.Delta, the
// label the smoother predicts at each point (its scores are linear in the
// labels); sizes m = 500, N = 1000: a near-uniform weight vector over 500
// points puts the mean score margin about 1.4 times above the forecast's
// McDiarmid radius at 1e-9, and the 1-NN band of the check (at the claim's
// delta, l4Delta; about 0.08 wide, A^ = 0 on a constant posterior) stays
// well above R^* (G - R^* >= 0.12).
func falsifierL4Smoother(c *Check, kernel learners.Kernel, h float64) {
	rho := rapid.SampledFrom([]float64{0.25, 0.3}).Draw(c.T, "rho")
	dist, err := gen.NewGrid(1, 1, [][]float64{{1 - rho, rho}})
	if err != nil {
		c.Fatalf("NewGrid: %v", err)
	}
	rng := c.Rand("data")
	train := drawPoints(dist, rng, l4FalsifierM)
	eval := drawPoints(dist, rng, 1000)
	sp, err := nnSpacing(train)
	if err != nil || sp.min == 0 {
		c.Fatalf("nnSpacing: %v (min %g)", err, sp.min)
	}
	kr, err := newKernelRegime(learners.Laplace, sp.min/2, train)
	if err != nil {
		c.Fatalf("newKernelRegime: %v", err)
	}
	a, err := analyseNN(train, eval)
	if err != nil {
		c.Fatalf("analyseNN: %v", err)
	}
	// The band's lower edge at the claimed regime, from positions and eta.
	safe, err := kr.safe(train, eval)
	if err != nil {
		c.Fatalf("safe: %v", err)
	}
	fail := 0.0
	for j, ok := range safe {
		if !ok {
			e := eval.posterior(j)
			fail += slices.Max(e) - slices.Min(e)
		}
	}
	delta := l4Delta()
	lower := a.sampler - a.boundary - BoundedDifferences(a.sumSq, delta) - fail/float64(eval.len())
	forecast, err := kernelRidgeForecast(kernel, h, l4Ridge, train, eval, c.Delta)
	if err != nil {
		c.Fatalf("kernelRidgeForecast: %v", err)
	}
	upper := 0.0
	for j, f := range forecast {
		e := eval.posterior(j)
		if f < 0 {
			upper += 1 - slices.Min(e)
		} else {
			upper += 1 - e[f]
		}
	}
	upper /= float64(eval.len())
	if upper >= lower {
		c.Unresolved("rho = %v: forecast risk bound %.4f not below the band's lower edge %.4f", rho, upper, lower)
	}
	y := train.drawLabels(rng)
	kc, err := checkKernelInterpolation(learners.KernelMachine{Kernel: kernel, Bandwidth: h, Ridge: l4Ridge}, kr, train, y, eval, a, delta)
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	c.Margin(kc.band.deviation() - kc.band.width())
	if !kc.rejects() {
		c.Fatalf("rho = %v: the L4 check did not reject the %v smoother (h = %g, ridge %g): %v", rho, kernel, h, l4Ridge, kc)
	}
}
