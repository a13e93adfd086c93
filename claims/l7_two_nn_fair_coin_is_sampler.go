package claims

import (
	"math"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
)

// claimL7 is claim L7: the 2-NN vote with a fair coin on disagreement is a
// conditional sampler at finite m. It answers the label of its two nearest
// training points when they agree and either with probability 1/2 when they
// do not, which is the label of a uniform random one of the two
// (learners.RandomNeighbour{K: 2}): at x_j it answers class c with
// probability m_jc = (eta_c(X_(1)) + eta_c(X_(2)))/2 given the positions.
// Conditionally on the positions, with probability at least 1 - delta over
// the labels and coins,
//
//	|L^ - G^| <= A^_2 + r,  A^_2 = (1/N) sum_j TV(eta(x_j), m_j),
//
// where |EL - G^| <= A^_2 exactly and r = samplerRadius(delta) is the
// concentration of L^ over the labels and coins (kit.go,
// neighbourAnalysis), at delta = c.Delta. MDD: Detectable(tol, r), the
// deviation of the expected risk from G^ that a rule with the same
// influences cannot hide.
var claimL7 = Claim{
	ID:     "L7",
	Title:  "2-NN with fair-coin ties is a sampler",
	Source: "Kaplun et al. 2022, Section 5 (interpolating learners are samplers); Cover and Hart 1967",
	Statement: "Given the training positions, with probability >= 1-delta over the labels and coins, " +
		"the 2-NN vote with a fair coin on disagreement has |L^ - G^| <= A^_2 + r, " +
		"A^_2 = mean TV(eta(x_j), mean eta at the 2 nearest).",
	Kind:       FiniteBound,
	Unit:       "risk",
	Checks:     5,
	Assertions: 1,
	Property:   propertyL7,
	Falsifiers: []Falsifier{
		{Name: "knn-majority-k=3", Checks: 5, Assertions: 1, Property: falsifierL7Majority},
		{Name: "edge-bayes-share", Checks: 5, Assertions: 1, Property: falsifierL7Edge},
	},
}

func init() { register(claimL7) }

// l7Specs are the families of claim L7, with noise high enough that the band
// (about 0.03 at l7Size) is below G^ - R^* in almost every case.
var l7Specs = []gen.Spec{
	{Families: []gen.Family{gen.FamilySmooth}, MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 3, MinNoise: 2, MaxNoise: 5},
	{Families: []gen.Family{gen.FamilyGrid, gen.FamilyPairSwap}, MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 3, MinNoise: 3, MaxNoise: 5},
	{Families: []gen.Family{gen.FamilyHalfspace}, MinDim: 1, MaxDim: 2, MinNoise: 5, MaxNoise: 8},
}

// l7Size is the number of training and of evaluation points.
const l7Size = 40000

// l7Case is a drawn case of claim L7 with its 2-NN analysis and band.
type l7Case struct {
	dist gen.Distribution
	s    sample
	a    neighbourAnalysis
	tol  float64 // A^_2 + samplerRadius at the claim's delta
	mdd  float64
}

func drawL7Case(c *Check, dist gen.Distribution) l7Case {
	s := drawSample(c, dist, l7Size, l7Size)
	a, err := analyseNeighbours(s.train, s.eval, 2)
	if err != nil {
		c.Fatalf("analyseNeighbours: %v", err)
	}
	r := a.samplerRadius(c.ClaimDelta)
	tol := a.boundary + r
	return l7Case{dist: dist, s: s, a: a, tol: tol, mdd: Detectable(tol, r)}
}

func propertyL7(c *Check) {
	lc := drawL7Case(c, gen.Distributions(rapid.SampledFrom(l7Specs).Draw(c.T, "spec")).Draw(c.T, "dist"))
	if lc.tol >= lc.a.sampler-lc.a.bayes {
		c.Unresolved("%v: band %.4f >= G^ - R^* = %.4f", lc.dist, lc.tol, lc.a.sampler-lc.a.bayes)
	}
	// Exact (float slack): |EL - G^| <= A^_2; each per-point term errs by
	// at most (k + 2) u, L1's (k + 1) u plus one rounding of m_j (a sum of
	// two exact halves), identitySlack.
	if d := math.Abs(lc.a.expected - lc.a.sampler); d > lc.a.boundary+identitySlack(l7Size, lc.s.eval.k+2) {
		c.Fatalf("%v: |EL - G^| = %.6f exceeds A^_2 = %.6f", lc.dist, d, lc.a.boundary)
	}
	risk, err := fitRisk(c.RandomNeighbour(2), lc.s.train, lc.s.y, lc.s.eval, lc.s.rng)
	if err != nil {
		c.Fatalf("2-NN: %v", err)
	}
	if c.Calibrated(math.Abs(risk-lc.a.sampler), lc.tol, lc.mdd) {
		c.Fatalf("%v: 2-NN risk %.5f, G^ = %.5f: |diff| > band %.5f", lc.dist, risk, lc.a.sampler, lc.tol)
	}
}

