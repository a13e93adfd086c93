package claims

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// TeacherProblem is one case of the good-teacher check: a grid distribution
// (gen.Grid; the student is the ERM histogram on its own cells, so the best
// student in the class is the Bayes classifier), a pool of Pool teachers
// each fitted by the learner on its own M fresh labeled points, N unlabeled
// points each labeled by a teacher drawn uniformly from the pool (Pool = 1
// is a single teacher), Eval stratified evaluation points (rounded up to a
// multiple of the number of cells), and the seed of all bulk data
// (gen.NewStreams; teacher t answers from its own stream).
type TeacherProblem struct {
	Grid       *gen.Grid
	Pool, M, N int
	Eval       int
	Seed       uint64
}

// DefaultTeacherEps is the default TeacherEps: the sampler gap below which
// CheckGoodTeacher guarantees a pass (with probability 1 - delta).
const DefaultTeacherEps = 0.005

// RouteLevel is the certified excess risk at which TeacherReport names a
// route (SamplerCertified, BayesCertified). It describes why a teacher is
// good; the verdict does not depend on it. 0.25 was the former hard
// threshold of CheckGoodTeacher on the sampler bound.
const RouteLevel = 0.25

// TeacherReport is what TeacherGap measured on one problem (claims D1, D4
// and D5 on a learner of your own). The student's risk is exact on the grid
// (through the known posterior); the teachers' numbers are measured through
// eta on the evaluation points.
//
// The verdict. Let eps_T = sup_{h in H} |L_D~(h) - L_D(h)| be the pool's
// sampler gap with respect to the histograms H (D~ the law of (x, answer of a
// random teacher)). ERM on N i.i.d. points of D~ satisfies, with probability
// at least 1 - delta (Hoeffding and a union bound over the k^J histograms),
//
//	Excess = L(student) - min_H L <= 2 eps_T + 2 Estimation,
//	Estimation = sqrt((J ln k + ln(2/delta)) / (2N)).
//
// The check asserts Excess <= Tolerance = 2 Eps + 2 Estimation, Eps the
// stated TeacherEps: every teacher with eps_T <= Eps passes with probability
// at least 1 - delta on every problem, whatever the grid, so verdicts do not
// flip near a threshold for such teachers. Excess is exact (no estimation
// of the student's risk), so the verdict judges the outcome: a teacher
// whose students are within the tolerance of the best histogram passes,
// whether it samples or predicts near the Bayes label.
//
// MDD. Given the unlabeled positions, the labels are independent; call
// plur(B) the label with the largest expected count in cell B. If plur(B)
// leads every other label by more than Margin = max_B sqrt(2 ln(J (k-1) /
// delta) / n_B) in share (n_B the cell's points), the count of plur(B)
// exceeds each other count except with probability exp(-n_B Margin^2 / 2)
// (Hoeffding on the differences, range 2), so with probability 1 - delta
// (union over J (k-1) pairs) the student answers plur(B) in every cell and
// its excess is that of plur. A teacher whose plurality histogram has excess
// above MDD = Detectable(Tolerance, 0) = Tolerance, with that margin in its
// cells, fails with probability at least 1 - delta.
//
// Routes (descriptive, at delta each, not part of the verdict):
// SamplerCertified when the sampler theorem alone certifies the student
// within RouteLevel, 2 GapUpper + 2 Estimation <= RouteLevel (GapUpper =
// T^ + McDiarmid radius bounds eps_T; claims D1, D4); BayesCertified when in
// every cell the teachers answer a non-Bayes label less than half the time,
// certified by Hoeffding's bound on each cell's evaluation points at
// delta/(2J) (BayesWrongUpper < 1/2): then the plurality label of every cell
// is the Bayes label, and a student that learns the plurality (as ERM does
// with the Margin of the MDD) is the Bayes classifier, however far the
// teachers are from sampling (a k-NN majority).
type TeacherReport struct {
	StudentRisk float64 // exact risk of the ERM histogram student
	BestInClass float64 // min over histograms = R*
	SamplerRisk float64 // G, the risk of a perfect sampler
	TeacherRisk float64 // risk of a random pool member on the evaluation points
	Gap         float64 // T^, the pool's cell gap on the evaluation points
	GapUpper    float64 // T^ + McDiarmid radius at delta/2: an upper limit of eps_T
	Estimation  float64 // eps_H at delta
	Bound       float64 // BestInClass + 2 GapUpper + 2 Estimation (sampler route)
	Cells       int     // J

	Eps       float64 // the stated TeacherEps
	Tolerance float64 // 2 Eps + 2 Estimation
	MDD       float64 // certified minimal detectable excess (risk), = Tolerance
	Margin    float64 // the plurality margin the MDD assumes

	// BayesWrongUpper is the largest over the cells of the upper limit of
	// the share of the cell's evaluation points where the teachers did not
	// answer the Bayes label (Hoeffding at delta/(2J) per cell).
	BayesWrongUpper  float64
	SamplerCertified bool // 2 GapUpper + 2 Estimation <= RouteLevel
	BayesCertified   bool // BayesWrongUpper < 1/2

	// Contract is the first violation of the learners.Classifier contract
	// found by the cross-check of Predict against PredictBatch (and of the
	// query order) on a few hundred evaluation points of each teacher, ""
	// if none. A violation fails the verdict.
	Contract string
}

