package claims

import (
	"math/rand/v2"

	"github.com/rolemodels/rolemodels/learners"
)

// implementations are the learners and procedures of package learners that
// the claims are about. A claim obtains them from its Check (c.KNN(1),
// c.LabelWithPool(...)) instead of naming package learners directly, so that
// the mutation matrix (mutants.go) can run every claim with one of them
// replaced by a mutant, the kind of variant a bug would produce, and see
// which claims reject it.
//
// Code that measures (the neighbour index behind an exact analysis, the
// posterior, the bounds) does not go through here: only what a claim
// asserts something about.
type implementations struct {
	name string // "production" or the mutant's name

	// knn returns the k-nearest-neighbour majority vote (learners.KNN).
	knn func(k int) learners.Learner
	// randomNeighbour returns the random-neighbour sampler
	// (learners.RandomNeighbour).
	randomNeighbour func(k int) learners.Learner
	// kernelMachine returns the kernel machine with the given parameters.
	kernelMachine func(km learners.KernelMachine) learners.Learner
	// nadarayaWatson returns the Nadaraya-Watson classifier (plug-in or
	// randomized) with the given parameters.
	nadarayaWatson func(nw learners.NadarayaWatson) learners.Learner
	// histogram returns the ERM histogram student.
	histogram func(h learners.Histogram) learners.Learner
	// newMajority is the test-time majority of an ensemble
	// (learners.NewMajority).
	newMajority func(ensemble []learners.Classifier) (learners.Classifier, error)
	// labelWithPool labels points with a random teacher per point
	// (learners.LabelWithPool).
	labelWithPool func(pool []learners.Classifier, x []float64, rng *rand.Rand) ([]int, error)
	// labelIndependentNN labels points with an independent 1-NN teacher per
	// point (learners.LabelIndependentNN).
	labelIndependentNN func(source learners.Source, m int, x []float64, d int, rng *rand.Rand, nearest []float64) ([]int, error)
	// tree returns the CART tree with the given limits (learners.Tree).
	tree func(t learners.Tree) learners.Learner
	// forest returns the random forest's majority vote (learners.Forest).
	forest func(f learners.Forest) learners.Learner
	// forestSampler returns the random-tree sampler
	// (learners.ForestSampler).
	forestSampler func(f learners.ForestSampler) learners.Learner
	// randomFeatures returns the random ReLU features model
	// (learners.RandomFeatures).
	randomFeatures func(rf learners.RandomFeatures) learners.Learner
}

// production is what package learners provides: the default of every Check.
var production = implementations{
	name:               "production",
	knn:                func(k int) learners.Learner { return learners.KNN{K: k} },
	randomNeighbour:    func(k int) learners.Learner { return learners.RandomNeighbour{K: k} },
	kernelMachine:      func(km learners.KernelMachine) learners.Learner { return km },
	nadarayaWatson:     func(nw learners.NadarayaWatson) learners.Learner { return nw },
	histogram:          func(h learners.Histogram) learners.Learner { return h },
	newMajority:        learners.NewMajority,
	labelWithPool:      learners.LabelWithPool,
	labelIndependentNN: learners.LabelIndependentNN,
	tree:               func(t learners.Tree) learners.Learner { return t },
	forest:             func(f learners.Forest) learners.Learner { return f },
	forestSampler:      func(f learners.ForestSampler) learners.Learner { return f },
	randomFeatures:     func(rf learners.RandomFeatures) learners.Learner { return rf },
}

// implementations returns the check's implementations and records that the
// check used the one named target (the mutation matrix reports a mutant as
// not exercised by a claim that never used its target).
func (c *Check) implementations(target string) *implementations {
	if c == nil {
		return &production
	}
	if c.rec != nil {
		if c.rec.used == nil {
			c.rec.used = map[string]bool{}
		}
		c.rec.used[target] = true
	}
	if c.impl == nil {
		return &production
	}
	return c.impl
}

// KNN returns the k-nearest-neighbour majority vote under test
// (learners.KNN{K: k} outside the mutation matrix).
func (c *Check) KNN(k int) learners.Learner { return c.implementations("knn").knn(k) }

// RandomNeighbour returns the random-neighbour sampler under test
// (learners.RandomNeighbour{K: k}).
func (c *Check) RandomNeighbour(k int) learners.Learner {
	return c.implementations("randomNeighbour").randomNeighbour(k)
}

// KernelMachine returns the kernel machine under test with km's parameters
// (km itself).
func (c *Check) KernelMachine(km learners.KernelMachine) learners.Learner {
	return c.implementations("kernelMachine").kernelMachine(km)
}

// NadarayaWatson returns the Nadaraya-Watson classifier under test with nw's
// parameters (nw itself).
func (c *Check) NadarayaWatson(nw learners.NadarayaWatson) learners.Learner {
	return c.implementations("nadarayaWatson").nadarayaWatson(nw)
}

// Histogram returns the ERM histogram student under test (h itself).
func (c *Check) Histogram(h learners.Histogram) learners.Learner {
	return c.implementations("histogram").histogram(h)
}

// NewMajority returns the test-time majority vote of the ensemble under
// test (learners.NewMajority).
func (c *Check) NewMajority(ensemble []learners.Classifier) (learners.Classifier, error) {
	return c.implementations("newMajority").newMajority(ensemble)
}

// LabelWithPool labels x with a random teacher per point, as the pool
// labelling under test does (learners.LabelWithPool).
func (c *Check) LabelWithPool(pool []learners.Classifier, x []float64, rng *rand.Rand) ([]int, error) {
	return c.implementations("labelWithPool").labelWithPool(pool, x, rng)
}

// LabelIndependentNN labels x with an independent 1-NN teacher per point,
// as the procedure under test does (learners.LabelIndependentNN).
func (c *Check) LabelIndependentNN(source learners.Source, m int, x []float64, d int, rng *rand.Rand, nearest []float64) ([]int, error) {
	return c.implementations("labelIndependentNN").labelIndependentNN(source, m, x, d, rng, nearest)
}

// Tree returns the CART tree under test with t's limits (t itself).
func (c *Check) Tree(t learners.Tree) learners.Learner { return c.implementations("tree").tree(t) }

// Forest returns the random forest's majority vote under test with f's
// parameters (f itself).
func (c *Check) Forest(f learners.Forest) learners.Learner {
	return c.implementations("forest").forest(f)
}

// ForestSampler returns the random-tree sampler under test with f's
// parameters (f itself).
func (c *Check) ForestSampler(f learners.ForestSampler) learners.Learner {
	return c.implementations("forestSampler").forestSampler(f)
}

// RandomFeatures returns the random ReLU features model under test with
// rf's parameters (rf itself).
func (c *Check) RandomFeatures(rf learners.RandomFeatures) learners.Learner {
	return c.implementations("randomFeatures").randomFeatures(rf)
}
