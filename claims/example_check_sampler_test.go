package claims_test

import (
	"fmt"

	"github.com/rolemodels/rolemodels/claims"
	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// ExampleSamplerGap asks of three learners whether they behave as samplers
// of their noisy training labels (claim S4): trained on 20000 labels of a
// smooth binary posterior, are their class rates in each of 16 cells of
// [0,1] the cells' mean posteriors, within what a 1-NN teacher is
// guaranteed on the same points? In a test, claims.CheckSampler(t, learner)
// runs the same measurement over distributions drawn by rapid.
func ExampleSamplerGap() {
	dist, err := gen.NewSmooth(1, 2, 0.7)
	if err != nil {
		fmt.Println(err)
		return
	}
	problem := claims.SamplerProblem{Dist: dist, M: 20000, N: 5000, Seed: 1}
	for _, c := range []struct {
		name    string
		learner learners.Learner
	}{
		{"1-NN", learners.KNN{K: 1}},
		{"random one of 5 nearest", learners.RandomNeighbour{K: 5}},
		{"141-NN majority", learners.KNN{K: 141}},
	} {
		r, err := claims.SamplerGap(c.learner, problem, 1e-9)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-24s %v\n", c.name+":", r)
	}
	// Output:
	// 1-NN:                    gap 0.025 <= tolerance 0.083 (grid r=16 (16 cells)): sampler
	// random one of 5 nearest: gap 0.026 <= tolerance 0.083 (grid r=16 (16 cells)): sampler
	// 141-NN majority:         gap 0.229 > tolerance 0.083 (grid r=16 (16 cells)): not a sampler
}