// Excess returns the student's exact excess risk over the best histogram.
func (r TeacherReport) Excess() float64 { return r.StudentRisk - r.BestInClass }

// Certified returns the excess risk that the sampler theorem certifies for
// students distilled from this pool: Bound - BestInClass.
func (r TeacherReport) Certified() float64 { return r.Bound - r.BestInClass }

// Gain returns how much the student improves on the teachers' risk.
func (r TeacherReport) Gain() float64 { return r.TeacherRisk - r.StudentRisk }

// IsGoodTeacher reports the verdict: the teachers kept the
// learners.Classifier contract and the student's exact excess is at most
// the Tolerance.
func (r TeacherReport) IsGoodTeacher() bool {
	return r.Contract == "" && r.Excess() <= r.Tolerance
}

// Route names why the teacher is good: "sampler" (SamplerCertified),
// "Bayes label" (BayesCertified), "sampler and Bayes label", or "student
// only" when the student passed (or failed) with neither route certified.
func (r TeacherReport) Route() string {
	switch {
	case r.SamplerCertified && r.BayesCertified:
		return "sampler and Bayes label"
	case r.SamplerCertified:
		return "sampler"
	case r.BayesCertified:
		return "Bayes label"
	}
	return "student only"
}

// String gives the numbers in one line.
func (r TeacherReport) String() string {
	if r.Contract != "" {
		return "contract: " + r.Contract
	}
	return fmt.Sprintf("student excess %.4f (tolerance %.4f = 2 x %.4g + 2 x %.4f, MDD %.4f), student %.4f, min_H %.4f, teachers %.4f (G %.4f), "+
		"route %s (sampler bound %.4f with gap %.4f <= %.4f, non-Bayes answers per cell <= %.4f)",
		r.Excess(), r.Tolerance, r.Eps, r.Estimation, r.MDD, r.StudentRisk, r.BestInClass, r.TeacherRisk, r.SamplerRisk,
		r.Route(), r.Certified(), r.Gap, r.GapUpper, r.BayesWrongUpper)
}

// Stream ids (beyond gen.NewStreams' four) of TeacherGap: the pool's
// choices on the evaluation points, and the base of the teachers' own
// answer streams (teacher t answers the unlabeled points from
// streamTeacherAnswers + 2t, the evaluation points from + 2t + 1).
const (
	streamTeacherChoice  uint64 = 0x7465616368657200
	streamTeacherAnswers uint64 = 0x74656163686572
)

