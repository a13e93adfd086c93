package claims

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// This file holds what the D claims (distillation: bad models are good role
// models) share. Every D claim distils into the histogram class H on the
// grid of a gen.Grid distribution, so the Bayes classifier lies in H, min_H L
// = R* exactly, and a histogram student's risk is exact:
//
//	L(h) = (1/J) sum_B (1 - eta_{h(B)}(B))   (uniform marginal, J = r^d cells).
//
// The pieces: a fast table of the grid (posterior per cell, a sampler of
// labeled points, the exact risk of a histogram), the estimation term of ERM
// over H, stratified evaluation points and the cell gap of a labeler (how far
// its label rates per cell are from eta, "eps-sampler w.r.t. H"), the run of
// independent 1-NN teachers (D1, D2), the label-free analysis of a set of
// 1-NN teachers on evaluation points (D3's ensembles, D4's pools, and the
// vote-share check both use to tell independent teachers from copies),
// exact one-dimensional 1-NN regions (D5), and the case of one teacher
// distilled into an unrestricted student (the falsifier of D2 and D5).

// ---------------------------------------------------------------------------
// The grid.

// gridTable is a gen.Grid unpacked for fast lookups.
type gridTable struct {
	grid           *gen.Grid
	d, r, k, cells int
	eta            []float64 // cells x k: eta(.|B)
}

func newGridTable(g *gen.Grid) gridTable {
	t := gridTable{grid: g, d: g.Dim(), r: g.Resolution(), k: g.Classes(), cells: g.NumCells()}
	t.eta = make([]float64, 0, t.cells*t.k)
	for b := range t.cells {
		t.eta = append(t.eta, g.CellPosterior(b)...)
	}
	return t
}

// posterior returns eta(.|B) of cell b (not a copy).
func (t gridTable) posterior(b int) []float64 { return t.eta[b*t.k : (b+1)*t.k] }

// cellOf returns the cell of x (gen.CellOf numbering).
func (t gridTable) cellOf(x []float64) int { return gen.CellOf(x, t.r) }

// bayes and sampler return the exact R* (= min_H L) and G.
func (t gridTable) bayes() float64   { return t.grid.BayesRisk() }
func (t gridTable) sampler() float64 { return t.grid.SamplerRisk() }

// labelingRisk returns the exact risk of the histogram that answers labels[b]
// on cell b: (1/J) sum_B (1 - eta_{labels[B]}(B)).
func (t gridTable) labelingRisk(labels []int) float64 {
	s := 0.0
	for b, c := range labels {
		s += 1 - t.posterior(b)[c]
	}
	return s / float64(t.cells)
}

// histogramRisk returns the exact risk of h, which must be a histogram on
// the grid's own cells (learners.Histogram{Resolution: r} on [0,1]^d).
func (t gridTable) histogramRisk(h learners.Classifier) (float64, error) {
	hc, ok := h.(*learners.HistogramClassifier)
	if !ok || hc.Resolution() != t.r || hc.Dim() != t.d || hc.Classes() != t.k {
		return 0, fmt.Errorf("claims: %T is not a histogram on the %d^%d grid with %d classes", h, t.r, t.d, t.k)
	}
	labels := hc.Labels()
	if len(labels) != t.cells {
		return 0, fmt.Errorf("claims: histogram with %d cells on a grid of %d", len(labels), t.cells)
	}
	return t.labelingRisk(labels), nil
}

// maxCellTV returns max over pairs of cells of TV(eta(B), eta(B')): no
// boundary term of the grid can exceed it.
func (t gridTable) maxCellTV() float64 {
	m := 0.0
	for a := range t.cells {
		for b := a + 1; b < t.cells; b++ {
			m = max(m, tv(t.posterior(a), t.posterior(b)))
		}
	}
	return m
}

// labelLaw returns the cells x k table of the law the source's labels
// follow: eta itself, or for shift != 0 (binary only) the biased sampler
// eta'_1 = min(1, max(0, eta_1 + shift)). It panics on a shift with k > 2.
func (t gridTable) labelLaw(shift float64) []float64 {
	if shift == 0 {
		return t.eta
	}
	if t.k != 2 {
		panic("claims: a shifted label law needs a binary grid")
	}
	law := make([]float64, len(t.eta))
	for b := range t.cells {
		e1 := min(1, max(0, t.eta[2*b+1]+shift))
		law[2*b], law[2*b+1] = 1-e1, e1
	}
	return law
}

