package claims_test

import (
	"math/rand/v2"
	"testing"

	"github.com/rolemodels/rolemodels/claims"
	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// TestCheckGoodTeacher runs the user-facing good-teacher check on the 1-NN
// rule, the paper's interpolating sampler, at the default sizes. Its
// false-alarm probability is 1e-10 in total, from the budget's reserve
// (budget.go), not the check's default 1e-6, which is the whole suite's
// budget; CheckGoodTeacher splits it over its checks.
func TestCheckGoodTeacher(t *testing.T) {
	claims.CheckGoodTeacher(t, learners.KNN{K: 1}, claims.TeacherFalseAlarm(1e-10))
}

// TestTeacherGapVerdicts checks TeacherGap's verdicts and routes on a
// binary 4 x 4 grid at noise 0.2: the 51-NN majority predicts the Bayes label,
// so its student is the Bayes histogram and it passes by the Bayes route
// (it is no sampler: its cell gap is about 0.2); a learner that always
// answers class 1 fails (its student answers 1 everywhere, excess about
// 0.6 x half the cells). Both verdicts hold at any seed: the excesses are 0
// and 0.3 against a tolerance near 0.05.
func TestTeacherGapVerdicts(t *testing.T) {
	grid := noisyGrid(t)
	always := learners.LearnerFunc(func(train learners.Dataset) (learners.Classifier, error) {
		return learners.KNN{K: 1}.Fit(learners.Dataset{X: train.X[:train.D], D: train.D, Y: []int{1}, K: train.K})
	})
	for _, c := range []struct {
		name  string
		l     learners.Learner
		good  bool
		route string
	}{{"51-NN", learners.KNN{K: 51}, true, "Bayes label"}, {"always 1", always, false, "student only"}} {
		r, err := claims.TeacherGap(c.l, claims.TeacherProblem{Grid: grid, Pool: 4, M: 1000, N: 10000, Eval: 4000, Seed: 3}, claims.DefaultTeacherEps, 1e-6)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.IsGoodTeacher() != c.good || r.Route() != c.route {
			t.Errorf("%s: good %v route %q, want %v and %q: %v", c.name, r.IsGoodTeacher(), r.Route(), c.good, c.route, r)
		}
	}
}

// TestTeacherGapErrors checks the errors of TeacherGap.
func TestTeacherGapErrors(t *testing.T) {
	grid := noisyGrid(t)
	ok := claims.TeacherProblem{Grid: grid, Pool: 2, M: 50, N: 100, Eval: 16, Seed: 1}
	outside := learners.LearnerFunc(func(train learners.Dataset) (learners.Classifier, error) {
		y := make([]int, len(train.Y))
		for i := range y {
			y[i] = train.K // a label the grid does not have
		}
		return learners.KNN{K: 1}.Fit(learners.Dataset{X: train.X, D: train.D, Y: y, K: train.K + 1})
	})
	for name, c := range map[string]struct {
		l     learners.Learner
		p     claims.TeacherProblem
		delta float64
	}{
		"nil grid":      {learners.KNN{K: 1}, claims.TeacherProblem{Pool: 1, M: 2, N: 1, Eval: 1}, 0.1},
		"nil learner":   {nil, ok, 0.1},
		"no pool":       {learners.KNN{K: 1}, claims.TeacherProblem{Grid: grid, M: 50, N: 100, Eval: 16}, 0.1},
		"delta 0":       {learners.KNN{K: 1}, ok, 0},
		"fit fails":     {learners.KNN{K: 100}, ok, 0.1},
		"label outside": {outside, ok, 0.1},
	} {
		if _, err := claims.TeacherGap(c.l, c.p, claims.DefaultTeacherEps, c.delta); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func noisyGrid(t *testing.T) *gen.Grid {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	cells := make([][]float64, 16)
	for b := range cells {
		if rng.IntN(2) == 0 {
			cells[b] = []float64{0.8, 0.2}
		} else {
			cells[b] = []float64{0.2, 0.8}
		}
	}
	g, err := gen.NewGrid(2, 4, cells)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
