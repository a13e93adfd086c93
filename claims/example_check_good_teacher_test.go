package claims_test

import (
	"fmt"

	"github.com/rolemodels/rolemodels/claims"
	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// ExampleTeacherGap asks of three learners whether they are good teachers
// (claims D1, D4, D5): a pool of 8 teachers, each trained on 1000 noisy
// labels of a 4 x 4 grid posterior, labels 20000 points (a random teacher
// per point) and an ERM histogram student learns from them; the verdict
// compares the student's exact excess over the best histogram with
// 2 eps + 2 eps_H (eps = 0.005). The 1-NN pool is a sampler: its label rates
// per cell are close to eta, so the theory certifies its student (sampler
// bound 0.19), and the student beats its teachers by about G - R*. The 25-NN
// majority predicts the Bayes label: its student is just as good (the Bayes
// route), though the sampler bound certifies nothing. A biased learner (the
// 1-NN rule trained on labels pushed toward class 1) misleads its student.
// In a test, claims.CheckGoodTeacher(t, learner) runs the same measurement
// over grids drawn by rapid.
func ExampleTeacherGap() {
	cells := make([][]float64, 16)
	for b := range cells {
		if b%3 == 0 {
			cells[b] = []float64{0.3, 0.7}
		} else {
			cells[b] = []float64{0.7, 0.3}
		}
	}
	grid, err := gen.NewGrid(2, 4, cells)
	if err != nil {
		fmt.Println(err)
		return
	}
	problem := claims.TeacherProblem{Grid: grid, Pool: 8, M: 1000, N: 20000, Eval: 8000, Seed: 1}
	for _, c := range []struct {
		name    string
		learner learners.Learner
	}{
		{"1-NN", learners.KNN{K: 1}},
		{"25-NN majority", learners.KNN{K: 25}},
		{"biased 1-NN", biasedLearner{}},
	} {
		r, err := claims.TeacherGap(c.learner, problem, claims.DefaultTeacherEps, 1e-6)
		if err != nil {
			fmt.Println(err)
			continue
		}
		verdict := "not a good teacher"
		if r.IsGoodTeacher() {
			verdict = "good teacher"
		}
		fmt.Printf("%-15s student excess %.2f (tolerance %.3f), gain over teachers %.2f, sampler bound %.2f: %s, route %s\n",
			c.name+":", r.Excess(), r.Tolerance, r.Gain(), r.Certified(), verdict, r.Route())
	}
	// Output:
	// 1-NN:           student excess 0.00 (tolerance 0.061), gain over teachers 0.13, sampler bound 0.19: good teacher, route sampler
	// 25-NN majority: student excess 0.00 (tolerance 0.061), gain over teachers 0.05, sampler bound 0.46: good teacher, route Bayes label
	// biased 1-NN:    student excess 0.25 (tolerance 0.061), gain over teachers -0.07, sampler bound 0.57: not a good teacher, route student only
}

// biasedLearner is the 1-NN rule trained on labels where every 0 has been
// turned into a 1 with probability 0.4 (a fixed pseudo-random pattern of the
// training index): a sampler of a posterior pushed toward class 1.
type biasedLearner struct{}

func (biasedLearner) Fit(train learners.Dataset) (learners.Classifier, error) {
	y := append([]int(nil), train.Y...)
	for i := range y {
		if y[i] == 0 && (uint64(i)*0x9e3779b97f4a7c15)>>54 < 410 {
			y[i] = 1
		}
	}
	train.Y = y
	return learners.KNN{K: 1}.Fit(train)
}
