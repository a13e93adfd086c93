package learners

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
)

// MaxForestTrees is the largest number of trees a Forest or ForestSampler
// accepts, so that a mistaken count is an error instead of exhausting
// memory.
const MaxForestTrees = 1 << 14

// Forest is the random forest with a majority vote: Trees CART trees (see
// Tree), tree b grown on a bootstrap sample of the training data (m draws
// with replacement) with feature subsampling, and the classifier
//
//	h(x) = argmax_c #{ b : h_b(x) = c },
//
// ties to the lower class.
//
// Feature subsampling: at each node the split search inspects Features
// features drawn at random without replacement (0 means ceil(sqrt(D))),
// and further features one at a time while none of those inspected is
// split-able on the node, so that the trees are still grown to purity (on
// their bootstrap samples) unless MaxDepth or MinLeaf stop them; the best
// split among the inspected features wins, ties as in Tree.
//
// Randomness: tree b draws its bootstrap sample and its feature subsets from
// its own PCG stream, rand.NewPCG(Seed, b), so the forest is a function of
// the training data and Seed alone, whichever goroutine grows which tree.
// Fit grows the trees on up to GOMAXPROCS goroutines.
type Forest struct {
	// Trees is the number of trees B, 1 <= B <= MaxForestTrees.
	Trees int
	// Features is the number of features inspected per node,
	// 0 <= Features <= D; 0 means ceil(sqrt(D)).
	Features int
	// MaxDepth and MinLeaf limit each tree as in Tree.
	MaxDepth, MinLeaf int
	// Seed selects the random streams.
	Seed uint64
}

// ForestSampler is the random-tree sampler: the forest of Forest (the same
// fields and the same trees for the same Seed), whose classifier answers,
// for a point x, the label h_J(x) of tree J, with J uniform on
// {0, ..., B-1} drawn as rng.IntN(B) from the rng passed to Predict (one
// draw per query, also when B = 1). It is to Forest what RandomNeighbour is
// to KNN.
type ForestSampler Forest

// validate returns an error for bad parameters (not data).
func (l Forest) validate(d int) error {
	if l.Trees < 1 || l.Trees > MaxForestTrees {
		return fmt.Errorf("learners: forest with %d trees, want 1 <= Trees <= MaxForestTrees = %d", l.Trees, MaxForestTrees)
	}
	if l.Features < 0 || l.Features > d {
		return fmt.Errorf("learners: forest inspects %d features per split, want 0 <= Features <= D = %d (0 for ceil(sqrt(D)))", l.Features, d)
	}
	return Tree{MaxDepth: l.MaxDepth, MinLeaf: l.MinLeaf}.validate()
}

// Fit validates train (see Dataset.Validate) and the parameters, grows the
// forest and returns a *ForestClassifier. It returns an error if train is
// invalid or has more than MaxTreePoints points, Trees is outside
// [1, MaxForestTrees], Features is outside [0, D], or MaxDepth or MinLeaf
// is negative.
func (l Forest) Fit(train Dataset) (Classifier, error) {
	f, err := l.grow(train)
	if err != nil {
		return nil, err
	}
	return &ForestClassifier{f}, nil
}

// Fit validates train and the parameters like Forest.Fit and returns a
// *ForestSamplerClassifier over the same trees.
func (l ForestSampler) Fit(train Dataset) (Classifier, error) {
	f, err := Forest(l).grow(train)
	if err != nil {
		return nil, err
	}
	return &ForestSamplerClassifier{f}, nil
}

// forest is the part shared by the forest classifiers.
type forest struct {
	trees []*TreeClassifier
	d, k  int
	votes int // one more than the largest training label
}

// grow validates and grows the trees.
func (l Forest) grow(train Dataset) (*forest, error) {
	if err := checkTreeData(train); err != nil {
		return nil, err
	}
	if err := l.validate(train.D); err != nil {
		return nil, err
	}
	n, d := train.Len(), train.D
	features := l.Features
	if features == 0 {
		features = int(math.Ceil(math.Sqrt(float64(d))))
	}
	params := treeParams{maxDepth: l.MaxDepth, minLeaf: max(1, l.MinLeaf), features: features}
	cols := columns(train)
	order := presort(cols, d, n) // shared, read only
	f := &forest{trees: make([]*TreeClassifier, l.Trees), d: d, k: train.K}
	for _, y := range train.Y {
		f.votes = max(f.votes, y+1)
	}
	workers := min(l.Trees, runtime.GOMAXPROCS(0))
	forBlocks(l.Trees, workers, func(_, b int) {
		rng := rand.New(rand.NewPCG(l.Seed, uint64(b)))
		sc, sy, so := bootstrap(cols, train.Y, order, d, rng)
		f.trees[b] = newTreeGrower(sc, sy, d, so, params).grow(rng, train.K)
	})
	return f, nil
}