// falsifierL7Majority: the 3-NN majority vote without coins is a learner.
// On binary class-pair noise at rate rho in d = 1 its exact expected risk
// (kit.go, majority) sits below G^ by rho (1 - rho) (1 - 2 rho)^2 away from
// the class boundary, 0.062 at rho = 0.15 and 0.058 at rho = 0.2, about 1.2
// MDDs (0.05 here) at l7Size; the check at c.ClaimDelta must reject it when
// that gap exceeds the band plus the majority's radius at c.Delta
// (certified from eta before the labels are used, else unresolved; 2 of 62
// draws at -rapid.checks=60).
func falsifierL7Majority(c *Check) {
	rho := rapid.SampledFrom([]float64{0.15, 0.2}).Draw(c.T, "rho")
	dist, err := gen.NewPairSwap(1, 2, 1, rho)
	if err != nil {
		c.Fatalf("NewPairSwap: %v", err)
	}
	lc := drawL7Case(c, dist)
	a3, err := analyseNeighbours(lc.s.train, lc.s.eval, 3)
	if err != nil {
		c.Fatalf("analyseNeighbours: %v", err)
	}
	_, expected, err := a3.majority(lc.s.train, lc.s.eval)
	if err != nil {
		c.Fatalf("majority: %v", err)
	}
	if gap := math.Abs(expected - lc.a.sampler); gap <= lc.tol+a3.majorityRadius(c.Delta) {
		c.Unresolved("rho = %v: |E L^_maj - G^| = %.4f within band %.4f + radius", rho, gap, lc.tol)
	}
	risk, err := fitRisk(c.KNN(3), lc.s.train, lc.s.y, lc.s.eval, nil)
	if err != nil {
		c.Fatalf("3-NN: %v", err)
	}
	if !c.Calibrated(math.Abs(risk-lc.a.sampler), lc.tol, lc.mdd) {
		c.Fatalf("rho = %v: L7 accepted the 3-NN majority: risk %.5f, G^ = %.5f, band %.5f", rho, risk, lc.a.sampler, lc.tol)
	}
}

// falsifierL7Edge: the 2-NN rule answering the Bayes label on a share q of
// the queries. Its expected risk is exact given the positions (shareOf),
// and its influences are at most the 2-NN rule's, so samplerRadius bounds
// its concentration. q puts the expected deviation from G^ between 1 and 2
// MDDs (edgeStrength); the check must reject when that deviation exceeds
// the band plus the radius at c.Delta, a random event of probability at
// least 1 - c.Delta (unresolved otherwise).
func falsifierL7Edge(c *Check) {
	lc := drawL7Case(c, gen.Distributions(rapid.SampledFrom(l7Specs).Draw(c.T, "spec")).Draw(c.T, "dist"))
	k := lc.s.eval.k
	dev := func(q float64) float64 {
		e := shareOf(lc.s.eval, q, func(j int) float64 { return bayesPointRisk(lc.s.eval, j) },
			func(j int) float64 { return pointRisk(lc.s.eval, j, lc.a.mix[j*k:(j+1)*k]) })
		return math.Abs(e - lc.a.sampler)
	}
	q, ratio, _, ok := edgeStrength(0.2, 2, []float64{lc.mdd}, func(q float64) []float64 { return []float64{dev(q)} })
	if !ok || dev(q) <= lc.tol+lc.a.samplerRadius(c.Delta) {
		c.Unresolved("%v: no share q <= 1 puts the deviation between 1 and 2 MDDs (ratio %.2f at q = %.3f)", lc.dist, ratio, q)
	}
	risk, err := fitRisk(majorityOnShare(c.RandomNeighbour(2), knowsPosterior(lc.dist, false), q), lc.s.train, lc.s.y, lc.s.eval, lc.s.rng)
	if err != nil {
		c.Fatalf("2-NN with Bayes share: %v", err)
	}
	if !c.Calibrated(math.Abs(risk-lc.a.sampler), lc.tol, lc.mdd) {
		c.Fatalf("%v: L7 accepted Bayes answers on a share %.4f (%.2f MDD): risk %.5f, G^ = %.5f, band %.5f",
			lc.dist, q, ratio, risk, lc.a.sampler, lc.tol)
	}
}
