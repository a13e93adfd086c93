package learners_test

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/rolemodels/rolemodels/learners"
)

// A tree grown to purity interpolates its training points, including the
// noisy label at x = 2; a stump (MaxDepth 1) does not. The
// root's splits at 1.5 and at 3.5 have equal Gini impurity (4.5 in
// s_L/n_L + s_R/n_R): the lower threshold wins.
func ExampleTree() {
	train := learners.Dataset{
		X: []float64{0, 1, 2, 3, 4, 5},
		D: 1,
		Y: []int{0, 0, 1, 0, 1, 1}, // the label at x = 2 is noise
		K: 2,
	}
	for _, l := range []learners.Tree{{}, {MaxDepth: 1}} {
		fit, err := l.Fit(train)
		if err != nil {
			log.Fatal(err)
		}
		t := fit.(*learners.TreeClassifier)
		pred := make([]int, train.Len())
		if err := t.PredictBatch(train.X, pred, nil); err != nil {
			log.Fatal(err)
		}
		f, thr := t.Root()
		fmt.Printf("MaxDepth %d: depth %d, %d leaves, root x[%d] <= %g, training predictions %v\n", l.MaxDepth, t.Depth(), t.Leaves(), f, thr, pred)
	}
	// Output:
	// MaxDepth 0: depth 3, 4 leaves, root x[0] <= 1.5, training predictions [0 0 1 0 1 1]
	// MaxDepth 1: depth 1, 2 leaves, root x[0] <= 1.5, training predictions [0 0 1 1 1 1]
}

// A forest votes; the forest sampler answers a random tree's label, so
// that over many queries at one point it reproduces the trees' spread.
func ExampleForestSampler() {
	train := learners.Dataset{D: 1, K: 2}
	for i := range 40 {
		train.X = append(train.X, float64(i))
		train.Y = append(train.Y, i%4/3) // every fourth label is 1
	}
	vote, err := learners.Forest{Trees: 50, Seed: 1}.Fit(train)
	if err != nil {
		log.Fatal(err)
	}
	sampler, err := learners.ForestSampler{Trees: 50, Seed: 1}.Fit(train)
	if err != nil {
		log.Fatal(err)
	}
	x := []float64{3} // a training point labelled 1
	v, _ := vote.Predict(x, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	ones := 0
	for range 1000 {
		y, _ := sampler.Predict(x, rng)
		ones += y
	}
	fmt.Printf("vote %d, sampler answers 1 in %.1f of 1000 queries\n", v, float64(ones)/1000)
	// Output:
	// vote 1, sampler answers 1 in 0.6 of 1000 queries
}

// Ridgeless random features with W = 2m interpolate noisy labels, as
// certified by the residual; a large ridge does not.
func ExampleRandomFeatures() {
	rng := rand.New(rand.NewPCG(3, 4))
	train := learners.Dataset{D: 2, K: 2}
	for i := range 50 {
		train.X = append(train.X, rng.Float64(), rng.Float64())
		train.Y = append(train.Y, i%2)
	}
	for _, l := range []learners.RandomFeatures{{Width: 100, Seed: 1}, {Width: 100, Ridge: 1e3, Seed: 1}} {
		fit, err := l.Fit(train)
		if err != nil {
			log.Fatal(err)
		}
		c := fit.(*learners.RandomFeaturesClassifier)
		pred := make([]int, train.Len())
		if err := c.PredictBatch(train.X, pred, nil); err != nil {
			log.Fatal(err)
		}
		errs := 0
		for i, y := range train.Y {
			if pred[i] != y {
				errs++
			}
		}
		// Without a ridge, a residual below 1/sqrt(m K) certifies that
		// every training score is within 1 of its target +-1.
		certified := l.Ridge == 0 && c.Residual() < 1/math.Sqrt(float64(train.Len()*train.K))
		fmt.Printf("ridge %g: certified interpolation %t, %d training errors\n", l.Ridge, certified, errs)
	}
	// Output:
	// ridge 0: certified interpolation true, 0 training errors
	// ridge 1000: certified interpolation false, 18 training errors
}