// source returns a learners.Source of the grid: x uniform on [0,1]^d (one
// rng.Float64 per coordinate) and y drawn from labelLaw(shift) of x's cell by
// inversion (one rng.Float64). It is the same law as gen.SampleLabeled (with
// shift 0), written out for speed: LabelIndependentNN calls it for every
// fresh point of every teacher. Each call draws two words from rng to seed
// its own PCG. Safe for concurrent use.
func (t gridTable) source(shift float64) learners.Source {
	law := t.labelLaw(shift)
	cum := make([]float64, len(law))
	for b := range t.cells {
		acc := 0.0
		for c := range t.k {
			acc += law[b*t.k+c]
			cum[b*t.k+c] = acc
		}
	}
	d, r, k := t.d, t.r, t.k
	rf := float64(r)
	return func(rng *rand.Rand, x []float64, y []int) {
		// A local PCG seeded from rng draws the bulk: its methods are
		// called directly (no interface dispatch per number), which
		// halves the cost of LabelIndependentNN's m fresh points per row.
		var pcg rand.PCG
		pcg.Seed(rng.Uint64(), rng.Uint64())
		for i := range y {
			b := 0
			for a := i * d; a < (i+1)*d; a++ {
				v := float64(pcg.Uint64()>>11) * 0x1p-53 // as rand.Float64
				x[a] = v
				b = b*r + min(r-1, int(v*rf)) // gen.CellOf for v in [0, 1)
			}
			u := float64(pcg.Uint64()>>11) * 0x1p-53
			row := cum[b*k : (b+1)*k]
			c := 0
			for c < k-1 && u >= row[c] {
				c++
			}
			y[i] = c
		}
	}
}

// cellCorner returns the lower corner of cell b (coordinate 0 slowest).
func (t gridTable) cellCorner(b int, dst []float64) {
	for a := t.d - 1; a >= 0; a-- {
		dst[a] = float64(b%t.r) / float64(t.r)
		b /= t.r
	}
}

// histogramEstimation returns the uniform deviation of ERM over histograms
// with the given number of cells and k classes from n i.i.d. points: with
// probability at least 1 - delta, every h in H (|H| = k^cells) has
// |empirical risk - risk| <= eps (Hoeffding and a union bound over H),
//
//	eps = sqrt((cells ln k + ln(2/delta)) / (2n)),
//
// so the ERM's risk exceeds min_H by at most 2 eps.
func histogramEstimation(n, cells, k int, delta float64) float64 {
	checkDelta(delta)
	return math.Sqrt((float64(cells)*math.Log(float64(k)) + math.Log(2/delta)) / (2 * float64(n)))
}

// sampleMeanVar returns the mean and the sample variance (divisor n-1, 0 for
// n = 1) of v, two-pass.
func sampleMeanVar(v []float64) (mean, s2 float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		s2 += (x - mean) * (x - mean)
	}
	return mean, s2 / float64(len(v)-1)
}

// floatSlack is roundingSlack without gen.PosteriorTolerance: the float
// slack of an exact identity or inequality of the D claims whose derivation
// needs no posterior row to sum to 1 (Higham's standard model, u = 2^-53, as
// for roundingSlack). A recursive sum of at most n terms whose exact values
// total at most 1 in magnitude, and whose own rounding errors total at most
// r u, errs by at most (n + r) u ((n - 1) u sum_i |x_i| for the additions);
// so does a mean over n points of terms in [-1, 1] each off by at most r u
// (one division more). floatSlack(n, r) = 4 (n + r) u covers two such
// quantities twice over, and with them the few roundings of the comparison
// itself and the second-order terms (n u < 1e-11 here). Each use states its
// sum, n and r; where the identity holds only for rows summing to 1 the
// uses take roundingSlack = floatSlack + gen.PosteriorTolerance instead.
func floatSlack(n, r int) float64 { return 4 * float64(n+r) * 0x1p-53 }

// ---------------------------------------------------------------------------
// Distributions of the D claims.

// noisyCleanGrid returns a grid whose cells each get a clean label c_B,
// uniform on the k classes (drawn from rng), and the posterior
// eta(c_B|B) = 1 - rho, eta(c|B) = rho/(k-1) otherwise: label noise over a
// clean labeling, as in the paper's experiment. R* = rho and
// G = 1 - (1-rho)^2 - rho^2/(k-1).
func noisyCleanGrid(d, r, k int, rho float64, rng *rand.Rand) (*gen.Grid, error) {
	n := 1
	for range d {
		n *= r
	}
	cells := make([][]float64, n)
	for b := range cells {
		p := make([]float64, k)
		clean := rng.IntN(k)
		for c := range p {
			p[c] = rho / float64(k-1)
		}
		p[clean] = 1 - rho
		cells[b] = p
	}
	return gen.NewGrid(d, r, cells)
}

// gridCase is the structure of a noisy clean-label grid.
type gridCase struct {
	d, r, k int
	rho     float64
}

// gridCases returns every combination of shapes (d, r), numbers of classes
// and noise levels.
func gridCases(shapes [][2]int, ks []int, rhos []float64) []gridCase {
	var out []gridCase
	for _, sh := range shapes {
		for _, k := range ks {
			for _, rho := range rhos {
				out = append(out, gridCase{d: sh[0], r: sh[1], k: k, rho: rho})
			}
		}
	}
	return out
}

// drawNoisyCleanGrid draws the structure of a noisy clean-label grid with
// rapid from cases, and the seed of its clean labels.
func drawNoisyCleanGrid(c *Check, cases []gridCase) *gen.Grid {
	gc := rapid.SampledFrom(cases).Draw(c.T, "grid case")
	g, err := noisyCleanGrid(gc.d, gc.r, gc.k, gc.rho, c.Rand("clean labels"))
	if err != nil {
		c.Fatalf("noisyCleanGrid: %v", err)
	}
	return g
}

