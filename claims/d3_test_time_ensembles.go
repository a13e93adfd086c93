package claims

import (
	"fmt"
	"math"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimD3 is claim D3: test-time ensembles. K 1-NN teachers trained on
// disjoint samples of m points vote (learners.NewMajority); binary, odd K.
// Given all training positions and N evaluation points, teacher t's answer
// at x_e is the label of its nearest training point, Bernoulli(p_te) with
// p_te = eta_1(X_t,NN(e)), independently across teachers, so the vote's law
// is Poisson-binomial and the ensemble's expected risk is exact:
//
//	EL_K = (1/N) sum_e [min(eta_e) + |1 - 2 eta_1(x_e)| P(vote_e wrong)].
//
// Changing one label of teacher t moves the measured risk L^_K by at most
// c_ti = (1/N) sum_{e: NN_t(e) = i} |1 - 2 eta_1(x_e)| (a flipped vote), so
// |L^_K - EL_K| <= sqrt(ln(2/delta)/2 sum c_ti^2) (McDiarmid at delta =
// c.Delta, one assertion per K in {1, 5, 15}). The trend is exact: with
// R^_K the frozen-eta limit on the same points (stoneRisk, non-increasing in
// odd K, R^_1 = G^, tending to R^*), multilinearity of the vote law gives
// |EL_K - R^_K| <= band_K = (1/N) sum_e |1 - 2 eta_1(x_e)| min(1, sum_t
// |p_te - eta_1(x_e)|), so EL_K decreases from K to K' wherever R^_K - R^_K'
// > band_K + band_K'. A case resolves iff that holds from K = 1 to K = 5.
// Why the vote helps: the K answers at a point are independent draws around
// eta, which the check asserts through voteSpread for K = 15 (the vote share
// stays within E S_15 + McDiarmid radius of eta, E S_15 exact; at c.Delta):
// an "ensemble" whose members answer alike has no such concentration.
var claimD3 = Claim{
	ID:     "D3",
	Title:  "Test-time ensembles: the majority of K teachers approaches the Bayes classifier",
	Source: "Kaplun, Malach, Nakkiran, Shalev-Shwartz 2022, Section 5 (CIFAR-10: 81.3% one teacher, 87.8% ensemble); Stone 1977",
	Statement: "The majority of K 1-NN teachers on disjoint samples has |L^_K - EL_K| <= McDiarmid radius, EL_K exact (Poisson-binomial), " +
		"|EL_K - R^_K| <= band_K, and EL_K decreases in K in {1, 5, 15} toward R^* where R^_K - R^_K' > band_K + band_K'; " +
		"the 15 votes' share stays within E S_15 + radius of eta (independent answers).",
	Kind:       Trend,
	Checks:     d3Checks,
	Assertions: d3Assertions,
	Property:   propertyD3,
	Falsifiers: []Falsifier{{
		Name: "copies-of-one-teacher", Checks: 5, Assertions: 1, Property: falsifierD3Copies,
	}},
}

func init() { register(claimD3) }

const d3Checks, d3Assertions = 5, 4

// d3Ks are the ensemble sizes: nested, the first K teachers of 15.
var d3Ks = []int{1, 5, 15}

// d3Delta is the delta of claim D3's check, at which its falsifier runs it.
func d3Delta() float64 { return claimDelta(checksFor(d3Checks), d3Assertions) }

// Grids and sizes of D3: binary label noise rho over a clean labeling, so
// R^_1 - R^_5 is 0.05 to 0.085 and R^_5 - R^_15 0.03 to 0.045; m = 5000 keeps
// the bands (boundary crossings) below about 0.02 (d = 2, 16 cells) and the
// McDiarmid radius of the risk of K = 15 near 0.1 to 0.17 (its sum of
// squares is about (1/N + 1.5/m) K |1 - 2 eta|^2).
var d3Cases = gridCases([][2]int{{1, 4}, {1, 8}, {2, 2}, {2, 4}}, []int{2}, []float64{0.2, 0.25, 0.3})

const d3M, d3N = 5000, 4000

// ensembleCheck is D3's measurement of one ensemble size K.
type ensembleCheck struct {
	K                  int
	measured, expected float64 // L^_K, EL_K
	radius             float64 // McDiarmid at delta
	ideal, band        float64 // R^_K, band_K
}

func (e ensembleCheck) String() string {
	return fmt.Sprintf("K = %d: L^ = %.5f, EL = %.5f (radius %.5f), R^_K = %.5f (band %.5f)", e.K, e.measured, e.expected, e.radius, e.ideal, e.band)
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

// analyseEnsembles computes, label-free, EL_K, band_K and the McDiarmid sum
// of squares of the first K teachers for each K in ks (binary), and R^_K.
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
		ec.radius = BoundedDifferences(nt.shareSumSq(K, flip, 1), delta)
		out[q] = ec
	}
	return out
}

