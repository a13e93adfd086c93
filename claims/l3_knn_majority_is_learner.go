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

// claimL3 is claim L3: the k-NN majority vote is a learner, not a sampler,
// while answering a random one of the k nearest labels is a sampler.
// Binary posteriors, odd k, conditionally on the training positions:
//
//   - the majority's risk has an exact mean, E_y L^ = (1/N) sum_j [P_j
//     eta_0(x_j) + (1 - P_j) eta_1(x_j)] with P_j = P(PoissonBinomial(eta_1
//     at the k neighbours) > k/2);
//   - its large-m limit with eta frozen at the query point, R_k^ = (1/N)
//     sum_j [p_j + (1 - 2 p_j) P(Bin(k, p_j) > k/2)], p_j = min(eta_0, eta_1),
//     satisfies R_1^ = G^, R_k^ non-increasing in odd k, and the Stone-type
//     bound R_k^ <= R^* + 1/sqrt(k e) (all exact, pointwise then averaged);
//   - the random-neighbour sampler has the exact mean E L^_rn = (1/N) sum_j
//     (1 - eta(x_j).m_j), m_j the mean posterior of the k neighbours, and
//     |E L^_rn - G^| <= A^_k <= L * mean k-th neighbour distance (exact).
//
// Checked: the exact statements above (float slack), and two calibrated
// conformance assertions at c.Delta each: the mean risk of the production
// k-NN majority (c.KNN(k)) and of the production random neighbour
// (c.RandomNeighbour(k)), each fitted on the same R = l3Replicates
// independent label sets, against their exact means. The radius is Janson's
// Bernstein-type bound for partly dependent sums (ColouredBernstein): the
// risk term of (set r, point x_j) depends only on the labels of set r at
// the k neighbours of x_j (and on the random neighbour's own pick), so
// chi = the colours of a greedy proper colouring of the graph joining two
// points whose k-sets meet covers every set at once; its exact variance is
// P(1 - P) (eta_1(x_j) - eta_0(x_j))^2 / (R N)^2 with P the exact law of the
// answer (P_j for the majority, m_j1 for the random neighbour) and its
// range |2 eta_1(x_j) - 1| / (R N).
//
// MDD. Each assertion rejects, with probability at least 1 - delta, a
// learner whose expected mean risk is more than 2 tol off the exact mean and
// whose terms concentrate as the theorem's learner's do (a deterministic
// change on a share of the queries, say): Detectable(tol, tol). The label
// noise of the dependent terms dominates: chi grows like 2kN/m + 1, so the
// radius falls like sqrt((1/N + 2k/m)/R); at the default sizes (m = 40000,
// N = 10000, R = 8) the case MDD (almost always the majority's) measured a
// median of 0.016-0.018 and a worst of 0.021-0.026 (runs of 5 and 20 cases);
// the random neighbour's, with answer variances m_j1 (1 - m_j1) instead of
// P_j (1 - P_j), is about 1.5 times larger. The term that dominates is the
// colouring factor 25 chi/16 of Janson's bound (greedy chi is 7 at k = 3
// and 12-16 at k = 9-15, against 2kN/m + 1 = 2.5-8.5): reaching 0.01 would
// take m R about four times larger (the cost is R k-NN fits and N R
// queries of k neighbours), or a bound that exploits the small pivotal
// probability of one label in a k-vote; R = 16 at N = 5000 measured no
// better (0.017/0.021) at twice the cost.
var claimL3 = Claim{
	ID:     "L3",
	Title:  "k-NN majority is a learner, not a sampler",
	Source: "Stone 1977; Devroye, Gyorfi and Lugosi 1996, Section 5; Kaplun et al. 2022, Section 5",
	Statement: "For odd k (binary), the mean risk of the k-NN majority over R label sets is within a Janson-Bernstein radius of its exact " +
		"Poisson-binomial mean; its frozen-eta limit R_k^ is non-increasing in k with R_1^ = G^ and R_k^ <= R^* + 1/sqrt(k e); " +
		"the random-neighbour variant is a sampler: its mean risk is within a radius of its exact mean, which is within A^_k <= L * mean k-th NN distance of G^.",
	Kind:       FiniteBound,
	Unit:       "risk",
	Checks:     l3Checks,
	Assertions: l3Assertions,
	Property:   propertyL3,
	Falsifiers: []Falsifier{
		{Name: "1-nn-as-majority", Checks: 5, Assertions: 1, Property: falsifierL3OneNN},
		{Name: "majority-in-sampler-check", Checks: 5, Assertions: 1, Property: falsifierL3Majority},
		{Name: "edge-knn-bayes-share", Checks: 5, Assertions: 1, Property: falsifierL3Edge},
	},
}