// poolLabels labels the n points of x (dimension d) with a random teacher
// per point, the teacher of a point drawn uniformly with choice, and each
// teacher answering all its points in one PredictBatch call on its own
// stream gen.NewStream(seed, stream + 2t). It returns the labels and the
// teacher of each point.
func poolLabels(pool []learners.Classifier, x []float64, d int, choice *rand.Rand, seed, stream uint64) (labels, who []int, err error) {
	n := len(x) / d
	who = make([]int, n)
	rows := make([][]int, len(pool))
	for j := range who {
		if len(pool) > 1 {
			who[j] = choice.IntN(len(pool))
		}
		rows[who[j]] = append(rows[who[j]], j)
	}
	labels = make([]int, n)
	for t, js := range rows {
		if len(js) == 0 {
			continue
		}
		bx := make([]float64, len(js)*d)
		for i, j := range js {
			copy(bx[i*d:(i+1)*d], x[j*d:(j+1)*d])
		}
		out := make([]int, len(js))
		if err := safePredictBatch(pool[t], bx, out, gen.NewStream(seed, stream+2*uint64(t))); err != nil {
			return nil, nil, fmt.Errorf("teacher %d: %w", t, err)
		}
		for i, j := range js {
			labels[j] = out[i]
		}
	}
	return labels, who, nil
}

// TeacherGap fits p.Pool teachers with learner, labels p.N unlabeled points
// with a random teacher per point (each teacher answering its points with
// PredictBatch on its own stream), distils them into the ERM histogram on
// p.Grid's cells and returns the measurements of TeacherReport with the
// stated sampler level eps at false-alarm probability delta. It
// cross-checks every teacher's Predict against its PredictBatch on a few
// hundred evaluation points (as CheckSampler does). It is the measurement
// behind CheckGoodTeacher, for use outside a test.
//
// It returns an error if p.Grid or learner is nil (also a typed nil),
// p.Grid is not built by gen.NewGrid or gen.RandomGrid (the zero Grid) or
// has a cell posterior that is not a probability vector, a size is below 1
// (M below 2), eps is negative, NaN or infinite, delta is not in (0, 1), or
// the learner fails to fit, returns a nil classifier or one of the wrong Dim
// or Classes, fails to predict or predicts a label outside [0, k).
func TeacherGap(learner learners.Learner, p TeacherProblem, eps, delta float64) (TeacherReport, error) {
	switch {
	case p.Grid == nil:
		return TeacherReport{}, errors.New("claims: TeacherGap: nil grid")
	case isNil(learner):
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: nil learner (%T)", learner)
	case p.Pool < 1 || p.M < 2 || p.N < 1 || p.Eval < 1:
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: need Pool, N, Eval >= 1 and M >= 2, got Pool = %d, N = %d, Eval = %d, M = %d", p.Pool, p.N, p.Eval, p.M)
	case !(eps >= 0) || math.IsInf(eps, 1):
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: eps %v, want finite and >= 0", eps)
	case !(delta > 0 && delta < 1):
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: delta %v not in (0, 1)", delta)
	}
	tab, err := checkedGridTable(p.Grid)
	if err != nil {
		return TeacherReport{}, err
	}
	st := gen.NewStreams(p.Seed)
	pool := make([]learners.Classifier, p.Pool)
	checked := checkedLearner{learner}
	for t := range pool {
		x, y := gen.SampleLabeled(p.Grid, st.Train, p.M)
		h, err := checked.Fit(learners.Dataset{X: x, D: tab.d, Y: y, K: tab.k})
		if err != nil {
			return TeacherReport{}, fmt.Errorf("claims: TeacherGap: %s: teacher %d: %w", learnerName(learner), t, err)
		}
		pool[t] = h
	}
	x := gen.SampleX(p.Grid, st.Unlabeled, p.N)
	y, _, err := poolLabels(pool, x, tab.d, st.Labels, p.Seed, streamTeacherAnswers)
	if err != nil {
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: %s: labeling (distillation): %w", learnerName(learner), err)
	}
	if err := checkLabels(y, tab.k); err != nil {
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: %s: distillation: %w", learnerName(learner), err)
	}
	student, err := learners.Distill(learners.Histogram{Resolution: tab.r}, x, tab.d, y, tab.k)
	if err != nil {
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: student: %w", err)
	}
	risk, err := tab.histogramRisk(student)
	if err != nil {
		return TeacherReport{}, err
	}

	ev := drawStratified(tab, (p.Eval+tab.cells-1)/tab.cells, st.Eval)
	answers, who, err := poolLabels(pool, ev.pts.x, tab.d, gen.NewStream(p.Seed, streamTeacherChoice), p.Seed, streamTeacherAnswers+1)
	if err != nil {
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: %s: evaluation: %w", learnerName(learner), err)
	}
	if err := checkLabels(answers, tab.k); err != nil {
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: %s: evaluation: %w", learnerName(learner), err)
	}
	r := TeacherReport{
		StudentRisk: risk,
		BestInClass: tab.bayes(),
		SamplerRisk: tab.sampler(),
		TeacherRisk: gen.Risk(ev.pts.eta, tab.k, answers),
		Estimation:  histogramEstimation(p.N, tab.cells, tab.k, delta),
		Cells:       tab.cells,
		Eps:         eps,
	}
	if r.Contract, err = poolContract(pool, ev.pts, answers, who, p.Seed); err != nil {
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: %s: %w", learnerName(learner), err)
	}
	votes := make([]float64, len(answers)*tab.k)
	for e, c := range answers {
		votes[e*tab.k+c] = 1
	}
	r.Gap = cellGap(tab, ev, votes)
	r.GapUpper = r.Gap + cellGapRadius(ev.pts.len(), delta/2)
	r.Bound = r.BestInClass + 2*r.GapUpper + 2*r.Estimation
	r.Tolerance = 2*eps + 2*r.Estimation
	r.MDD = Detectable(r.Tolerance, 0)
	r.Margin = pluralityMargin(tab, x, delta)
	r.BayesWrongUpper = bayesWrongUpper(tab, ev, answers, delta/2)
	r.SamplerCertified = r.Certified() <= RouteLevel
	r.BayesCertified = r.BayesWrongUpper < 0.5
	return r, nil
}