// drawGrid draws a random grid (gen.Distributions, Grid family) within spec.
func drawGrid(c *Check, spec gen.Spec) *gen.Grid {
	spec.Families = []gen.Family{gen.FamilyGrid}
	g, ok := gen.Distributions(spec).Draw(c.T, "grid").(*gen.Grid)
	if !ok {
		c.Fatalf("gen.Distributions drew a non-grid for the Grid family")
	}
	return g
}

// ---------------------------------------------------------------------------
// Stratified evaluation points and the cell gap of a labeler.

// stratified holds perCell evaluation points drawn uniformly in each cell,
// cell by cell: N = perCell * J points whose empirical cell masses equal the
// true ones (1/J), so a statistic that is an average over cells of per-cell
// means has bounded differences 1/N in each point.
type stratified struct {
	pts     points
	cell    []int
	perCell int
}

// drawStratified draws the stratified points with rng: x = (corner + U)/r
// coordinatewise. A coordinate that rounds onto the next cell's face (an
// event of probability about 2^-53) is moved to the cell's centre.
func drawStratified(t gridTable, perCell int, rng *rand.Rand) stratified {
	n := perCell * t.cells
	s := stratified{perCell: perCell, cell: make([]int, n),
		pts: points{d: t.d, k: t.k, x: make([]float64, n*t.d), eta: make([]float64, n*t.k)}}
	corner := make([]float64, t.d)
	w := 1 / float64(t.r)
	j := 0
	for b := range t.cells {
		t.cellCorner(b, corner)
		for range perCell {
			x := s.pts.x[j*t.d : (j+1)*t.d]
			for a := range x {
				x[a] = corner[a] + w*rng.Float64()
			}
			if t.cellOf(x) != b {
				for a := range x {
					x[a] = corner[a] + w/2
				}
			}
			s.cell[j] = b
			copy(s.pts.eta[j*t.k:(j+1)*t.k], t.posterior(b))
			j++
		}
	}
	return s
}

// cellGap returns the H-gap of a labeler measured on stratified points,
//
//	T^ = (1/J) sum_B TV( (1/N_B) sum_{e in B} v(e), eta(B) ),
//
// where v(e) (row e of votes, N x k, each row a probability vector) is the
// law of the labeler's answer at x_e, or a one-hot draw of it. The
// population gap eps = (1/J) sum_B TV(q(B), eta(B)), q(B) the labeler's
// label rates on cell B, bounds sup_{h in H} |L_D~(h) - L_D(h)| (TV dominates
// every class's rate difference), and eps <= E T^ (Jensen) while changing one
// point moves T^ by at most 1/N, so eps <= T^ + cellGapRadius(N, delta) with
// probability 1 - delta over the points (and any draws in v).
func cellGap(t gridTable, ev stratified, votes []float64) float64 {
	k := t.k
	rate := make([]float64, k)
	total := 0.0
	for b := range t.cells {
		clear(rate)
		for e := b * ev.perCell; e < (b+1)*ev.perCell; e++ {
			for c, v := range votes[e*k : (e+1)*k] {
				rate[c] += v
			}
		}
		for c := range rate {
			rate[c] /= float64(ev.perCell)
		}
		total += tv(rate, t.posterior(b))
	}
	return total / float64(t.cells)
}

// cellGapRadius is McDiarmid's radius for cellGap over N stratified points
// (bounded differences 1/N each).
func cellGapRadius(n int, delta float64) float64 {
	return BoundedDifferences(1/float64(n), delta)
}

// ---------------------------------------------------------------------------
// Histogram students and the bound of D1 / D5.

// studentBound is the distillation bound for ERM over the histograms of the
// grid from n points labeled i.i.d. from D~:
//
//	L(student) <= min_H L + 2 gap + 2 eps_H(n, delta),
//
// where gap >= sup_{h in H} |L_D~(h) - L_D(h)| (TV(D~, D) for D1, the cell
// gap for D5), because L_D(h^) <= L_D~(h^) + gap <= L_D~(h*) + 2 eps_H + gap
// <= L_D(h*) + 2 gap + 2 eps_H.
type studentBound struct {
	student float64 // L(student), exact (or an upper confidence limit)
	best    float64 // min_H L = R*
	gap     float64 // the upper confidence limit of the gap
	est     float64 // eps_H
}

func (s studentBound) bound() float64 { return s.best + 2*s.gap + 2*s.est }
func (s studentBound) String() string {
	return fmt.Sprintf("L(student) = %.5f vs bound %.5f = min_H L %.5f + 2 gap %.5f + 2 eps_H %.5f",
		s.student, s.bound(), s.best, s.gap, s.est)
}

// ---------------------------------------------------------------------------
// Independent 1-NN teachers, one per unlabeled point (D1, D2).

