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
//     delta), and then the look-up sampler (answer the first label seen at
//     x) is an exact sampler: its answers are independent draws from eta, so
//     its risk on the M points is within 2 gamma sqrt(ln(2/delta)/(2M)) of
//     G = 1/2 - 2 gamma^2 (Hoeffding at c.Delta);
//   - with the same budget, n_x samples at x give any learner, averaged over
//     the sign, error probability at least (1 - TV_n)/2 (Le Cam), TV_n the
//     total variation between Bin(n, 1/2 + gamma) and Bin(n, 1/2 - gamma),
//     and TV_n <= sqrt(n gamma ln((1+2gamma)/(1-2gamma))) (Pinsker). The
//     majority vote (fair coin on ties) errs with the same probability
//     P_n for both signs, so P_n >= (1 - TV_n)/2 (exact, binomial), its
//     expected excess risk given the counts is EX = (2 gamma / M) sum_x
//     P_{n_x} >= gamma (1 - mean_x sqrt(n_x gamma ln(...))) (exact), and its
//     measured excess is at least EX - 2 gamma sqrt(ln(2/delta)/(2M))
//     (Hoeffding over the independent points, c.Delta).
//
// Resolved when the budget per point is below the learning threshold,
// (m/M) gamma ln((1+2gamma)/(1-2gamma)) <= 1/4 (about m/M <= 1/(16 gamma^2)):
// then by Jensen EX >= gamma/2, so the learner still has excess risk of order
// gamma while the sampler is exact. Learning to excess gamma/2 needs order
// 1/gamma^2 samples per point; sampling needs ln(M/delta).
var claimL6 = Claim{
	ID:     "L6",
	Title:  "Sampling can be cheaper than learning",
	Source: "Kaplun et al. 2022, Section 5 (samplers from few samples); Le Cam's two-point method",
	Statement: "On M points with eta in {1/2 -+ gamma}, m = M ln(M/delta) samples see every point (prob >= 1-delta) and the look-up sampler's " +
		"risk is within 2 gamma sqrt(ln(2/delta)/(2M)) of G; the majority learner on the same samples keeps excess risk " +
		">= gamma (1 - mean sqrt(n_x gamma ln((1+2gamma)/(1-2gamma)))) - radius >= gamma/2 - radius when m/M << 1/gamma^2.",
	Kind:       FiniteBound,
	Checks:     l6Checks,
	Assertions: l6Assertions,
	Property:   propertyL6,
	Falsifiers: []Falsifier{
		{Name: "too-few-samples", Checks: 5, Assertions: 1, Property: falsifierL6FewSamples},
		{Name: "majority-vote-as-sampler", Checks: 5, Assertions: 1, Property: falsifierL6Majority},
	},
}

func init() { register(claimL6) }

const l6Checks, l6Assertions = 50, 3

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

// lookupCheck is what the L6 sampler check measures on one learner.
type lookupCheck struct {
	unseen               int     // domain points without a sample
	counts               []int   // samples per domain point
	risk, sampler, bayes float64 // on the M points, through eta
	radius               float64 // Hoeffding at delta, width 2 gamma
}

// rejects reports whether the learner fails to be an exact sampler on the
// domain: an unseen point, or a risk outside the Hoeffding band around G.
func (lc lookupCheck) rejects() bool {
	return lc.unseen > 0 || math.Abs(lc.risk-lc.sampler) > lc.radius
}

func (lc lookupCheck) String() string {
	return fmt.Sprintf("%d unseen points; risk %.5f vs G = %.5f (radius %.5f, R^* = %.5f)", lc.unseen, lc.risk, lc.sampler, lc.radius, lc.bayes)
}

