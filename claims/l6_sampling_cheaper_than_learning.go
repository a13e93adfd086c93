package claims

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimL6 is claim L6: sampling can be cheaper than learning. On a finite
// domain of M equally likely points with eta_1 in {1/2 - gamma, 1/2 + gamma}
// (signs drawn at random per point):
//
//   - with m = ceil(M (ln M + ln(1/delta))) samples every point is seen with
//     probability >= 1 - delta (union bound: M (1 - 1/M)^m <= M e^(-m/M) =
//     delta), and then the production 1-NN (c.KNN(1); ties to the lower
//     index, so at a domain point it answers the first label seen there: the
//     look-up sampler) is an exact sampler: given the positions its expected
//     risk on the M points is G = (1/M) sum_x (1 - sum_c eta_c(x)^2) exactly
//     (A^ = 0: every point's nearest sample sits on it). Checked as L1's
//     conformance: the mean risk of 1-NN fitted on R = l6Replicates
//     stratified label sets at the same positions is within Bernstein's
//     radius (spreadOf, c.Delta) of G;
//   - with the same budget, n_x samples at x give any learner, averaged over
//     the sign, error probability at least (1 - TV_n)/2 (Le Cam), TV_n the
//     total variation between Bin(n, 1/2 + gamma) and Bin(n, 1/2 - gamma),
//     and TV_n <= sqrt(n gamma ln((1+2gamma)/(1-2gamma))) (Pinsker). The
//     majority vote (fair coin on ties) errs with the same probability
//     P_n for both signs, so P_n >= (1 - TV_n)/2 (exact, binomial), its
//     expected excess risk given the counts is EX = (2 gamma / M) sum_x
//     P_{n_x} >= gamma (1 - mean_x sqrt(n_x gamma ln(...))) (exact), and its
//     measured excess on the first label set is at least EX - 2 gamma
//     sqrt(ln(2/delta)/(2M)) (Hoeffding over the independent points,
//     c.Delta; calibrated, measured EX - excess against that radius).
//
// Resolved when the budget per point is below the learning threshold,
// (m/M) gamma ln((1+2gamma)/(1-2gamma)) <= 1/4 (about m/M <= 1/(16 gamma^2)):
// then by Jensen EX >= gamma/2, so the learner still has excess risk of order
// gamma while the sampler is exact. Learning to excess gamma/2 needs order
// 1/gamma^2 samples per point; sampling needs ln(M/delta).
//
// MDD. The conformance check rejects, with probability at least 1 - delta,
// any learner whose expected mean risk is more than 2 tol off G and whose
// answers depend on each sample's draws only where 1-NN's do
// (Detectable(tol, tol)); the risk range per point is only 2 gamma, so the
// MDD is far below the 0.02 goal: a median of 0.0004-0.0007 and a worst of
// 0.0015 (runs of 10 and 20 cases). The falsifiers are 1-NN
// answering the Bayes label on a share of the points, at 1.5 MDD, too few
// samples (coverage fails) and the majority learner in the sampler check.
var claimL6 = Claim{
	ID:     "L6",
	Title:  "Sampling can be cheaper than learning",
	Source: "Kaplun et al. 2022, Section 5 (samplers from few samples); Le Cam's two-point method",
	Statement: "On M points with eta in {1/2 -+ gamma}, m = M ln(M/delta) samples see every point (prob >= 1-delta) and 1-NN (the look-up sampler) " +
		"has exact mean risk G, its mean risk over R label sets within a Bernstein radius of G; the majority learner on the same samples keeps excess risk " +
		">= gamma (1 - mean sqrt(n_x gamma ln((1+2gamma)/(1-2gamma)))) - radius >= gamma/2 - radius when m/M << 1/gamma^2.",
	Kind:       FiniteBound,
	Unit:       "risk",
	Checks:     l6Checks,
	Assertions: l6Assertions,
	Property:   propertyL6,
	Falsifiers: []Falsifier{
		{Name: "too-few-samples", Checks: 5, Assertions: 1, Property: falsifierL6FewSamples},
		{Name: "majority-vote-as-sampler", Checks: 5, Assertions: 1, Property: falsifierL6Majority},
		{Name: "edge-bayes-share", Checks: 5, Assertions: 1, Property: falsifierL6Edge},
	},
}

