package claims

import (
	"pgregory.net/rapid"
)

// claimD2 is claim D2: the student beats its teacher. In D1's setting (one
// independent 1-NN teacher per unlabeled point, ERM histogram student), a
// fresh teacher's expected risk is at least G - T (|E L(h_S) - G| <= T, the
// boundary term, as for nnAnalysis) while D1 puts the student at most at
// R* + 2T + 2 eps_H, so
//
//	L(student) <= E L(teacher) - gain,  gain = G - R* - 3T - 2 eps_H,
//
// and the student is strictly better wherever G - R* exceeds 3T plus the
// estimation term. The check (teacherGain) asserts
//
//	L(student) <= U - gain^,  gain^ = G - R* - 3 T^+ - 2 eps_H,
//
// with T^+ = A^ + empirical Bernstein radius, U = the teachers' mean loss on
// the points they labeled + empirical Bernstein radius (i.i.d. terms in
// [0, 1]), and eps_H, each at delta/3 (delta = c.Delta). The case resolves iff
// gain^ > 2 (U - mean loss), so that a pass certifies L(student) < E
// L(teacher) strictly (a calibrated strict inequality).
var claimD2 = Claim{
	ID:     "D2",
	Title:  "The student beats its teacher",
	Source: "Kaplun, Malach, Nakkiran, Shalev-Shwartz 2022, abstract and Section 4 (bad models can be good role models)",
	Statement: "With independent 1-NN teachers and an ERM histogram student: L(student) <= E L(teacher) - (G - R* - 3 TV - 2 eps_H); " +
		"checked as L(student) <= U - gain^ with upper limits at delta/3 each, resolved where gain^ exceeds twice the teacher's radius (then strictly below the teacher).",
	Kind:       FiniteBound,
	Checks:     d2Checks,
	Assertions: d2Assertions,
	Property:   propertyD2,
	Falsifiers: []Falsifier{{
		Name: "one-teacher-unrestricted-student", Checks: 5, Assertions: 1, Property: falsifierD2Unrestricted,
	}},
}

func init() { register(claimD2) }

const d2Checks, d2Assertions = 5, 1

// d2Delta is the delta of claim D2's check, at which its falsifier runs the
// same check.
func d2Delta() float64 { return claimDelta(checksFor(d2Checks), d2Assertions) }

// Grids of D2: label noise rho over a clean labeling (noisyCleanGrid), where
// G - R* is 0.125 to 0.165, on grids coarse enough that 3T stays well below
// it with m = 100 d labels per teacher (T about 0.015 in d = 2 on 4 cells);
// the estimation term at n = 40000 is about 0.017. Binary noise 0.2 (G - R*
// = 0.12) and binary grids in d = 2 leave too little gain to resolve.
var d2Cases = append(gridCases([][2]int{{1, 4}, {1, 8}}, []int{2}, []float64{0.25, 0.3}),
	append(gridCases([][2]int{{1, 4}, {1, 8}}, []int{3}, []float64{0.3, 0.35, 0.4}),
		gridCases([][2]int{{2, 2}}, []int{3}, []float64{0.35, 0.4})...)...)

const d2N = 40000

func propertyD2(c *Check) {
	g := drawNoisyCleanGrid(c, d2Cases)
	tab := newGridTable(g)
	n, m := d2N, 100*tab.d
	run, err := runIndependent(tab, tab.source(0), n, m, c.Seed("seed"))
	if err != nil {
		c.Fatalf("D2: %v: %v", g, err)
	}
	tg := newTeacherGain(tab, run.student, n, run.lossMean, run.lossVar, run.tvMean, run.tvVar, c.Delta)
	if !tg.resolved() {
		c.Unresolved("%v: gain^ %.4f <= twice the teacher's radius %.4f (T+ = %.4f)", run, tg.gain(), tg.teacherRadius, tg.tvUpper)
	}
	c.Margin(tg.bound() - tg.student)
	if !tg.holds() {
		c.Fatalf("D2: %v: %v", run, tg)
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
	c.Margin(tg.student - tg.bound())
	if tg.holds() {
		c.Fatalf("D2 accepted the unrestricted student on %v: %v (power margin %.4f)", uc.tab.grid, tg, room)
	}
}
