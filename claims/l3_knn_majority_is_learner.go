package claims

import (
	"fmt"
	"math"
	"math/rand/v2"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimL3 is claim L3: the k-NN majority vote is a learner, not a sampler,
// while answering a random one of the k nearest labels is a sampler.
// Binary posteriors, odd k, conditionally on the training positions:
//
//   - the majority's risk has an exact mean, E_y L^ = (1/N) sum_j [P_j eta_0(x_j)
//   - (1 - P_j) eta_1(x_j)] with P_j = P(PoissonBinomial(eta_1 at the k
//     neighbours) > k/2), and |L^ - E_y L^| <= sqrt(ln(2/delta)/2 sum_i c_i^2)
//     with c_i = (1/N) sum_{j: i in kNN(j)} |2 eta_1(x_j) - 1| (McDiarmid at
//     c.Delta);
//   - its large-m limit with eta frozen at the query point, R_k^ = (1/N)
//     sum_j [p_j + (1 - 2 p_j) P(Bin(k, p_j) > k/2)], p_j = min(eta_0, eta_1),
//     satisfies R_1^ = G^, R_k^ non-increasing in odd k, and the Stone-type
//     bound R_k^ <= R^* + 1/sqrt(k e) (all exact, pointwise then averaged);
//   - the random-neighbour sampler has |L^ - G^| <= A^_k + r, A^_k the TV
//     boundary term at the chosen neighbour averaged over the choice, r the
//     radius over labels and picks (randomNeighbourRadius at c.Delta), and
//     A^_k <= L * mean distance to the k-th neighbour (exact).
var claimL3 = Claim{
	ID:     "L3",
	Title:  "k-NN majority is a learner, not a sampler",
	Source: "Stone 1977; Devroye, Gyorfi and Lugosi 1996, Section 5; Kaplun et al. 2022, Section 5",
	Statement: "For odd k (binary), the k-NN majority risk is within a McDiarmid radius of its exact Poisson-binomial mean; " +
		"its frozen-eta limit R_k^ is non-increasing in k with R_1^ = G^ and R_k^ <= R^* + 1/sqrt(k e); " +
		"the random-neighbour variant is a sampler: |L^ - G^| <= A^_k + r, A^_k <= L * mean k-th NN distance.",
	Kind:       FiniteBound,
	Checks:     l3Checks,
	Assertions: l3Assertions,
	Property:   propertyL3,
	Falsifiers: []Falsifier{
		{Name: "1-nn-as-majority", Checks: 5, Assertions: 1, Property: falsifierL3OneNN},
		{Name: "majority-in-sampler-check", Checks: 5, Assertions: 1, Property: falsifierL3Majority},
	},
}

func init() { register(claimL3) }

const l3Checks, l3Assertions = 20, 2

// l3Delta is the delta at which claim L3's checks run; its falsifiers run
// the same checks at the same delta.
func l3Delta() float64 { return claimDelta(checksFor(l3Checks), l3Assertions) }

// l3Spec: every binary family in d <= 3.
var l3Spec = gen.Spec{MinDim: 1, MaxDim: 3, MinClasses: 2, MaxClasses: 2}

// l3Ks are the odd numbers of neighbours of claim L3.
var l3Ks = []int{3, 5, 7, 9, 15}

// knnLearnerCheck is the learner direction of L3 for any learner: its risk
// against the exact mean of the k-NN majority risk, with the McDiarmid
// radius at delta.
type knnLearnerCheck struct {
	k              int
	risk, expected float64
	radius         float64
}

func (r knnLearnerCheck) deviation() float64 { return math.Abs(r.risk - r.expected) }
func (r knnLearnerCheck) rejects() bool      { return r.deviation() > r.radius }
func (r knnLearnerCheck) String() string {
	return fmt.Sprintf("L^ = %.5f vs exact %d-NN majority mean %.5f: |diff| = %.5f, radius %.5f", r.risk, r.k, r.expected, r.deviation(), r.radius)
}

// checkKNNMajority fits learner on (train, y) and compares its risk on eval
// with the exact k-NN majority mean of ka.
func checkKNNMajority(learner learners.Learner, train points, y []int, eval points, ka knnAnalysis, delta float64, rng *rand.Rand) (knnLearnerCheck, error) {
	if !ka.exact {
		return knnLearnerCheck{}, fmt.Errorf("claims: no exact majority law for k = %d (binary odd k <= %d only)", ka.k, maxExactVoteK)
	}
	h, err := learner.Fit(train.dataset(y))
	if err != nil {
		return knnLearnerCheck{}, err
	}
	risk, _, err := predictRisk(h, eval, rng)
	if err != nil {
		return knnLearnerCheck{}, err
	}
	return knnLearnerCheck{k: ka.k, risk: risk, expected: ka.majority, radius: ka.majorityRadius(delta)}, nil
}

func propertyL3(c *Check) {
	dist := gen.Distributions(l3Spec).Draw(c.T, "dist")
	k := rapid.SampledFrom(l3Ks).Draw(c.T, "k")
	m := rapid.SampledFrom([]int{2000, 5000}).Draw(c.T, "m")
	rng := c.Rand("data")
	train := drawPoints(dist, rng, m)
	eval := drawPoints(dist, rng, 4000)
	ka, err := analyseKNN(train, eval, k)
	if err != nil {
		c.Fatalf("analyseKNN: %v", err)
	}
	y := train.drawLabels(rng)
	maj, err := checkKNNMajority(learners.KNN{K: k}, train, y, eval, ka, c.Delta, nil)
	if err != nil {
		c.Fatalf("%v: %v", dist, err)
	}
	sampler, bayes := gen.SamplerRisk(eval.eta, 2), gen.BayesRisk(eval.eta, 2)
	rn, err := checkRandomNeighbourSampler(learners.RandomNeighbour{K: k}, train, y, eval, ka, sampler, bayes, c.Delta, c.Rand("picks"))
	if err != nil {
		c.Fatalf("%v: %v", dist, err)
	}

	// Exact: the frozen-eta limits. R_1^ = G^, R_k^ non-increasing, Stone.
	// Float slacks (see identitySlack): a term of R_1^ or of G^ errs by at
	// most 3 u, and R_1^ = G^ needs rows summing to 1. A term of R_k^ errs by
	// at most (4k + 3) u (each entry of PoissonBinomial's law by 3k u
	// relative, three roundings per step on non-negative terms; the tail sum
	// by k/2 u more; then three operations), and
	// the inequalities on R_k^ hold exactly for p_j <= 1/2, which a row off
	// by gen.PosteriorTolerance misses by at most that much: two means at
	// (4k + 3) u, or one and R^* at 2 u, fit in roundingSlack(n, 2k + 2).
	n := eval.len()
	prev := stoneRisk(eval, 1)
	if math.Abs(prev-sampler) > identitySlack(n, 3) {
		c.Fatalf("%v: R_1^ = %.12f differs from G^ = %.12f", dist, prev, sampler)
	}
	for kk := 3; kk <= k; kk += 2 {
		r := stoneRisk(eval, kk)
		if r > prev+roundingSlack(n, 2*kk+2) {
			c.Fatalf("%v: R_%d^ = %.9f exceeds R_%d^ = %.9f", dist, kk, r, kk-2, prev)
		}
		prev = r
	}
	if stone := bayes + 1/math.Sqrt(float64(k)*math.E); prev > stone+roundingSlack(n, 2*k+2) {
		c.Fatalf("%v: R_%d^ = %.6f exceeds R^* + 1/sqrt(k e) = %.6f", dist, k, prev, stone)
	}
	// Exact: the random neighbour's mean is within A^_k of G^, and A^_k is
	// at most L times the mean k-th neighbour distance. Per point, the
	// neighbours' mean law m_j (k rounded quotients summed) has entries off
	// by at most k u, so 1 - eta(x_j).m_j errs by at most (k + 3) u and
	// TV(eta(x_j), m_j) by at most (k + 2) u (two classes).
	if d := math.Abs(ka.rnExpected - sampler); d > ka.rnBoundary+identitySlack(n, k+3) {
		c.Fatalf("%v: |E L^_rn - G^| = %.6f exceeds A^_k = %.6f", dist, d, ka.rnBoundary)
	}
	if l, ok := dist.Lipschitz(); ok && ka.rnBoundary > l*ka.meanKth+lipschitzSlack(n, k+2, eval.d) {
		c.Fatalf("%v: A^_k = %.6f exceeds L * mean k-th NN distance = %.6g * %.6g", dist, ka.rnBoundary, l, ka.meanKth)
	}

	// Probabilistic (c.Delta): the majority risk concentrates at its exact mean.
	c.Margin(maj.radius - maj.deviation())
	if maj.rejects() {
		c.Fatalf("%v, m = %d: %v", dist, m, maj)
	}
	// Probabilistic (c.Delta): the random neighbour is a sampler.
	c.Margin(rn.width() - rn.deviation())
	if rn.rejects() {
		c.Fatalf("%v, m = %d, k = %d: the random-neighbour sampler is outside its band: %v", dist, m, k, rn)
	}
}

// falsifierL3OneNN: the 1-NN rule passed off as the k-NN majority. Its risk
// is at least E_1 - r_1 (nnAnalysis, r_1 at c.Delta) with probability
// 1 - c.Delta/2, and the check (at the claim's delta, l3Delta) rejects when
// that exceeds the majority's mean plus its radius at l3Delta.
func falsifierL3OneNN(c *Check) {
	fc := drawKNNFalsifierCase(c)
	a, err := analyseNN(fc.train, fc.eval)
	if err != nil {
		c.Fatalf("analyseNN: %v", err)
	}
	delta := l3Delta()
	low := a.expected - BoundedDifferences(a.sumSq, c.Delta)
	if high := fc.ka.majority + fc.ka.majorityRadius(delta); low <= high {
		c.Unresolved("rho = %v: 1-NN risk lower bound %.4f not above the majority band's top %.4f", fc.rho, low, high)
	}
	r, err := checkKNNMajority(learners.KNN{K: 1}, fc.train, fc.y, fc.eval, fc.ka, delta, nil)
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	c.Margin(r.deviation() - r.radius)
	if !r.rejects() {
		c.Fatalf("rho = %v: the L3 majority check did not reject 1-NN: %v", fc.rho, r)
	}
}

// falsifierL3Majority: the k-NN majority vote in the random-neighbour
// sampler check. majorityRiskUpper bounds its risk at c.Delta from eta; the
// check (at l3Delta) rejects when that bound is below G^ - A^_k - r, r the
// check's radius at l3Delta.
func falsifierL3Majority(c *Check) {
	fc := drawKNNFalsifierCase(c)
	delta := l3Delta()
	sampler, bayes := gen.SamplerRisk(fc.eval.eta, 2), gen.BayesRisk(fc.eval.eta, 2)
	lower := sampler - fc.ka.rnBoundary - fc.ka.randomNeighbourRadius(delta)
	if u := fc.ka.majorityRiskUpper(fc.eval, c.Delta); u >= lower {
		c.Unresolved("rho = %v: majority risk bound %.4f not below the sampler band's lower edge %.4f", fc.rho, u, lower)
	}
	b, err := checkRandomNeighbourSampler(learners.KNN{K: fc.ka.k}, fc.train, fc.y, fc.eval, fc.ka, sampler, bayes, delta, nil)
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	c.Margin(b.deviation() - b.width())
	if !b.rejects() {
		c.Fatalf("rho = %v: the random-neighbour sampler check did not reject the %d-NN majority: %v", fc.rho, fc.ka.k, b)
	}
}
