package claims

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// Tests of the D group's helpers. Each tolerance is either the float slack
// of an exact identity, floatSlack or roundingSlack with the sum's n and its
// per-term rounding errors stated at the use (u = 2^-53), or a stated bound
// at delta = 1e-9.

func testGrid(t *testing.T, d, r, k int, rho float64, seed uint64) gridTable {
	t.Helper()
	g, err := noisyCleanGrid(d, r, k, rho, rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return newGridTable(g)
}

// TestFiguresD checks that both figures of the D claims write an SVG file.
func TestFiguresD(t *testing.T) {
	if testing.Short() {
		t.Skip("figures take about half a second")
	}
	dir := t.TempDir()
	for name, draw := range map[string]func(*rand.Rand, string) error{
		"distillation.svg": figureDistillation,
		"ensembles.svg":    figureEnsembles,
	} {
		path := filepath.Join(dir, name)
		if err := draw(rand.New(rand.NewPCG(2022, 7)), path); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("<svg")) || len(b) < 1000 {
			t.Errorf("%s: not an SVG figure (%d bytes)", name, len(b))
		}
	}
}

// TestNoisyCleanGrid checks R* = rho and G = 1 - (1-rho)^2 - rho^2/(k-1).
func TestNoisyCleanGrid(t *testing.T) {
	for _, k := range []int{2, 3, 5} {
		tab := testGrid(t, 2, 3, k, 0.2, uint64(k))
		g := 1 - 0.8*0.8 - 0.04/float64(k-1)
		// R* = rho exactly for the stored rows: J terms 1 - fl(1 - rho), each
		// off rho by at most u (Sterbenz makes the outer subtraction exact).
		// G: J terms 1 - sum_c eta_c^2 off by at most (k + 3) u (rounded
		// rows, squares, sums); g's literals and five operations by 6 u.
		if math.Abs(tab.bayes()-0.2) > floatSlack(tab.cells, 1) || math.Abs(tab.sampler()-g) > floatSlack(tab.cells, k+3) {
			t.Errorf("k = %d: R* = %v, G = %v, want 0.2, %v", k, tab.bayes(), tab.sampler(), g)
		}
	}
}

// TestGridSource checks the fast source against the grid: cells as
// gen.CellOf numbers them, uniform cell counts and label rates eta(B) per
// cell within Hoeffding's radius at delta = 1e-9 (union over cells and
// classes folded into delta), and the shifted law.
func TestGridSource(t *testing.T) {
	for _, shift := range []float64{0, 0.3} {
		tab := testGrid(t, 2, 3, 2, 0.25, 5)
		law := tab.labelLaw(shift)
		src := tab.source(shift)
		const n = 200000
		x := make([]float64, 2*n)
		y := make([]int, n)
		src(rand.New(rand.NewPCG(9, 9)), x, y)
		count := make([]float64, tab.cells)
		ones := make([]float64, tab.cells)
		for j := range n {
			b := gen.CellOf(x[2*j:2*j+2], tab.r)
			if c := tab.cellOf(x[2*j : 2*j+2]); c != b {
				t.Fatalf("cellOf %d, gen.CellOf %d", c, b)
			}
			count[b]++
			ones[b] += float64(y[j])
		}
		for b := range tab.cells {
			if eps := Hoeffding(n, 1, 1e-9); math.Abs(count[b]/n-1/float64(tab.cells)) > eps {
				t.Errorf("shift %v: cell %d has mass %v", shift, b, count[b]/n)
			}
			if eps := Hoeffding(int(count[b]), 1, 1e-9); math.Abs(ones[b]/count[b]-law[2*b+1]) > eps {
				t.Errorf("shift %v: cell %d has label rate %v, want %v", shift, b, ones[b]/count[b], law[2*b+1])
			}
		}
	}
}

