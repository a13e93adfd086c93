package claims

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimL5 is claim L5: randomized Nadaraya-Watson is a sampler, its plug-in
// is a learner. Given the training set, the randomized classifier answers
// class c at x with probability q(c|x), the Nadaraya-Watson estimate
//
//	q(c|x) = sum_i K(||x - x_i||) [y_i = c] / sum_i K(||x - x_i||),
//
// computed here independently of the learner's code (nwReference: weights
// relative to the nearest training point, Hilbert K(r) = r^(-d) with the
// label of a training point hit exactly). On N evaluation points its
// expected risk is E_q = (1/N) sum_j (1 - q(.|x_j).eta(x_j)), and
//
//	|E_q - G^| <= TV^ = (1/N) sum_j TV(q(.|x_j), eta(x_j))   (exact, as A^ in measure.go).
//
// Checked:
//
//   - calibrated, conformance (the sampler): the mean risk of the production
//     randomized learner (c.NadarayaWatson), answering each evaluation point
//     lc.passes times, is within tol of E_q; its answers are independent
//     given the training set (one fresh uniform per query), each with the
//     exact variance sum_c q_c (1 - eta_c)^2 - (1 - q.eta)^2, so tol is
//     Bernstein's radius at c.Delta;
//   - exact: |E_q - G^| <= TV^;
//   - exact (the learner): the production plug-in answers argmax_c q(c|x_j)
//     of the reference q except at near-ties (top two within l5TieSlack),
//     whose eta-width bounds the difference of risks, and its risk is at most
//     R^* + 2 TV^ (pointwise: eta_c* - eta_c^ <= |eta_c* - q_c*| + |q_c^ -
//     eta_c^|), so it tends to R^* as the estimate improves;
//   - exact: with the singular Hilbert kernel both classifiers interpolate
//     and q(.|x_i) is the indicator of y_i: interpolation alone does not
//     make a sampler.
//
// MDD. The conformance check rejects, with probability at least 1 - delta,
// every classifier whose answers are independent across queries and whose
// expected risk is more than tol + its own radius off E_q; with the
// production's variances, Detectable(tol, tol). The answers' own noise
// dominates (the radius falls like 1/sqrt(N P) with P passes): at m = 100,
// N = 2000, P = 40 it measured a median of 0.004-0.008 and a worst of
// 0.014-0.018 (runs of 10 and 20 cases), the worst on posteriors and
// estimates near 1/2 (answer variance near 1/4). A prediction costs O(m)
// per query, so P N m bounds the cost; halving the worst case would take
// four times the passes.
var claimL5 = Claim{
	ID:     "L5",
	Title:  "Randomized Nadaraya-Watson is a sampler; its plug-in is a learner",
	Source: "Nadaraya 1964; Watson 1964; Devroye, Gyorfi and Krzyzak 1998 (Hilbert kernel); Kaplun et al. 2022, Section 5",
	Statement: "Given the training set, the randomized NW classifier's mean risk is within a Bernstein radius of E_q = mean_j (1 - q(x_j).eta(x_j)) " +
		"for the NW estimate q computed independently, and |E_q - G^| <= TV^ = mean_j TV(q(x_j), eta(x_j)); the plug-in answers argmax q, " +
		"with L^ <= R^* + 2 TV^; with the Hilbert kernel both interpolate.",
	Kind:       FiniteBound,
	Unit:       "risk",
	Checks:     l5Checks,
	Assertions: l5Assertions,
	Property:   propertyL5,
	Falsifiers: []Falsifier{
		{Name: "plug-in-on-half", Checks: 5, Assertions: 1, Property: falsifierL5PlugIn},
		{Name: "shrunk-half", Checks: 5, Assertions: 1, Property: func(c *Check) { falsifierL5Shrunk(c, false) }},
		{Name: "edge-shrunk", Checks: 5, Assertions: 1, Property: func(c *Check) { falsifierL5Shrunk(c, true) }},
	},
}

func init() { register(claimL5) }

const l5Checks, l5Assertions = 8, 1

// The default sizes of claim L5: m training points, N evaluation points,
// each answered lc.passes times by the randomized classifier.
const l5M, l5N, l5Passes = 100, 2000, 40

// l5GrossPasses is the number of passes of the gross falsifiers, whose
// deviations are many MDDs.
const l5GrossPasses = 8

// l5TieSlack is the gap between the two largest entries of the reference q
// below which the production plug-in may answer either (the two
// computations round differently): far above their rounding, about
// m d u relative.
const l5TieSlack = 1e-9