func init() { register(claimL3) }

const l3Checks, l3Assertions = 5, 2

// The default sizes of claim L3: m training positions, N evaluation points,
// R independent label sets.
const l3M, l3N, l3Replicates = 40000, 10000, 8

// l3Delta is the delta at which claim L3's checks run; its falsifiers run
// the same checks at the same delta.
func l3Delta() float64 { return claimDelta(checksFor(l3Checks), l3Assertions) }

// l3Spec: every binary family in d <= 2.
var l3Spec = gen.Spec{MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 2}

// l3Ks are the odd numbers of neighbours of claim L3.
var l3Ks = []int{3, 5, 7, 9, 15}

// l3Case is one case of claim L3: positions, R independent label sets,
// evaluation points and the k-NN analysis.
type l3Case struct {
	dist   gen.Distribution
	train  points
	labels [][]int
	eval   points
	ka     knnAnalysis
	pRN    []float64 // m_j1: P(random neighbour answers 1) at x_j
}

func newL3Case(dist gen.Distribution, k, m, n, r int, seed uint64) (l3Case, error) {
	s := gen.NewStreams(seed)
	lc := l3Case{dist: dist, train: drawPoints(dist, s.Train, m), eval: drawPoints(dist, s.Eval, n)}
	for range r {
		lc.labels = append(lc.labels, lc.train.drawLabels(s.Labels))
	}
	var err error
	if lc.ka, err = analyseKNN(lc.train, lc.eval, k); err != nil {
		return lc, err
	}
	if !lc.ka.exact {
		return lc, fmt.Errorf("claims: no exact majority law for k = %d on %v", k, dist)
	}
	lc.pRN = make([]float64, n)
	for j := range n {
		for _, i := range lc.ka.ind[j*k : (j+1)*k] {
			lc.pRN[j] += lc.train.posterior(i)[1] / float64(k)
		}
	}
	return lc, nil
}

// radius returns Janson's radius at delta of the mean risk over the R label
// sets of a learner whose answer at x_j is 1 with probability p[j],
// independently of the other points given their k-sets, counting only the
// points with keep(j) (nil: all; the others answer deterministically).
func (lc l3Case) radius(p []float64, keep func(j int) bool, delta float64) float64 {
	rn := float64(len(lc.labels)) * float64(lc.eval.len())
	v, b := 0.0, 0.0
	for j, pj := range p {
		if keep != nil && !keep(j) {
			continue
		}
		e := lc.eval.posterior(j)
		w := math.Abs(e[1] - e[0])
		v += float64(len(lc.labels)) * pj * (1 - pj) * (w / rn) * (w / rn)
		b = max(b, w/rn)
	}
	return ColouredBernstein(max(1, lc.ka.colors), v, b, delta) + riskSlack(lc.eval.len(), len(lc.labels), 2)
}

// check measures learner's mean risk over the case's label sets against
// expected.
func (lc l3Case) check(what string, learner learners.Learner, expected, tol, mdd float64, rng *rand.Rand) (riskConformance, error) {
	risk, err := meanRisk(learner, lc.train, lc.labels, lc.eval, rng)
	if err != nil {
		return riskConformance{}, err
	}
	return riskConformance{what: what, measured: risk, expected: expected, tol: tol, mdd: mdd}, nil
}

func drawL3Case(c *Check, spec gen.Spec, m, n int) l3Case {
	dist := gen.Distributions(spec).Draw(c.T, "dist")
	k := rapid.SampledFrom(l3Ks).Draw(c.T, "k")
	lc, err := newL3Case(dist, k, m, n, l3Replicates, c.Seed("seed"))
	if err != nil {
		c.Fatalf("L3: %v", err)
	}
	return lc
}