// TestStratifiedAndCellGap checks that stratified points lie in their
// cells, and that the cell gap of the Bayes labels is exactly
// (1/J) sum_B (1 - max eta(B)) = R* (TV between a one-hot vector and eta).
func TestStratifiedAndCellGap(t *testing.T) {
	tab := testGrid(t, 2, 4, 3, 0.3, 2)
	ev := drawStratified(tab, 50, rand.New(rand.NewPCG(1, 2)))
	votes := make([]float64, ev.pts.len()*tab.k)
	for e := range ev.pts.len() {
		if b := gen.CellOf(ev.pts.row(e), tab.r); b != ev.cell[e] {
			t.Fatalf("point %d is in cell %d, drawn for %d", e, b, ev.cell[e])
		}
		votes[e*tab.k+gen.BayesLabel(ev.pts.posterior(e))] = 1
	}
	// The rates are exactly one-hot (P/P); TV(one-hot, eta) = 1 - max eta +
	// (sum eta - 1)/2 needs the rows to sum to 1 (half a tolerance): J cell
	// terms off by at most k u (TV) and u (1 - max).
	if gap := cellGap(tab, ev, votes); math.Abs(gap-tab.bayes()) > roundingSlack(tab.cells, tab.k) {
		t.Errorf("cell gap of the Bayes labels %v, want R* = %v", gap, tab.bayes())
	}
}

// TestHistogramEstimation checks the formula at one point.
func TestHistogramEstimation(t *testing.T) {
	got := histogramEstimation(1000, 16, 2, 1e-6)
	want := math.Sqrt((16*math.Log(2) + math.Log(2e6)) / 2000)
	// Each side is two logs, a product, a sum, a division and a square
	// root: at most 8 roundings of relative size u each, times |want|.
	if math.Abs(got-want) > floatSlack(1, 8)*want {
		t.Errorf("eps_H = %v, want %v", got, want)
	}
}

// TestMajorityAndRate checks majorityOne and meanAbsRate against brute
// enumeration of the 2^K outcomes.
func TestMajorityAndRate(t *testing.T) {
	p := []float64{0.1, 0.5, 0.35, 0.8, 0.6}
	law := make([]float64, len(p)+1)
	one, abs := 0.0, 0.0
	for mask := range 1 << len(p) {
		pr, s := 1.0, 0
		for i, q := range p {
			if mask>>i&1 == 1 {
				pr *= q
				s++
			} else {
				pr *= 1 - q
			}
		}
		if s > len(p)/2 {
			one += pr
		}
		abs += pr * math.Abs(float64(s)/float64(len(p))-0.3)
	}
	// One quantity each (n = 1): majorityOne errs by at most 3.5K u (law
	// entries 3K u relative, tail sum K/2 u), the enumeration by (2^K + 2K) u
	// (products of K factors, 1 - q rounded: (2K - 1) u; at most 2^K terms
	// added), and meanAbsRate's (4K + 3) u (see d4) against the enumeration's
	// (2^K + 2K + 2) u (|s/K - a| off by 2 u, one product more).
	slack := floatSlack(1, 1<<len(p)+4*len(p)+3)
	if got := majorityOne(p, law); math.Abs(got-one) > slack {
		t.Errorf("majorityOne = %v, want %v", got, one)
	}
	if got := meanAbsRate(law, 0.3); math.Abs(got-abs) > slack {
		t.Errorf("meanAbsRate = %v, want %v", got, abs)
	}
}

