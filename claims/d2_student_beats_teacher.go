package claims

import (
	"math"

	"pgregory.net/rapid"
)

// claimD2 is claim D2: the student beats its teacher. In D1's setting (one
// independent 1-NN teacher per unlabeled point, c.LabelIndependentNN, ERM
// histogram student c.Histogram), a fresh teacher's expected risk is at
// least G - T (|E L(h_S) - G| <= T, the boundary term, as for nnAnalysis)
// while D1 puts the student at most at R* + 2T + 2 eps_H, so
//
//	L(student) <= E L(teacher) - gain,  gain = G - R* - 3T - 2 eps_H,
//
// and the student is strictly better wherever G - R* exceeds 3T plus the
// estimation term. Two calibrated assertions in risk, at delta = c.Delta:
//
//   - (teachers) the teachers' mean loss on the points they labeled, l =
//     (1/n) sum_j (1 - eta_{y_j}(x_j)), has, given the positions and the
//     teachers' neighbours X_j, the exact mean (1/n) sum_j sum_c eta_c(X_j)
//     (1 - eta_c(x_j)) and independent terms: |l - E l| <= Bernstein radius
//     with the exact variance;
//   - (student) L(student) <= U - gain^, gain^ = G - R* - 3 T^+ - 2 eps_H,
//     with T^+ = A^ + empirical Bernstein radius, U = the teachers' mean loss
//   - empirical Bernstein radius (i.i.d. terms in [0, 1]), and eps_H, each
//     at delta/3.
//
// The case resolves iff gain^ > 2 (U - mean loss), so that a pass certifies
// L(student) < E L(teacher) strictly (a calibrated strict inequality).
// MDD (risk): the teachers assertion's Detectable(radius, radius) at
// n = 60000, median 0.0114, worst 0.0139 over 20 cases (the loss's own
// noise, 1/sqrt(n)); the
// student assertion's is its slack U - gain^ - R* (about 0.1). A labeler
// whose teachers' loss moves by more than the MDD (answering at random on a
// share of the points: the edge falsifier) is rejected with probability
// 1 - delta.
var claimD2 = Claim{
	ID:     "D2",
	Title:  "The student beats its teacher",
	Source: "Kaplun, Malach, Nakkiran, Shalev-Shwartz 2022, abstract and Section 4 (bad models can be good role models)",
	Statement: "With independent 1-NN teachers and an ERM histogram student: the teachers' loss within a Bernstein radius of its exact mean given their neighbours; " +
		"L(student) <= E L(teacher) - (G - R* - 3 TV - 2 eps_H), " +
		"checked as L(student) <= U - gain^ with upper limits at delta/3 each, resolved where gain^ exceeds twice the teacher's radius (then strictly below the teacher).",
	Kind:       FiniteBound,
	Unit:       "risk",
	Checks:     d2Checks,
	Assertions: d2Assertions,
	Property:   propertyD2,
	Falsifiers: []Falsifier{
		{Name: "one-teacher-unrestricted-student", Checks: 5, Assertions: 1, Property: falsifierD2Unrestricted},
		{Name: "teachers-flipping-a-share-at-1.5-MDD", Checks: 5, Assertions: 1, Property: falsifierD2Flip},
	},
}

func init() { register(claimD2) }

const d2Checks, d2Assertions = 5, 2

// d2Delta is the delta of claim D2's check, at which its falsifiers run the
// same check.
func d2Delta() float64 { return claimDelta(checksFor(d2Checks), d2Assertions) }

// Grids of D2: label noise rho over a clean labeling (noisyCleanGrid), where
// G - R* is 0.125 to 0.165, on grids coarse enough that 3T stays well below
// it with m = 100 d labels per teacher (T about 0.015 in d = 2 on 4 cells);
// the estimation term at n = 60000 is about 0.014. Binary noise 0.2 (G - R*
// = 0.12) and binary grids in d = 2 leave too little gain to resolve.
var d2Cases = append(gridCases([][2]int{{1, 4}, {1, 8}}, []int{2}, []float64{0.25, 0.3}),
	append(gridCases([][2]int{{1, 4}, {1, 8}}, []int{3}, []float64{0.3, 0.35, 0.4}),
		gridCases([][2]int{{2, 2}}, []int{3}, []float64{0.35, 0.4})...)...)

