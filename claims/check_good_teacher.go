package claims

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// TeacherProblem is one case of the good-teacher check: a grid distribution
// (gen.Grid; the student is the ERM histogram on its own cells, so the best
// student in the class is the Bayes classifier), a pool of Pool teachers
// each fitted by the learner on its own M fresh labeled points, N unlabeled
// points each labeled by a teacher drawn uniformly from the pool
// (learners.LabelWithPool; Pool = 1 is a single teacher), Eval stratified
// evaluation points (rounded up to a multiple of the number of cells), and
// the seed of all bulk data (gen.NewStreams).
type TeacherProblem struct {
	Grid       *gen.Grid
	Pool, M, N int
	Eval       int
	Seed       uint64
}

// TeacherReport is what TeacherGap measured on one problem (claims D1, D4
// and D5 on a learner of your own). Risks are exact on the grid (the student)
// or measured through eta on the evaluation points (the teachers).
//
// Gap is the pool's cell gap on the evaluation points,
//
//	T^ = (1/J) sum_B TV( label rates of the pool on cell B, eta(B) ),
//
// and GapUpper = T^ + sqrt(ln(4/delta)/(2 Eval)) bounds the population gap
// eps of the labeler D~ (a random teacher of the pool) with probability
// 1 - delta/2 (McDiarmid over the stratified points). Since eps bounds
// |L_D~(h) - L_D(h)| for every histogram h, ERM on the N teacher-labeled
// points satisfies, with probability 1 - delta,
//
//	StudentRisk <= Bound = BestInClass + 2 GapUpper + 2 Estimation,
//	Estimation = sqrt((J ln k + ln(4/delta)) / (2N)).
type TeacherReport struct {
	StudentRisk float64 // exact risk of the ERM histogram student
	BestInClass float64 // min over histograms = R*
	SamplerRisk float64 // G, the risk of a perfect sampler
	TeacherRisk float64 // risk of a random pool member on the evaluation points
	Gap         float64 // T^
	GapUpper    float64 // upper confidence limit of the population gap
	Estimation  float64 // eps_H
	Bound       float64 // BestInClass + 2 GapUpper + 2 Estimation
	Cells       int     // J
}

// Excess returns the student's excess risk over the best histogram.
func (r TeacherReport) Excess() float64 { return r.StudentRisk - r.BestInClass }

// Certified returns the excess risk that the sampler theory certifies for
// students distilled from this pool: Bound - BestInClass.
func (r TeacherReport) Certified() float64 { return r.Bound - r.BestInClass }

// Gain returns how much the student improves on the teachers' risk.
func (r TeacherReport) Gain() float64 { return r.TeacherRisk - r.StudentRisk }

// IsGoodTeacher reports whether the student stayed within the bound and the
// certified excess is at most tol.
func (r TeacherReport) IsGoodTeacher(tol float64) bool {
	return r.StudentRisk <= r.Bound && r.Certified() <= tol
}

// String gives the numbers in one line.
func (r TeacherReport) String() string {
	return fmt.Sprintf("student %.4f (excess %.4f over min_H %.4f), teachers %.4f (G %.4f), gap %.4f, certified excess %.4f = 2 x %.4f + 2 x %.4f",
		r.StudentRisk, r.Excess(), r.BestInClass, r.TeacherRisk, r.SamplerRisk, r.Gap, r.Certified(), r.GapUpper, r.Estimation)
}

// streamTeacherAnswers is the stream id (beyond gen.NewStreams' four) of
// the pool's answers on the evaluation points.
const streamTeacherAnswers uint64 = 0x74656163686572

