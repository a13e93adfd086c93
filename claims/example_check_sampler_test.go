package claims_test

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/rolemodels/rolemodels/claims"
	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// ExampleSamplerGap asks of four learners whether they behave as samplers
// of their noisy training labels (claim S4): trained on 50000 labels of a
// smooth binary posterior on the square, are their class rates in the cells
// of a hidden random partition (every level of a random halfspace tree,
// from 1 to 128 cells) the cells' mean posteriors, within what a 1-NN
// teacher is guaranteed on the same points? The line gives the level that
// decided (the smallest margin) and the smallest certified MDD: a learner
// whose calibration gap at some level exceeds that level's MDD fails with
// probability at least 1 - delta. The 1-NN rule and the random neighbour
// pass; the 25-NN majority is a learner, not a sampler; and a 1-NN that
// answers a uniform class on 30% of its queries is caught at a fine
// level. In a test, claims.CheckSampler(t, learner) runs the same
// measurement over distributions drawn by rapid, at larger sizes.
func ExampleSamplerGap() {
	dist, err := gen.NewSmooth(2, 2, 0.7)
	if err != nil {
		fmt.Println(err)
		return
	}
	problem := claims.SamplerProblem{Dist: dist, M: 50000, N: 50000, Seed: 1, PartitionSeed: 2}
	for _, c := range []struct {
		name    string
		learner learners.Learner
	}{
		{"1-NN", learners.KNN{K: 1}},
		{"random one of 5 nearest", learners.RandomNeighbour{K: 5}},
		{"25-NN majority", learners.KNN{K: 25}},
		{"1-NN, 30% uniform", flipped{learners.KNN{K: 1}, 0.3}},
	} {
		r, err := claims.SamplerGap(c.learner, problem, 1e-9)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-24s %v\n", c.name+":", r)
	}
	// Output:
	// 1-NN:                    gap 0.004 <= tolerance 0.025 at level 0 (1 cells), MDD 0.047 (level 0): sampler
	// random one of 5 nearest: gap 0.009 <= tolerance 0.037 at level 3 (8 cells), MDD 0.058 (level 0): sampler
	// 25-NN majority:          gap 0.194 > tolerance 0.053 at level 7 (128 cells), MDD 0.047 (level 0): not a sampler
	// 1-NN, 30% uniform:       gap 0.052 > tolerance 0.033 at level 4 (16 cells), MDD 0.047 (level 0): not a sampler
}

// flipped is a learner of one's own: base's answers, except on a share q
// of the queries, picked by a hash of the query, where it answers a class
// given by the hash.
type flipped struct {
	base learners.Learner
	q    float64
}

func (f flipped) Fit(train learners.Dataset) (learners.Classifier, error) {
	h, err := f.base.Fit(train)
	if err != nil {
		return nil, err
	}
	return flippedClassifier{h, f.q}, nil
}

type flippedClassifier struct {
	learners.Classifier
	q float64
}

func (f flippedClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	y := []int{0}
	return y[0], f.PredictBatch(x, y, rng)
}

func (f flippedClassifier) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	if err := f.Classifier.PredictBatch(x, dst, rng); err != nil {
		return err
	}
	d := f.Dim()
	for j := range dst {
		h := fnv.New64a()
		for _, v := range x[j*d : (j+1)*d] {
			binary.Write(h, binary.LittleEndian, v)
		}
		u := h.Sum64()
		if float64(u>>11)*0x1p-53 < f.q {
			dst[j] = int(u % uint64(f.Classes()))
		}
	}
	return nil
}