const d2N = 60000

// d2Teachers is D2's teachers assertion at delta: the deviation |l - E l|,
// its Bernstein radius and its MDD.
func d2Teachers(run independentRun, delta float64) (dev, radius, mdd float64) {
	radius = run.loss.radius(run.n, delta)
	return math.Abs(run.loss.measured - run.loss.mean), radius, Detectable(radius, radius)
}

// d2Student is D2's student assertion: L(student), its bound and the MDD
// (the slack of the bound over R*: the risk is exact).
func d2Student(tg teacherGain) (measured, tol, mdd float64) {
	return tg.student, tg.bound(), Detectable(tg.bound()-tg.bayes, 0)
}

func propertyD2(c *Check) {
	g := drawNoisyCleanGrid(c, d2Cases)
	tab := newGridTable(g)
	n, m := d2N, 100*tab.d
	run, err := runIndependentWith(c, tab, tab.source(0), n, m, c.Seed("seed"), 0)
	if err != nil {
		c.Fatalf("D2: %v: %v", g, err)
	}
	tg := newTeacherGain(tab, run.student, n, run.lossMean, run.lossVar, run.tvMean, run.tvVar, c.Delta)
	if !tg.resolved() {
		c.Unresolved("%v: gain^ %.4f <= twice the teacher's radius %.4f (T+ = %.4f)", run, tg.gain(), tg.teacherRadius, tg.tvUpper)
	}
	if dev, r, mdd := d2Teachers(run, c.Delta); c.Calibrated(dev, r, mdd) {
		c.Fatalf("D2: %v: the teachers' mean loss %.5f is off its exact mean %.5f by more than %.5f", run, run.loss.measured, run.loss.mean, r)
	}
	if ms, tol, mdd := d2Student(tg); c.Calibrated(ms, tol, mdd) {
		c.Fatalf("D2: %v: %v", run, tg)
	}
}

// d2EdgeFactor is the edge falsifier's target shift in MDDs.
const d2EdgeFactor = 1.5

// falsifierD2Flip: the independent teachers' labels replaced by a uniform
// random class (by hash, flipRows) on a share q of the points, q chosen
// label-free so that the expected shift of the teachers' loss, q ((k-1)/k -
// G) with (k-1)/k the loss of a uniform answer on a noisy clean grid (each
// row sums to 1) and G for E l, is d2EdgeFactor times the MDD at a perfect
// sampler's loss variance (samplerLossVariance; the teachers' differs by
// their boundary term). Power,
// from the positions: the mutant's loss has the exact mean lossMut.mean and
// a Bernstein radius over the unflipped points; D2's teachers assertion
// rejects, except with probability c.Delta, whenever |E l_mutant - E l| >
// radius + mutant radius; the case resolves iff that holds.
func falsifierD2Flip(c *Check) {
	g := drawNoisyCleanGrid(c, d2Cases)
	tab := newGridTable(g)
	delta := d2Delta()
	// The teachers assertion needs no gain: small teachers (m = 25) keep the
	// falsifier cheap.
	n, m := d2N, 25
	nf := float64(n)
	mddProxy := 2 * Bernstein(nf*tab.samplerLossVariance(), 1, delta) / nf
	shift := float64(tab.k-1)/float64(tab.k) - tab.sampler()
	q := min(1, d2EdgeFactor*mddProxy/shift)
	run, err := runIndependentWith(nil, tab, tab.source(0), n, m, c.Seed("seed"), q)
	if err != nil {
		c.Fatalf("D2: %v: %v", g, err)
	}
	dev, r, mdd := d2Teachers(run, delta)
	rMut := run.lossMut.radius(n, c.Delta)
	if math.Abs(run.lossMut.mean-run.loss.mean) <= r+rMut {
		c.Unresolved("%v, share %.4f: |E l_mutant - E l| = %.5f within the radii %.5f + %.5f", g, q, math.Abs(run.lossMut.mean-run.loss.mean), r, rMut)
	}
	if !c.Calibrated(dev, r, mdd) {
		c.Fatalf("D2 accepted teachers flipping a share %.4f on %v: l = %.5f, E l = %.5f, radius %.5f (mutant's exact mean %.5f, radius %.5f)",
			q, g, run.loss.measured, run.loss.mean, r, run.lossMut.mean, rMut)
	}
}