// independentRun is one distillation from independent 1-NN teachers: each
// of the n unlabeled points x_j is labeled by its own teacher, the nearest
// of m fresh labeled points (learners.LabelIndependentNN), whose position is
// X_j; the student is the ERM histogram on the grid's cells. The pairs
// (x_j, y_j) are i.i.d. from D~, and so are
//
//	Z_j = TV(eta(x_j), eta(X_j))   in [0, 1], mean T >= TV(D~, D),
//	l_j = 1 - eta_{y_j}(x_j)       in [0, 1], mean E_S L(h_S) (a fresh teacher's risk),
//
// the first because D~'s conditional at x is q(.|x) = E eta(X_NN(x)) and TV
// is convex (TV(D~, D) = E_x TV(q(.|x), eta(x)) <= E TV(eta(X_NN), eta(x))).
//
// Given the positions x_j and X_j the labels are independent, y_j ~ eta(X_j)
// (the nearest of the m fresh points is chosen by position), so two label
// statistics have exact conditional means and variances (D1's and D2's
// sharp assertions):
//
//	S = (1/n) sum_j 1{y_j != Bayes(x_j)},   E S = (1/n) sum_j (1 - eta_Bayes(x_j)(X_j)),
//	l = (1/n) sum_j l_j,                    E l = (1/n) sum_j sum_c eta_c(X_j) (1 - eta_c(x_j)),
//
// with variances the sums of the terms' Bernoulli or categorical variances.
type independentRun struct {
	tab               gridTable
	n, m              int
	student           float64 // exact L(student)
	tvMean, tvVar     float64 // A^ = mean Z_j and its sample variance
	lossMean, lossVar float64 // mean l_j and its sample variance
	counts            []int   // unlabeled points per cell

	lab     labelStat // S
	loss    labelStat // l with its exact conditional mean
	labMut  labelStat // S's exact mean and variance under flipRows(flip) (flip > 0)
	lossMut labelStat // l's exact mean and variance under flipRows(flip) (flip > 0)
}

// labelStat is a mean over the n points of independent terms in [0, 1] with
// its exact conditional mean and sum of variances.
type labelStat struct {
	measured, mean, varSum float64
}

// radius returns Bernstein's radius of the mean at delta (range 1 per term).
func (l labelStat) radius(n int, delta float64) float64 {
	return Bernstein(l.varSum, 1, delta) / float64(n)
}

// runIndependent draws n unlabeled points from the grid (stream Unlabeled of
// seed), labels each with its own 1-NN teacher on m fresh points from src
// (stream Train) and distils into the histogram on the grid's cells, with the
// production implementations.
func runIndependent(tab gridTable, src learners.Source, n, m int, seed uint64) (independentRun, error) {
	return runIndependentWith(nil, tab, src, n, m, seed, 0)
}

// runIndependentWith is runIndependent with the implementations of c
// (c.LabelIndependentNN, c.Histogram; nil: production); flip > 0 replaces
// the labels of a share flip of the points by flipRows (the mutant
// independent-nn-flip's bug, the edge falsifier of D1) and fills labMut.
func runIndependentWith(c *Check, tab gridTable, src learners.Source, n, m int, seed uint64, flip float64) (independentRun, error) {
	st := gen.NewStreams(seed)
	x := gen.SampleX(tab.grid, st.Unlabeled, n)
	nb := make([]float64, len(x))
	y, err := c.LabelIndependentNN(src, m, x, tab.d, st.Train, nb)
	if err != nil {
		return independentRun{}, err
	}
	if flip > 0 {
		flipRows(y, x, tab.d, tab.k, flip)
	}
	if err := checkLabels(y, tab.k); err != nil {
		return independentRun{}, err
	}
	h, err := learners.Distill(c.Histogram(learners.Histogram{Resolution: tab.r}), x, tab.d, y, tab.k)
	if err != nil {
		return independentRun{}, err
	}
	run := independentRun{tab: tab, n: n, m: m}
	if run.student, err = tab.histogramRisk(h); err != nil {
		return independentRun{}, err
	}
	z := make([]float64, n)
	l := make([]float64, n)
	run.counts = make([]int, tab.cells)
	d := tab.d
	bayes := tab.bayesLabels()
	flipped := make([]int, 1)
	for j := range n {
		row := x[j*d : (j+1)*d]
		b := tab.cellOf(row)
		run.counts[b]++
		e := tab.posterior(b)
		nbEta := tab.posterior(tab.cellOf(nb[j*d : (j+1)*d]))
		z[j] = tv(e, nbEta)
		l[j] = 1 - e[y[j]]
		q := 1 - nbEta[bayes[b]]
		if y[j] != bayes[b] {
			run.lab.measured++
		}
		run.lab.mean += q
		run.lab.varSum += q * (1 - q)
		m1, m2 := 0.0, 0.0
		for c, p := range nbEta {
			m1 += p * (1 - e[c])
			m2 += p * (1 - e[c]) * (1 - e[c])
		}
		run.loss.mean += m1
		run.loss.varSum += max(0, m2-m1*m1)
		if flip > 0 {
			flipped[0] = -1
			flipRows(flipped, row, d, tab.k, flip)
			if flipped[0] >= 0 {
				if flipped[0] != bayes[b] {
					run.labMut.mean++
				}
				run.lossMut.mean += 1 - e[flipped[0]]
			} else {
				run.labMut.mean += q
				run.labMut.varSum += q * (1 - q)
				run.lossMut.mean += m1
				run.lossMut.varSum += max(0, m2-m1*m1)
			}
		}
	}
	nf := float64(n)
	run.lab.measured /= nf
	run.lab.mean /= nf
	run.loss.mean /= nf
	run.labMut.mean /= nf
	run.lossMut.mean /= nf
	run.tvMean, run.tvVar = sampleMeanVar(z)
	run.lossMean, run.lossVar = sampleMeanVar(l)
	run.loss.measured = run.lossMean
	return run, nil
}