// bootstrap draws n indices uniformly with replacement from rng and returns
// the sample column-wise, its labels and its orders per feature. The sample
// points are grouped by original point in index order (the draws are
// counted, not kept in draw order), so the orders follow from the shared
// presort order in O(D n) instead of a sort.
func bootstrap(cols []float64, y []int, order []int32, d int, rng *rand.Rand) ([]float64, []int, []int32) {
	n := len(y)
	count := make([]int32, n)
	for range n {
		count[rng.IntN(n)]++
	}
	start := make([]int32, n) // first sample point of original i
	var next int32
	for i, c := range count {
		start[i] = next
		next += c
	}
	sc := make([]float64, n*d)
	sy := make([]int, n)
	so := make([]int32, n*d)
	for i, c := range count {
		for p := start[i]; p < start[i]+c; p++ {
			sy[p] = y[i]
			for f := range d {
				sc[f*n+int(p)] = cols[f*n+i]
			}
		}
	}
	for f := range d {
		o, out := order[f*n:(f+1)*n], so[f*n:f*n:(f+1)*n]
		for _, i := range o {
			for p := start[i]; p < start[i]+count[i]; p++ {
				out = append(out, p)
			}
		}
	}
	return sc, sy, so
}

// ForestClassifier is the majority vote of a fitted Forest. It is
// immutable and safe for concurrent use; it ignores rng.
type ForestClassifier struct {
	f *forest
}

// Dim returns the input dimension.
func (c *ForestClassifier) Dim() int { return c.f.d }

// Classes returns the number of classes K.
func (c *ForestClassifier) Classes() int { return c.f.k }

// Trees returns the fitted trees (shared, not copies; they are immutable).
func (c *ForestClassifier) Trees() []*TreeClassifier { return c.f.trees }

// vote returns the majority label of the trees at x, ties to the lower
// class; count must be all zero and is left all zero.
func (f *forest) vote(x []float64, count []int32) int {
	best, bestCount := 0, int32(0)
	for _, t := range f.trees {
		c := t.leaf(x)
		count[c]++
		if n := count[c]; n > bestCount || (n == bestCount && c < best) {
			best, bestCount = c, n
		}
	}
	for _, t := range f.trees {
		count[t.leaf(x)] = 0
	}
	return best
}

// Predict returns the majority label of the trees at x, ties to the lower
// class. rng is ignored. It returns an error if x has the wrong length or a
// non-finite entry.
func (c *ForestClassifier) Predict(x []float64, _ *rand.Rand) (int, error) {
	if err := checkQuery(x, c.f.d); err != nil {
		return 0, err
	}
	return c.f.vote(x, make([]int32, c.f.votes)), nil
}

// PredictBatch writes Predict of each row of x into dst. rng is ignored. It
// returns an error on ragged input, a length mismatch or a non-finite entry.
func (c *ForestClassifier) PredictBatch(x []float64, dst []int, _ *rand.Rand) error {
	if err := checkBatch(x, c.f.d, dst); err != nil {
		return err
	}
	count := make([]int32, c.f.votes)
	d := c.f.d
	for r := range dst {
		dst[r] = c.f.vote(x[r*d:(r+1)*d], count)
	}
	return nil
}

// ForestSamplerClassifier is the random-tree sampler of a fitted
// ForestSampler. It is safe for concurrent use when each goroutine passes
// its own rng.
type ForestSamplerClassifier struct {
	f *forest
}

// Dim returns the input dimension.
func (c *ForestSamplerClassifier) Dim() int { return c.f.d }

// Classes returns the number of classes K.
func (c *ForestSamplerClassifier) Classes() int { return c.f.k }

// Trees returns the fitted trees (shared, not copies; they are immutable).
func (c *ForestSamplerClassifier) Trees() []*TreeClassifier { return c.f.trees }

// Predict returns the label of tree J at x, with J = rng.IntN(B) (one draw
// per call). It returns an error if rng is nil, or if x has the wrong length
// or a non-finite entry.
func (c *ForestSamplerClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	if rng == nil {
		return 0, errNilRNG
	}
	if err := checkQuery(x, c.f.d); err != nil {
		return 0, err
	}
	return c.f.trees[rng.IntN(len(c.f.trees))].leaf(x), nil
}

// PredictBatch writes Predict(row, rng) for each row of x into dst, drawing
// from rng row by row in order, so the result equals the sequence of single
// predictions. It returns an error if rng is nil, on ragged input, a length
// mismatch or a non-finite entry.
func (c *ForestSamplerClassifier) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	if rng == nil {
		return errNilRNG
	}
	if err := checkBatch(x, c.f.d, dst); err != nil {
		return err
	}
	d := c.f.d
	for r := range dst {
		dst[r] = c.f.trees[rng.IntN(len(c.f.trees))].leaf(x[r*d : (r+1)*d])
	}
	return nil
}