func init() { register(claimL6) }

const l6Checks, l6Assertions = 8, 3

// l6Replicates is the number of stratified label sets of the conformance
// check.
const l6Replicates = 16

// l6Delta is the delta at which claim L6's check runs, with its sample size
// coverageSamples(M, l6Delta()); its falsifiers run the same check, at the
// same delta and size.
func l6Delta() float64 { return claimDelta(checksFor(l6Checks), l6Assertions) }

// finiteDomain is the distribution of claim L6: x uniform on the M points
// x_i = (i + 1/2)/M of [0, 1], eta_1(x_i) = 1/2 + s_i gamma with signs s_i.
type finiteDomain struct {
	gamma float64
	sign  []int8 // +1 or -1 per point
}

var _ gen.Distribution = (*finiteDomain)(nil)

// newFiniteDomain draws the signs from rng, each +-1 with probability 1/2.
func newFiniteDomain(points int, gamma float64, rng *rand.Rand) *finiteDomain {
	f := &finiteDomain{gamma: gamma, sign: make([]int8, points)}
	for i := range f.sign {
		f.sign[i] = 1
		if rng.IntN(2) == 0 {
			f.sign[i] = -1
		}
	}
	return f
}

func (f *finiteDomain) Dim() int     { return 1 }
func (f *finiteDomain) Classes() int { return 2 }
func (f *finiteDomain) size() int    { return len(f.sign) }

// index returns the point of x: floor(x M), clamped to [0, M).
func (f *finiteDomain) index(x float64) int {
	return min(f.size()-1, max(0, int(x*float64(f.size()))))
}

func (f *finiteDomain) SampleX(rng *rand.Rand, dst []float64) {
	dst[0] = (float64(rng.IntN(f.size())) + 0.5) / float64(f.size())
}

func (f *finiteDomain) Posterior(x, dst []float64) {
	e := 0.5 + float64(f.sign[f.index(x[0])])*f.gamma
	dst[0], dst[1] = 1-e, e
}

func (f *finiteDomain) Lipschitz() (float64, bool) { return 0, false }

func (f *finiteDomain) String() string {
	return fmt.Sprintf("FiniteDomain(M=%d, gamma=%g)", f.size(), f.gamma)
}

// all returns the M domain points with their posterior.
func (f *finiteDomain) all() points {
	x := make([]float64, f.size())
	for i := range x {
		x[i] = (float64(i) + 0.5) / float64(f.size())
	}
	return points{d: 1, k: 2, x: x, eta: gen.PosteriorMatrix(f, x)}
}

// lookupClassifier answers, at a domain point, a label stored for it: the
// first label seen (the look-up sampler) or the majority of the labels seen
// with a fair coin on ties (the majority learner, randomized only on ties
// and unseen points). The look-up sampler answers class 0 at unseen points.
type lookupClassifier struct {
	dom      *finiteDomain
	first    []int // -1 if unseen
	ones     []int // labels 1 seen at each point
	seen     []int // labels seen at each point
	majority bool
}

// lookupLearner returns the look-up sampler (majority false) or the
// majority learner on dom.
func lookupLearner(dom *finiteDomain, majority bool) learners.Learner {
	return learners.LearnerFunc(func(train learners.Dataset) (learners.Classifier, error) {
		if err := train.Validate(); err != nil {
			return nil, err
		}
		if train.D != 1 || train.K != 2 {
			return nil, errors.New("claims: the look-up learners need d = 1 and two classes")
		}
		c := &lookupClassifier{dom: dom, first: make([]int, dom.size()), ones: make([]int, dom.size()), seen: make([]int, dom.size()), majority: majority}
		for i := range c.first {
			c.first[i] = -1
		}
		for i, y := range train.Y {
			p := dom.index(train.X[i])
			if c.first[p] < 0 {
				c.first[p] = y
			}
			c.seen[p]++
			c.ones[p] += y
		}
		return c, nil
	})
}