// TestVoronoi1D checks the exact one-dimensional 1-NN regions against
// brute-force nearest neighbours on probe points, and that cell rates are
// probability vectors.
func TestVoronoi1D(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	x := make([]float64, 300)
	for i := range x {
		x[i] = rng.Float64()
	}
	v := newVoronoi1D(x)
	total := 0.0
	for i := range x {
		total += v.length(i)
	}
	// The lengths telescope to 1 exactly (neighbours share the float
	// midpoint): len(x) terms, each rounded once.
	if math.Abs(total-1) > floatSlack(len(x), 1) {
		t.Errorf("regions cover %v, want 1", total)
	}
	for range 2000 {
		q := rng.Float64()
		best := 0
		for i := range x {
			if math.Abs(x[i]-q) < math.Abs(x[best]-q) {
				best = i
			}
		}
		if got := v.owner(q); got != best {
			t.Fatalf("owner(%v) = %d, nearest is %d", q, got, best)
		}
	}
	tab := testGrid(t, 1, 8, 3, 0.2, 3)
	y := make([]int, len(x))
	for i := range y {
		y[i] = rng.IntN(3)
	}
	rates := v.cellRates(tab, y)
	for b := range tab.cells {
		s := 0.0
		for _, r := range rates[b*3 : b*3+3] {
			s += r
		}
		// At most len(x) pieces l r (2 u each) added; the rounded cell edges
		// b/r, and a piece missed where lo r rounds up to the next cell,
		// move the exact sum off 1 by at most 4r u.
		if math.Abs(s-1) > floatSlack(len(x), 4*tab.r+3) {
			t.Errorf("cell %d rates sum to %v", b, s)
		}
	}
	// The exact risk is the rate-weighted loss per cell.
	risk := 0.0
	for b := range tab.cells {
		for c := range 3 {
			risk += rates[b*3+c] * (1 - tab.posterior(b)[c]) / float64(tab.cells)
		}
	}
	// Both add the same pieces l (1 - eta), J = r: at most len(x) + r of them
	// (2 u each) for risk, and through the rates (l r, 1 - eta, product and
	// quotient: 4 u) J k terms more.
	if got := v.risk(tab, y); math.Abs(got-risk) > floatSlack(len(x)+tab.r, tab.cells*3+4) {
		t.Errorf("risk %v, rates give %v", got, risk)
	}
}

// TestIndependentRun checks the independent-teacher run on a constant
// posterior, where every boundary term is exactly 0 and the student is the
// Bayes classifier with probability 1 - 1e-9 or more (n/J = 2500 labels of
// rate 0.3 per cell: Hoeffding exp(-2 2500 0.04) per cell).
func TestIndependentRun(t *testing.T) {
	post := make([][]float64, 4)
	for b := range post {
		post[b] = []float64{0.7, 0.3}
	}
	g, err := gen.NewGrid(2, 2, post)
	if err != nil {
		t.Fatal(err)
	}
	tab := newGridTable(g)
	run, err := runIndependent(tab, tab.source(0), 10000, 20, 3)
	if err != nil {
		t.Fatal(err)
	}
	if run.tvMean != 0 || run.tvVar != 0 {
		t.Errorf("A^ = %v (variance %v), want 0", run.tvMean, run.tvVar)
	}
	// J terms 1 - fl(0.7) (exact), each within u of fl(0.3).
	if math.Abs(run.student-0.3) > floatSlack(tab.cells, 1) {
		t.Errorf("student risk %v, want R* = 0.3", run.student)
	}
	// The teachers' losses are 0.3 or 0.7 with mean G = 0.42 (Hoeffding, 1e-9).
	if math.Abs(run.lossMean-0.42) > Hoeffding(10000, 0.4, 1e-9) {
		t.Errorf("teachers' mean loss %v, want about 0.42", run.lossMean)
	}
}