// checkLookupSampler draws m labeled samples from dom, fits learner and
// measures its answers at the M domain points (rng drives a randomized
// classifier).
func checkLookupSampler(learner learners.Learner, dom *finiteDomain, m int, delta float64, rng *rand.Rand) (lookupCheck, learners.Dataset, error) {
	x, y := gen.SampleLabeled(dom, rng, m)
	ds := learners.Dataset{X: x, D: 1, Y: y, K: 2}
	lc := lookupCheck{counts: make([]int, dom.size())}
	for _, v := range x {
		lc.counts[dom.index(v)]++
	}
	for _, n := range lc.counts {
		if n == 0 {
			lc.unseen++
		}
	}
	h, err := learner.Fit(ds)
	if err != nil {
		return lc, ds, err
	}
	all := dom.all()
	lc.risk, _, err = predictRisk(h, all, rng)
	if err != nil {
		return lc, ds, err
	}
	lc.sampler = gen.SamplerRisk(all.eta, 2)
	lc.bayes = gen.BayesRisk(all.eta, 2)
	lc.radius = Hoeffding(dom.size(), 2*dom.gamma, delta)
	return lc, ds, nil
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

func propertyL6(c *Check) {
	points := rapid.SampledFrom([]int{500, 1000, 2000}).Draw(c.T, "M")
	gamma := rapid.SampledFrom(l6Gammas).Draw(c.T, "gamma")
	dom := newFiniteDomain(points, gamma, c.Rand("signs"))
	m := coverageSamples(points, c.Delta)
	ell := math.Log((1 + 2*gamma) / (1 - 2*gamma))
	if float64(m)/float64(points)*gamma*ell > 0.25 {
		c.Unresolved("M = %d, gamma = %v: %d samples per point exceed the learning threshold", points, gamma, m/points)
	}
	rng := c.Rand("data")
	lc, ds, err := checkLookupSampler(lookupLearner(dom, false), dom, m, c.Delta, rng)
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	// The majority learner on the same samples.
	maj, err := lookupLearner(dom, true).Fit(ds)
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	majRisk, _, err := predictRisk(maj, dom.all(), rng)
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
	// Probabilistic (c.Delta each): coverage, the look-up sampler's risk,
	// and the majority learner's excess.
	if lc.unseen > 0 {
		c.Fatalf("%v, m = %d: %d points unseen", dom, m, lc.unseen)
	}
	c.Margin(lc.radius - math.Abs(lc.risk-lc.sampler))
	if math.Abs(lc.risk-lc.sampler) > lc.radius {
		c.Fatalf("%v, m = %d: the look-up sampler is not exact: %v", dom, m, lc)
	}
	excess := majRisk - lc.bayes
	c.Margin(excess - (ex - lc.radius))
	if excess < ex-lc.radius {
		c.Fatalf("%v, m = %d: majority excess %.5f below its expected %.5f minus radius %.5f (Le Cam-Pinsker bound %.5f, gamma/2 = %.5f)", dom, m, excess, ex, lc.radius, lb, gamma/2)
	}
}

// falsifierL6FewSamples: with m = M/2 samples at least half the points are
// unseen, so the look-up learner cannot be an exact sampler there; the
// check's coverage test (run at the claim's delta, l6Delta, which only sets
// its radius here) rejects it with certainty.
func falsifierL6FewSamples(c *Check) {
	points := rapid.SampledFrom([]int{500, 1000, 2000}).Draw(c.T, "M")
	gamma := rapid.SampledFrom(l6Gammas).Draw(c.T, "gamma")
	dom := newFiniteDomain(points, gamma, c.Rand("signs"))
	lc, _, err := checkLookupSampler(lookupLearner(dom, false), dom, points/2, l6Delta(), c.Rand("data"))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	if !lc.rejects() {
		c.Fatalf("%v, m = M/2: the L6 check did not reject the look-up learner: %v", dom, lc)
	}
}

// falsifierL6Majority: the majority learner at the claim's coverage budget
// (m = coverageSamples(M, l6Delta())), on a domain with a large margin
// (gamma in {0.15, 0.2}, M = 2000), learns the Bayes label at most points,
// so its risk falls below the sampler band. The rejection is certified from
// eta before the check runs: the sample is drawn first (same stream as the
// check), and R^* + EX (the exact expected excess given the counts) plus the
// Hoeffding radius at c.Delta (the majority's own concentration, this
// falsifier's probability) must stay below G minus the check's radius at
// l6Delta.
func falsifierL6Majority(c *Check) {
	gamma := rapid.SampledFrom([]float64{0.15, 0.2}).Draw(c.T, "gamma")
	const points = 2000
	dom := newFiniteDomain(points, gamma, c.Rand("signs"))
	delta := l6Delta()
	m := coverageSamples(points, delta)
	seed := c.Seed("data")
	// Power: the counts come from the sample the check will draw.
	x, _ := gen.SampleLabeled(dom, rand.New(rand.NewPCG(seed, 0)), m)
	counts := make([]int, points)
	for _, v := range x {
		counts[dom.index(v)]++
	}
	ex := 0.0
	for _, n := range counts {
		pw, _ := majorityError(n, gamma)
		ex += 2 * gamma * pw / points
	}
	own, band := Hoeffding(points, 2*gamma, c.Delta), Hoeffding(points, 2*gamma, delta)
	g, r := 0.5-2*gamma*gamma, 0.5-gamma
	if r+ex+own >= g-band {
		c.Unresolved("gamma = %v: majority risk bound %.4f not below G - radius = %.4f", gamma, r+ex+own, g-band)
	}
	lc, _, err := checkLookupSampler(lookupLearner(dom, true), dom, m, delta, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		c.Fatalf("%v: %v", dom, err)
	}
	c.Margin(math.Abs(lc.risk-lc.sampler) - lc.radius)
	if !lc.rejects() {
		c.Fatalf("%v: the L6 check did not reject the majority learner: %v", dom, lc)
	}
}