// l5Delta is the delta at which claim L5's check runs; its falsifiers run
// the same check at the same delta.
func l5Delta() float64 { return claimDelta(checksFor(l5Checks), l5Assertions) }

// l5Spec: every family, d <= 3, k <= 4.
var l5Spec = gen.Spec{MinDim: 1, MaxDim: 3, MinClasses: 2, MaxClasses: 4}

// nwReference returns the N x k Nadaraya-Watson estimate of the training
// set (train, y) at the evaluation points, computed from the formula with
// the kernel's weights relative to the nearest training point (which leaves
// q unchanged and never underflows everywhere): exp(-(r_i^2 - r_min^2)/(2
// h^2)) (Gaussian), exp(-(r_i - r_min)/h) (Laplace), (r_min/r_i)^d
// (Hilbert, whose estimate at a training point hit exactly is the indicator
// of the label of the lowest-index such point).
func nwReference(kernel learners.Kernel, h float64, train points, y []int, eval points) []float64 {
	m, d, k := train.len(), train.d, train.k
	q := make([]float64, eval.len()*k)
	r := make([]float64, m)
	for j := range eval.len() {
		x := eval.row(j)
		rmin, hit := math.Inf(1), -1
		for i := range m {
			s := 0.0
			for t, v := range train.row(i) {
				s += (v - x[t]) * (v - x[t])
			}
			r[i] = math.Sqrt(s)
			if r[i] < rmin {
				rmin = r[i]
			}
			if s == 0 && hit < 0 {
				hit = i
			}
		}
		qj := q[j*k : (j+1)*k]
		if kernel == learners.Hilbert && hit >= 0 {
			qj[y[hit]] = 1
			continue
		}
		total := 0.0
		for i, ri := range r {
			var w float64
			switch kernel {
			case learners.Gaussian:
				w = math.Exp(-(ri*ri - rmin*rmin) / (2 * h * h))
			case learners.Laplace:
				w = math.Exp(-(ri - rmin) / h)
			default:
				w = math.Pow(rmin/ri, float64(d))
			}
			qj[y[i]] += w
			total += w
		}
		for c := range qj {
			qj[c] /= total
		}
	}
	return q
}

// answerLaw is the law of the mean risk of independent answers a_j ~ p(.|x_j)
// at the N evaluation points, P passes each: its exact mean and the
// Bernstein terms.
type answerLaw struct {
	mean, v, b float64
}

// lawOf returns the answerLaw of the answer laws p (N x k) over eval, P
// passes, counting the points with keep(j) (nil: all) and adding fixed[j]
// (the risk of a deterministic answer) for the others.
func lawOf(p []float64, eval points, passes int, keep func(j int) bool, fixed func(j int) float64) answerLaw {
	n, k := eval.len(), eval.k
	np := float64(n) * float64(passes)
	var a answerLaw
	for j := range n {
		e := eval.posterior(j)
		if keep != nil && !keep(j) {
			a.mean += fixed(j) / float64(n)
			continue
		}
		pj := p[j*k : (j+1)*k]
		mean, sq := 0.0, 0.0
		for c, v := range pj {
			mean += v * (1 - e[c])
			sq += v * (1 - e[c]) * (1 - e[c])
		}
		a.mean += mean / float64(n)
		a.v += float64(passes) * max(0, sq-mean*mean) / (np * np)
		a.b = max(a.b, (slices.Max(e)-slices.Min(e))/np)
	}
	return a
}

// radius returns Bernstein's radius of the mean risk at delta plus the
// float slack of comparing it with the exact mean.
func (a answerLaw) radius(n, passes, k int, delta float64) float64 {
	return Bernstein(a.v, a.b, delta) + riskSlack(n, passes, k)
}

// repeatRows returns the rows of eval repeated passes times (row j of pass
// t at t N + j).
func repeatRows(eval points, passes int) []float64 {
	x := make([]float64, 0, len(eval.x)*passes)
	for range passes {
		x = append(x, eval.x...)
	}
	return x
}

// passesRisk fits learner on (train, y), answers the evaluation points
// passes times (rng drives the answers) and returns the mean risk through
// eta.
func passesRisk(learner learners.Learner, train points, y []int, eval points, passes int, rng *rand.Rand) (float64, error) {
	h, err := learner.Fit(train.dataset(y))
	if err != nil {
		return 0, err
	}
	n := eval.len()
	pred := make([]int, n*passes)
	if err := h.PredictBatch(repeatRows(eval, passes), pred, rng); err != nil {
		return 0, err
	}
	s := 0.0
	for t, c := range pred {
		s += 1 - eval.posterior(t % n)[c]
	}
	return s / float64(len(pred)), nil
}