func (c *lookupClassifier) Dim() int     { return 1 }
func (c *lookupClassifier) Classes() int { return 2 }

func (c *lookupClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	y := []int{0}
	return y[0], c.PredictBatch(x, y, rng)
}

func (c *lookupClassifier) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	if err := checkRows(x, 1, dst); err != nil {
		return err
	}
	if c.majority && rng == nil {
		return errors.New("claims: the majority look-up learner needs a *rand.Rand for ties")
	}
	for j := range dst {
		p := c.dom.index(x[j])
		switch {
		case !c.majority:
			dst[j] = max(0, c.first[p])
		case 2*c.ones[p] > c.seen[p]:
			dst[j] = 1
		case 2*c.ones[p] < c.seen[p]:
			dst[j] = 0
		default:
			dst[j] = rng.IntN(2)
		}
	}
	return nil
}

// coverageSamples returns m = ceil(M (ln M + ln(1/delta))): with m uniform
// draws every one of M points is seen with probability >= 1 - delta.
func coverageSamples(points int, delta float64) int {
	return int(math.Ceil(float64(points) * (math.Log(float64(points)) + math.Log(1/delta))))
}

// l6Case is one case of claim L6: the domain, the sample positions with
// R stratified label sets, the domain points and 1-NN's analysis.
type l6Case struct {
	dom    *finiteDomain
	train  points
	labels [][]int
	all    points
	a      nnAnalysis
	spread additiveSpread
	unseen int
	counts []int
}

// newL6Case draws m sample positions of dom and r stratified label sets
// from the streams of seed.
func newL6Case(dom *finiteDomain, m, r int, seed uint64) (l6Case, error) {
	s := gen.NewStreams(seed)
	lc := l6Case{dom: dom, train: drawPoints(dom, s.Train, m), all: dom.all(), counts: make([]int, dom.size())}
	lc.labels = stratifiedLabels(lc.train, r, s.Labels)
	for _, v := range lc.train.x {
		lc.counts[dom.index(v)]++
	}
	for _, n := range lc.counts {
		if n == 0 {
			lc.unseen++
		}
	}
	var err error
	if lc.a, err = analyseNN(lc.train, lc.all); err != nil {
		return lc, err
	}
	lc.spread = spreadOf(lc.train, riskTable(lc.train, lc.all, lc.a.nn, nil), r)
	return lc, nil
}

// tolerance returns the conformance check's tolerance at delta.
func (lc l6Case) tolerance(delta float64) float64 {
	return lc.spread.radius(delta) + riskSlack(lc.all.len(), len(lc.labels), 2)
}

// check measures learner's mean risk over the label sets on the domain
// points against G^.
func (lc l6Case) check(what string, learner learners.Learner, tol, mdd float64, rng *rand.Rand) (riskConformance, error) {
	risk, err := meanRisk(learner, lc.train, lc.labels, lc.all, rng)
	if err != nil {
		return riskConformance{}, err
	}
	return riskConformance{what: what, measured: risk, expected: lc.a.sampler, tol: tol, mdd: mdd}, nil
}

