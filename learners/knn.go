package learners

import (
	"fmt"
	"math/rand/v2"
)

// KNN is the k-nearest-neighbour majority-vote learner. Its classifier
// predicts, for a point x,
//
//	h(x) = argmax_c #{ j <= K : y_(j)(x) = c },
//
// where y_(1)(x), ..., y_(K)(x) are the labels of the K training points
// nearest to x in Euclidean distance, ties in distance broken by the lower
// training index (see Index). A tie between classes in the vote goes to the
// lowest class. With K = 1 the classifier interpolates the training data.
type KNN struct {
	// K is the number of neighbours, 1 <= K <= the number of training points.
	K int
}

// Fit validates train (see Dataset.Validate) and K, builds a nearest-neighbour
// index over a copy of train.X with NewIndex, and returns a *KNNClassifier.
// It returns an error if train is invalid, has a point of norm above
// MaxNorm, or K < 1 or K > train.Len().
func (l KNN) Fit(train Dataset) (Classifier, error) {
	nb, err := fitNeighbours(train, l.K)
	if err != nil {
		return nil, err
	}
	return &KNNClassifier{nb}, nil
}

// RandomNeighbour is the random-neighbour sampler: its classifier answers,
// for a point x, the label y_(J)(x) of the J-th nearest training point, where
// J is uniform on {1, ..., K}, drawn as J = 1 + rng.IntN(K) from the rng
// passed to Predict. Neighbours are ordered as in KNN. With K = 1 this is the
// 1-nearest-neighbour rule, the paper's interpolating sampler (rng is then
// still required and consumed, so that every K behaves alike).
type RandomNeighbour struct {
	// K is the number of neighbours, 1 <= K <= the number of training points.
	K int
}

// Fit validates train and K like KNN.Fit and returns a
// *RandomNeighbourClassifier.
func (l RandomNeighbour) Fit(train Dataset) (Classifier, error) {
	nb, err := fitNeighbours(train, l.K)
	if err != nil {
		return nil, err
	}
	return &RandomNeighbourClassifier{nb}, nil
}

// neighbours is the part shared by the k-NN classifiers: an index, the
// labels and K.
type neighbours struct {
	index   *Index
	labels  []int
	k       int
	classes int
	// votes is the size of a vote table: one more than the largest label
	// seen in training, which bounds it by the number of training points
	// even when Dataset.K is huge.
	votes int
	// pool holds *knnScratch so that Predict does not allocate.
	pool freeList[*knnScratch]
}

func fitNeighbours(train Dataset, k int) (*neighbours, error) {
	if err := train.Validate(); err != nil {
		return nil, err
	}
	if k < 1 || k > train.Len() {
		return nil, fmt.Errorf("learners: K = %d neighbours for %d training points, want 1 <= K <= %d", k, train.Len(), train.Len())
	}
	ix, err := NewIndex(train.X, train.D)
	if err != nil {
		return nil, err
	}
	nb := &neighbours{
		index:   ix,
		labels:  append([]int(nil), train.Y...),
		k:       k,
		classes: train.K,
	}
	for _, y := range nb.labels {
		nb.votes = max(nb.votes, y+1)
	}
	return nb, nil
}

// knnBatchRows is the largest number of rows PredictBatch searches at once
// (fewer when K is large), bounding its scratch memory to about
// knnBatchWork neighbour indices.
const (
	knnBatchRows = 4096
	knnBatchWork = 1 << 16
)

// knnScratch is per-call scratch of the k-NN classifiers.
type knnScratch struct {
	ind   []int
	count []int // vote table
}

func (nb *neighbours) getScratch() *knnScratch {
	if s, ok := nb.pool.get(); ok {
		return s
	}
	return &knnScratch{}
}

// voteScratch is getScratch with a zeroed vote table.
func (nb *neighbours) voteScratch() *knnScratch {
	s := nb.getScratch()
	if s.count == nil {
		s.count = make([]int, nb.votes)
	}
	return s
}

// chunkRows is the number of rows PredictBatch searches at a time.
func (nb *neighbours) chunkRows() int {
	return max(1, min(knnBatchRows, knnBatchWork/nb.k))
}

// batch validates x and dst and sets dst[r] = label(ind) for every row r of x
// in order, with ind the K nearest neighbours of row r, nearest first.
func (nb *neighbours) batch(s *knnScratch, x []float64, dst []int, label func(ind []int) int) error {
	d := nb.index.d
	if err := checkNearBatch(x, d, dst); err != nil {
		return err
	}
	rows := len(dst)
	chunk := min(rows, nb.chunkRows())
	if cap(s.ind) < chunk*nb.k {
		s.ind = make([]int, chunk*nb.k)
	}
	for lo := 0; lo < rows; lo += chunk {
		hi := min(rows, lo+chunk)
		ind := s.ind[:(hi-lo)*nb.k]
		nb.index.searchRows(x[lo*d:hi*d], nb.k, ind, nil)
		for r := lo; r < hi; r++ {
			dst[r] = label(ind[(r-lo)*nb.k : (r-lo+1)*nb.k])
		}
	}
	return nil
}

