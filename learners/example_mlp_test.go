package learners_test

import (
	"fmt"

	"github.com/rolemodels/rolemodels/learners"
)

// An MLP with no held-out part trains until it classifies every training
// point correctly: here the XOR labels of the corners of the square, which
// no linear classifier fits.
func ExampleMLP() {
	train := learners.Dataset{
		X: []float64{0, 0, 0, 1, 1, 0, 1, 1},
		D: 2,
		Y: []int{0, 1, 1, 0},
		K: 2,
	}
	h, err := learners.MLP{Width: 16, LearningRate: 0.05, Batch: 4, Seed: 1}.Fit(train)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := h.(*learners.MLPClassifier)
	fmt.Println("interpolated:", c.Interpolated())
	labels := make([]int, 4)
	if err := c.PredictBatch(train.X, labels, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("labels:", labels)
	// Output:
	// interpolated: true
	// labels: [0 1 1 0]
}