// bayesLabels returns each cell's Bayes label (lowest index among ties).
func (t gridTable) bayesLabels() []int {
	out := make([]int, t.cells)
	for b := range out {
		e := t.posterior(b)
		for c := range e {
			if e[c] > e[out[b]] {
				out[b] = c
			}
		}
	}
	return out
}

// tvUpper returns the upper confidence limit of T at delta: A^ plus the
// empirical Bernstein radius (the Z_j are i.i.d. in [0, 1] and mostly 0).
func (r independentRun) tvUpper(delta float64) float64 {
	return r.tvMean + EmpiricalBernstein(r.n, r.tvVar, 1, delta)
}

// d1 returns claim D1's comparison at delta: delta/2 for the TV limit and
// delta/2 for the estimation term.
func (r independentRun) d1(delta float64) studentBound {
	return studentBound{
		student: r.student,
		best:    r.tab.bayes(),
		gap:     r.tvUpper(delta / 2),
		est:     histogramEstimation(r.n, r.tab.cells, r.tab.k, delta/2),
	}
}

// ---------------------------------------------------------------------------
// Claim D2's comparison of a student with its teacher.

// teacherGain is the check of claim D2. With T the boundary term (Z_j's
// mean), a fresh teacher's expected risk is at least G - T (the argument of
// nnAnalysis: |E L(h_S) - G| <= T), and D1 puts the student at most at
// R* + 2T + 2 eps_H, so
//
//	L(student) <= E L(teacher) - gain,   gain = G - R* - 3T - 2 eps_H.
//
// With T^+ the upper limit of T and U the upper limit of the teacher's mean
// loss (each at delta/3, eps_H at delta/3) the check asserts
//
//	L(student) <= U - gain^,   gain^ = G - R* - 3 T^+ - 2 eps_H,
//
// and the case resolves iff gain^ > 2 (U - mean loss): then the bound lies
// below the teacher's lower limit, and passing certifies that the student's
// risk is strictly below its teacher's.
type teacherGain struct {
	student        float64 // L(student), exact or an upper confidence limit
	teacherMean    float64 // mean loss of the teacher(s) on the points they labeled
	teacherRadius  float64 // its empirical Bernstein radius at delta/3
	sampler, bayes float64 // G, R*
	tvUpper, est   float64 // T^+, eps_H
}

// newTeacherGain assembles the D2 comparison at delta.
func newTeacherGain(tab gridTable, student float64, n int, lossMean, lossVar, tvMean, tvVar, delta float64) teacherGain {
	d3 := delta / 3
	return teacherGain{
		student:       student,
		teacherMean:   lossMean,
		teacherRadius: EmpiricalBernstein(n, lossVar, 1, d3),
		sampler:       tab.sampler(),
		bayes:         tab.bayes(),
		tvUpper:       tvMean + EmpiricalBernstein(n, tvVar, 1, d3),
		est:           histogramEstimation(n, tab.cells, tab.k, d3),
	}
}

func (g teacherGain) gain() float64         { return g.sampler - g.bayes - 3*g.tvUpper - 2*g.est }
func (g teacherGain) bound() float64        { return g.teacherMean + g.teacherRadius - g.gain() }
func (g teacherGain) teacherLower() float64 { return g.teacherMean - g.teacherRadius }
func (g teacherGain) resolved() bool        { return g.bound() < g.teacherLower() }
func (g teacherGain) String() string {
	return fmt.Sprintf("L(student) = %.5f vs teacher %.5f +- %.5f minus gain %.5f (G %.4f - R* %.4f - 3 T+ %.4f - 2 eps_H %.4f): bound %.5f",
		g.student, g.teacherMean, g.teacherRadius, g.gain(), g.sampler, g.bayes, g.tvUpper, g.est, g.bound())
}

// ---------------------------------------------------------------------------
// 1-NN teachers on fixed positions, analysed on evaluation points (D3, D4,
// D5).

// nnTeachers is a list of 1-NN teachers (learners.KNN{K: 1}) on their own
// training sets, with, for each evaluation point e and teacher t, the
// nearest training index nn[t][e] (from the teacher's own index, so ties
// agree with its predictions) and the posterior of that neighbour. Labels
// are drawn separately (draw), so everything before is label-free.
type nnTeachers struct {
	tab   gridTable
	train []points // training positions of each teacher
	y     [][]int  // training labels (after draw)
	fit   []learners.Classifier
	eval  points    // evaluation points
	nn    [][]int   // nn[t][e]
	share []float64 // scratch
}