func propertyL3(c *Check) {
	lc := drawL3Case(c, l3Spec, l3M, l3N)
	k := lc.ka.k
	sampler, bayes := gen.SamplerRisk(lc.eval.eta, 2), gen.BayesRisk(lc.eval.eta, 2)
	tolMaj := lc.radius(lc.ka.pVote, nil, c.Delta)
	maj, err := lc.check(fmt.Sprintf("%d-NN majority", k), c.KNN(k), lc.ka.majority, tolMaj, Detectable(tolMaj, tolMaj), nil)
	if err != nil {
		c.Fatalf("%v: %v", lc.dist, err)
	}
	tolRN := lc.radius(lc.pRN, nil, c.Delta)
	rn, err := lc.check(fmt.Sprintf("random neighbour of %d", k), c.RandomNeighbour(k), lc.ka.rnExpected, tolRN, Detectable(tolRN, tolRN), c.Rand("picks"))
	if err != nil {
		c.Fatalf("%v: %v", lc.dist, err)
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
	n := lc.eval.len()
	prev := stoneRisk(lc.eval, 1)
	if math.Abs(prev-sampler) > identitySlack(n, 3) {
		c.Fatalf("%v: R_1^ = %.12f differs from G^ = %.12f", lc.dist, prev, sampler)
	}
	for kk := 3; kk <= k; kk += 2 {
		r := stoneRisk(lc.eval, kk)
		if r > prev+roundingSlack(n, 2*kk+2) {
			c.Fatalf("%v: R_%d^ = %.9f exceeds R_%d^ = %.9f", lc.dist, kk, r, kk-2, prev)
		}
		prev = r
	}
	if stone := bayes + 1/math.Sqrt(float64(k)*math.E); prev > stone+roundingSlack(n, 2*k+2) {
		c.Fatalf("%v: R_%d^ = %.6f exceeds R^* + 1/sqrt(k e) = %.6f", lc.dist, k, prev, stone)
	}
	// Exact: the random neighbour's mean is within A^_k of G^, and A^_k is
	// at most L times the mean k-th neighbour distance. Per point, the
	// neighbours' mean law m_j (k rounded quotients summed) has entries off
	// by at most k u, so 1 - eta(x_j).m_j errs by at most (k + 3) u and
	// TV(eta(x_j), m_j) by at most (k + 2) u (two classes).
	if d := math.Abs(lc.ka.rnExpected - sampler); d > lc.ka.rnBoundary+identitySlack(n, k+3) {
		c.Fatalf("%v: |E L^_rn - G^| = %.6f exceeds A^_k = %.6f", lc.dist, d, lc.ka.rnBoundary)
	}
	if l, ok := lc.dist.Lipschitz(); ok && lc.ka.rnBoundary > l*lc.ka.meanKth+lipschitzSlack(n, k+2, lc.eval.d) {
		c.Fatalf("%v: A^_k = %.6f exceeds L * mean k-th NN distance = %.6g * %.6g", lc.dist, lc.ka.rnBoundary, l, lc.ka.meanKth)
	}

	// Calibrated (c.Delta): the majority risk conforms to its exact mean.
	if maj.record(c) {
		c.Fatalf("%v, k = %d: %v", lc.dist, k, maj)
	}
	// Calibrated (c.Delta): the random neighbour conforms to its exact mean,
	// a sampler's.
	if rn.record(c) {
		c.Fatalf("%v, k = %d: the random-neighbour sampler is off its exact mean: %v (G^ = %.5f)", lc.dist, k, rn, sampler)
	}
}

// l3GrossCase draws the case of the gross falsifiers: binary class-pair
// noise at rate rho in {0.25, 0.3} in d = 1 (m = l3M), where the
// majority's mean (R_7 about 0.285 at rho = 0.25) sits about 0.09 below the
// 1-NN's and the random neighbour's (G = 0.375), against radii of a few
// hundredths.
func l3GrossCase(c *Check) l3Case {
	k := rapid.SampledFrom([]int{7, 9}).Draw(c.T, "k")
	rho := rapid.SampledFrom([]float64{0.25, 0.3}).Draw(c.T, "rho")
	dist, err := gen.NewPairSwap(1, 2, 1, rho)
	if err != nil {
		c.Fatalf("NewPairSwap: %v", err)
	}
	lc, err := newL3Case(dist, k, l3M, l3GrossN, l3GrossReplicates, c.Seed("seed"))
	if err != nil {
		c.Fatalf("L3: %v", err)
	}
	return lc
}

// l3GrossN and l3GrossReplicates are the evaluation points and label sets
// of the gross falsifiers, whose deviations are many tolerances.
const l3GrossN, l3GrossReplicates = 5000, 4

// falsifierL3OneNN: the 1-NN rule passed off as the k-NN majority. Its mean
// risk over the R independent label sets is additive over the training
// points (spreadOf with one set, whose variance and range shrink by R for
// the mean of R independent sets), within r1 of its exact mean EL at
// c.Delta; the check (at the claim's delta, l3Delta) rejects when EL - r1
// exceeds the majority's mean plus its tolerance.
func falsifierL3OneNN(c *Check) {
	lc := l3GrossCase(c)
	a, err := analyseNN(lc.train, lc.eval)
	if err != nil {
		c.Fatalf("analyseNN: %v", err)
	}
	one := spreadOf(lc.train, riskTable(lc.train, lc.eval, a.nn, nil), 1)
	rf := float64(len(lc.labels))
	r1 := Bernstein(one.v/rf, one.b/rf, c.Delta)
	tol := lc.radius(lc.ka.pVote, nil, l3Delta())
	if a.expected-r1 <= lc.ka.majority+tol {
		c.Unresolved("1-NN risk lower bound %.4f not above the majority's %.4f + %.4f", a.expected-r1, lc.ka.majority, tol)
	}
	r, err := lc.check("1-NN as the majority", c.KNN(1), lc.ka.majority, tol, Detectable(tol, r1), nil)
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	if !r.record(c) {
		c.Fatalf("the L3 majority check did not reject 1-NN: %v", r)
	}
}

// falsifierL3Majority: the k-NN majority vote in the random-neighbour
// sampler check. Its mean risk is within the majority's own radius at
// c.Delta of its exact mean; the check (at l3Delta) rejects when that is
// below the random neighbour's exact mean minus the check's tolerance.
func falsifierL3Majority(c *Check) {
	lc := l3GrossCase(c)
	own := lc.radius(lc.ka.pVote, nil, c.Delta)
	tol := lc.radius(lc.pRN, nil, l3Delta())
	if lc.ka.majority+own >= lc.ka.rnExpected-tol {
		c.Unresolved("majority risk bound %.4f not below the sampler's %.4f - %.4f", lc.ka.majority+own, lc.ka.rnExpected, tol)
	}
	r, err := lc.check("majority as the random neighbour", c.KNN(lc.ka.k), lc.ka.rnExpected, tol, Detectable(tol, own), nil)
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	if !r.record(c) {
		c.Fatalf("the random-neighbour sampler check did not reject the %d-NN majority: %v", lc.ka.k, r)
	}
}

// falsifierL3Edge: the k-NN majority answering the Bayes label on a share
// q of the queries (majorityOnShare). Its expected mean risk is exact,
// the majority's plus D(q) = (1/N) sum over the share of (1 - max_c
// eta_c(x_j)) - (P_j eta_0(x_j) + (1 - P_j) eta_1(x_j)), and its terms off
// the share are the majority's (radius with keep, at c.Delta). q is the
// smallest share with |D(q)| >= 1.5 MDD (shareDeviation), MDD = the
// majority check's tolerance at l3Delta plus its radius at c.Delta; the
// case resolves when |D(q)| exceeds the tolerance plus the share's own
// radius, and the majority check must then reject.
func falsifierL3Edge(c *Check) {
	lc := drawL3Case(c, l3Spec, l3M, l3N)
	tol := lc.radius(lc.ka.pVote, nil, l3Delta())
	mdd := Detectable(tol, lc.radius(lc.ka.pVote, nil, c.Delta))
	dev := make([]float64, lc.eval.len())
	for j := range dev {
		e := lc.eval.posterior(j)
		p := lc.ka.pVote[j]
		dev[j] = min(0, (1-slices.Max(e))-(p*e[0]+(1-p)*e[1])) / float64(lc.eval.len())
	}
	q, change, ok := shareDeviation(lc.eval, dev, 1.5*mdd)
	if !ok {
		c.Unresolved("%v: the Bayes label everywhere changes the majority's risk by %.5f < 1.5 MDD = %.5f", lc.dist, -change, 1.5*mdd)
	}
	alt := lc.radius(lc.ka.pVote, func(j int) bool { return unitHash(lc.eval.row(j), saltShare) >= q }, c.Delta)
	if -change <= tol+alt {
		c.Unresolved("%v, q = %.3f: expected deviation %.5f within tol + radius = %.5f + %.5f", lc.dist, q, -change, tol, alt)
	}
	r, err := lc.check("majority with the Bayes label on a share", majorityOnShare(c.KNN(lc.ka.k), knowsPosterior(lc.dist, false), q),
		lc.ka.majority, tol, Detectable(tol, alt), nil)
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	if !r.record(c) {
		c.Fatalf("%v, q = %.3f: the L3 check did not reject the %d-NN majority answering the Bayes label on a share (expected deviation %.5f): %v",
			lc.dist, q, lc.ka.k, -change, r)
	}
}