// l5Case is one case of claim L5: a training set, evaluation points, the
// kernel and the reference estimate q.
type l5Case struct {
	dist   gen.Distribution
	kernel learners.Kernel
	h      float64
	train  points
	y      []int
	eval   points
	q      []float64
	passes int
}

func drawL5Case(c *Check, passes int) l5Case {
	return drawL5CaseOf(c, l5Spec, []learners.Kernel{learners.Hilbert, learners.Gaussian, learners.Laplace}, []float64{0.02, 0.05, 0.1}, passes)
}

// drawL5CaseOf draws a case of the families of spec, one of kernels and
// one of bandwidths.
func drawL5CaseOf(c *Check, spec gen.Spec, kernels []learners.Kernel, bandwidths []float64, passes int) l5Case {
	dist := gen.Distributions(spec).Draw(c.T, "dist")
	kernel := rapid.SampledFrom(kernels).Draw(c.T, "kernel")
	h := 0.0
	if kernel != learners.Hilbert {
		h = rapid.SampledFrom(bandwidths).Draw(c.T, "bandwidth")
	}
	s := gen.NewStreams(c.Seed("seed"))
	lc := l5Case{passes: passes, dist: dist, kernel: kernel, h: h, train: drawPoints(dist, s.Train, l5M), eval: drawPoints(dist, s.Eval, l5N)}
	lc.y = lc.train.drawLabels(s.Labels)
	lc.q = nwReference(kernel, h, lc.train, lc.y, lc.eval)
	return lc
}

func (lc l5Case) model(randomized bool) learners.NadarayaWatson {
	return learners.NadarayaWatson{Kernel: lc.kernel, Bandwidth: lc.h, Randomized: randomized}
}

// check measures learner's mean risk over the case's passes against E_q.
func (lc l5Case) check(what string, learner learners.Learner, tol, mdd float64, rng *rand.Rand) (riskConformance, error) {
	risk, err := passesRisk(learner, lc.train, lc.y, lc.eval, lc.passes, rng)
	if err != nil {
		return riskConformance{}, err
	}
	eq := lawOf(lc.q, lc.eval, lc.passes, nil, nil).mean
	return riskConformance{what: what, measured: risk, expected: eq, tol: tol, mdd: mdd}, nil
}

// l5Interpolation is the number of training points at which the Hilbert
// interpolation is checked.
const l5Interpolation = 200

