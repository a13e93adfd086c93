package learners_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/rolemodels/rolemodels/learners"
)

// A 1-nearest-neighbour rule reproduces a noisy training label next to its
// point, while a majority over 3 neighbours votes it away.
func ExampleKNN() {
	// Points on a line; the label at x = 2 is noise in a run of 0s.
	train := learners.Dataset{
		X: []float64{0, 1, 2, 3, 4, 10, 11, 12},
		D: 1,
		Y: []int{0, 0, 1, 0, 0, 1, 1, 1},
		K: 2,
	}
	one, err := learners.KNN{K: 1}.Fit(train)
	if err != nil {
		fmt.Println(err)
		return
	}
	three, err := learners.KNN{K: 3}.Fit(train)
	if err != nil {
		fmt.Println(err)
		return
	}
	q := []float64{2.1, 7.4, 11.5}
	p1 := make([]int, 3)
	p3 := make([]int, 3)
	if err := one.PredictBatch(q, p1, nil); err != nil {
		fmt.Println(err)
		return
	}
	if err := three.PredictBatch(q, p3, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("1-NN:", p1)
	fmt.Println("3-NN:", p3)
	// Output:
	// 1-NN: [1 1 1]
	// 3-NN: [0 1 1]
}

// With K = 1 the random-neighbour sampler is the 1-NN rule: every draw
// answers the nearest label, so it interpolates the training data.
func ExampleRandomNeighbour() {
	train := learners.Dataset{
		X: []float64{0, 0, 1, 0, 0, 1, 1, 1},
		D: 2,
		Y: []int{0, 1, 1, 0},
		K: 2,
	}
	h, err := learners.RandomNeighbour{K: 1}.Fit(train)
	if err != nil {
		fmt.Println(err)
		return
	}
	rng := rand.New(rand.NewPCG(1, 2))
	got := make([]int, 4)
	if err := h.PredictBatch(train.X, got, rng); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got)
	// Output:
	// [0 1 1 0]
}

// Search returns the k nearest training points, nearest first; the two
// points at distance 1 tie, and the lower index comes first.
func ExampleIndex_Search() {
	x := []float64{
		3, 0,
		0, 1,
		1, 0,
		0, 0,
	}
	ix, err := learners.NewIndex(x, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	ind := make([]int, 3)
	dist := make([]float64, 3)
	if err := ix.Search([]float64{0, 0}, 3, ind, dist); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ix.Kind(), ind, dist)
	// Output:
	// kdtree [3 1 2] [0 1 1]
}
