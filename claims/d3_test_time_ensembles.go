package claims

import (
	"fmt"
	"math"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimD3 is claim D3: test-time ensembles. K 1-NN teachers trained on
// disjoint samples of m points vote (the production majority,
// c.NewMajority); binary, odd K in {1, 5, 15} (nested: the first K of 15).
// On N evaluation points the measured risk is exact through eta,
//
//	L^_K = (1/N) sum_e [min eta(x_e) + w_e 1{maj_K(x_e) != Bayes(x_e)}],  w_e = |1 - 2 eta_1(x_e)|,
//
// and given all positions teacher t's vote at x_e is the label of its
// nearest training point, wrong with probability p_te = 1 - eta_Bayes(X_t,NN(e)),
// independently across teachers, so EL_K is exact (Poisson-binomial). The
// check asserts, each a calibrated assertion in risk at delta = c.Delta:
//
//   - (level, K = 1, 5, 15) |L^_K - EL_K| <= FreedmanRadius;
//   - (trend, paired on the same points, (1, 5) and (5, 15)) |D^ - E D| <=
//     FreedmanRadius, D^ = L^_K - L^_K' and E D = EL_K - EL_K' exact;
//
// and, implied by the paired assertion (so no budget of its own), the
// certified decrease D^ > radius wherever E D > 2 radius. The radius is
// Freedman's (stats.go) for the Doob martingale of the statistic over the
// training labels, revealed teacher by teacher: label i of teacher t moves
// the conditional mean of a majority's loss at x_e only when teacher t is
// pivotal there (the other votes split evenly), so its range is
// r_ti = (1/N) sum_{e: NN_t(e) = i} w_e |piv_A(t, e) - piv_B(t, e)|, with
// piv the exact probability (Poisson-binomial of the unrevealed teachers,
// given the revealed ones' votes) and variance r_ti^2 eta_1 (1 - eta_1) of the
// training point: members of a 15-vote majority are rarely pivotal, so the
// radius is that of the first teacher's labels, not 15 times it. The
// exact checks of the former claim stay: |EL_K - R^_K| <= band_K
// (multilinearity of the vote law, R^_K the frozen-eta limit), R^_K
// non-increasing, EL_K decreasing where the bands separate.
//
// MDD (risk; Detectable(radius, radius), the alternative's radius taken as
// the production's): at m = N = 20000 median 0.0165, worst 0.0195 over 20
// cases (the smallest over the five assertions; the radii are dominated by
// the first teachers' label noise, about sqrt(1/m + 1/N): m = N = 10000
// gives 0.020 to 0.023 at two thirds of the cost).
// A majority that consults one member (or does so on a share of the
// points) keeps L^_5 and L^_15 near L^_1: its paired D^ falls by the share
// times E D (0.03 to 0.09), which the edge falsifier sets near 1.5 MDD.
var claimD3 = Claim{
	ID:     "D3",
	Title:  "Test-time ensembles: the majority of K teachers approaches the Bayes classifier",
	Source: "Kaplun, Malach, Nakkiran, Shalev-Shwartz 2022, Section 5 (CIFAR-10: 81.3% one teacher, 87.8% ensemble); Stone 1977",
	Statement: "The production majority of K 1-NN teachers on disjoint samples, measured on N points: |L^_K - EL_K| <= Freedman radius (EL_K exact, Poisson-binomial), " +
		"and the paired decrease L^_K - L^_K' within a Freedman radius of its exact mean for (1, 5) and (5, 15), certified positive where the mean exceeds twice the radius; " +
		"|EL_K - R^_K| <= band_K and R^_K non-increasing (exact).",
	Kind:       Trend,
	Unit:       "risk",
	Checks:     d3Checks,
	Assertions: d3Assertions,
	Property:   propertyD3,
	Falsifiers: []Falsifier{
		{Name: "majority-of-first-member", Checks: 5, Assertions: 1, Property: func(c *Check) { falsifierD3Share(c, 1) }},
		{Name: "majority-of-first-member-on-a-share-at-1.5-MDD", Checks: 5, Assertions: 1, Property: func(c *Check) { falsifierD3Share(c, 0) }},
	},
}

func init() { register(claimD3) }

const d3Checks, d3Assertions = 5, 5

// d3Ks are the ensemble sizes: nested, the first K teachers of 15.
var d3Ks = []int{1, 5, 15}

// d3Delta is the delta of claim D3's check, at which its falsifiers run it.
func d3Delta() float64 { return claimDelta(checksFor(d3Checks), d3Assertions) }

// Grids and sizes of D3: binary label noise rho over a clean labeling, so
// R^_1 - R^_5 is 0.05 to 0.085 and R^_5 - R^_15 0.03 to 0.045.
// m = N = 20000 keep the bands (boundary crossings) below about 0.01 and the
// Freedman radii near 0.006 (pairs) to 0.01 (K = 1).
var d3Cases = gridCases([][2]int{{1, 4}, {1, 8}, {2, 2}, {2, 4}}, []int{2}, []float64{0.2, 0.25, 0.3})

const d3M, d3N = 20000, 20000

// d3GrossM is the size (m = N) of the gross falsifier (the majority of one
// member), whose deviation E D_{1,15} (0.05 to 0.1) is many radii even there.
const d3GrossM = 5000

// d3EdgeM is the size (m = N) of the edge falsifier, whose share is set
// from the MDD at that size.
const d3EdgeM = 10000

// ensembleCheck is D3's exact analysis of one ensemble size K.
type ensembleCheck struct {
	K                  int
	measured, expected float64 // L^_K, EL_K
	radius             float64 // McDiarmid at delta (the figure's band)
	ideal, band        float64 // R^_K, band_K
}

func (e ensembleCheck) String() string {
	return fmt.Sprintf("K = %d: L^ = %.5f, EL = %.5f, R^_K = %.5f (band %.5f)", e.K, e.measured, e.expected, e.ideal, e.band)
}

// ensembleBandSlack is the float slack of D3's exact |EL_K - R^_K| <= band_K
// over n evaluation points (u = 2^-53; see roundingSlack). Write P(q) for
// majorityOne(q), the probability that the majority of K independent
// Bernoulli(q_t) votes 1. Rounding: each entry of PoissonBinomial's law
// errs by at most 3K u relative and the tail sum adds K/2 u, so P is off by
// at most 3.5K u; a term of EL_K, P eta_0 + (1 - P) eta_1, then errs by at
// most (3.5K + 4) u, one of R^_K (stoneRisk, three operations) by
// (3.5K + 3) u and one of band_K, |1 - 2 eta_1| min(1, sum of K rounded
// |p_t - eta_1|), by (K + 2) u: three means at (n + 4K + 4) u fit in
// roundingSlack(n, 4K + 4) with the comparison's two roundings. Rows: the
// band's derivation uses eta_0 + eta_1 = 1 at each point. With eps = eta_0
// + eta_1 - 1: where eta_1 <= eta_0 (stoneRisk's p = eta_1), EL - R = (1 -
// 2 eta_1)(P(p) - P(eta_1^K)) + eps P(p), off the band by |eps|; where
// eta_1 > eta_0 stoneRisk's p = eta_0 = 1 - (eta_1 - eps), so by symmetry
// of the vote (odd K) EL - R = eps (1 - P(q)) - (eta_1 - eta_0)(P(p) - P(q))
// with q = (eta_1 - eps)^K, |eta_1 - eta_0| <= |1 - 2 eta_1| + |eps| and,
// by multilinearity, |P(p) - P(q)| <= min(1, sum_t |p_t - eta_1|) + K |eps|:
// off the band by at most (K + 2)|eps| + K eps^2 <= (K + 3)|eps|. With
// |eps| <= gen.PosteriorTolerance, of which roundingSlack holds one, the
// slack adds K + 2 more.
func ensembleBandSlack(n, K int) float64 {
	return roundingSlack(n, 4*K+4) + float64(K+2)*gen.PosteriorTolerance
}

// analyseEnsembles computes, label-free, EL_K, band_K and the McDiarmid
// radius of the first K teachers for each K in ks (binary), and R^_K. The
// radius (worst-case influences) is the figure's band; the claim uses
// voteMartingale's Freedman radius.
func analyseEnsembles(nt *nnTeachers, ks []int, delta float64) []ensembleCheck {
	eval := nt.eval
	n := eval.len()
	out := make([]ensembleCheck, len(ks))
	flip := func(e int) float64 { return math.Abs(1 - 2*eval.posterior(e)[1]) }
	for q, K := range ks {
		p := make([]float64, K)
		law := make([]float64, K+1)
		ec := ensembleCheck{K: K, ideal: stoneRisk(eval, K)}
		for e := range n {
			eta := eval.posterior(e)
			cross := 0.0
			for t := range K {
				p[t] = nt.neighbourPosterior(t, e)[1]
				cross += math.Abs(p[t] - eta[1])
			}
			one := majorityOne(p, law)
			ec.expected += one*eta[0] + (1-one)*eta[1]
			ec.band += flip(e) * min(1, cross)
		}
		ec.expected /= float64(n)
		ec.band /= float64(n)
		if delta > 0 {
			ec.radius = BoundedDifferences(nt.shareSumSq(K, flip, 1), delta)
		}
		out[q] = ec
	}
	return out
}

// measureEnsembles fits nothing new: it votes the first K fitted teachers
// with the majority under test (maj; c.NewMajority in the claim) on the
// evaluation points, fills measured and returns each K's predictions.
func measureEnsembles(nt *nnTeachers, checks []ensembleCheck, maj func([]learners.Classifier) (learners.Classifier, error)) ([][]int, error) {
	preds := make([][]int, len(checks))
	for q := range checks {
		h, err := maj(nt.fit[:checks[q].K])
		if err != nil {
			return nil, err
		}
		risk, pred, err := predictRisk(h, nt.eval, nil)
		if err != nil {
			return nil, err
		}
		checks[q].measured = risk
		preds[q] = pred
	}
	return preds, nil
}

// newD3Case draws the grid, the teachers' positions (m each) and n
// evaluation points.
func newD3Case(c *Check, m, n int) *nnTeachers {
	g := drawNoisyCleanGrid(c, d3Cases)
	tab := newGridTable(g)
	rng := c.Rand("data")
	eval := drawPoints(g, rng, n)
	nt, err := newNNTeachers(tab, d3Ks[len(d3Ks)-1], m, eval, rng, nil)
	if err != nil {
		c.Fatalf("D3: %v: %v", g, err)
	}
	return nt
}

// constSizes returns N copies of K (a majority of the first K teachers at
// every point; 0: no term).
func constSizes(n, K int) []int {
	s := make([]int, n)
	for e := range s {
		s[e] = K
	}
	return s
}

// voteCheck is one calibrated assertion of D3: a statistic of the
// majorities' losses, its exact mean, its Freedman radius and its MDD.
type voteCheck struct {
	name                   string
	measured, mean, radius float64
}

func (v voteCheck) deviation() float64 { return math.Abs(v.measured - v.mean) }
func (v voteCheck) mdd() float64       { return Detectable(v.radius, v.radius) }
func (v voteCheck) String() string {
	return fmt.Sprintf("%s: measured %.5f, exact mean %.5f, Freedman radius %.5f", v.name, v.measured, v.mean, v.radius)
}

// newVoteCheck analyses the statistic of sizes kA, kB (voteMartingale) at
// delta and measures it on the predictions predA, predB (nil: no term).
func (nt *nnTeachers) newVoteCheck(name string, kA, kB []int, predA, predB []int, delta float64) voteCheck {
	vm := nt.voteMartingale(kA, kB, true)
	return voteCheck{name: name, measured: nt.lossDifference(predA, predB), mean: vm.mean,
		radius: FreedmanRadius(vm.v, vm.b, vm.vmax, delta)}
}

func propertyD3(c *Check) {
	nt := newD3Case(c, d3M, d3N)
	checks := analyseEnsembles(nt, d3Ks, 0)
	if checks[0].ideal-checks[1].ideal <= checks[0].band+checks[1].band {
		c.Unresolved("%v: R^_1 - R^_5 = %.4f within the bands %.4f + %.4f", nt.tab.grid, checks[0].ideal-checks[1].ideal, checks[0].band, checks[1].band)
	}
	if err := nt.draw(c.Rand("labels"), nil); err != nil {
		c.Fatalf("D3: %v", err)
	}
	preds, err := measureEnsembles(nt, checks, c.NewMajority)
	if err != nil {
		c.Fatalf("D3: %v", err)
	}
	n := nt.eval.len()
	var vcs []voteCheck
	for q, K := range d3Ks {
		vcs = append(vcs, nt.newVoteCheck(fmt.Sprintf("L^_%d", K), constSizes(n, K), constSizes(n, 0), preds[q], nil, c.Delta))
	}
	for q := 1; q < len(d3Ks); q++ {
		vcs = append(vcs, nt.newVoteCheck(fmt.Sprintf("L^_%d - L^_%d", d3Ks[q-1], d3Ks[q]),
			constSizes(n, d3Ks[q-1]), constSizes(n, d3Ks[q]), preds[q-1], preds[q], c.Delta))
	}
	for _, v := range vcs {
		if c.Calibrated(v.deviation(), v.radius, v.mdd()) {
			c.Fatalf("D3: %v: the production majority's loss is off its exact mean: %v", nt.tab.grid, v)
		}
	}
	// The certified decrease, implied by the paired assertions above.
	for _, v := range vcs[len(d3Ks):] {
		if v.mean > 2*v.radius && !(v.measured > v.radius) {
			c.Fatalf("D3: %v: the decrease is not certified: %v", nt.tab.grid, v)
		}
	}
	// Exact (float slack only): the bands, and the trend they imply.
	for q, e := range checks {
		// Three means over n points, one posterior row per point (ensembleBandSlack).
		if math.Abs(e.expected-e.ideal) > e.band+ensembleBandSlack(n, e.K) {
			c.Fatalf("D3: %v: |EL_K - R^_K| exceeds the band: %v", nt.tab.grid, e)
		}
		if q == 0 {
			continue
		}
		prev := checks[q-1]
		// R^_K' <= R^_K per point for p_e = min eta <= 1/2 (a row off by the
		// tolerance misses by at most that); two means of terms off by at most
		// (4K' + 3) u (as in L3) fit in roundingSlack(n, 2K' + 2).
		if e.ideal > prev.ideal+roundingSlack(n, 2*e.K+2) {
			c.Fatalf("D3: %v: R^_K increased from K = %d to %d: %.9f > %.9f", nt.tab.grid, prev.K, e.K, e.ideal, prev.ideal)
		}
		if prev.ideal-e.ideal > prev.band+e.band && !(e.expected < prev.expected) {
			c.Fatalf("D3: %v: the ensemble's exact risk did not fall: %v then %v", nt.tab.grid, prev, e)
		}
	}
}

// d3EdgeFactor is the edge falsifier's target deviation in MDDs.
const d3EdgeFactor = 1.5

// falsifierD3Share: a 15-vote majority that answers its first member's vote
// on a share q of the evaluation points (majorityOnShare's bug, by the
// point's hash; q = 1: the majority of the first member only, the mutation
// majority-first-member) and the 15-vote majority elsewhere, against D3's
// paired assertion on (5, 15), the one with the smallest MDD. share = 0
// picks the edge: q such that the expected shift of L^_5 - L^_15,
// proportional to q, is d3EdgeFactor times its label-free MDD estimate
// (voteMartingale with unconditional pivots). Power, after the labels (a
// falsifier may resolve on them): the mutant's statistic has its own exact
// mean and Freedman radius (the same martingale with per-point size 1 on
// the share), so the paired assertion rejects, except with probability
// 2 c.Delta, whenever |E D_mutant - E D| > radius + mutant radius; the case
// resolves iff that holds. The gross falsifier (share 1) runs at
// m = N = d3GrossM, the edge at d3EdgeM.
func falsifierD3Share(c *Check, share float64) {
	m := d3EdgeM
	if share == 1 {
		m = d3GrossM
	}
	nt := newD3Case(c, m, m)
	n := nt.eval.len()
	K, K5 := d3Ks[len(d3Ks)-1], d3Ks[len(d3Ks)-2]
	delta := d3Delta()
	hashed := make([]float64, n)
	for e := range n {
		hashed[e] = unitHash(nt.eval.row(e), saltShare)
	}
	sizesFor := func(q float64) []int {
		s := constSizes(n, K)
		for e := range s {
			if hashed[e] < q {
				s[e] = 1
			}
		}
		return s
	}
	q := share
	if q == 0 {
		prod := nt.voteMartingale(constSizes(n, K5), constSizes(n, K), false)
		all := nt.voteMartingale(constSizes(n, K5), sizesFor(1), false)
		mdd := 2 * FreedmanRadius(prod.v, prod.b, prod.vmax, delta)
		q = min(1, d3EdgeFactor*mdd/math.Abs(all.mean-prod.mean))
	}
	sizes := sizesFor(q)
	if err := nt.draw(c.Rand("labels"), nil); err != nil {
		c.Fatalf("D3: %v", err)
	}
	pred := make(map[int][]int)
	for _, k := range []int{1, K5, K} {
		maj, err := learners.NewMajority(nt.fit[:k])
		if err != nil {
			c.Fatalf("D3: %v", err)
		}
		pred[k] = make([]int, n)
		if err := maj.PredictBatch(nt.eval.x, pred[k], nil); err != nil {
			c.Fatalf("D3: %v", err)
		}
	}
	for e, s := range sizes {
		if s == 1 {
			pred[K][e] = pred[1][e]
		}
	}
	prod := nt.newVoteCheck(fmt.Sprintf("L^_%d - L^_%d", K5, K), constSizes(n, K5), constSizes(n, K), pred[K5], pred[K], delta)
	mut := nt.voteMartingale(constSizes(n, K5), sizes, true)
	mutRadius := FreedmanRadius(mut.v, mut.b, mut.vmax, c.Delta)
	if math.Abs(mut.mean-prod.mean) <= prod.radius+mutRadius {
		c.Unresolved("%v, share %.3f: |E D_mutant - E D| = %.4f within the radii %.4f + %.4f", nt.tab.grid, q, math.Abs(mut.mean-prod.mean), prod.radius, mutRadius)
	}
	if !c.Calibrated(prod.deviation(), prod.radius, prod.mdd()) {
		c.Fatalf("D3 accepted a majority of the first member on a share %.3f on %v: %v (mutant's exact mean %.5f, radius %.5f)", q, nt.tab.grid, prod, mut.mean, mutRadius)
	}
	c.Logf("D3 falsifier: share %.3f, shift %.4f = %.2f MDD", q, math.Abs(mut.mean-prod.mean), math.Abs(mut.mean-prod.mean)/prod.mdd())
}

// voteMartingaleResult is voteMartingale's analysis of a statistic.
type voteMartingaleResult struct {
	mean    float64 // exact mean given the positions
	v, b    float64 // predictable quadratic variation, bound on each difference
	vmax    float64 // label-free bound on v
	maxSize int
}

// voteMartingale analyses, for binary noisy-clean teachers, the statistic
//
//	D = (1/N) sum_e w_e (1{maj_A(e) wrong} - 1{maj_B(e) wrong}),
//
// maj_A(e) the majority of the first kA[e] teachers at x_e (kA[e] = 0: no
// term; odd sizes), "wrong" meaning not the Bayes label of x_e and w_e =
// |1 - 2 eta_1(x_e)|. Given the positions the votes are independent, teacher
// t wrong at x_e with probability p_te, so E D is exact (Poisson-binomial).
// Reveal the training labels teacher by teacher (Doob martingale). Label i
// of teacher t changes the conditional mean of 1{maj wrong} at each x_e with
// NN_t(e) = i by piv(t, e), the probability that the other members' votes
// split evenly given the revealed teachers s < t (exact: the revealed
// teachers' wrong votes and the Poisson-binomial law of the unrevealed
// ones), so its difference has range r_ti = (1/N) sum_e w_e |pivA - pivB|,
// predictable, and conditional variance at most r_ti^2 eta_1(1 - eta_1) of
// the training point's label; b = max_ti (1/N) sum_e w_e bounds every range
// and vmax = sum_ti b_ti^2 / 4 every variance sum. With revealed false the
// pivots are unconditional (no teacher revealed): a label-free estimate of
// v for sizing, not a valid radius.
func (nt *nnTeachers) voteMartingale(kA, kB []int, revealed bool) voteMartingaleResult {
	n := nt.eval.len()
	kmax := 0
	for e := range n {
		kmax = max(kmax, kA[e], kB[e])
	}
	res := voteMartingaleResult{maxSize: kmax}
	r := make([][]float64, kmax)
	bw := make([][]float64, kmax)
	for t := range kmax {
		r[t] = make([]float64, nt.train[t].len())
		bw[t] = make([]float64, nt.train[t].len())
	}
	p := make([]float64, kmax)
	wrong := make([]bool, kmax)
	pivA, pivB := make([]float64, kmax), make([]float64, kmax)
	sc := newPivotScratch(kmax)
	for e := range n {
		eta := nt.eval.posterior(e)
		bayes := 0
		if eta[1] > eta[0] {
			bayes = 1
		}
		w := math.Abs(eta[1] - eta[0])
		for t := range max(kA[e], kB[e]) {
			p[t] = 1 - nt.neighbourPosterior(t, e)[bayes]
			if revealed {
				wrong[t] = nt.y[t][nt.nn[t][e]] != bayes
			}
		}
		wa := sc.pivots(p[:kA[e]], wrong, revealed, pivA)
		wb := sc.pivots(p[:kB[e]], wrong, revealed, pivB)
		res.mean += w * (wa - wb)
		for t := range max(kA[e], kB[e]) {
			a, b := 0.0, 0.0
			if t < kA[e] {
				a = pivA[t]
			}
			if t < kB[e] {
				b = pivB[t]
			}
			i := nt.nn[t][e]
			r[t][i] += w * math.Abs(a-b)
			bw[t][i] += w
		}
	}
	res.mean /= float64(n)
	for t := range kmax {
		for i, ri := range r[t] {
			pi := nt.train[t].posterior(i)[1]
			ri /= float64(n)
			bi := bw[t][i] / float64(n)
			res.v += ri * ri * pi * (1 - pi)
			res.b = max(res.b, bi)
			res.vmax += bi * bi / 4
		}
	}
	res.b = max(res.b, math.SmallestNonzeroFloat64)
	res.vmax = max(res.vmax, res.v)
	return res
}

// pivotScratch holds the Poisson-binomial laws of voteMartingale's pivots.
type pivotScratch struct {
	suf, pre [][]float64
}

func newPivotScratch(kmax int) *pivotScratch {
	s := &pivotScratch{suf: make([][]float64, kmax+1), pre: make([][]float64, kmax+1)}
	for t := range s.suf {
		s.suf[t] = make([]float64, kmax+1)
		s.pre[t] = make([]float64, kmax+1)
	}
	return s
}

// pivots fills piv[t] (t < K = len(p), odd) with the probability that the
// votes other than t's split (K-1)/2 : (K-1)/2 among K independent votes
// wrong with probabilities p, given the actual wrong votes of the teachers
// before t (revealed) or unconditionally, and returns P(majority wrong).
// K = 0 returns 0 and fills nothing.
func (s *pivotScratch) pivots(p []float64, wrong []bool, revealed bool, piv []float64) float64 {
	K := len(p)
	if K == 0 {
		return 0
	}
	half := (K - 1) / 2
	// suf[t]: law of the number wrong among t+1..K-1.
	clear(s.suf[K-1][:K+1])
	s.suf[K-1][0] = 1
	for t := K - 1; t >= 1; t-- {
		convolveBernoulli(s.suf[t], p[t], s.suf[t-1], K)
	}
	// pre[t]: law of the number wrong among 0..t-1.
	clear(s.pre[0][:K+1])
	s.pre[0][0] = 1
	for t := 0; t < K; t++ {
		convolveBernoulli(s.pre[t], p[t], s.pre[t+1], K)
	}
	pWrong := 0.0
	for j := half + 1; j <= K; j++ {
		pWrong += s.pre[K][j]
	}
	cnt := 0
	for t := range K {
		if revealed {
			need := half - cnt
			piv[t] = 0
			if need >= 0 && need <= K-1-t {
				piv[t] = s.suf[t][need]
			}
			if wrong[t] {
				cnt++
			}
			continue
		}
		sum := 0.0
		for j := 0; j <= min(t, half); j++ {
			if half-j <= K-1-t {
				sum += s.pre[t][j] * s.suf[t][half-j]
			}
		}
		piv[t] = sum
	}
	return min(1, pWrong)
}

// convolveBernoulli writes into dst (K+1 entries) the law of X + B, X with
// law src and B ~ Bernoulli(p).
func convolveBernoulli(src []float64, p float64, dst []float64, K int) {
	dst[0] = src[0] * (1 - p)
	for j := 1; j <= K; j++ {
		dst[j] = src[j]*(1-p) + src[j-1]*p
	}
}

// lossDifference returns (1/N) sum_e w_e (1{predA wrong} - 1{predB wrong})
// (nil: no term), "wrong" meaning not the Bayes label of x_e (binary).
func (nt *nnTeachers) lossDifference(predA, predB []int) float64 {
	s := 0.0
	for e := range nt.eval.len() {
		eta := nt.eval.posterior(e)
		bayes := 0
		if eta[1] > eta[0] {
			bayes = 1
		}
		w := math.Abs(eta[1] - eta[0])
		if predA != nil && predA[e] != bayes {
			s += w
		}
		if predB != nil && predB[e] != bayes {
			s -= w
		}
	}
	return s / float64(nt.eval.len())
}