// measureEnsembles fits nothing new: it votes the first K fitted teachers
// with learners.NewMajority on the evaluation points and fills measured.
func measureEnsembles(nt *nnTeachers, checks []ensembleCheck) error {
	for q := range checks {
		maj, err := learners.NewMajority(nt.fit[:checks[q].K])
		if err != nil {
			return err
		}
		risk, _, err := predictRisk(maj, nt.eval, nil)
		if err != nil {
			return err
		}
		checks[q].measured = risk
	}
	return nil
}

// newD3Case draws the grid and the teachers' positions; copies != nil makes
// every teacher a copy of teacher 0.
func newD3Case(c *Check, copies []int) *nnTeachers {
	g := drawNoisyCleanGrid(c, d3Cases)
	tab := newGridTable(g)
	rng := c.Rand("data")
	eval := drawPoints(g, rng, d3N)
	nt, err := newNNTeachers(tab, d3Ks[len(d3Ks)-1], d3M, eval, rng, copies)
	if err != nil {
		c.Fatalf("D3: %v: %v", g, err)
	}
	return nt
}

func propertyD3(c *Check) {
	nt := newD3Case(c, nil)
	checks := analyseEnsembles(nt, d3Ks, c.Delta)
	spread := nt.analyseSpread(d3Ks[len(d3Ks)-1], c.Delta)
	if checks[0].ideal-checks[1].ideal <= checks[0].band+checks[1].band {
		c.Unresolved("%v: R^_1 - R^_5 = %.4f within the bands %.4f + %.4f", nt.tab.grid, checks[0].ideal-checks[1].ideal, checks[0].band, checks[1].band)
	}
	if err := nt.draw(c.Rand("labels"), nil); err != nil {
		c.Fatalf("D3: %v", err)
	}
	if err := measureEnsembles(nt, checks); err != nil {
		c.Fatalf("D3: %v", err)
	}
	nt.measureSpread(&spread)
	for _, e := range checks {
		c.Margin(e.radius - math.Abs(e.measured-e.expected))
		if math.Abs(e.measured-e.expected) > e.radius {
			c.Fatalf("D3: %v: the ensemble's risk is off its exact mean: %v", nt.tab.grid, e)
		}
	}
	c.Margin(spread.upper() - spread.measured)
	if !spread.holds() {
		c.Fatalf("D3: %v: the members' votes are farther from eta than independent answers allow: %v", nt.tab.grid, spread)
	}
	// Exact (float slack only): the bands, and the trend they imply.
	n := nt.eval.len()
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

// falsifierD3Copies: an "ensemble" of 15 copies of one 1-NN teacher votes
// its single label, so its risk is the teacher's, while D3's check treats
// the members as independent. Power, label-free, through the vote-share
// assertion: the copies' S_15 equals one teacher's S_1, whose exact mean
// E S_1 is that teacher's expected risk (about G = 0.32 to 0.42 for rho in
// 0.2..0.3) and whose McDiarmid radius r_1 at c.Delta (each label moves S_1
// by its share of the points) is about 0.05 at m = 5000 and N = 4000,
// against E S_15 + radius_15, about 0.1 for independent teachers. The case
// resolves iff E S_1 - r_1 > E S_15 + radius_15; the check then rejects
// except with probability c.Delta (its McDiarmid assertion on the risk may
// reject too: L^ stays near EL_1, not EL_15).
func falsifierD3Copies(c *Check) {
	K := d3Ks[len(d3Ks)-1]
	copies := make([]int, K)
	copies[0] = -1
	nt := newD3Case(c, copies)
	delta := d3Delta()
	checks := analyseEnsembles(nt, d3Ks, delta)
	one, spread := nt.analyseSpread(1, delta), nt.analyseSpread(K, delta)
	r1 := BoundedDifferences(nt.shareSumSq(1, func(int) float64 { return 1 }, 1), c.Delta)
	room := one.expected - r1 - spread.upper()
	if room <= 0 {
		c.Unresolved("%v: E S_1 %.4f - r_1 %.4f - (E S_%d + radius) %.4f <= 0", nt.tab.grid, one.expected, r1, K, spread.upper())
	}
	if err := nt.draw(c.Rand("labels"), copies); err != nil {
		c.Fatalf("D3: %v", err)
	}
	if err := measureEnsembles(nt, checks); err != nil {
		c.Fatalf("D3: %v", err)
	}
	nt.measureSpread(&spread)
	accepted := spread.holds()
	for _, e := range checks {
		accepted = accepted && math.Abs(e.measured-e.expected) <= e.radius
	}
	c.Margin(spread.measured - spread.upper())
	if accepted {
		c.Fatalf("D3 accepted %d copies of one teacher on %v: %v; %v (power margin %.4f)", K, nt.tab.grid, checks[len(checks)-1], spread, room)
	}
}