// TestUnrestrictedCase checks the exact one-dimensional measurements of
// the unrestricted falsifier: the student's risk and the teacher's cell gap
// against direct computations from the learners' answers on a fine mesh
// (the mesh error is at most the number of label changes over the mesh
// size, far below the 0.01 allowed).
func TestUnrestrictedCase(t *testing.T) {
	uc, err := newUnrestrictedCase(2, 0.25, 500, 2000, 11)
	if err != nil {
		t.Fatal(err)
	}
	if err := uc.run(); err != nil {
		t.Fatal(err)
	}
	student, err := learners.Distill(learners.KNN{K: 1}, uc.unl.x, 1, uc.yUnl, 2)
	if err != nil {
		t.Fatal(err)
	}
	const mesh = 200000
	q := make([]float64, mesh)
	for i := range q {
		q[i] = (float64(i) + 0.5) / mesh
	}
	pred := make([]int, mesh)
	if err := student.PredictBatch(q, pred, nil); err != nil {
		t.Fatal(err)
	}
	risk := 0.0
	for _, c := range pred {
		risk += 1 - []float64{0.75, 0.25}[c]
	}
	risk /= mesh
	if math.Abs(risk-uc.studentRisk) > 0.01 {
		t.Errorf("student risk %v, mesh gives %v", uc.studentRisk, risk)
	}
	// Each adds the n lengths of the student's regions (telescoping to 1) or
	// n rounded 1/n into m weights, then the m weights: at most n + m
	// additions of a total 1, each term rounded once.
	slack := floatSlack(uc.n+uc.m, 1)
	if a, b := sum(uc.a), sum(uc.b); math.Abs(a-1) > slack || math.Abs(b-1) > slack {
		t.Errorf("weights sum to %v and %v, want 1", a, b)
	}
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// TestNNTeachersCopies checks that copies share positions and labels, and
// that shareSumSq counts copies as separate teachers.
func TestNNTeachersCopies(t *testing.T) {
	tab := testGrid(t, 2, 2, 2, 0.2, 1)
	rng := rand.New(rand.NewPCG(2, 3))
	eval := drawPoints(tab.grid, rng, 500)
	copies := []int{-1, 0, 0}
	nt, err := newNNTeachers(tab, 3, 100, eval, rng, copies)
	if err != nil {
		t.Fatal(err)
	}
	if err := nt.draw(rng, copies); err != nil {
		t.Fatal(err)
	}
	one := nt.shareSumSq(1, func(int) float64 { return 1 }, 1)
	three := nt.shareSumSq(3, func(int) float64 { return 1 }, 1)
	// The same m non-negative squares added three times over (3m additions)
	// or once and tripled (m roundings): relative errors at most 3m u.
	if m := nt.train[0].len(); math.Abs(three-3*one) > three*floatSlack(3*m, 0) {
		t.Errorf("shareSumSq: 3 copies give %v, want 3 x %v", three, one)
	}
	v1, v3 := nt.votes(1), nt.votes(3)
	for i := range v1 {
		// v1 is exact (0 or 1); v3 adds 3 copies of fl(1/3) (off by u).
		if math.Abs(v1[i]-v3[i]) > floatSlack(len(copies), 1) {
			t.Fatalf("copies vote differently at %d: %v vs %v", i, v1[i], v3[i])
		}
	}
}

// TestTeacherGapBadInput checks that inputs which used to panic (nil
// dereference, division by zero) are rejected by TeacherGap with an error
// naming the problem, and that CheckGoodTeacher's options and learner are
// validated before rapid runs.
func TestTeacherGapBadInput(t *testing.T) {
	grid, err := gen.NewGrid(1, 2, [][]float64{{0.8, 0.2}, {0.3, 0.7}})
	if err != nil {
		t.Fatal(err)
	}
	ok := TeacherProblem{Grid: grid, Pool: 2, M: 20, N: 40, Eval: 8, Seed: 1}
	for _, tc := range []struct {
		name    string
		learner learners.Learner
		p       TeacherProblem
		want    string
	}{
		{"Fit returns nil, nil", bqLearner(nil), ok, "nil classifier"},
		{"Fit returns a typed nil", bqLearner((*learners.HistogramClassifier)(nil)), ok, "nil classifier"},
		{"classifier Dim 0", bqLearner(bqShape{0, 2}), ok, "Dim() = 0"},
		{"classifier Classes 0", bqLearner(bqShape{1, 0}), ok, "Classes() = 0"},
		{"typed-nil learner", learners.LearnerFunc(nil), ok, "nil learner"},
		{"zero Grid", learners.KNN{K: 1}, TeacherProblem{Grid: &gen.Grid{}, Pool: 2, M: 20, N: 40, Eval: 8}, "d = 0, k = 0, r = 0"},
	} {
		_, err := TeacherGap(tc.learner, tc.p, DefaultTeacherEps, 1e-3)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.want)
		}
	}

	nn := learners.KNN{K: 1}
	def := defaultTeacherConfig()
	if err := def.validate(nn); err != nil {
		t.Errorf("default options: %v", err)
	}
	for _, tc := range []struct {
		learner learners.Learner
		opt     TeacherOption
		want    string
	}{
		{nil, nil, "nil learner"},
		{learners.LearnerFunc(nil), nil, "nil learner"},
		{nn, TeacherPool(0), "TeacherPool(0)"},
		{nn, TeacherTrainingSize(1), "TeacherTrainingSize(1)"},
		{nn, TeacherUnlabeled(0), "TeacherUnlabeled(0)"},
		{nn, TeacherEvalPoints(-1), "TeacherEvalPoints(-1)"},
		{nn, TeacherEps(math.NaN()), "TeacherEps(NaN)"},
		{nn, TeacherEps(math.Inf(1)), "TeacherEps(+Inf)"},
		{nn, TeacherChecks(0), "TeacherChecks(0)"},
		{nn, TeacherFalseAlarm(0), "TeacherFalseAlarm(0)"},
	} {
		cfg := def
		if tc.opt != nil {
			tc.opt(&cfg)
		}
		if err := cfg.validate(tc.learner); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.want, err, tc.want)
		}
	}
}