// single validates x and returns label(ind) for the K nearest neighbours of x.
func (nb *neighbours) single(s *knnScratch, x []float64, label func(ind []int) int) (int, error) {
	if err := checkNearQuery(x, nb.index.d); err != nil {
		return 0, err
	}
	if cap(s.ind) < nb.k {
		s.ind = make([]int, nb.k)
	}
	ind := s.ind[:nb.k]
	nb.index.searchRows(x, nb.k, ind, nil)
	return label(ind), nil
}

// vote returns the majority label of the neighbours ind, the lowest label on
// ties. count must be all zero and is left all zero.
func (nb *neighbours) vote(ind []int, count []int) int {
	if len(ind) == 1 {
		return nb.labels[ind[0]]
	}
	best, bestCount := 0, 0
	for _, i := range ind {
		y := nb.labels[i]
		count[y]++
		if c := count[y]; c > bestCount || (c == bestCount && y < best) {
			best, bestCount = y, c
		}
	}
	for _, i := range ind {
		count[nb.labels[i]] = 0
	}
	return best
}

// KNNClassifier is the classifier returned by KNN.Fit. It is safe for
// concurrent use.
type KNNClassifier struct {
	nb *neighbours
}

// Dim returns the input dimension.
func (c *KNNClassifier) Dim() int { return c.nb.index.d }

// Classes returns the number of classes of the training data.
func (c *KNNClassifier) Classes() int { return c.nb.classes }

// K returns the number of neighbours that vote.
func (c *KNNClassifier) K() int { return c.nb.k }

// Index returns the nearest-neighbour index over the training points, so
// that callers can reuse it. Indices it returns are positions in the
// training data.
func (c *KNNClassifier) Index() *Index { return c.nb.index }

// Predict returns the majority label among the K training points nearest to
// x, ties between classes to the lowest class; rng is ignored and may be nil.
// It returns an error if x has the wrong length, a NaN or infinite entry or
// a norm above MaxNorm.
func (c *KNNClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	s := c.nb.voteScratch()
	defer c.nb.pool.put(s)
	return c.nb.single(s, x, func(ind []int) int { return c.nb.vote(ind, s.count) })
}

// PredictBatch writes the prediction for each row of the row-major matrix x
// into dst, searching the rows with Index.SearchBatch's parallel search;
// rng is ignored and may be nil. In steady state it does not allocate. It
// returns an error if x is empty or ragged, len(dst) != len(x)/Dim(), or x
// has a NaN or infinite entry or a row of norm above MaxNorm.
func (c *KNNClassifier) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	s := c.nb.voteScratch()
	defer c.nb.pool.put(s)
	return c.nb.batch(s, x, dst, func(ind []int) int { return c.nb.vote(ind, s.count) })
}

// RandomNeighbourClassifier is the classifier returned by
// RandomNeighbour.Fit. It is safe for concurrent use when each goroutine
// passes its own rng.
type RandomNeighbourClassifier struct {
	nb *neighbours
}

// Dim returns the input dimension.
func (c *RandomNeighbourClassifier) Dim() int { return c.nb.index.d }

// Classes returns the number of classes of the training data.
func (c *RandomNeighbourClassifier) Classes() int { return c.nb.classes }

// K returns the number of neighbours sampled from.
func (c *RandomNeighbourClassifier) K() int { return c.nb.k }

// Index returns the nearest-neighbour index over the training points, so
// that callers can reuse it.
func (c *RandomNeighbourClassifier) Index() *Index { return c.nb.index }

// Predict returns the label of the J-th nearest training point to x, where
// J - 1 = rng.IntN(K) (one draw per call, also when K = 1). It returns an
// error if rng is nil, or if x has the wrong length, a NaN or infinite entry
// or a norm above MaxNorm.
func (c *RandomNeighbourClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	if rng == nil {
		return 0, errNilRNG
	}
	s := c.nb.getScratch()
	defer c.nb.pool.put(s)
	return c.nb.single(s, x, func(ind []int) int { return c.nb.labels[ind[rng.IntN(c.nb.k)]] })
}

// PredictBatch writes Predict(row, rng) for each row of the row-major matrix
// x into dst, drawing from rng row by row in order, so the result equals the
// sequence of single predictions. The neighbour searches run in parallel as
// in Index.SearchBatch; the draws do not. It returns an error if rng is nil
// and the errors of KNNClassifier.PredictBatch.
func (c *RandomNeighbourClassifier) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	if rng == nil {
		return errNilRNG
	}
	s := c.nb.getScratch()
	defer c.nb.pool.put(s)
	return c.nb.batch(s, x, dst, func(ind []int) int { return c.nb.labels[ind[rng.IntN(c.nb.k)]] })
}