// falsifierD2Unrestricted: one 1-NN teacher distilled into the 1-NN student
// (learners.KNN{K: 1} on the teacher's labels), which reproduces the teacher
// and keeps its risk (unrestrictedCase: one dimension, two cells, constant
// eta_1 in {0.25, 0.3}, so G - R* is 0.125 or 0.12 and every boundary term
// is 0). The same check at D2's delta is run on the student's exact risk and
// the teacher's loss on the points it labeled. Power: the gain^ of the check
// is then deterministic, G - R* - 3 EB(n, 0) - 2 eps_H; the teacher's radius
// is at most its value at the largest sample variance of a loss with range
// |1 - 2 eta_1|; and L(student) - mean teacher loss = sum_i (a_i - b_i) v(y_i)
// has mean 0 and Hoeffding radius r at c.Delta. So the check rejects
// (L(student) > mean + radius - gain^) whenever gain^ - largest radius - r
// > 0, which holds with room at m = 4000, n = 20000 (gain^ about 0.075,
// the radius about 0.015).
// The case resolves iff that margin is positive.
func falsifierD2Unrestricted(c *Check) {
	eta1 := rapid.SampledFrom([]float64{0.25, 0.3}).Draw(c.T, "eta1")
	uc, err := newUnrestrictedCase(2, eta1, 4000, 20000, c.Seed("seed"))
	if err != nil {
		c.Fatalf("D2: %v", err)
	}
	delta := d2Delta()
	n := uc.n
	w := uc.lossRange()
	largest := newTeacherGain(uc.tab, 0, n, 0, w*w/4*float64(n)/float64(n-1), 0, 0, delta)
	room := largest.gain() - largest.teacherRadius - uc.differenceDeviation(c.Delta)
	if room <= 0 {
		c.Unresolved("gain^ %.4f - teacher radius %.4f - deviation %.4f <= 0", largest.gain(), largest.teacherRadius, uc.differenceDeviation(c.Delta))
	}
	if err := uc.run(); err != nil {
		c.Fatalf("D2: %v", err)
	}
	tg := newTeacherGain(uc.tab, uc.studentRisk, n, uc.teacherLossM, uc.teacherLossV, 0, 0, delta)
	if ms, tol, mdd := d2Student(tg); !c.Calibrated(ms, tol, mdd) {
		c.Fatalf("D2 accepted the unrestricted student on %v: %v (power margin %.4f)", uc.tab.grid, tg, room)
	}
}

// samplerLossVariance returns the mean over the cells of the variance of
// 1 - eta_Y(x) for Y ~ eta(B), x in B: the per-point variance of a perfect
// sampler's loss, sum_c eta_c (1 - eta_c)^2 - (sum_c eta_c (1 - eta_c))^2.
func (t gridTable) samplerLossVariance() float64 {
	s := 0.0
	for b := range t.cells {
		m1, m2 := 0.0, 0.0
		for _, p := range t.posterior(b) {
			m1 += p * (1 - p)
			m2 += p * (1 - p) * (1 - p)
		}
		s += max(0, m2-m1*m1)
	}
	return s / float64(t.cells)
}