// bayesWrongUpper returns max_B (share of cell B's stratified points where
// answers is not the cell's Bayes label (lowest index among ties) +
// Hoeffding(perCell, 1, delta/J)): with probability 1 - delta every cell's
// expected share of non-Bayes answers is below its term.
func bayesWrongUpper(t gridTable, ev stratified, answers []int, delta float64) float64 {
	radius := Hoeffding(ev.perCell, 1, delta/float64(t.cells))
	worst := 0.0
	for b := range t.cells {
		eta := t.posterior(b)
		best := 0
		for c := range eta {
			if eta[c] > eta[best] {
				best = c
			}
		}
		wrong := 0
		for e := b * ev.perCell; e < (b+1)*ev.perCell; e++ {
			if answers[e] != best {
				wrong++
			}
		}
		worst = max(worst, float64(wrong)/float64(ev.perCell)+radius)
	}
	return worst
}

// pluralityMargin returns max_B sqrt(2 ln(J (k-1) / delta) / n_B) over the
// cells' counts n_B of the unlabeled points x (1 if a cell is empty): the
// share by which a label must lead in every cell for the student to answer
// it there with probability 1 - delta (TeacherReport's MDD).
func pluralityMargin(t gridTable, x []float64, delta float64) float64 {
	counts := make([]int, t.cells)
	for j := 0; j < len(x); j += t.d {
		counts[t.cellOf(x[j:j+t.d])]++
	}
	l := math.Log(float64(t.cells*(t.k-1)) / delta)
	worst := 0.0
	for _, n := range counts {
		if n == 0 {
			return 1
		}
		worst = max(worst, math.Sqrt(2*l/float64(n)))
	}
	return min(1, worst)
}

// poolContract runs contractCheck (check_sampler.go) on every teacher over
// the evaluation points it answered (who), given its PredictBatch answers
// there, and returns the first violation, naming the teacher.
func poolContract(pool []learners.Classifier, ev points, answers, who []int, seed uint64) (string, error) {
	for t, h := range pool {
		sub := points{d: ev.d, k: ev.k}
		var pred []int
		for e, w := range who {
			if w != t {
				continue
			}
			sub.x = append(sub.x, ev.row(e)...)
			sub.eta = append(sub.eta, ev.posterior(e)...)
			pred = append(pred, answers[e])
		}
		if len(pred) == 0 {
			continue
		}
		v, _, err := contractCheck(h, sub, pred, seed^uint64(t+1)*0x9e3779b97f4a7c15)
		if err != nil {
			return "", fmt.Errorf("teacher %d: %w", t, err)
		}
		if v != "" {
			return fmt.Sprintf("teacher %d: %s", t, v), nil
		}
	}
	return "", nil
}

