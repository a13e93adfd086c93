package claims

import (
	"fmt"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimD4 is claim D4: a random teacher per example from a pool of K. The
// pool is K 1-NN teachers on independent samples of m points; each of n
// unlabeled points is labeled by a teacher drawn uniformly from the pool
// (learners.LabelWithPool) and the student is the ERM histogram. Given the
// pool, the pairs are i.i.d. from D~_K, whose answer law at x is the pool's
// vote share v_K(x) = (1/K) sum_t onehot(h_t(x)). Per K in {1, 5, 25}
// (nested pools) the check asserts, at delta = c.Delta each:
//
//   - (student) L(student_K) <= R* + 2 (T^_K + sqrt(ln(4/delta)/(2N))) + 2 eps_H(n, delta/2),
//     T^_K = (1/J) sum_B TV(mean_{e in B} v_K(x_e), eta(B)) on N stratified
//     points (cellGap: the pool's gap on H, within McDiarmid's radius);
//   - (pool) S_K = (1/N) sum_e TV(v_K(x_e), eta(x_e)) <= E S_K + sqrt(ln(2/delta)/2
//     sum c_ti^2): given all positions the teachers' labels are independent,
//     E S_K is exact (per class, the number of votes is Poisson-binomial)
//     and label i of teacher t moves S_K by at most c_ti = (share of the
//     points nearest to it)/K;
//
// and, exactly, T^_K <= S_K and E S_K <= (1/N) sum_e 1/2 sum_c (|pbar_c(e) -
// eta_c(x_e)| + sqrt(sum_t p_tc(e)(1 - p_tc(e)))/K) (both Jensen): the pool's
// distance from eta, and with it the certified excess risk of the student,
// falls like 1/sqrt(K) down to the boundary term. That is the calibrated
// trend.
var claimD4 = Claim{
	ID:     "D4",
	Title:  "A random teacher per example from a pool of K: the student's certified risk falls with K",
	Source: "Kaplun, Malach, Nakkiran, Shalev-Shwartz 2022, Section 5 and Figure 1 (right)",
	Statement: "For pools of K in {1, 5, 25} independent 1-NN teachers: L(student_K) <= R* + 2 (T^_K + r_N) + 2 eps_H; " +
		"S_K <= E S_K + McDiarmid radius with E S_K exact; E S_K <= boundary + sd/sqrt(K) (exact), so the bound falls with K toward R*.",
	Kind:       Trend,
	Checks:     d4Checks,
	Assertions: d4Assertions,
	Property:   propertyD4,
	Falsifiers: []Falsifier{{
		Name: "copies-of-one-teacher", Checks: 5, Assertions: 1, Property: falsifierD4Copies,
	}},
}

func init() { register(claimD4) }

const d4Checks, d4Assertions = 5, 6

// d4Ks are the pool sizes (nested: the first K of 25 teachers).
var d4Ks = []int{1, 5, 25}

// d4Delta is the delta of claim D4's check, at which its falsifier runs it.
func d4Delta() float64 { return claimDelta(checksFor(d4Checks), d4Assertions) }

// Sizes: m = 2000 labels per teacher, n = 20000 unlabeled points, about
// 4000 stratified evaluation points.
const d4M, d4N, d4Eval = 2000, 20000, 4000

var d4Spec = gen.Spec{MaxDim: 2, MaxClasses: 3, MaxResolution: 4}

// poolCheck is D4's measurement of one pool size.
type poolCheck struct {
	student studentBound
	spread  voteSpread
	gap     float64 // T^_K
}

func (p poolCheck) String() string {
	return fmt.Sprintf("K = %d: %v; %v", p.spread.K, p.student, p.spread)
}

// d4Case is a pool with its evaluation points and unlabeled points.
type d4Case struct {
	nt *nnTeachers
	ev stratified
	x  []float64 // unlabeled points
}

// newD4Case draws the positions: 25 training sets (teachers t listed in
// copies reuse teacher copies[t]'s), the stratified evaluation points and the
// unlabeled points.
func newD4Case(c *Check, g *gen.Grid, copies []int) *d4Case {
	tab := newGridTable(g)
	rng := c.Rand("data")
	per := (d4Eval + tab.cells - 1) / tab.cells
	dc := &d4Case{ev: drawStratified(tab, per, rng)}
	var err error
	if dc.nt, err = newNNTeachers(tab, d4Ks[len(d4Ks)-1], d4M, dc.ev.pts, rng, copies); err != nil {
		c.Fatalf("D4: %v: %v", g, err)
	}
	dc.x = gen.SampleX(g, rng, d4N)
	return dc
}

// analysePools computes the label-free part of each pool size's check.
func (dc *d4Case) analysePools(ks []int, delta float64) []poolCheck {
	out := make([]poolCheck, len(ks))
	for q, K := range ks {
		out[q].spread = dc.nt.analyseSpread(K, delta)
	}
	return out
}

// measurePools labels the unlabeled points with each pool
// (learners.LabelWithPool), fits the students and measures T^_K and S_K.
func (dc *d4Case) measurePools(checks []poolCheck, delta float64, c *Check) error {
	nt := dc.nt
	tab := nt.tab
	N := nt.eval.len()
	for q := range checks {
		K := checks[q].spread.K
		y, err := learners.LabelWithPool(nt.fit[:K], dc.x, c.Rand("pool choices"))
		if err != nil {
			return err
		}
		h, err := learners.Distill(learners.Histogram{Resolution: tab.r}, dc.x, tab.d, y, tab.k)
		if err != nil {
			return err
		}
		risk, err := tab.histogramRisk(h)
		if err != nil {
			return err
		}
		votes := nt.measureSpread(&checks[q].spread)
		checks[q].gap = cellGap(tab, dc.ev, votes)
		checks[q].student = studentBound{
			student: risk,
			best:    tab.bayes(),
			gap:     checks[q].gap + cellGapRadius(N, delta/2),
			est:     histogramEstimation(len(y), tab.cells, tab.k, delta/2),
		}
	}
	return nil
}

func propertyD4(c *Check) {
	g := drawGrid(c, d4Spec)
	dc := newD4Case(c, g, nil)
	checks := dc.analysePools(d4Ks, c.Delta)
	if err := dc.nt.draw(c.Rand("labels"), nil); err != nil {
		c.Fatalf("D4: %v", err)
	}
	if err := dc.measurePools(checks, c.Delta, c); err != nil {
		c.Fatalf("D4: %v: %v", g, err)
	}
	for _, p := range checks {
		c.Margin(p.student.margin())
		if p.student.student > p.student.bound() {
			c.Fatalf("D4: %v: the student of the pool is above its bound: %v", g, p)
		}
	}
	for _, p := range checks {
		c.Margin(p.spread.upper() - p.spread.measured)
		if !p.spread.holds() {
			c.Fatalf("D4: %v: the pool's answers are farther from eta than independent teachers allow: %v", g, p)
		}
	}
	// Exact (float slack only), neither needing rows that sum to 1. Jensen:
	// E S_K and jensen_K each add n k non-negative class terms, so the
	// additions err by at most n k u times the total, which is at most n
	// where a violation can occur (jensen_K < E S_K <= 1 up to
	// gen.PosteriorTolerance), then divide by n. A class term of E S_K
	// (meanAbsRate on a law whose entries err by 3K u relative: (3K + 3) u
	// per summand, K u for their sum) or of jensen_K (the sums of the K p_t
	// and of the K products p_t (1 - p_t), a square root and five more
	// operations: at most (1.25K + 3.25) u) errs by at most (4K + 3) u.
	// Cell gap: T^_K and S_K read the same votes and eta rows (N = J P
	// stratified points); the J cell terms of T^_K, each a TV of P-point
	// means, err by at most (P/2 + k) u, the N terms of S_K by k u, so the two
	// means err by at most (J + P + k) u + (N + k) u <= 2 (N + k) u + u.
	n, k := dc.nt.eval.len(), dc.nt.tab.k
	for _, p := range checks {
		// Two sums of n k terms, per point errors k (4K + 3) u.
		if p.spread.expected > p.spread.jensen+floatSlack(n*k, k*(4*p.spread.K+3)) {
			c.Fatalf("D4: %v: E S_K exceeds its Jensen bound: %v", g, p)
		}
		// Two means over N points, per point errors k u.
		if p.gap > p.spread.measured+floatSlack(n, k) {
			c.Fatalf("D4: %v: the cell gap %.6f exceeds S_K (Jensen over each cell's points): %v", g, p.gap, p)
		}
	}
}

// falsifierD4Copies: a pool of 25 copies of one 1-NN teacher, which answers
// with its single label whoever is drawn, so the pool never gets closer to
// eta than one teacher. D4's check at K = 25 treats the members as
// independent. Power, label-free: the copies' S_25 equals one teacher's
// S_1, whose exact mean E S_1 is that teacher's expected risk (about G, 0.32
// to 0.42 for rho in 0.2..0.3) and whose McDiarmid radius r_1 at c.Delta
// (each label moves it by its share) is about 0.09 at m = 2000, against
// E S_25 + radius_25, about 0.07 + 0.02 for independent teachers. The case
// resolves iff E S_1 - r_1 > E S_25 + radius_25; the check's pool assertion
// then fails except with probability c.Delta.
func falsifierD4Copies(c *Check) {
	g := drawNoisyCleanGrid(c, gridCases([][2]int{{1, 4}, {2, 2}, {2, 4}}, []int{2}, []float64{0.2, 0.3}))
	K := d4Ks[len(d4Ks)-1]
	copies := make([]int, K)
	copies[0] = -1
	dc := newD4Case(c, g, copies)
	delta := d4Delta()
	checks := dc.analysePools([]int{1, K}, delta)
	one, all := checks[0].spread, checks[1].spread
	r1 := BoundedDifferences(dc.nt.shareSumSq(1, func(int) float64 { return 1 }, 1), c.Delta)
	room := one.expected - r1 - all.upper()
	if room <= 0 {
		c.Unresolved("%v: E S_1 %.4f - r_1 %.4f - (E S_%d + radius) %.4f <= 0", g, one.expected, r1, K, all.upper())
	}
	if err := dc.nt.draw(c.Rand("labels"), copies); err != nil {
		c.Fatalf("D4: %v", err)
	}
	if err := dc.measurePools(checks[1:], delta, c); err != nil {
		c.Fatalf("D4: %v: %v", g, err)
	}
	p := checks[1]
	c.Margin(p.spread.measured - p.spread.upper())
	if p.student.student <= p.student.bound() && p.spread.holds() {
		c.Fatalf("D4 accepted a pool of %d copies of one teacher on %v: %v (power margin %.4f)", K, g, p, room)
	}
}