// majorityError returns P_n, the probability that the majority of n labels
// with P(right label) = 1/2 + gamma (fair coin on ties) is wrong, and TV_n,
// the total variation between Bin(n, 1/2 + gamma) and Bin(n, 1/2 - gamma).
func majorityError(n int, gamma float64) (pWrong, tvn float64) {
	if n == 0 {
		return 0.5, 0
	}
	p := make([]float64, n)
	for i := range p {
		p[i] = 0.5 + gamma
	}
	law := make([]float64, n+1) // law of the number of right labels
	PoissonBinomial(p, law)
	for s, v := range law {
		switch {
		case 2*s < n:
			pWrong += v
		case 2*s == n:
			pWrong += v / 2
		}
		tvn += math.Abs(v - law[n-s]) // Bin(n, 1/2 - gamma) puts law[n-s] at s
	}
	return pWrong, tvn / 2
}

// majorityErrorSlack returns the float slack of Le Cam's inequality
// P_n >= (1 - TV_n)/2 as majorityError computes both sides (u = 2^-53). With
// p = 1/2 + gamma in [1/2, 1), 1 - p is exact (Sterbenz), so each step of
// PoissonBinomial rounds two non-negative products and their sum: every
// entry of the law has relative error at most 2n u. P_n, a sum of at most
// n/2 + 1 of them (halving is exact), errs by at most (5n/2 + 1) u; TV_n, half
// the sum of n + 1 rounded differences of entries whose total is 2, by at
// most (3n + 1) u. The slack, err(P_n) + err(TV_n)/2 + u, is at most
// 4 (n + 1) u.
func majorityErrorSlack(n int) float64 { return 4 * float64(n+1) * 0x1p-53 }

// pinskerSlack returns the float slack of TV_n <= sqrt(n gamma ell) at the
// computed value pinsker of the right side, ell = ln((1+2gamma)/(1-2gamma)).
// TV_n errs by at most (3n + 1) u (majorityErrorSlack). The right side: the
// argument of the logarithm has relative error 3 u, so ell has relative
// error at most 3u/ell + u <= 0.75 u/gamma + u (ell >= 4 gamma); the law is
// that of p = fl(1/2 + gamma), whose gamma' = p - 1/2 differs from gamma by
// at most u/2, which moves ln(gamma ell) by at most 1.03 u/gamma (gamma <=
// 0.1); with the two products and the square root (which halves relative
// errors and adds u), sqrt(n gamma ell) has relative error at most
// (0.89/gamma + 2.5) u <= (1/gamma + 3) u against the Pinsker bound of the
// law actually computed. (Where the computed bound exceeds 1 + (3n + 1) u
// no rounding can produce a violation, so scaling by it costs nothing.)
func pinskerSlack(n int, gamma, pinsker float64) float64 {
	return float64(3*n+1)*0x1p-53 + (1/gamma+3)*0x1p-53*pinsker
}

// l6Gammas are the margins gamma of claim L6: small enough that the coverage
// budget, about 30 samples per point, stays below 1/(16 gamma^2).
var l6Gammas = []float64{0.01, 0.02, 0.03, 0.04}

// drawL6Domain draws M, gamma and the signs of claim L6's domain.
func drawL6Domain(c *Check) *finiteDomain {
	points := rapid.SampledFrom([]int{500, 1000, 2000}).Draw(c.T, "M")
	gamma := rapid.SampledFrom(l6Gammas).Draw(c.T, "gamma")
	return newFiniteDomain(points, gamma, c.Rand("signs"))
}