// checkedGridTable returns newGridTable(g), or an error if g is the zero
// Grid (or otherwise has a shape no constructor gives: its cell count would
// divide by zero) or has a cell posterior that is not a probability vector.
func checkedGridTable(g *gen.Grid) (gridTable, error) {
	d, k, r := g.Dim(), g.Classes(), g.Resolution()
	if d < 1 || k < 2 || r < 1 {
		return gridTable{}, fmt.Errorf("claims: TeacherGap: grid with d = %d, k = %d, r = %d: want d >= 1, k >= 2, r >= 1 (build it with gen.NewGrid or gen.RandomGrid)", d, k, r)
	}
	if err := checkShape("TeacherGap", g, d, k); err != nil {
		return gridTable{}, err
	}
	cells := 1
	for range d {
		if cells > gen.MaxGridCells/r {
			cells = -1
			break
		}
		cells *= r
	}
	if cells < 1 || g.NumCells() != cells {
		return gridTable{}, fmt.Errorf("claims: TeacherGap: grid with d = %d, r = %d has %d cells, want r^d = %d <= gen.MaxGridCells (build it with gen.NewGrid or gen.RandomGrid)", d, r, g.NumCells(), cells)
	}
	tab := newGridTable(g)
	if err := gen.ValidatePosteriorMatrix(tab.eta, k); err != nil {
		return gridTable{}, fmt.Errorf("claims: TeacherGap: cell posteriors of the grid: %w", err)
	}
	return tab, nil
}

// checkLabels returns an error if a label is outside [0, k).
func checkLabels(y []int, k int) error {
	for j, c := range y {
		if c < 0 || c >= k {
			return fmt.Errorf("claims: label %d of point %d outside [0, %d)", c, j, k)
		}
	}
	return nil
}

// goodTeacherCases are the grids of CheckGoodTeacher: label noise rho over a
// clean labeling, from far (0.1) to near (0.4) the decision boundary, where
// a teacher pushed toward one class by 0.1 or more misleads its student.
var goodTeacherCases = gridCases([][2]int{{1, 8}, {2, 4}}, []int{2, 3}, []float64{0.1, 0.2, 0.3, 0.4})

// TeacherOption configures CheckGoodTeacher.
type TeacherOption func(*teacherConfig)

type teacherConfig struct {
	pool, m, n, eval, checks int
	eps, falseAlarm          float64
}

// Defaults of CheckGoodTeacher: at N = 40000 unlabeled points on at most 16
// cells and k <= 3 the estimation term 2 eps_H is at most 0.044 at the
// default budget, so the tolerance (and the MDD) is at most 0.054; a case
// of a pool of 16 1-NN teachers costs about 0.1 CPU-second.
func defaultTeacherConfig() teacherConfig {
	return teacherConfig{pool: 16, m: 1000, n: 40000, eval: 16000, checks: 5, eps: DefaultTeacherEps, falseAlarm: 1e-6}
}

// TeacherPool sets the number of teachers in the pool (default 16; 1 checks
// a single teacher, claim D5).
func TeacherPool(k int) TeacherOption { return func(c *teacherConfig) { c.pool = k } }

// TeacherTrainingSize sets the training labels per teacher (default 1000).
func TeacherTrainingSize(m int) TeacherOption { return func(c *teacherConfig) { c.m = m } }

// TeacherUnlabeled sets the number of unlabeled points the student learns
// from (default 40000). The tolerance and MDD shrink like 1/sqrt(N).
func TeacherUnlabeled(n int) TeacherOption { return func(c *teacherConfig) { c.n = n } }

// TeacherEvalPoints sets the number of stratified evaluation points
// (default 16000): they measure the routes and cross-check the teachers.
func TeacherEvalPoints(n int) TeacherOption { return func(c *teacherConfig) { c.eval = n } }

// TeacherEps sets the sampler gap eps below which a teacher is guaranteed
// to pass (default DefaultTeacherEps = 0.005): the tolerance on the
// student's excess is 2 eps + 2 eps_H.
func TeacherEps(eps float64) TeacherOption { return func(c *teacherConfig) { c.eps = eps } }