// TeacherGap fits p.Pool teachers with learner, distils them into the ERM
// histogram on p.Grid's cells and returns the measurements of TeacherReport
// at false-alarm probability delta. It is the measurement behind
// CheckGoodTeacher, for use outside a test.
//
// It returns an error if p.Grid or learner is nil (also a typed nil),
// p.Grid is not built by gen.NewGrid or gen.RandomGrid (the zero Grid) or
// has a cell posterior that is not a probability vector, a size is below 1
// (M below 2), delta is not in (0, 1), or the learner fails to fit, returns
// a nil classifier or one of the wrong Dim or Classes, fails to predict or
// predicts a label outside [0, k).
func TeacherGap(learner learners.Learner, p TeacherProblem, delta float64) (TeacherReport, error) {
	switch {
	case p.Grid == nil:
		return TeacherReport{}, errors.New("claims: TeacherGap: nil grid")
	case isNil(learner):
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: nil learner (%T)", learner)
	case p.Pool < 1 || p.M < 2 || p.N < 1 || p.Eval < 1:
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: need Pool, N, Eval >= 1 and M >= 2, got Pool = %d, N = %d, Eval = %d, M = %d", p.Pool, p.N, p.Eval, p.M)
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
			return TeacherReport{}, fmt.Errorf("claims: TeacherGap: teacher %d: %w", t, err)
		}
		pool[t] = h
	}
	x := gen.SampleX(p.Grid, st.Unlabeled, p.N)
	y, err := learners.LabelWithPool(pool, x, st.Labels)
	if err != nil {
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: labeling: %w", err)
	}
	if err := checkLabels(y, tab.k); err != nil {
		return TeacherReport{}, err
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
	answers, err := learners.LabelWithPool(pool, ev.pts.x, gen.NewStream(p.Seed, streamTeacherAnswers))
	if err != nil {
		return TeacherReport{}, fmt.Errorf("claims: TeacherGap: evaluation: %w", err)
	}
	if err := checkLabels(answers, tab.k); err != nil {
		return TeacherReport{}, err
	}
	votes := make([]float64, len(answers)*tab.k)
	for e, c := range answers {
		votes[e*tab.k+c] = 1
	}
	r := TeacherReport{
		StudentRisk: risk,
		BestInClass: tab.bayes(),
		SamplerRisk: tab.sampler(),
		TeacherRisk: gen.Risk(ev.pts.eta, tab.k, answers),
		Gap:         cellGap(tab, ev, votes),
		Estimation:  histogramEstimation(p.N, tab.cells, tab.k, delta/2),
		Cells:       tab.cells,
	}
	r.GapUpper = r.Gap + cellGapRadius(ev.pts.len(), delta/2)
	r.Bound = r.BestInClass + 2*r.GapUpper + 2*r.Estimation
	return r, nil
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

// goodTeacherCases are the grids of CheckGoodTeacher.
var goodTeacherCases = gridCases([][2]int{{1, 8}, {2, 4}}, []int{2, 3}, []float64{0.1, 0.2, 0.3})

// TeacherOption configures CheckGoodTeacher.
type TeacherOption func(*teacherConfig)

type teacherConfig struct {
	pool, m, n, eval, checks int
	tol, falseAlarm          float64
}

// TeacherPool sets the number of teachers in the pool (default 16; 1 checks
// a single teacher, claim D5).
func TeacherPool(k int) TeacherOption { return func(c *teacherConfig) { c.pool = k } }

// TeacherTrainingSize sets the training labels per teacher (default 1000).
func TeacherTrainingSize(m int) TeacherOption { return func(c *teacherConfig) { c.m = m } }

// TeacherUnlabeled sets the number of unlabeled points the student learns
// from (default 40000).
func TeacherUnlabeled(n int) TeacherOption { return func(c *teacherConfig) { c.n = n } }

// TeacherEvalPoints sets the number of stratified evaluation points
// (default 16000).
func TeacherEvalPoints(n int) TeacherOption { return func(c *teacherConfig) { c.eval = n } }

// TeacherTolerance sets the largest certified excess risk accepted
// (default 0.25). It is not a statistical tolerance but the definition of
// "good" the check applies: students certified within a quarter of the
// best histogram's risk. The statistics are all inside the certified
// excess, at the check's false-alarm probability; a 1-NN pool at the
// default sizes certifies 0.1 to 0.2, and a learner whose population gap
// meets the condition in CheckGoodTeacher's comment passes except with
// that probability.
func TeacherTolerance(tol float64) TeacherOption { return func(c *teacherConfig) { c.tol = tol } }

// TeacherChecks sets the number of rapid checks when -rapid.checks is not
// given (default 5; -short divides by 5).
func TeacherChecks(n int) TeacherOption { return func(c *teacherConfig) { c.checks = n } }

// TeacherFalseAlarm sets the total false-alarm probability (default 1e-6),
// split over the checks and the two assertions of each.
func TeacherFalseAlarm(p float64) TeacherOption { return func(c *teacherConfig) { c.falseAlarm = p } }

// CheckGoodTeacher checks, with rapid, that learner is a good teacher in the
// sense of claims D1, D4 and D5: students distilled from it approach the
// best classifier of their class. Each case draws a grid with label noise
// over a clean labeling (d in {1, 2}, 8 or 16 cells, k in {2, 3}, noise
// 0.1 to 0.3), fits a pool of teachers with the learner on fresh samples,
// labels unlabeled points with a random teacher per point, fits the ERM
// histogram student, and measures TeacherGap. It fails t if
//
//   - the student's exact risk exceeds the Bound (a violation of the
//     distillation theorem: it should happen with probability at most the
//     split budget, whatever the learner, as long as its answers depend only
//     on its own training set and the rng it is given); or
//   - the certified excess risk 2 GapUpper + 2 Estimation exceeds the
//     tolerance: the pool's label rates per cell are too far from eta for the
//     theory to vouch for its students.
//
// What it certifies. A pass says that, on these cases, the learner's pool
// is an eps-sampler with respect to the histogram class with
// 2 eps + 2 eps_H at most the tolerance, so that any student distilled from
// it this way is certified within that excess of the best histogram (with
// probability 1 - delta each). A learner whose population gap eps satisfies
// 2 eps + 2 (k/(4 sqrt(Eval/J)) + 2 r) + 2 eps_H <= tolerance (r the
// McDiarmid radius, the first term a Jensen bound on the evaluation noise)
// passes except with probability delta. The second assertion is about the
// sampler route of the paper: a learner that predicts the Bayes label
// (a k-NN majority with large k, a kernel machine with a large ridge) also
// makes good students but is not a sampler, and fails it, as does a biased
// sampler. A 1-NN pool at the default sizes certifies 0.1 to 0.2.
func CheckGoodTeacher(t *testing.T, learner learners.Learner, opts ...TeacherOption) {
	t.Helper()
	cfg := teacherConfig{pool: 16, m: 1000, n: 40000, eval: 16000, checks: 5, tol: 0.25, falseAlarm: 1e-6}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(learner); err != nil {
		t.Fatalf("CheckGoodTeacher: %v", err)
	}
	n := checksFor(cfg.checks)
	runProperty(t, run{checks: n, delta: cfg.falseAlarm / float64(2*n)}, func(c *Check) {
		grid := drawNoisyCleanGrid(c, goodTeacherCases)
		p := TeacherProblem{Grid: grid, Pool: cfg.pool, M: cfg.m, N: cfg.n, Eval: cfg.eval, Seed: c.Seed("seed")}
		r, err := TeacherGap(learner, p, c.Delta)
		if err != nil {
			c.Fatalf("CheckGoodTeacher: %v", err)
		}
		c.Margin(r.Bound - r.StudentRisk)
		if r.StudentRisk > r.Bound {
			c.Fatalf("CheckGoodTeacher: the student of the pool is above the distillation bound on %v: %v", grid, r)
		}
		c.Margin(cfg.tol - r.Certified())
		if r.Certified() > cfg.tol {
			c.Fatalf("CheckGoodTeacher: not certified a good teacher on %v: certified excess %.4f > tolerance %.4g (%v)", grid, r.Certified(), cfg.tol, r)
		}
	})
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
	case !(cfg.tol >= 0) || math.IsInf(cfg.tol, 1):
		return fmt.Errorf("TeacherTolerance(%v): want finite and >= 0", cfg.tol)
	case cfg.checks < 1:
		return fmt.Errorf("TeacherChecks(%d): want >= 1", cfg.checks)
	case !(cfg.falseAlarm > 0 && cfg.falseAlarm < 1):
		return fmt.Errorf("TeacherFalseAlarm(%v): want in (0, 1)", cfg.falseAlarm)
	}
	return nil
}
