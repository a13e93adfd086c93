package claims

import (
	"fmt"
	"math/rand/v2"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimL1 is claim L1: the 1-nearest-neighbour rule is a conditional
// sampler at finite m. Conditionally on the training positions, with NN(j)
// the nearest training point of evaluation point x_j,
//
//	EL  = (1/N) sum_j (1 - eta(x_j).eta(X_NN(j)))     the exact mean 1-NN risk,
//	G^  = (1/N) sum_j (1 - sum_c eta_c(x_j)^2)         the sampler risk,
//	|EL - G^| <= A^ = (1/N) sum_j TV(eta(x_j), eta(X_NN(j)))   (exact, measure.go),
//
// and A^ <= L * (1/N) sum_j ||x_j - X_NN(j)|| when eta is L-Lipschitz
// (exact), which falls like m^(-1/d). Checked:
//
//   - exact (float slack): |EL - G^| <= A^ and the Lipschitz bound;
//   - calibrated, conformance: the mean risk Lbar of the production 1-NN
//     (c.KNN(1)) fitted on R = l1Replicates stratified label sets at the
//     same positions is within tol of EL, tol = Bernstein's radius at
//     c.Delta of the additive decomposition Lbar = sum_i f_i(V_i) (exact
//     per-point variances and ranges, spreadOf; support_l.go). With the
//     exact identity this is the claim: |Lbar - G^| <= A^ + tol.
//
// MDD. The check rejects, with probability at least 1 - delta, every learner
// whose expected mean risk differs from EL by more than 2 tol and whose
// mean risk concentrates as 1-NN's does (its answers depend on each training
// point's draws only where 1-NN's do): Detectable(tol, tol). At the default
// sizes (m = N = 20000, R = 16) it measured a median of 0.0013-0.0018 and a
// worst of 0.0022-0.0031 (runs of 10 and 20 cases, d <= 3; 0 where R eta_c
// is an integer at every point, as class-pair noise at rate 1/4: the mean
// risk is then deterministic); the label noise of the m R stratified draws
// dominates it, and it falls like sqrt(1/N + 1/m)/R.
var claimL1 = Claim{
	ID:     "L1",
	Title:  "1-NN is a sampler at finite m",
	Source: "Kaplun et al. 2022, Section 5 (interpolating learners are samplers); Cover and Hart 1967",
	Statement: "Given the training positions, the 1-NN risk has exact mean EL with |EL - G^| <= A^ (A^ <= L * mean NN distance " +
		"when eta is L-Lipschitz), and the mean risk of 1-NN fitted on R stratified label sets is within a Bernstein radius of EL.",
	Kind:       FiniteBound,
	Unit:       "risk",
	Checks:     l1Checks,
	Assertions: l1Assertions,
	Property:   propertyL1,
	Falsifiers: []Falsifier{
		{Name: "knn-majority-k=7,9", Checks: 5, Assertions: 1, Property: falsifierL1KNN},
		{Name: "bayes-on-half", Checks: 5, Assertions: 1, Property: func(c *Check) { falsifierL1Share(c, false) }},
		{Name: "edge-bayes-share", Checks: 5, Assertions: 1, Property: func(c *Check) { falsifierL1Share(c, true) }},
	},
}

func init() { register(claimL1) }

const l1Checks, l1Assertions = 8, 1

// l1Delta is the delta at which claim L1's check runs; its falsifiers run
// the same check at the same delta (c.Delta of a falsifier is the
// probability it may spend on its own power argument).
func l1Delta() float64 { return claimDelta(checksFor(l1Checks), l1Assertions) }

// l1Specs are the distribution families of claim L1.
var l1Specs = []gen.Spec{
	{Families: []gen.Family{gen.FamilySmooth}, MinDim: 1, MaxDim: 3, MinClasses: 2, MaxClasses: 4, MinNoise: 2, MaxNoise: 5},
	{Families: []gen.Family{gen.FamilyGrid, gen.FamilyPairSwap}, MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 4, MinNoise: 3, MaxNoise: 5},
	{Families: []gen.Family{gen.FamilyHalfspace}, MinDim: 1, MaxDim: 3, MinNoise: 5, MaxNoise: 8},
	{Families: []gen.Family{gen.FamilyGaussianMixture}, MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 3, MinNoise: 7, MaxNoise: 9},
}

// The default sizes of claim L1: m training positions, N evaluation points,
// R stratified label sets.
const l1M, l1N, l1Replicates = 20000, 20000, 16

// l1GrossSize is m = N of the gross falsifiers, whose deviations are many
// MDDs: a quarter of the claim's sizes keeps them cheap (the k-NN one keeps
// m = l1M, where the Janson radius of its majority, chi about 2kN/m + 1
// colours, stays below half its deviation).
const l1GrossSize = 5000

// l1GrossReplicates is the number of label sets of the k-NN falsifier.
const l1GrossReplicates = 4

// l1Case is one drawn case of claim L1: the distribution, training
// positions, R stratified label sets, evaluation points, the 1-NN analysis
// and the additive spread of its mean risk.
type l1Case struct {
	dist   gen.Distribution
	train  points
	labels [][]int
	eval   points
	a      nnAnalysis
	spread additiveSpread
}

// newL1Case draws the positions, the evaluation points and r stratified
// label sets of dist from the streams of seed, and analyses 1-NN on them.
func newL1Case(dist gen.Distribution, m, n, r int, seed uint64) (l1Case, error) {
	s := gen.NewStreams(seed)
	train := drawPoints(dist, s.Train, m)
	eval := drawPoints(dist, s.Eval, n)
	a, err := analyseNN(train, eval)
	if err != nil {
		return l1Case{}, err
	}
	return l1Case{
		dist: dist, train: train, eval: eval, a: a,
		labels: stratifiedLabels(train, r, s.Labels),
		spread: spreadOf(train, riskTable(train, eval, a.nn, nil), r),
	}, nil
}

// check measures learner's mean risk on the case's label sets against the
// exact 1-NN mean EL, at tolerance tol and MDD mdd.
func (lc l1Case) check(learner learners.Learner, tol, mdd float64, rng *rand.Rand) (riskConformance, error) {
	risk, err := meanRisk(learner, lc.train, lc.labels, lc.eval, rng)
	if err != nil {
		return riskConformance{}, err
	}
	return riskConformance{what: fmt.Sprintf("mean risk of %d label sets vs 1-NN's EL", len(lc.labels)),
		measured: risk, expected: lc.a.expected, tol: tol, mdd: mdd}, nil
}

// tolerance returns the check's tolerance at delta: the Bernstein radius of
// the mean risk plus the float slack of comparing it with EL,
// riskSlack(N, R, k).
func (lc l1Case) tolerance(delta float64) float64 {
	return lc.spread.radius(delta) + riskSlack(lc.eval.len(), len(lc.labels), lc.eval.k)
}

func drawL1Case(c *Check, m int) l1Case {
	spec := rapid.SampledFrom(l1Specs).Draw(c.T, "spec")
	dist := gen.Distributions(spec).Draw(c.T, "dist")
	lc, err := newL1Case(dist, m, m*l1N/l1M, l1Replicates, c.Seed("seed"))
	if err != nil {
		c.Fatalf("L1: %v", err)
	}
	return lc
}

func propertyL1(c *Check) {
	lc := drawL1Case(c, l1M)
	// Exact (float slack): |EL - G^| <= A^, the identity behind the band.
	// Per point, 1 - sum_c eta_c^2, 1 - eta(x_j).eta(X_NN(j)) and the TV term
	// each err by at most (k + 1) u (identitySlack).
	n, k := lc.eval.len(), lc.eval.k
	if d, slack := lc.a.expected-lc.a.sampler, identitySlack(n, k+1); d > lc.a.boundary+slack || -d > lc.a.boundary+slack {
		c.Fatalf("%v: |EL - G^| = |%.6f - %.6f| exceeds A^ = %.6f", lc.dist, lc.a.expected, lc.a.sampler, lc.a.boundary)
	}
	// Exact (float slack): A^ <= L * mean NN distance.
	if l, ok := lc.dist.Lipschitz(); ok {
		if lc.a.boundary > l*lc.a.meanDist+lipschitzSlack(n, k+1, lc.eval.d) {
			c.Fatalf("%v: A^ = %.6f exceeds L * mean NN distance = %.6g * %.6g", lc.dist, lc.a.boundary, l, lc.a.meanDist)
		}
	}
	// Calibrated (c.Delta): conformance of the production 1-NN with EL.
	tol := lc.tolerance(c.Delta)
	r, err := lc.check(c.KNN(1), tol, Detectable(tol, tol), c.Rand("answers"))
	if err != nil {
		c.Fatalf("%v: %v", lc.dist, err)
	}
	if r.record(c) {
		c.Fatalf("%v, m = %d: 1-NN is off its exact mean risk: %v (G^ = %.5f, A^ = %.5f)", lc.dist, lc.train.len(), r, lc.a.sampler, lc.a.boundary)
	}
	c.Logf("L1: %v on %v (G^ = %.4f, A^ = %.4f)", r, lc.dist, lc.a.sampler, lc.a.boundary)
}

// falsifierL1KNN: a k-NN majority vote (k in {7, 9}) on binary class-pair
// noise (rate rho in {0.25, 0.3}, d = 1; m = l1M, N = l1GrossSize) is a learner, so the L1 check (at
// the claim's delta, l1Delta) must reject it. Each label set alone is i.i.d.,
// so each of the R majority risks is at most its exact Poisson-binomial
// mean plus majorityRadius at c.Delta/R (union bound: the mean too, with
// probability 1 - c.Delta); the case resolves when that bound is below
// EL - tol, and the check must then reject. At the claim's sizes the
// majority's mean (about 0.285 at rho = 0.25) sits about 0.09 below EL and
// its radius at c.Delta/R is about 0.06.
func falsifierL1KNN(c *Check) {
	k := rapid.SampledFrom([]int{7, 9}).Draw(c.T, "k")
	rho := rapid.SampledFrom([]float64{0.25, 0.3}).Draw(c.T, "rho")
	dist, err := gen.NewPairSwap(1, 2, 1, rho)
	if err != nil {
		c.Fatalf("NewPairSwap: %v", err)
	}
	lc, err := newL1Case(dist, l1M, l1GrossSize, l1GrossReplicates, c.Seed("seed"))
	if err != nil {
		c.Fatalf("L1: %v", err)
	}
	ka, err := analyseKNN(lc.train, lc.eval, k)
	if err != nil {
		c.Fatalf("analyseKNN: %v", err)
	}
	tol := lc.tolerance(l1Delta())
	upper := ka.majority + ka.majorityRadius(c.Delta/float64(len(lc.labels)))
	if upper >= lc.a.expected-tol {
		c.Unresolved("k = %d, rho = %v: majority risk bound %.4f not below EL - tol = %.4f", k, rho, upper, lc.a.expected-tol)
	}
	r, err := lc.check(c.KNN(k), tol, Detectable(tol, lc.spread.radius(c.Delta)), c.Rand("answers"))
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	c.Logf("L1 %d-NN majority, rho = %v: %v", k, rho, r)
	if !r.record(c) {
		c.Fatalf("k = %d, rho = %v: the L1 check did not reject the %d-NN majority: %v", k, rho, k, r)
	}
}

// falsifierL1Share: 1-NN that answers the Bayes label on a share q of the
// queries (majorityOnShare, the share picked by a hash of the query,
// independent of the labels). Its expected mean risk given the positions is
// exact, EL + D(q) with D(q) = sum over the share of nnBayesDeviation, and
// its mean risk is the additive sum of 1-NN's terms restricted to the
// points off the share (riskTable with keep), whose Bernstein radius at
// c.Delta, r', is computed before any label is drawn. The case resolves
// when |D(q)| > tol + r' (tol the check's tolerance at l1Delta), and the
// check must then reject, a random event of probability at least
// 1 - c.Delta. The gross falsifier takes q = 1/2; the edge falsifier takes
// the smallest q with |D(q)| >= 1.5 MDD, MDD = tol + the 1-NN radius at
// c.Delta (shareDeviation), so it deviates by about 1.5 MDD.
func falsifierL1Share(c *Check, edge bool) {
	size := l1GrossSize
	if edge {
		size = l1M
	}
	lc := drawL1Case(c, size)
	tol := lc.tolerance(l1Delta())
	mdd := Detectable(tol, lc.spread.radius(c.Delta))
	dev := nnBayesDeviation(lc.train, lc.eval, lc.a.nn)
	q, change, ok := 0.5, 0.0, true
	if edge {
		q, change, ok = shareDeviation(lc.eval, dev, 1.5*mdd)
	} else {
		for j, dv := range dev {
			if unitHash(lc.eval.row(j), saltShare) < q {
				change += dv
			}
		}
	}
	if !ok {
		c.Unresolved("%v: the Bayes label everywhere changes the risk by %.5f < 1.5 MDD = %.5f", lc.dist, -change, 1.5*mdd)
	}
	own := spreadOf(lc.train, riskTable(lc.train, lc.eval, lc.a.nn, func(j int) bool { return unitHash(lc.eval.row(j), saltShare) >= q }), len(lc.labels))
	alt := own.radius(c.Delta)
	if -change <= tol+alt {
		c.Unresolved("%v, q = %.3f: expected deviation %.5f within tol + radius = %.5f + %.5f", lc.dist, q, -change, tol, alt)
	}
	r, err := lc.check(majorityOnShare(c.KNN(1), knowsPosterior(lc.dist, false), q), tol, Detectable(tol, alt), c.Rand("answers"))
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	c.Logf("L1 share q = %.4f: expected deviation %.5f = %.2f MDD; %v", q, -change, -change/mdd, r)
	if !r.record(c) {
		c.Fatalf("%v, q = %.3f: the L1 check did not reject 1-NN answering the Bayes label on a share (expected deviation %.5f): %v", lc.dist, q, -change, r)
	}
}