// TeacherChecks sets the number of rapid checks when -rapid.checks is not
// given (default 5; -short divides by 5).
func TeacherChecks(n int) TeacherOption { return func(c *teacherConfig) { c.checks = n } }

// TeacherFalseAlarm sets the probability (default 1e-6) that one
// CheckGoodTeacher call fails a teacher with sampler gap below TeacherEps by
// chance, split over the checks. It is the caller's own budget, separate
// from the 1e-6 of this module's `go test ./...`: a package that makes n
// such calls (and CheckSampler calls) fails by chance with probability at
// most the sum of their budgets, so pass TeacherFalseAlarm(total/n) to keep
// a package total.
func TeacherFalseAlarm(p float64) TeacherOption { return func(c *teacherConfig) { c.falseAlarm = p } }

// CheckGoodTeacher checks, with rapid, that learner is a good teacher in the
// sense of claims D1, D4 and D5: students distilled from it approach the
// best classifier of their class. Each case draws a grid with label noise
// rho over a clean labeling (d in {1, 2}, 8 or 16 cells, k in {2, 3}, rho
// in 0.1..0.4), fits a pool of teachers with the learner on fresh samples,
// labels unlabeled points with a random teacher per point (PredictBatch, one
// stream per teacher; Predict cross-checked on a few hundred points), fits
// the ERM histogram student and measures TeacherGap. It fails t if a
// teacher breaks the learners.Classifier contract or if the student's exact
// excess risk exceeds the tolerance 2 TeacherEps + 2 eps_H (TeacherReport).
//
// Guarantee. Every learner whose pool is an eps-sampler with respect to the
// histograms with eps <= TeacherEps (default 0.005) passes each case with
// probability at least 1 - delta, delta = TeacherFalseAlarm / checks: the
// call fails it with probability at most TeacherFalseAlarm (default 1e-6,
// the caller's budget). The failure message names the learner, the grid,
// the route and whether the bad labels came from the distillation (the
// student's excess) or the contract check.
//
// Power. A teacher whose per-cell plurality label gives a histogram with
// excess above the MDD (the tolerance, at most about 0.054 at the defaults)
// and leads by the report's Margin fails with probability 1 - delta.
//
// Which learners pass: samplers (1-NN, a random one of the k nearest
// neighbours, a sampler that answers at random on 15% of the queries, which
// keeps the argmax) pass by the sampler route; a k-NN majority (25-NN)
// passes by the Bayes route: its student is as good though it is no
// sampler. A teacher biased toward one class (class 0 on 40% of the
// queries, or eta_1 + 0.1 toward class 1) fails where the bias moves a
// cell's plurality (rho >= 0.2 and rho = 0.4 respectively), at an excess of
// 0.1 to 0.3. Defaults: 5 cases, 16 teachers of M = 1000, N = 40000,
// 16000 evaluation points; a passing call of 1-NN takes well under a
// second of CPU, and a failing one about three times a case (no shrinking).
func CheckGoodTeacher(t *testing.T, learner learners.Learner, opts ...TeacherOption) {
	t.Helper()
	cfg := defaultTeacherConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(learner); err != nil {
		t.Fatalf("CheckGoodTeacher: %v", err)
	}
	n := checksFor(cfg.checks)
	runProperty(t, run{checks: n, delta: cfg.falseAlarm / float64(n)}, func(c *Check) {
		grid := drawNoisyCleanGrid(c, goodTeacherCases)
		p := TeacherProblem{Grid: grid, Pool: cfg.pool, M: cfg.m, N: cfg.n, Eval: cfg.eval, Seed: c.Seed("seed")}
		r, err := TeacherGap(learner, p, cfg.eps, c.Delta)
		if err != nil {
			c.Fatalf("CheckGoodTeacher: %v", err)
		}
		if r.Contract != "" {
			c.Fatalf("CheckGoodTeacher: %s on %v: a teacher breaks the learners.Classifier contract (contract check): %s", learnerName(learner), grid, r.Contract)
		}
		if c.Calibrated(r.Excess(), r.Tolerance, r.MDD) {
			c.Fatalf("CheckGoodTeacher: %s is not a good teacher on %v: the distilled student's exact excess %.4f > tolerance %.4f "+
				"(distillation: the labels the pool gave mislead the student; route %s): %v", learnerName(learner), grid, r.Excess(), r.Tolerance, r.Route(), r)
		}
	})
}