func propertyL5(c *Check) {
	lc := drawL5Case(c, l5Passes)
	n, k := lc.eval.len(), lc.eval.k
	law := lawOf(lc.q, lc.eval, lc.passes, nil, nil)
	tol := law.radius(n, lc.passes, k, c.Delta)
	r, err := lc.check("randomized NW vs E_q", c.NadarayaWatson(lc.model(true)), tol, Detectable(tol, tol), c.Rand("answers"))
	if err != nil {
		c.Fatalf("%v: %v", lc.dist, err)
	}
	sampler, bayes := gen.SamplerRisk(lc.eval.eta, k), gen.BayesRisk(lc.eval.eta, k)
	tvq := 0.0
	for j := range n {
		tvq += tv(lc.eval.posterior(j), lc.q[j*k:(j+1)*k]) / float64(n)
	}
	// Calibrated (c.Delta): the sampler conforms to E_q (first, so that a
	// mutant it rejects counts as a calibrated kill).
	if r.record(c) {
		c.Fatalf("%v, %v kernel, h = %g: the randomized NW answers are not draws from q: %v (G^ = %.5f, TV^ = %.5f)", lc.dist, lc.kernel, lc.h, r, sampler, tvq)
	}
	// Exact: the sampler's mean risk is within TV^ of G^. Per point,
	// 1 - eta.q and TV(eta, q) err by at most (K + 1) u; the identity also
	// needs sum_c q_c = sum_c eta_c, and q's rows (K quotients by their
	// rounded sum of m terms) sum to 1 within (m + 3K) u: with the midrange
	// t <= 3/4 of eta that costs at most (3/4)(gen.PosteriorTolerance +
	// (m + 3K) u) per point. Three means and that fit in roundingSlack(n,
	// m + 2K + 2).
	if d := math.Abs(law.mean - sampler); d > tvq+roundingSlack(n, lc.train.len()+2*k+2) {
		c.Fatalf("%v, %v kernel: |E_q - G^| = %.6f exceeds TV^ = %.6f", lc.dist, lc.kernel, d, tvq)
	}
	// Exact: the production plug-in answers argmax q off near-ties, and is a
	// learner, L^_plug <= R^* + 2 TV^ (through the reference q: the near-ties
	// add their eta-width; rounding as in the identity above).
	plug, err := c.NadarayaWatson(lc.model(false)).Fit(lc.train.dataset(lc.y))
	if err != nil {
		c.Fatalf("%v: %v", lc.dist, err)
	}
	plugRisk, pred, err := predictRisk(plug, lc.eval, nil)
	if err != nil {
		c.Fatalf("%v: %v", lc.dist, err)
	}
	ties, off := 0.0, 0
	for j, a := range pred {
		qj, e := lc.q[j*k:(j+1)*k], lc.eval.posterior(j)
		best := gen.BayesLabel(qj)
		if a == best {
			continue
		}
		if qj[best]-qj[a] > l5TieSlack {
			off++
			continue
		}
		ties += (slices.Max(e) - slices.Min(e)) / float64(n)
	}
	if off > 0 {
		c.Fatalf("%v, %v kernel: the plug-in answers a class other than argmax q at %d points", lc.dist, lc.kernel, off)
	}
	if plugRisk > bayes+2*tvq+ties+roundingSlack(n, lc.train.len()+2*k+2) {
		c.Fatalf("%v, %v kernel: plug-in risk %.6f exceeds R^* + 2 TV^ = %.6f + 2 * %.6f", lc.dist, lc.kernel, plugRisk, bayes, tvq)
	}
	// Exact: the Hilbert kernel interpolates (both classifiers) and its
	// estimate at a training point is the indicator of the label.
	if lc.kernel == learners.Hilbert {
		randomized, err := fitNW(c.NadarayaWatson(lc.model(true)), lc.train.dataset(lc.y))
		if err != nil {
			c.Fatalf("%v: %v", lc.dist, err)
		}
		arng := c.Rand("interpolation")
		for i := range min(lc.train.len(), l5Interpolation) {
			x := lc.train.row(i)
			a, err1 := randomized.Predict(x, arng)
			b, err2 := plug.Predict(x, nil)
			if err := firstError(err1, err2); err != nil {
				c.Fatalf("%v: %v", lc.dist, err)
			}
			if a != lc.y[i] || b != lc.y[i] {
				c.Fatalf("%v: Hilbert NW does not interpolate training point %d (label %d): sampler %d, plug-in %d", lc.dist, i, lc.y[i], a, b)
			}
		}
	}
}