// teacherColumn is the teacher-verdict column of the report's "Checking a
// learner" table (TestCheckingALearnerTable): goodTeacherVerdict at
// CheckGoodTeacher's defaults (smaller training sets for the slow kernel
// learners).
func teacherColumn(l tableLearner) string {
	var opts []TeacherOption
	if l.m > 0 {
		opts = append(opts, TeacherTrainingSize(min(l.m, 1000)))
	}
	start := time.Now()
	pass, mdd, msg := goodTeacherVerdict(l.learner, opts...)
	verdict := msg
	if !pass {
		verdict = "**" + msg + "**"
	}
	return fmt.Sprintf("%s; MDD %.4f (risk); %.2f s", verdict, mdd, time.Since(start).Seconds())
}

// TestGoodTeacherVerdicts checks goodTeacherVerdict (fixed problems and
// seeds, so deterministic) on the learners the issue names: samplers (1-NN,
// 1-NN answering at random on 15% of the queries) pass (the 25-NN majority
// passes too: see the report's table); 1-NN answering class 0 on 40% of
// the queries and 1-NN pushed toward class 1 by 0.2 (1 - eta_1) fail, the
// latter on the noise-0.4 line at an excess of 0.1, about 2.3 MDDs (0.043).
func TestGoodTeacherVerdicts(t *testing.T) {
	for _, c := range []struct {
		name string
		l    learners.Learner
		pass bool
	}{
		{"1-NN", learners.KNN{K: 1}, true},
		{"1-NN flipping 15%", flipAnswers(learners.KNN{K: 1}, 0.15), true},
		{"class 0 on 40%", classOnShare(learners.KNN{K: 1}, 0, 0.4), false},
		{"eta_1 + 0.2 (1 - eta_1)", classOnShare(learners.KNN{K: 1}, 1, 0.2), false},
	} {
		pass, mdd, msg := goodTeacherVerdict(c.l)
		if pass != c.pass || !(mdd > 0 && mdd < 0.06) {
			t.Errorf("%s: pass %v (want %v), MDD %.4f: %s", c.name, pass, c.pass, mdd, msg)
		}
	}
}

// teacherTableLearners are the rows the teacher column adds to the
// "Checking a learner" table: teachers biased toward one class, which are
// no samplers and mislead their students.
func teacherTableLearners() []tableLearner {
	return []tableLearner{
		{name: "1-NN answering class 0 on 40%", what: "classOnShare(1-NN, 0, 0.4)", learner: classOnShare(learners.KNN{K: 1}, 0, 0.4)},
		{name: "1-NN pushed toward class 1", what: "classOnShare(1-NN, 1, 0.2): eta_1 + 0.2 (1 - eta_1), about +0.1 near the boundary", learner: classOnShare(learners.KNN{K: 1}, 1, 0.2)},
	}
}