// goodTeacherProblems are the fixed problems of goodTeacherVerdict: binary
// label noise 0.3 on a 4 x 4 grid, binary noise 0.4 on 8 cells of the line
// and three classes at noise 0.2 on a 4 x 4 grid (members of
// goodTeacherCases; the seed of the line gives it 4 class-0 cells of 8).
func goodTeacherProblems() []*gen.Grid {
	var out []*gen.Grid
	for _, gc := range []struct {
		gridCase
		seed uint64
	}{{gridCase{2, 4, 2, 0.3}, 300}, {gridCase{1, 8, 2, 0.4}, 310}, {gridCase{2, 4, 3, 0.2}, 302}} {
		g, err := noisyCleanGrid(gc.d, gc.r, gc.k, gc.rho, gen.NewStream(gc.seed, 0))
		if err != nil {
			panic(err) // fixed valid shapes
		}
		out = append(out, g)
	}
	return out
}

// goodTeacherVerdict runs TeacherGap at CheckGoodTeacher's defaults (opts
// applied; the default budget split over the default checks) on the fixed
// goodTeacherProblems and returns whether all passed, the median MDD and a
// message with the failures and routes, for the report's tables.
func goodTeacherVerdict(l learners.Learner, opts ...TeacherOption) (pass bool, mdd float64, msg string) {
	cfg := defaultTeacherConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(l); err != nil {
		return false, 0, err.Error()
	}
	delta := cfg.falseAlarm / float64(cfg.checks)
	var mdds []float64
	var fails, routes []string
	for i, g := range goodTeacherProblems() {
		p := TeacherProblem{Grid: g, Pool: cfg.pool, M: cfg.m, N: cfg.n, Eval: cfg.eval, Seed: uint64(400 + i)}
		r, err := TeacherGap(l, p, cfg.eps, delta)
		switch {
		case err != nil:
			fails = append(fails, "error: "+err.Error())
			continue
		case r.Contract != "":
			fails = append(fails, "contract")
		case !r.IsGoodTeacher():
			fails = append(fails, fmt.Sprintf("excess %.3f > %.3f", r.Excess(), r.Tolerance))
		}
		mdds = append(mdds, r.MDD)
		routes = append(routes, r.Route())
	}
	if len(mdds) > 0 {
		sort.Float64s(mdds)
		mdd = mdds[len(mdds)/2]
	}
	n := len(goodTeacherProblems())
	if len(fails) > 0 {
		return false, mdd, fmt.Sprintf("fails %d/%d (%s); routes %s", len(fails), n, strings.Join(fails, ", "), strings.Join(routes, ", "))
	}
	return true, mdd, fmt.Sprintf("passes %d/%d; routes %s", n, n, strings.Join(routes, ", "))
}

// validate returns an error naming the first bad option of CheckGoodTeacher
// (or a nil learner), so that CheckGoodTeacher fails before rapid draws a
// case.
func (cfg teacherConfig) validate(learner learners.Learner) error {
	switch {
	case isNil(learner):
		return fmt.Errorf("nil learner (%T)", learner)
	case cfg.pool < 1:
		return fmt.Errorf("TeacherPool(%d): want >= 1", cfg.pool)
	case cfg.m < 2:
		return fmt.Errorf("TeacherTrainingSize(%d): want >= 2", cfg.m)
	case cfg.n < 1:
		return fmt.Errorf("TeacherUnlabeled(%d): want >= 1", cfg.n)
	case cfg.eval < 1:
		return fmt.Errorf("TeacherEvalPoints(%d): want >= 1", cfg.eval)
	case !(cfg.eps >= 0) || math.IsInf(cfg.eps, 1):
		return fmt.Errorf("TeacherEps(%v): want finite and >= 0", cfg.eps)
	case cfg.checks < 1:
		return fmt.Errorf("TeacherChecks(%d): want >= 1", cfg.checks)
	case !(cfg.falseAlarm > 0 && cfg.falseAlarm < 1):
		return fmt.Errorf("TeacherFalseAlarm(%v): want in (0, 1)", cfg.falseAlarm)
	}
	return nil
}