func propertyL6(c *Check) {
	dom := drawL6Domain(c)
	points, gamma := dom.size(), dom.gamma
	m := coverageSamples(points, c.Delta)
	ell := math.Log((1 + 2*gamma) / (1 - 2*gamma))
	if float64(m)/float64(points)*gamma*ell > 0.25 {
		c.Unresolved("M = %d, gamma = %v: %d samples per point exceed the learning threshold", points, gamma, m/points)
	}
	lc, err := newL6Case(dom, m, l6Replicates, c.Seed("seed"))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	// The majority learner on the first label set.
	rng := c.Rand("ties")
	maj, err := lookupLearner(dom, true).Fit(lc.train.dataset(lc.labels[0]))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	majRisk, _, err := predictRisk(maj, lc.all, rng)
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	// Exact: Le Cam and Pinsker per count, then the lower bound on EX.
	cache := map[int][2]float64{} // looked up only, never iterated
	ex, lb := 0.0, 0.0
	perPoint, bigPinsker := 0.0, 1.0 // largest per-count slack, max(1, largest Pinsker bound)
	for _, n := range lc.counts {
		v, ok := cache[n]
		pinsker := math.Sqrt(float64(n) * gamma * ell)
		if !ok {
			pw, tvn := majorityError(n, gamma)
			v = [2]float64{pw, tvn}
			cache[n] = v
			sLC, sP := majorityErrorSlack(n), pinskerSlack(n, gamma, pinsker)
			if pw < (1-tvn)/2-sLC {
				c.Fatalf("n = %d, gamma = %v: majority error %.9f below Le Cam's (1 - TV_n)/2 = %.9f", n, gamma, pw, (1-tvn)/2)
			}
			if tvn > pinsker+sP {
				c.Fatalf("n = %d, gamma = %v: TV_n = %.9f exceeds Pinsker's %.9f", n, gamma, tvn, pinsker)
			}
			perPoint = max(perPoint, 2*sLC+sP)
			bigPinsker = max(bigPinsker, pinsker)
		}
		ex += 2 * gamma * v[0]
		lb += gamma * (1 - pinsker)
	}
	ex /= float64(points)
	lb /= float64(points)
	// The per-count checks give 2 gamma P_n >= gamma (1 - pinsker) - gamma
	// (2 sLC + sP) for each point's float terms; the two means of M terms of
	// size at most gamma and gamma max(1, pinsker) err by (M + 1) u gamma and
	// (M + 2) u gamma max(1, pinsker), and the comparison one more u.
	if ex < lb-gamma*(perPoint+float64(2*points+4)*0x1p-53*bigPinsker) {
		c.Fatalf("%v: the majority's expected excess %.6f is below its Le Cam-Pinsker bound %.6f", dom, ex, lb)
	}
	// Probabilistic (c.Delta): coverage.
	if lc.unseen > 0 {
		c.Fatalf("%v, m = %d: %d points unseen", dom, m, lc.unseen)
	}
	// Calibrated (c.Delta): 1-NN conforms to the exact sampler risk G.
	tol := lc.tolerance(c.Delta)
	r, err := lc.check("1-NN (look-up) vs G", c.KNN(1), tol, Detectable(tol, tol), c.Rand("answers"))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	if r.record(c) {
		c.Fatalf("%v, m = %d: 1-NN is not an exact sampler: %v", dom, m, r)
	}
	// Calibrated (c.Delta): the majority learner's excess is at least its
	// expected excess minus the Hoeffding radius (M independent points,
	// each risk in an interval of width 2 gamma).
	radius := Hoeffding(points, 2*gamma, c.Delta)
	excess := majRisk - lc.a.bayes
	if c.Calibrated(ex-excess, radius, Detectable(radius, radius)) {
		c.Fatalf("%v, m = %d: majority excess %.5f below its expected %.5f minus radius %.5f (Le Cam-Pinsker bound %.5f, gamma/2 = %.5f)", dom, m, excess, ex, radius, lb, gamma/2)
	}
}

// falsifierL6FewSamples: with m = M/2 samples at least half the points are
// unseen, so the look-up learner cannot be an exact sampler there; the
// check's coverage test rejects it with certainty (an exact count, not a
// calibrated assertion).
func falsifierL6FewSamples(c *Check) {
	dom := drawL6Domain(c)
	lc, err := newL6Case(dom, dom.size()/2, 1, c.Seed("seed"))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	if lc.unseen == 0 {
		c.Fatalf("%v, m = M/2: the L6 coverage check saw every point", dom)
	}
}