// newNNTeachers draws K training sets of m positions (rng) and the nearest
// training point of every evaluation point for each. Teachers listed in
// copies[t] = s >= 0 reuse teacher s's training set and labels (a pool of
// copies, the falsifier of D3 and D4); copies may be nil.
func newNNTeachers(tab gridTable, K, m int, eval points, rng *rand.Rand, copies []int) (*nnTeachers, error) {
	nt := &nnTeachers{tab: tab, eval: eval, train: make([]points, K), nn: make([][]int, K)}
	for t := range K {
		if copies != nil && copies[t] >= 0 {
			nt.train[t], nt.nn[t] = nt.train[copies[t]], nt.nn[copies[t]]
			continue
		}
		nt.train[t] = drawPoints(tab.grid, rng, m)
		var err error
		if nt.nn[t], _, err = nearestNeighbours(nt.train[t], eval); err != nil {
			return nil, err
		}
	}
	return nt, nil
}

// draw draws the training labels (copies share their source's labels),
// fits the 1-NN teachers, and checks that the first one answers the
// evaluation points with its nearest training labels.
func (nt *nnTeachers) draw(rng *rand.Rand, copies []int) error {
	K := len(nt.train)
	nt.y = make([][]int, K)
	nt.fit = make([]learners.Classifier, K)
	for t := range K {
		if copies != nil && copies[t] >= 0 {
			nt.y[t], nt.fit[t] = nt.y[copies[t]], nt.fit[copies[t]]
			continue
		}
		nt.y[t] = nt.train[t].drawLabels(rng)
		h, err := learners.KNN{K: 1}.Fit(nt.train[t].dataset(nt.y[t]))
		if err != nil {
			return err
		}
		nt.fit[t] = h
	}
	// The analyses read teacher t's answer at x_e as y_t(nn_t(e)); check it
	// against the fitted classifier for the first teacher.
	pred := make([]int, nt.eval.len())
	if err := nt.fit[0].PredictBatch(nt.eval.x, pred, nil); err != nil {
		return err
	}
	for e, c := range pred {
		if c != nt.y[0][nt.nn[0][e]] {
			return fmt.Errorf("claims: the 1-NN teacher answers %d at evaluation point %d, its nearest training label is %d", c, e, nt.y[0][nt.nn[0][e]])
		}
	}
	return nil
}

// neighbourPosterior returns eta(.|X_{t, nn_t(e)}).
func (nt *nnTeachers) neighbourPosterior(t, e int) []float64 {
	return nt.train[t].posterior(nt.nn[t][e])
}

// shareSumSq returns sum_{t < K} sum_i (scale/N sum_{e: nn_t(e) = i} w_e)^2:
// the McDiarmid sum of squares of a statistic (1/N) sum_e f_e in which label
// i of teacher t moves f_e by at most scale w_e at the points e it is
// nearest to. Copies count as separate teachers, as the claims' hypothesis
// (independent teachers) says they are.
func (nt *nnTeachers) shareSumSq(K int, w func(e int) float64, scale float64) float64 {
	n := nt.eval.len()
	s := 0.0
	for t := range K {
		if len(nt.share) < nt.train[t].len() {
			nt.share = make([]float64, nt.train[t].len())
		}
		share := nt.share[:nt.train[t].len()]
		clear(share)
		for e, i := range nt.nn[t] {
			share[i] += w(e)
		}
		for _, v := range share {
			v *= scale / float64(n)
			s += v * v
		}
	}
	return s
}

// votes returns the N x k matrix of the pool's answer law at each
// evaluation point, v_K(e) = (1/K) sum_{t < K} onehot(y_t(nn_t(e))): a
// randomly chosen one of the first K teachers answers x_e with v_K(e).
func (nt *nnTeachers) votes(K int) []float64 {
	n, k := nt.eval.len(), nt.tab.k
	v := make([]float64, n*k)
	for t := range K {
		for e, i := range nt.nn[t] {
			v[e*k+nt.y[t][i]] += 1 / float64(K)
		}
	}
	return v
}

// ---------------------------------------------------------------------------
// Law of a vote of independent teachers.

// majorityOne returns P(more than K/2 of K independent Bernoulli(p_t) are
// 1), K = len(p), using law (len(p)+1 entries) as scratch for the
// Poisson-binomial law of their number.
func majorityOne(p, law []float64) float64 {
	PoissonBinomial(p, law)
	s := 0.0
	for j := len(p)/2 + 1; j <= len(p); j++ {
		s += law[j]
	}
	return min(1, s)
}

// meanAbsRate returns E|X/K - a| for X with the law law (K = len(law)-1).
func meanAbsRate(law []float64, a float64) float64 {
	K := float64(len(law) - 1)
	s := 0.0
	for j, p := range law {
		s += p * math.Abs(float64(j)/K-a)
	}
	return s
}

// ---------------------------------------------------------------------------
// Exact 1-NN regions in one dimension.

// voronoi1D is the 1-NN partition of [0, 1] by the points x_i (d = 1):
// point i owns [lo_i, hi_i], the boundaries being midpoints between
// consecutive points in sorted order. (Two equal positions, an event of
// probability about 2^-53 per pair, would split their region between them
// instead of giving it to the lower index; no measurable quantity changes.)
type voronoi1D struct {
	lo, hi []float64
	order  []int // points by position (ties by index)
}

