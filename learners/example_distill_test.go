package learners_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/rolemodels/rolemodels/learners"
)

// This example distills independent 1-nearest-neighbour teachers into a
// histogram student. The labels are noisy: on the 2 x 2 grid of [0, 1]^2,
// P(y = 1 | x) is 0.8, 0.3, 0.2, 0.75 in the four cells (row-major, x_0
// slowest), so the Bayes classifier labels the cells 1, 0, 0, 1 and has risk
// 0.2375. Each teacher is a sampler: it copies the noisy label of its nearest
// fresh training point, and a quarter to a third of its labels disagree with
// the Bayes label. The histogram student, fitted by ERM on the teacher
// labels, recovers the Bayes classifier.
func Example_distill() {
	eta := []float64{0.8, 0.3, 0.2, 0.75}
	cell := func(x []float64) int {
		c := 0
		for _, v := range x {
			c *= 2
			if v >= 0.5 {
				c++
			}
		}
		return c
	}
	const d = 2
	// source draws x uniformly on [0, 1]^2 and y with P(y = 1 | x) = eta.
	source := func(rng *rand.Rand, x []float64, y []int) {
		for i := range y {
			p := x[i*d : (i+1)*d]
			for j := range p {
				p[j] = rng.Float64()
			}
			y[i] = 0
			if rng.Float64() < eta[cell(p)] {
				y[i] = 1
			}
		}
	}

	rng := rand.New(rand.NewPCG(2203, 14649))
	const n, m = 4000, 100
	unlabeled := make([]float64, n*d)
	for i := range unlabeled {
		unlabeled[i] = rng.Float64()
	}
	labels, err := learners.LabelIndependentNN(source, m, unlabeled, d, rng, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	bayes := []int{1, 0, 0, 1}
	disagree := 0
	for i, y := range labels {
		if y != bayes[cell(unlabeled[i*d:(i+1)*d])] {
			disagree++
		}
	}
	fmt.Printf("teacher labels that differ from the Bayes label: %.3f\n", float64(disagree)/n)

	student, err := learners.Distill(learners.Histogram{Resolution: 2}, unlabeled, d, labels, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("student cell labels:", student.(*learners.HistogramClassifier).Labels())
	// Output:
	// teacher labels that differ from the Bayes label: 0.273
	// student cell labels: [1 0 0 1]
}