// falsifierL6Majority: the majority learner at the claim's coverage budget
// (m = coverageSamples(M, l6Delta())), on a domain with a large margin
// (gamma in {0.15, 0.2}, M = 2000), learns the Bayes label at most points,
// so its mean risk falls below the sampler's G. Each label set alone is
// i.i.d., so each of its R risks is at most R^* + EX (the exact expected
// excess given the counts) plus the Hoeffding radius at c.Delta/R (union
// bound: the mean too); the case resolves when that is below G minus the
// check's tolerance at l6Delta, and the check must then reject.
func falsifierL6Majority(c *Check) {
	gamma := rapid.SampledFrom([]float64{0.15, 0.2}).Draw(c.T, "gamma")
	const points = 2000
	dom := newFiniteDomain(points, gamma, c.Rand("signs"))
	delta := l6Delta()
	lc, err := newL6Case(dom, coverageSamples(points, delta), l6Replicates, c.Seed("seed"))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	ex := 0.0
	for _, n := range lc.counts {
		pw, _ := majorityError(n, gamma)
		ex += 2 * gamma * pw / points
	}
	own := Hoeffding(points, 2*gamma, c.Delta/float64(len(lc.labels)))
	tol := lc.tolerance(delta)
	if lc.a.bayes+ex+own >= lc.a.sampler-tol {
		c.Unresolved("gamma = %v: majority risk bound %.4f not below G - tol = %.4f", gamma, lc.a.bayes+ex+own, lc.a.sampler-tol)
	}
	r, err := lc.check("majority vs G", lookupLearner(dom, true), tol, Detectable(tol, own), c.Rand("ties"))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	if !r.record(c) {
		c.Fatalf("%v: the L6 check did not reject the majority learner: %v", dom, r)
	}
}

// falsifierL6Edge: 1-NN answering the Bayes label on a share q of the
// domain points (majorityOnShare), at the claim's sizes. Its expected mean
// risk is exact, G + D(q), D(q) = -(gamma - 2 gamma^2) (share size)/M, and
// its terms off the share are 1-NN's (spreadOf restricted, its radius r' at
// c.Delta). q is the smallest share with |D(q)| >= 1.5 MDD
// (shareDeviation; MDD = the tolerance at l6Delta plus 1-NN's radius at
// c.Delta); the case resolves when |D(q)| > tol + r', and the check must
// then reject.
func falsifierL6Edge(c *Check) {
	dom := drawL6Domain(c)
	delta := l6Delta()
	lc, err := newL6Case(dom, coverageSamples(dom.size(), delta), l6Replicates, c.Seed("seed"))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	if lc.unseen > 0 {
		c.Unresolved("%v: %d points unseen", dom, lc.unseen)
	}
	tol := lc.tolerance(delta)
	mdd := Detectable(tol, lc.spread.radius(c.Delta))
	q, change, ok := shareDeviation(lc.all, nnBayesDeviation(lc.train, lc.all, lc.a.nn), 1.5*mdd)
	if !ok {
		c.Unresolved("%v: the Bayes label everywhere moves the risk by %.5f < 1.5 MDD", dom, change)
	}
	own := spreadOf(lc.train, riskTable(lc.train, lc.all, lc.a.nn, func(j int) bool { return unitHash(lc.all.row(j), saltShare) >= q }), len(lc.labels))
	alt := own.radius(c.Delta)
	if -change <= tol+alt {
		c.Unresolved("%v, q = %.4f: deviation %.6f within %.6f + %.6f", dom, q, -change, tol, alt)
	}
	r, err := lc.check("1-NN with the Bayes label on a share vs G", majorityOnShare(c.KNN(1), knowsPosterior(dom, false), q), tol, Detectable(tol, alt), c.Rand("answers"))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	if !r.record(c) {
		c.Fatalf("%v, q = %.4f: the L6 check did not reject 1-NN answering the Bayes label on a share (deviation %.6f): %v", dom, q, -change, r)
	}
}