// fitNW fits a Nadaraya-Watson learner and returns its classifier as a
// learners.Classifier (a mutant need not be a *NadarayaWatsonClassifier).
func fitNW(m learners.Learner, ds learners.Dataset) (learners.Classifier, error) {
	return m.Fit(ds)
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// l5PlugInSpec are the noisy families of the plug-in falsifier, where a
// smoothing kernel (bandwidth 0.1 or 0.2 over m = 100 points) argmax differs from a draw of q on a fair share of the
// points (an almost one-hot q, as the Hilbert kernel's near the data, makes
// the two alike).
var l5PlugInSpec = gen.Spec{Families: []gen.Family{gen.FamilyPairSwap, gen.FamilyGrid, gen.FamilySmooth}, MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 3, MinNoise: 4, MaxNoise: 7}

// falsifierL5PlugIn: the randomized classifier that answers the plug-in's
// argmax q on half of the queries (majorityOnShare, by a hash of the
// query). Its answers stay independent across queries, deterministic on
// the half, so its mean risk has the exact mean of lawOf with those points
// fixed at the argmax's risk and its own Bernstein radius at c.Delta; the
// case resolves when its mean is farther from E_q than the check's
// tolerance (at l5Delta) plus that radius, and the check must then reject.
func falsifierL5PlugIn(c *Check) {
	lc := drawL5CaseOf(c, l5PlugInSpec, []learners.Kernel{learners.Gaussian, learners.Laplace}, []float64{0.1, 0.2}, l5GrossPasses)
	n, k := lc.eval.len(), lc.eval.k
	tol := lcTolerance(lc, l5Delta())
	const q = 0.5
	onShare := func(j int) bool { return unitHash(lc.eval.row(j), saltShare) < q }
	alt := lawOf(lc.q, lc.eval, lc.passes, func(j int) bool { return !onShare(j) }, func(j int) float64 {
		return 1 - lc.eval.posterior(j)[gen.BayesLabel(lc.q[j*k:(j+1)*k])]
	})
	eq := lawOf(lc.q, lc.eval, lc.passes, nil, nil).mean
	altR := alt.radius(n, lc.passes, k, c.Delta)
	if math.Abs(alt.mean-eq) <= tol+altR {
		c.Unresolved("%v: the plug-in on half moves the risk by %.5f, within %.5f + %.5f", lc.dist, alt.mean-eq, tol, altR)
	}
	learner := majorityOnShare(c.NadarayaWatson(lc.model(true)), c.NadarayaWatson(lc.model(false)), q)
	r, err := lc.check("plug-in on half vs E_q", learner, tol, Detectable(tol, altR), c.Rand("answers"))
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	if !r.record(c) {
		c.Fatalf("%v: the L5 check did not reject the randomized NW answering its plug-in on half of the queries: %v", lc.dist, r)
	}
}

// lcTolerance is the L5 check's tolerance on the case at delta.
func lcTolerance(lc l5Case, delta float64) float64 {
	return lawOf(lc.q, lc.eval, lc.passes, nil, nil).radius(lc.eval.len(), lc.passes, lc.eval.k, delta)
}

// l5ShrunkSpec are the low-noise families of the gross shrink falsifier,
// where q.eta is far above 1/k, so shrinking q halfway moves the risk by
// many tolerances (at high noise q is near uniform and the shrink moves
// little).
var l5ShrunkSpec = gen.Spec{MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 4, MinNoise: 1, MaxNoise: 3}

// falsifierL5Shrunk: the randomized NW whose estimate is shrunk toward
// uniform by s (shrinkAnswers): its answers are independent with the law
// (1 - s) q + s/k, so its expected risk moves by exactly s (1/N) sum_j
// (q(x_j).eta(x_j) - 1/k) and its own radius is lawOf that law at c.Delta.
// The gross falsifier takes s = 1/2; the edge falsifier the s whose
// deviation is 1.5 MDD (MDD = the tolerance at l5Delta plus the production
// radius at c.Delta), unresolved when s would exceed 1. The case resolves
// when the deviation exceeds the tolerance plus the shrunk law's radius,
// and the check must then reject.
func falsifierL5Shrunk(c *Check, edge bool) {
	var lc l5Case
	if edge {
		lc = drawL5Case(c, l5Passes)
	} else {
		lc = drawL5CaseOf(c, l5ShrunkSpec, []learners.Kernel{learners.Hilbert, learners.Gaussian, learners.Laplace}, []float64{0.02, 0.05, 0.1}, l5GrossPasses)
	}
	n, k := lc.eval.len(), lc.eval.k
	tol := lcTolerance(lc, l5Delta())
	law := lawOf(lc.q, lc.eval, lc.passes, nil, nil)
	mdd := Detectable(tol, law.radius(n, lc.passes, k, c.Delta))
	full := 0.0 // the deviation at s = 1
	for j := range n {
		e := lc.eval.posterior(j)
		dot := 0.0
		for cl, v := range e {
			dot += v * lc.q[j*k+cl]
		}
		full += (dot - 1/float64(k)) / float64(n)
	}
	s := 0.5
	if edge {
		s = 1.5 * mdd / math.Abs(full)
		if s > 1 {
			c.Unresolved("%v: even uniform answers move the risk by %.5f < 1.5 MDD = %.5f", lc.dist, full, 1.5*mdd)
		}
	}
	shrunk := make([]float64, len(lc.q))
	for i, v := range lc.q {
		shrunk[i] = (1-s)*v + s/float64(k)
	}
	alt := lawOf(shrunk, lc.eval, lc.passes, nil, nil)
	altR := alt.radius(n, lc.passes, k, c.Delta)
	if math.Abs(alt.mean-law.mean) <= tol+altR {
		c.Unresolved("%v, s = %.3f: deviation %.5f within %.5f + %.5f", lc.dist, s, alt.mean-law.mean, tol, altR)
	}
	r, err := lc.check(fmt.Sprintf("NW shrunk by %.3f vs E_q", s), shrinkAnswers(c.NadarayaWatson(lc.model(true)), s), tol, Detectable(tol, altR), c.Rand("answers"))
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	if !r.record(c) {
		c.Fatalf("%v, s = %.3f: the L5 check did not reject the NW estimate shrunk toward uniform (expected deviation %.5f): %v", lc.dist, s, alt.mean-law.mean, r)
	}
}
