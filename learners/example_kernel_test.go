package learners_test

import (
	"fmt"
	"log"

	"github.com/rolemodels/rolemodels/learners"
)

// The ridgeless Laplace machine with a bandwidth below the spacing of its
// training points interpolates them, including the noisy label at x = 2;
// a large ridge smooths that label away.
func ExampleKernelMachine() {
	train := learners.Dataset{
		X: []float64{0, 1, 2, 3, 4, 5},
		D: 1,
		Y: []int{0, 0, 1, 0, 0, 0}, // the label at x = 2 is noise
		K: 2,
	}
	for _, m := range []learners.KernelMachine{
		{Kernel: learners.Laplace, Bandwidth: 0.2},
		{Kernel: learners.Laplace, Bandwidth: 2, Ridge: 100},
	} {
		fit, err := m.Fit(train)
		if err != nil {
			log.Fatal(err)
		}
		c := fit.(*learners.KernelClassifier)
		pred := make([]int, train.Len())
		if err := c.PredictBatch(train.X, pred, nil); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("ridge %g: %s, residual < 1e-12: %t, training predictions %v\n", m.Ridge, c.Solver(), c.Residual() < 1e-12, pred)
	}

	_, err := learners.KernelMachine{Kernel: learners.Hilbert, Bandwidth: 1}.Fit(train)
	fmt.Println(err != nil)
	// Output:
	// ridge 0: dense-cholesky, residual < 1e-12: true, training predictions [0 0 1 0 0 0]
	// ridge 100: dense-cholesky, residual < 1e-12: true, training predictions [0 0 0 0 0 0]
	// true
}

// The Nadaraya-Watson estimate with the singular Hilbert kernel interpolates
// at training points and averages between them with weights 1/|x - x_i|:
// at x = 2 they are 1/2, 1 and 1, so q(0|2) = 0.5/2.5.
func ExampleNadarayaWatsonClassifier_Estimate() {
	train := learners.Dataset{X: []float64{0, 1, 3}, D: 1, Y: []int{0, 1, 1}, K: 2}
	fit, err := learners.NadarayaWatson{Kernel: learners.Hilbert}.Fit(train)
	if err != nil {
		log.Fatal(err)
	}
	c := fit.(*learners.NadarayaWatsonClassifier)
	q := make([]float64, 2)
	for _, x := range []float64{0, 0.5, 2} {
		if err := c.Estimate([]float64{x}, q); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("q(.|%v) = [%.3f %.3f]\n", x, q[0], q[1])
	}
	// Output:
	// q(.|0) = [1.000 0.000]
	// q(.|0.5) = [0.455 0.545]
	// q(.|2) = [0.200 0.800]
}