func newVoronoi1D(x []float64) voronoi1D {
	m := len(x)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return a - b
	})
	v := voronoi1D{lo: make([]float64, m), hi: make([]float64, m), order: order}
	for r, i := range order {
		v.lo[i], v.hi[i] = 0, 1
		if r > 0 {
			v.lo[i] = (x[order[r-1]] + x[i]) / 2
		}
		if r < m-1 {
			v.hi[i] = (x[i] + x[order[r+1]]) / 2
		}
	}
	return v
}

// length returns the length of point i's region.
func (v voronoi1D) length(i int) float64 { return v.hi[i] - v.lo[i] }

// overlap calls f(b, l) for each cell b of the r cells of [0, 1] that point
// i's region meets, with l the length of the intersection.
func (v voronoi1D) overlap(i, r int, f func(b int, l float64)) {
	lo, hi := v.lo[i], v.hi[i]
	rf := float64(r)
	for b := min(r-1, int(lo*rf)); b < r && float64(b)/rf < hi; b++ {
		l := min(hi, float64(b+1)/rf) - max(lo, float64(b)/rf)
		if l > 0 {
			f(b, l)
		}
	}
}

// cellRates returns the cells x k table of a 1-NN classifier's exact label
// rates per cell (d = 1): rate_c(B) = |{x in B: y_NN(x) = c}| / |B|.
func (v voronoi1D) cellRates(t gridTable, y []int) []float64 {
	rates := make([]float64, t.cells*t.k)
	for i, c := range y {
		v.overlap(i, t.r, func(b int, l float64) { rates[b*t.k+c] += l * float64(t.r) })
	}
	return rates
}

// risk returns the exact risk of the 1-NN classifier with labels y (d = 1):
// sum_i sum_B |region_i cap B| (1 - eta_{y_i}(B)).
func (v voronoi1D) risk(t gridTable, y []int) float64 {
	s := 0.0
	for i, c := range y {
		v.overlap(i, t.r, func(b int, l float64) { s += l * (1 - t.posterior(b)[c]) })
	}
	return s
}

// exactCellGap returns the cell gap (1/J) sum_B TV(rate(B), eta(B)) of a
// 1-NN classifier with labels y (d = 1), computed exactly.
func (v voronoi1D) exactCellGap(t gridTable, y []int) float64 {
	rates := v.cellRates(t, y)
	s := 0.0
	for b := range t.cells {
		s += tv(rates[b*t.k:(b+1)*t.k], t.posterior(b))
	}
	return s / float64(t.cells)
}

// ---------------------------------------------------------------------------
// One teacher distilled into an unrestricted student (falsifier of D2, D5).

// unrestrictedCase is a one-dimensional binary grid with the same posterior
// in every cell (pure label noise, eta_1 constant), one 1-NN teacher on m
// points, n unlabeled points labeled by it (learners.LabelWith) and the 1-NN
// student fitted on those labels (learners.Distill with learners.KNN{K: 1}),
// the distillation that CLAIMS.md says keeps the teacher's risk. In one
// dimension both 1-NN classifiers' regions are intervals, so every risk and
// cell rate is exact (voronoi1D); a constant posterior makes every boundary
// term 0 and both risks linear in the teacher's independent labels: with
// v(c) = 1 - eta_c and NN_S(u) the teacher's nearest training point to u,
//
//	L(student) = sum_i a_i v(y_i),  a_i = total length of the student's regions of the u_j with NN_S(u_j) = i,
//	mean teacher loss on the unlabeled points = sum_i b_i v(y_i),  b_i = #{j: NN_S(u_j) = i} / n,
//
// each with mean G (sum a = sum b = 1, E v(y_i) = G) and Hoeffding deviations
// over the labels. The falsifiers compute their power from these before any
// label is drawn.
type unrestrictedCase struct {
	tab          gridTable
	m, n         int
	eta1         float64
	train, unl   points
	teacherV     voronoi1D
	studentV     voronoi1D
	unlNN        []int     // NN_S of each unlabeled point
	a, b         []float64 // the weights above
	labels       *rand.Rand
	probe        []float64 // points where the fitted student is compared with its regions
	y, yUnl      []int     // teacher's labels and those it gives the unlabeled points (after run)
	studentRisk  float64   // exact (after run)
	teacherGap   float64   // exact cell gap of the teacher (after run)
	teacherLossM float64   // mean teacher loss on the unlabeled points (after run)
	teacherLossV float64   // its sample variance (after run)
}

// newUnrestrictedCase draws the positions of the case from seed: the grid
// has r cells on [0, 1] with eta_1 = eta1 in each.
func newUnrestrictedCase(r int, eta1 float64, m, n int, seed uint64) (*unrestrictedCase, error) {
	post := make([][]float64, r)
	for b := range post {
		post[b] = []float64{1 - eta1, eta1}
	}
	g, err := gen.NewGrid(1, r, post)
	if err != nil {
		return nil, err
	}
	st := gen.NewStreams(seed)
	uc := &unrestrictedCase{tab: newGridTable(g), m: m, n: n, eta1: eta1, labels: st.Labels}
	uc.train = drawPoints(g, st.Train, m)
	uc.unl = drawPoints(g, st.Unlabeled, n)
	uc.probe = gen.SampleX(g, st.Eval, 256)
	uc.teacherV = newVoronoi1D(uc.train.x)
	uc.studentV = newVoronoi1D(uc.unl.x)
	uc.unlNN = make([]int, n)
	for j, x := range uc.unl.x {
		uc.unlNN[j] = uc.teacherV.owner(x)
	}
	uc.a = make([]float64, m)
	uc.b = make([]float64, m)
	for j, i := range uc.unlNN {
		uc.a[i] += uc.studentV.length(j)
		uc.b[i] += 1 / float64(n)
	}
	return uc, nil
}

