package claims

import (
	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimL1 is claim L1: the 1-nearest-neighbour rule is a conditional
// sampler at finite m. Conditionally on the training positions, with
// probability at least 1 - delta over the labels,
//
//	|L^(h_S) - G^| <= A^ + sqrt(ln(2/delta)/2 sum_i c_i^2),
//
// where L^ and G^ are the 1-NN risk and the sampler risk on the same N
// evaluation points, A^ = (1/N) sum_j TV(eta(x_j), eta(X_NN(j))) and c_i =
// (1/N) sum_{j: NN(j)=i} (max_c eta_c(x_j) - min_c eta_c(x_j)) is the
// influence of label i (measure.go: |EL - G^| <= A^ exactly, McDiarmid for
// |L^ - EL| at c.Delta). When eta is L-Lipschitz (in TV), A^ <= L * (1/N)
// sum_j ||x_j - X_NN(j)|| exactly, which falls like m^(-1/d).
var claimL1 = Claim{
	ID:     "L1",
	Title:  "1-NN is a sampler at finite m",
	Source: "Kaplun et al. 2022, Section 5 (interpolating learners are samplers); Cover and Hart 1967",
	Statement: "Given the training positions, with probability >= 1-delta over the labels, " +
		"|L^(1-NN) - G^| <= A^ + sqrt(ln(2/delta)/2 sum_i c_i^2) on the evaluation points, " +
		"and A^ <= L * mean NN distance when eta is L-Lipschitz.",
	Kind:       FiniteBound,
	Checks:     l1Checks,
	Assertions: l1Assertions,
	Property:   propertyL1,
	Falsifiers: []Falsifier{
		{Name: "knn-majority-k=7,9", Checks: 5, Assertions: 1, Property: falsifierL1KNN},
		{Name: "bayes-label-teacher", Checks: 10, Assertions: 1, Property: falsifierL1Bayes},
	},
}

func init() { register(claimL1) }

const l1Checks, l1Assertions = 40, 1

// l1Delta is the delta at which claim L1's check runs; its falsifiers run
// the same check at the same delta (c.Delta of a falsifier is the
// probability it may spend on its own power argument).
func l1Delta() float64 { return claimDelta(checksFor(l1Checks), l1Assertions) }

// l1Specs are the distribution families of claim L1, each with the range of
// dimension and noise on which the L1 band is informative at the sizes of
// l1Sizes (half-width below G^ - R^*) in almost every case (measured: about
// 1% of 400 draws are not): a low-noise logistic halfspace is nearly
// deterministic, so its G - R^* is small while its labels' influence
// |2 eta - 1| is near 1, and it gets more noise; piecewise-constant
// posteriors (grid, pair swap) have a boundary term A^ that grows with d and
// stay in d <= 2.
var l1Specs = []gen.Spec{
	{Families: []gen.Family{gen.FamilySmooth}, MinDim: 1, MaxDim: 3, MinClasses: 2, MaxClasses: 4, MinNoise: 2, MaxNoise: 5},
	{Families: []gen.Family{gen.FamilyGrid, gen.FamilyPairSwap}, MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 4, MinNoise: 3, MaxNoise: 5},
	{Families: []gen.Family{gen.FamilyHalfspace}, MinDim: 1, MaxDim: 3, MinNoise: 5, MaxNoise: 8},
	{Families: []gen.Family{gen.FamilyGaussianMixture}, MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 3, MinNoise: 7, MaxNoise: 9},
}

// l1Sizes are the training sizes of claim L1, with l1Eval evaluation points.
var l1Sizes = []int{4000, 8000}

const l1Eval = 8000

// l1Case is one drawn case of claim L1: the distribution, training positions
// and labels, evaluation points and the 1-NN analysis.
type l1Case struct {
	dist  gen.Distribution
	train points
	y     []int
	eval  points
	a     nnAnalysis
}

// drawL1Case draws the structure with rapid (distribution, m) and the bulk
// data from a PCG stream.
func drawL1Case(c *Check, specs []gen.Spec, sizes []int, n int) l1Case {
	spec := rapid.SampledFrom(specs).Draw(c.T, "spec")
	dist := gen.Distributions(spec).Draw(c.T, "dist")
	m := rapid.SampledFrom(sizes).Draw(c.T, "m")
	rng := c.Rand("data")
	train := drawPoints(dist, rng, m)
	eval := drawPoints(dist, rng, n)
	a, err := analyseNN(train, eval)
	if err != nil {
		c.Fatalf("analyseNN: %v", err)
	}
	return l1Case{dist: dist, train: train, y: train.drawLabels(rng), eval: eval, a: a}
}

func propertyL1(c *Check) {
	lc := drawL1Case(c, l1Specs, l1Sizes, l1Eval)
	band, err := checkNNSampler(learners.KNN{K: 1}, lc.train, lc.y, lc.eval, lc.a, 0, c.Delta, nil)
	if err != nil {
		c.Fatalf("1-NN check: %v", err)
	}
	if !band.informative() {
		c.Unresolved("%v: band %.4f >= G^ - R^* = %.4f", lc.dist, band.width(), band.sampler-band.bayes)
	}
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
	c.Margin(band.width() - band.deviation())
	if band.rejects() {
		c.Fatalf("%v, m = %d: 1-NN is outside the sampler band: %v", lc.dist, lc.train.len(), band)
	}
}

// falsifierL1KNN: a k-NN majority vote (k in {7, 9}) on binary class-pair
// noise is a learner, so the L1 check (at the claim's delta, l1Delta) must
// reject it. The case and its sizes are knnFalsifierCase's;
// majorityRiskUpper certifies from eta, before the check runs, that the
// majority's risk sits below the lower edge of that band with probability
// at least 1 - c.Delta.
func falsifierL1KNN(c *Check) {
	fc := drawKNNFalsifierCase(c)
	a, err := analyseNN(fc.train, fc.eval)
	if err != nil {
		c.Fatalf("analyseNN: %v", err)
	}
	delta := l1Delta()
	lower := a.sampler - a.boundary - BoundedDifferences(a.sumSq, delta)
	if u := fc.ka.majorityRiskUpper(fc.eval, c.Delta); u >= lower {
		c.Unresolved("k = %d, rho = %v: majority risk bound %.4f not below the band's lower edge %.4f", fc.ka.k, fc.rho, u, lower)
	}
	band, err := checkNNSampler(learners.KNN{K: fc.ka.k}, fc.train, fc.y, fc.eval, a, 0, delta, nil)
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	c.Margin(band.deviation() - band.width())
	if !band.rejects() {
		c.Fatalf("k = %d, rho = %v: the L1 check did not reject the %d-NN majority: %v", fc.ka.k, fc.rho, fc.ka.k, band)
	}
}

// falsifierL1Bayes: a teacher that answers the Bayes label has risk R^* on
// the points, deterministic, so the check (at l1Delta) rejects it whenever
// R^* is below the band's lower edge; that is decided from eta before the
// check runs (cases where the band is not informative are unresolved, as in
// the claim), so the rejection is certain and spends none of c.Delta.
func falsifierL1Bayes(c *Check) {
	lc := drawL1Case(c, l1Specs, l1Sizes, l1Eval)
	delta := l1Delta()
	lower := lc.a.sampler - lc.a.boundary - BoundedDifferences(lc.a.sumSq, delta)
	if lc.a.bayes >= lower {
		c.Unresolved("%v: R^* = %.4f not below the band's lower edge %.4f", lc.dist, lc.a.bayes, lower)
	}
	band, err := checkNNSampler(knowsPosterior(lc.dist, false), lc.train, lc.y, lc.eval, lc.a, 0, delta, nil)
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	c.Margin(band.deviation() - band.width())
	if !band.rejects() {
		c.Fatalf("%v: the L1 check did not reject the Bayes-label teacher: %v", lc.dist, band)
	}
}
