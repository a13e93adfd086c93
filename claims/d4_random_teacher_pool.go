package claims

import (
	"fmt"
	"math"
	"sort"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimD4 is claim D4: a random teacher per example from a pool of K. The
// pool is K 1-NN teachers on independent samples of m points; each of n
// unlabeled points is labeled by a teacher drawn uniformly from the pool
// (the production labelling, c.LabelWithPool) and the student is the ERM
// histogram (c.Histogram). Given the fitted pool, the labels are independent
// with the law v_K(x) = (1/K) sum_t onehot(h_t(x)), known exactly from the
// teachers' nearest training labels. Per K in {1, 3, 9} (nested pools), at
// delta = c.Delta each:
//
//   - (labels, K = 3, 9; calibrated, risk) the labels' disagreement with the
//     first teacher, A_K = (1/n) sum_j 1{y_j != h_0(x_j)}, has the exact
//     conditional mean (1/n) sum_j a_j, a_j = (1/K) sum_t 1{h_t(x_j) !=
//     h_0(x_j)}, and independent terms: |A_K - E A_K| <= Bernstein radius
//     with the exact variance sum a_j (1 - a_j). A labelling that asks the
//     same teacher (A = 0) or a part of the pool (E A smaller by the missing
//     members' share) fails it. For K = 1 the labels must equal h_0's
//     answers (exact).
//   - (student, calibrated, risk) the theorem of D1 for the labeler D~_K:
//     L(student_K) - R* <= 2 (Gamma_K + r_x) + 2 eps_H(n, delta/2), Gamma_K =
//     (1/J) sum_B TV(mean_{j in B} v_K(x_j), eta(B)) exact given the
//     teachers, r_x McDiarmid's radius over the points' positions within
//     their cells (1/(J n_B) each) at delta/2.
//   - (trend, calibrated, risk) Gamma_K <= J_K + r_K: J_K, exact given the
//     positions (Jensen), is the bias term plus (1/(2J)) sum_B sum_c
//     sqrt(Var rate_Bc) with Var rate_Bc = (1/(K n_B))^2 sum_t sum_i
//     cnt_tiB^2 p_ic (1 - p_ic) (cnt_tiB the points of cell B nearest to
//     training point i of teacher t): the certified gap, and with it the
//     student's certified excess, falls like 1/sqrt(K) to the boundary term;
//     r_K is McDiarmid's radius over the training labels (label i of teacher
//     t moves Gamma_K by at most sum_B cnt_tiB/(K n_B J)).
//
// MDD (risk; Detectable(radius, radius) of the labels assertion at K = 9):
// at n = 100000 median 0.0174, worst 0.0192 over 20 cases (the Bernoulli
// noise of the teacher
// choices, sqrt(2 a (1 - a) ln(2/delta) / n)); the student and trend
// assertions' MDDs are their tolerances (0.05 to 0.2), not the case's.
var claimD4 = Claim{
	ID:     "D4",
	Title:  "A random teacher per example from a pool of K: the student's certified risk falls with K",
	Source: "Kaplun, Malach, Nakkiran, Shalev-Shwartz 2022, Section 5 and Figure 1 (right)",
	Statement: "For pools of K in {1, 3, 9} independent 1-NN teachers labelling n points (LabelWithPool): the labels' disagreement with the first teacher within a Bernstein radius of its exact mean; " +
		"L(student_K) <= R* + 2 (Gamma_K + r_x) + 2 eps_H; Gamma_K <= J_K + r_K with J_K exact (bias + spread falling like 1/sqrt(K)).",
	Kind:       Trend,
	Unit:       "risk",
	Checks:     d4Checks,
	Assertions: d4Assertions,
	Property:   propertyD4,
	Falsifiers: []Falsifier{
		{Name: "pool-always-first", Checks: 5, Assertions: 1, Property: func(c *Check) { falsifierD4First(c, 1) }},
		{Name: "pool-first-on-a-share-at-1.5-MDD", Checks: 5, Assertions: 1, Property: func(c *Check) { falsifierD4First(c, 0) }},
	},
}

func init() { register(claimD4) }

const d4Checks, d4Assertions = 5, 8

// d4Ks are the pool sizes (nested: the first K of 9).
var d4Ks = []int{1, 3, 9}

// d4Delta is the delta of claim D4's check, at which its falsifiers run it.
func d4Delta() float64 { return claimDelta(checksFor(d4Checks), d4Assertions) }

// Sizes: m = 1000 labels per teacher, n = 100000 unlabeled points.
const d4M, d4N = 1000, 100000

// d4GrossN is the number of points of the gross falsifier (always the
// first teacher), whose shift (about 0.35) is many radii even there.
const d4GrossN = 20000

var d4Spec = gen.Spec{MaxDim: 2, MaxClasses: 3, MaxResolution: 4}

// d4Case is a fitted pool with the unlabeled points as its evaluation
// points (nt.nn[t][j] is teacher t's nearest training point to x_j), the
// points grouped by cell.
type d4Case struct {
	nt     *nnTeachers
	byCell [][]int
}

// newD4Case draws the positions (n unlabeled points) (stream "data"), the teachers' labels
// (stream "labels") and fits the pool.
func newD4Case(c *Check, g *gen.Grid, n int) *d4Case {
	tab := newGridTable(g)
	rng := c.Rand("data")
	x := drawPoints(g, rng, n)
	nt, err := newNNTeachers(tab, d4Ks[len(d4Ks)-1], d4M, x, rng, nil)
	if err != nil {
		c.Fatalf("D4: %v: %v", g, err)
	}
	if err := nt.draw(c.Rand("labels"), nil); err != nil {
		c.Fatalf("D4: %v: %v", g, err)
	}
	dc := &d4Case{nt: nt, byCell: make([][]int, tab.cells)}
	for j := range x.len() {
		b := tab.cellOf(x.row(j))
		dc.byCell[b] = append(dc.byCell[b], j)
	}
	return dc
}

// answer returns teacher t's answer at x_j.
func (dc *d4Case) answer(t, j int) int { return dc.nt.y[t][dc.nt.nn[t][j]] }

// disagreement returns E A_K's terms a_j and the labels assertion's
// statistic, exact mean, Bernstein radius at delta and MDD for labels y;
// skip marks points whose a_j is replaced by 0 (the falsifier's share).
func (dc *d4Case) disagreement(K int, y []int, skip []bool, delta float64) (measured, mean, radius, mdd float64) {
	n := len(y)
	v := 0.0
	for j := range n {
		if y[j] != dc.answer(0, j) {
			measured++
		}
		if skip != nil && skip[j] {
			continue
		}
		a := 0.0
		for t := 1; t < K; t++ {
			if dc.answer(t, j) != dc.answer(0, j) {
				a++
			}
		}
		a /= float64(K)
		mean += a
		v += a * (1 - a)
	}
	nf := float64(n)
	radius = Bernstein(v, 1, delta) / nf
	return measured / nf, mean / nf, radius, Detectable(radius, radius)
}

// gapK returns Gamma_K (the exact label law's cell gap on the points) and
// McDiarmid's radius r_x of its positions within their cells at delta.
func (dc *d4Case) gapK(K int, delta float64) (gamma, rx float64) {
	tab := dc.nt.tab
	votes := dc.nt.votes(K)
	rate := make([]float64, tab.k)
	sumSq := 0.0
	J := float64(tab.cells)
	for b, js := range dc.byCell {
		if len(js) == 0 {
			gamma++ // no points: the largest TV
			continue
		}
		clear(rate)
		for _, j := range js {
			for c := range tab.k {
				rate[c] += votes[j*tab.k+c]
			}
		}
		for c := range rate {
			rate[c] /= float64(len(js))
		}
		gamma += tv(rate, tab.posterior(b))
		sumSq += 1 / (J * J * float64(len(js)))
	}
	return gamma / J, BoundedDifferences(sumSq, delta)
}

// jensenK returns J_K (exact given the positions) and McDiarmid's radius
// r_K of Gamma_K over the first K teachers' training labels at delta.
func (dc *d4Case) jensenK(K int, delta float64) (jk, rk float64) {
	nt, tab := dc.nt, dc.nt.tab
	J := float64(tab.cells)
	influence := make([][]float64, K) // per teacher, per training point: sum_B cnt_tiB / (K n_B J)
	for t := range K {
		influence[t] = make([]float64, nt.train[t].len())
	}
	cnt := map[int]int{}
	pbar := make([]float64, tab.k)
	vr := make([]float64, tab.k)
	for b, js := range dc.byCell {
		nb := float64(len(js))
		if nb == 0 {
			jk += 1
			continue
		}
		clear(pbar)
		clear(vr)
		for t := range K {
			clear(cnt)
			for _, j := range js {
				i := nt.nn[t][j]
				cnt[i]++
				for c, p := range nt.train[t].posterior(i) {
					pbar[c] += p
				}
			}
			keys := make([]int, 0, len(cnt))
			for i := range cnt {
				keys = append(keys, i)
			}
			sort.Ints(keys) // a fixed order of the sums
			for _, i := range keys {
				ci := float64(cnt[i])
				influence[t][i] += ci / (float64(K) * nb * J)
				for c, p := range nt.train[t].posterior(i) {
					vr[c] += ci * ci * p * (1 - p)
				}
			}
		}
		spread := 0.0
		for c := range pbar {
			pbar[c] /= float64(K) * nb
			spread += math.Sqrt(vr[c]) / (float64(K) * nb)
		}
		jk += tv(pbar, tab.posterior(b)) + spread/2
	}
	sumSq := 0.0
	for t := range K {
		for _, c := range influence[t] {
			sumSq += c * c
		}
	}
	return jk / J, BoundedDifferences(sumSq, delta)
}

// poolStudent labels the points with the pool of the first K teachers
// (label: c.LabelWithPool in the claim), fits the student (hist) and
// returns the labels and the student's exact risk.
func (dc *d4Case) poolStudent(c *Check, K int, label func([]learners.Classifier, []float64) ([]int, error)) ([]int, float64) {
	tab := dc.nt.tab
	y, err := label(dc.nt.fit[:K], dc.nt.eval.x)
	if err != nil {
		c.Fatalf("D4: %v", err)
	}
	if err := checkLabels(y, tab.k); err != nil {
		c.Fatalf("D4: %v", err)
	}
	h, err := learners.Distill(c.Histogram(learners.Histogram{Resolution: tab.r}), dc.nt.eval.x, tab.d, y, tab.k)
	if err != nil {
		c.Fatalf("D4: %v", err)
	}
	risk, err := tab.histogramRisk(h)
	if err != nil {
		c.Fatalf("D4: %v", err)
	}
	return y, risk
}

func propertyD4(c *Check) {
	g := drawGrid(c, d4Spec)
	dc := newD4Case(c, g, d4N)
	tab := dc.nt.tab
	n := dc.nt.eval.len()
	rng := c.Rand("pool choices")
	label := func(pool []learners.Classifier, x []float64) ([]int, error) { return c.LabelWithPool(pool, x, rng) }
	for _, K := range d4Ks {
		y, risk := dc.poolStudent(c, K, label)
		if K == 1 {
			for j, lab := range y {
				if lab != dc.answer(0, j) {
					c.Fatalf("D4: %v: a pool of one teacher labels point %d with %d, the teacher answers %d", g, j, lab, dc.answer(0, j))
				}
			}
		} else {
			ms, mean, r, mdd := dc.disagreement(K, y, nil, c.Delta)
			if c.Calibrated(math.Abs(ms-mean), r, mdd) {
				c.Fatalf("D4: %v: K = %d: the labels disagree with the first teacher at a rate %.5f, the pool's exact rate is %.5f (radius %.5f)", g, K, ms, mean, r)
			}
		}
		gamma, rx := dc.gapK(K, c.Delta/2)
		tol := 2*(gamma+rx) + 2*histogramEstimation(n, tab.cells, tab.k, c.Delta/2)
		if c.Calibrated(risk-tab.bayes(), tol, Detectable(tol, 0)) {
			c.Fatalf("D4: %v: K = %d: the student's excess %.5f exceeds 2 (Gamma_K %.5f + %.5f) + 2 eps_H = %.5f", g, K, risk-tab.bayes(), gamma, rx, tol)
		}
		jk, rk := dc.jensenK(K, c.Delta)
		if c.Calibrated(gamma, jk+rk, Detectable(jk+rk, rk)) {
			c.Fatalf("D4: %v: K = %d: the pool's cell gap %.5f exceeds its Jensen bound %.5f + radius %.5f", g, K, gamma, jk, rk)
		}
		c.Logf("D4: K = %d: Gamma_K %.5f <= J_K %.5f + %.5f; student excess %.5f <= %.5f", K, gamma, jk, rk, risk-tab.bayes(), tol)
	}
}

// d4EdgeFactor is the edge falsifier's target shift in MDDs.
const d4EdgeFactor = 1.5

// falsifierD4First: a pool labelling that asks the first teacher on a share
// q of the points (by the point's hash; q = 1: always the first teacher, the
// mutation pool-always-first) and a random teacher of the pool elsewhere,
// against D4's labels assertion at K = 9. share = 0 picks the edge: q such
// that the shift of E A_9, q times the mean of a_j, is d4EdgeFactor times
// the MDD (computed from the fitted pool, before the choices). Power: given
// the pool, the mutant's labels are independent, its A has the exact mean
// over the other points and a Bernstein radius, so the assertion rejects,
// except with probability c.Delta, whenever the shift exceeds radius +
// mutant radius; the case resolves iff it does. The gross falsifier (share
// 1) runs at n = d4GrossN.
func falsifierD4First(c *Check, share float64) {
	g := drawGrid(c, d4Spec)
	n := d4N
	if share == 1 {
		n = d4GrossN
	}
	dc := newD4Case(c, g, n)
	K := d4Ks[len(d4Ks)-1]
	delta := d4Delta()
	hashed := make([]bool, n)
	all := make([]bool, n)
	for j := range all {
		all[j] = true
	}
	zero := make([]int, n)
	_, full, r, mdd := dc.disagreement(K, zero, nil, delta)
	q := share
	if q == 0 {
		q = min(1, d4EdgeFactor*mdd/max(full, 1e-9))
	}
	for j := range hashed {
		hashed[j] = unitHash(dc.nt.eval.row(j), saltShare) < q
	}
	_, mutMean, rMut, _ := dc.disagreement(K, zero, hashed, c.Delta)
	if full-mutMean <= r+rMut {
		c.Unresolved("%v, share %.3f: shift %.5f within the radii %.5f + %.5f", g, q, full-mutMean, r, rMut)
	}
	rng := c.Rand("pool choices")
	y, err := learners.LabelWithPool(dc.nt.fit[:K], dc.nt.eval.x, rng)
	if err != nil {
		c.Fatalf("D4: %v", err)
	}
	for j := range y {
		if hashed[j] {
			y[j] = dc.answer(0, j)
		}
	}
	ms, mean, r2, mdd2 := dc.disagreement(K, y, nil, delta)
	if !c.Calibrated(math.Abs(ms-mean), r2, mdd2) {
		c.Fatalf("D4 accepted a pool asking its first teacher on a share %.3f on %v: A = %.5f, E A = %.5f, radius %.5f (mutant's mean %.5f)", q, g, ms, mean, r2, mutMean)
	}
}

// String names a pool case in messages.
func (dc *d4Case) String() string {
	return fmt.Sprintf("%v, %d teachers of m = %d, n = %d", dc.nt.tab.grid, len(dc.nt.fit), d4M, dc.nt.eval.len())
}