// run draws the teacher's labels, labels the unlabeled points with the
// fitted 1-NN teacher, fits the 1-NN student and measures everything
// exactly. It returns an error if the learners' answers disagree with the
// exact regions (which would void the falsifiers' power computation).
func (uc *unrestrictedCase) run() error {
	uc.y = uc.train.drawLabels(uc.labels)
	teacher, err := learners.KNN{K: 1}.Fit(uc.train.dataset(uc.y))
	if err != nil {
		return err
	}
	if uc.yUnl, err = learners.LabelWith(teacher, uc.unl.x, nil); err != nil {
		return err
	}
	for j, c := range uc.yUnl {
		if c != uc.y[uc.unlNN[j]] {
			return fmt.Errorf("claims: the 1-NN teacher labels unlabeled point %d with %d, its nearest training label is %d", j, c, uc.y[uc.unlNN[j]])
		}
	}
	student, err := learners.Distill(learners.KNN{K: 1}, uc.unl.x, 1, uc.yUnl, 2)
	if err != nil {
		return err
	}
	pred := make([]int, len(uc.probe))
	if err := student.PredictBatch(uc.probe, pred, nil); err != nil {
		return err
	}
	for p, x := range uc.probe {
		j := uc.studentV.owner(x)
		if pred[p] != uc.yUnl[j] {
			return fmt.Errorf("claims: the 1-NN student answers %d at %v, its region's label is %d", pred[p], x, uc.yUnl[j])
		}
	}
	uc.studentRisk = uc.studentV.risk(uc.tab, uc.yUnl)
	uc.teacherGap = uc.teacherV.exactCellGap(uc.tab, uc.y)
	l := make([]float64, uc.n)
	for j, c := range uc.yUnl {
		l[j] = 1 - uc.unl.posterior(j)[c]
	}
	uc.teacherLossM, uc.teacherLossV = sampleMeanVar(l)
	return nil
}

// lossRange is max_c eta_c - min_c eta_c, the range of v(c) = 1 - eta_c.
func (uc *unrestrictedCase) lossRange() float64 { return math.Abs(1 - 2*uc.eta1) }

// studentLowerDeviation returns s with P(L(student) < G - s) <= delta over
// the teacher's labels (Hoeffding with ranges a_i lossRange).
func (uc *unrestrictedCase) studentLowerDeviation(delta float64) float64 {
	s := 0.0
	for _, v := range uc.a {
		s += v * v
	}
	w := uc.lossRange()
	return BoundedDifferences(s*w*w, delta)
}

// differenceDeviation returns s with P(|L(student) - mean teacher loss| > s)
// <= delta over the teacher's labels: the difference sum_i (a_i - b_i) v(y_i)
// has mean 0 and Hoeffding ranges |a_i - b_i| lossRange.
func (uc *unrestrictedCase) differenceDeviation(delta float64) float64 {
	s := 0.0
	for i := range uc.a {
		s += (uc.a[i] - uc.b[i]) * (uc.a[i] - uc.b[i])
	}
	w := uc.lossRange()
	return BoundedDifferences(s*w*w, delta)
}

// teacherGapUpper returns U with P(exact cell gap of the teacher > U) <=
// delta over its labels: in cell B the teacher's rate of class 1 is
// sum_i w_iB y_i, w_iB = |region_i cap B| / |B|, a sum of independent terms
// with variance sum_i w_iB^2 eta_1 (1 - eta_1) and range w_iB, so Bernstein
// at delta/J bounds |rate_1(B) - eta_1| = TV(rate(B), eta) in every cell.
func (uc *unrestrictedCase) teacherGapUpper(delta float64) float64 {
	t := uc.tab
	v := make([]float64, t.cells)
	wmax := make([]float64, t.cells)
	for i := range uc.m {
		uc.teacherV.overlap(i, t.r, func(b int, l float64) {
			w := l * float64(t.r)
			v[b] += w * w * uc.eta1 * (1 - uc.eta1)
			wmax[b] = max(wmax[b], w)
		})
	}
	total := 0.0
	for b := range t.cells {
		total += Bernstein(v[b], wmax[b], delta/float64(t.cells))
	}
	return total / float64(t.cells)
}

// owner returns the point whose region holds x: the first point in sorted
// order whose region ends at or after x.
func (v voronoi1D) owner(x float64) int {
	r := sort.Search(len(v.order), func(r int) bool { return v.hi[v.order[r]] >= x })
	return v.order[min(r, len(v.order)-1)]
}
