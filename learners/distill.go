package learners

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// LabelWith returns the labels the teacher gives the rows of the row-major
// matrix x (dimension teacher.Dim()), through one call of
// teacher.PredictBatch with rng (which may be nil for a deterministic
// teacher). It returns an error if the teacher is nil, x is empty, ragged or
// not finite, the teacher fails, or it gives a label outside
// [0, teacher.Classes()).
func LabelWith(teacher Classifier, x []float64, rng *rand.Rand) ([]int, error) {
	if teacher == nil {
		return nil, errors.New("learners: nil teacher")
	}
	if err := CheckPoints(x, teacher.Dim()); err != nil {
		return nil, err
	}
	labels := make([]int, len(x)/teacher.Dim())
	if err := teacher.PredictBatch(x, labels, rng); err != nil {
		return nil, err
	}
	k := teacher.Classes()
	for i, c := range labels {
		if err := checkTeacherLabel(c, k); err != nil {
			return nil, fmt.Errorf("%w on row %d", err, i)
		}
	}
	return labels, nil
}

// checkTeacherLabel returns an error unless the label c a teacher with k
// classes gave is in [0, k).
func checkTeacherLabel(c, k int) error {
	if c < 0 || c >= k {
		return fmt.Errorf("learners: teacher predicted class %d, outside [0, %d)", c, k)
	}
	return nil
}

// LabelWithPool labels each row of x with a teacher drawn uniformly from the
// pool, independently per row. Randomness is consumed row by row in order:
// for row i, t = rng.IntN(len(pool)), then pool[t].Predict(row i, rng) draws
// whatever that teacher draws. A pool of one teacher makes no IntN draw, so
// it gives exactly LabelWith(pool[0], x, rng).
//
// It returns an error if the pool is empty, has a nil member or members that
// disagree on Dim or Classes, if rng is nil, if x is empty, ragged or not
// finite, or if a teacher fails or gives a label outside [0, Classes()).
func LabelWithPool(pool []Classifier, x []float64, rng *rand.Rand) ([]int, error) {
	if len(pool) == 0 {
		return nil, errors.New("learners: empty teacher pool")
	}
	// NewMajority's checks are exactly the pool's: non-nil, same shape.
	if _, err := NewMajority(pool); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, errNilRNG
	}
	d, k := pool[0].Dim(), pool[0].Classes()
	if err := CheckPoints(x, d); err != nil {
		return nil, err
	}
	labels := make([]int, len(x)/d)
	for i := range labels {
		t := 0
		if len(pool) > 1 {
			t = rng.IntN(len(pool))
		}
		c, err := pool[t].Predict(x[i*d:(i+1)*d], rng)
		if err == nil {
			err = checkTeacherLabel(c, k)
		}
		if err != nil {
			return nil, fmt.Errorf("learners: teacher %d on row %d: %w", t, i, err)
		}
		labels[i] = c
	}
	return labels, nil
}

// LabelWithMajority labels each row of x with the majority vote of the
// ensemble (ties to the lower class): LabelWith(NewMajority(ensemble), x,
// rng). See NewMajority for the order in which members draw from rng and for
// the errors.
func LabelWithMajority(ensemble []Classifier, x []float64, rng *rand.Rand) ([]int, error) {
	m, err := NewMajority(ensemble)
	if err != nil {
		return nil, err
	}
	return LabelWith(m, x, rng)
}

// Source fills a fresh labeled sample: len(y) points drawn i.i.d. from a
// distribution into the row-major x (len(x) == len(y)*d for the caller's
// dimension d) and their labels into y, drawing only from rng. A Source used
// by LabelIndependentNN is called from several goroutines at once, each with
// its own rng and buffers, so it must not mutate shared state.
type Source func(rng *rand.Rand, x []float64, y []int)

// IndependentBlockRows is the number of rows of x that share one random
// stream in LabelIndependentNN and LabelIndependent. The streams are fixed by
// the row blocks, not by the goroutines, so the labels do not depend on
// GOMAXPROCS or on scheduling.
const IndependentBlockRows = 256

// LabelIndependentNN labels each row x_j of the row-major matrix x (dimension
// d) with its own independent 1-nearest-neighbour teacher: m fresh labeled
// points are drawn from source for that row alone, and x_j gets the label of
// the one nearest to it in Euclidean distance (ties to the lower index in the
// fresh sample). If nearest is not nil (len(nearest) == len(x)) row j of
// nearest receives that neighbour's position. The cost is O(m d) per row with
// no allocation per row: the fresh sample lives in a reused buffer and is
// scanned, no index is built.
//
// Randomness: one value s = rng.Uint64() is drawn from rng. Rows are split
// into blocks of IndependentBlockRows consecutive rows; block b (rows
// b*IndependentBlockRows onwards) uses its own stream
// rand.New(rand.NewPCG(s, uint64(b))), on which the rows of the block call
// source(stream, xbuf, ybuf) in row order, one call of m points per row.
// Blocks run on up to GOMAXPROCS goroutines; the result does not depend on
// how many or in what order. LabelIndependent consumes randomness the same
// way, so LabelIndependent with a deterministic 1-NN learner gives the same
// labels.
//
// It returns an error if source or rng is nil, m < 1, m*d > MaxFreshValues,
// x is empty, ragged or not finite or has a row of norm above MaxNorm, or
// nearest has the wrong length, all checked before any goroutine starts; and
// an error naming the row if source fills a non-finite feature, a point of
// norm above MaxNorm or a label outside [0, MaxClasses) (the class
// count is not known here; no valid Dataset has more classes). On such an
// error the error of the lowest failing row is returned, whatever the
// scheduling, and no labels.
func LabelIndependentNN(source Source, m int, x []float64, d int, rng *rand.Rand, nearest []float64) ([]int, error) {
	if err := checkIndependent(source, m, x, d, rng); err != nil {
		return nil, err
	}
	if err := checkNorms(x, d, "row"); err != nil {
		return nil, err
	}
	if nearest != nil && len(nearest) != len(x) {
		return nil, fmt.Errorf("learners: len(nearest) = %d, want len(x) = %d", len(nearest), len(x))
	}
	n := len(x) / d
	labels := make([]int, n)
	seed := rng.Uint64()
	blocks := (n + IndependentBlockRows - 1) / IndependentBlockRows
	workers := min(runtime.GOMAXPROCS(0), blocks)

	var next atomic.Int64
	var wg sync.WaitGroup
	// The first failing row. Blocks are claimed in increasing order and a
	// worker stops claiming after any failure, so every block before the
	// failing one is finished: the lowest failing row is deterministic.
	var (
		failMu  sync.Mutex
		failRow = n
		failErr error
		failed  atomic.Bool
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pcg := rand.NewPCG(0, 0)
			stream := rand.New(pcg)
			xbuf := make([]float64, m*d)
			ybuf := make([]int, m)
			for !failed.Load() {
				b := int(next.Add(1) - 1)
				if b >= blocks {
					return
				}
				pcg.Seed(seed, uint64(b))
				end := min(n, (b+1)*IndependentBlockRows)
				for j := b * IndependentBlockRows; j < end; j++ {
					q := x[j*d : (j+1)*d]
					source(stream, xbuf, ybuf)
					if err := checkFresh(j, xbuf, d, ybuf, MaxClasses, true); err != nil {
						failMu.Lock()
						if j < failRow {
							failRow, failErr = j, err
						}
						failMu.Unlock()
						failed.Store(true)
						return
					}
					i := nearestRow(q, xbuf, d)
					labels[j] = ybuf[i]
					if nearest != nil {
						copy(nearest[j*d:(j+1)*d], xbuf[i*d:(i+1)*d])
					}
				}
			}
		}()
	}
	wg.Wait()
	if failErr != nil {
		return nil, failErr
	}
	return labels, nil
}

// checkFresh returns an error naming row j unless the fresh sample a source
// filled for it (features x of dimension d, labels y) is finite with labels
// in [0, k) and, if near, has no point of norm above MaxNorm. Its message is
// the one Dataset.Validate (and a distance-based Fit) gives.
func checkFresh(j int, x []float64, d int, y []int, k int, near bool) error {
	// Fast path: the largest magnitude (NaN if any entry is NaN) against a
	// bound that every finite point meets, or, if near, one that keeps
	// every norm within sqrt(d) max|x_i| <= MaxNorm.
	limit := math.MaxFloat64
	if near {
		limit = MaxNorm / math.Sqrt(float64(d))
	}
	big := 0.0
	for _, v := range x {
		big = max(big, math.Abs(v))
	}
	bad := !(big <= limit)
	for _, c := range y {
		if c < 0 || c >= k {
			bad = true
			break
		}
	}
	if !bad {
		return nil
	}
	err := (Dataset{X: x, D: d, Y: y, K: k}).Validate()
	if err == nil && near {
		err = checkNorms(x, d, "training point")
	}
	if err != nil {
		return fmt.Errorf("learners: fresh sample of the teacher of row %d: %w", j, err)
	}
	return nil
}

// nearestRow returns the index of the row of the row-major p (dimension d)
// nearest to q in Euclidean distance, the lowest such index on ties. A row
// with a NaN distance is never chosen over row 0.
func nearestRow(q, p []float64, d int) int {
	best, bestDist := 0, math.Inf(1)
	switch d {
	case 1:
		q0 := q[0]
		for i, v := range p {
			if dist := (v - q0) * (v - q0); dist < bestDist {
				best, bestDist = i, dist
			}
		}
	case 2:
		q0, q1 := q[0], q[1]
		for i := 0; i+1 < len(p); i += 2 {
			a, b := p[i]-q0, p[i+1]-q1
			if dist := a*a + b*b; dist < bestDist {
				best, bestDist = i/2, dist
			}
		}
	default:
		for i := 0; (i+1)*d <= len(p); i++ {
			var dist float64
			for j, v := range p[i*d : (i+1)*d] {
				t := v - q[j]
				dist += t * t
				if dist >= bestDist {
					break
				}
			}
			if dist < bestDist {
				best, bestDist = i, dist
			}
		}
	}
	return best
}

// checkIndependent validates the arguments shared by the independent-teacher
// labelers.
func checkIndependent(source Source, m int, x []float64, d int, rng *rand.Rand) error {
	if source == nil {
		return errors.New("learners: nil source")
	}
	if m < 1 {
		return fmt.Errorf("learners: m = %d fresh points per teacher, want >= 1", m)
	}
	if rng == nil {
		return errNilRNG
	}
	if err := CheckPoints(x, d); err != nil {
		return err
	}
	if m > MaxFreshValues/d {
		return fmt.Errorf("learners: m = %d fresh points of dimension d = %d per teacher, want m*d <= MaxFreshValues = %d", m, d, MaxFreshValues)
	}
	return nil
}

// MaxFreshValues is the largest number of feature values m*d of the fresh
// sample that LabelIndependentNN and LabelIndependent draw per row. Each
// worker holds one such sample, and every row costs O(m d), so a larger
// sample is rejected with an error rather than exhausting memory.
const MaxFreshValues = 1 << 24

// LabelIndependent labels each row of x (dimension d) with its own
// independent teacher: for each row, m fresh labeled points are drawn from
// source, learner is fitted on them as a Dataset with k classes, and the
// fitted teacher predicts that row. It fits len(x)/d teachers, one after the
// other, so it is slow; for 1-NN use LabelIndependentNN.
//
// Randomness is consumed as in LabelIndependentNN: s = rng.Uint64(), block b
// of IndependentBlockRows rows uses the stream rand.New(rand.NewPCG(s,
// uint64(b))), and within a block, row by row, source draws the m points and
// then the fitted teacher's Predict draws what it needs from the same stream.
// Fit is called on reused buffers and the teacher is used before they are
// refilled, so a learner that keeps a reference to its training data is fine.
//
// It returns an error if learner, source or rng is nil, m < 1,
// m*d > MaxFreshValues, k < 2 or k > MaxClasses, x is empty, ragged or not
// finite, source fills a non-finite feature or a label outside [0, k) (the
// same error as LabelIndependentNN's), or a fit or prediction fails.
func LabelIndependent(learner Learner, source Source, m int, x []float64, d, k int, rng *rand.Rand) ([]int, error) {
	if learner == nil {
		return nil, errors.New("learners: nil learner")
	}
	if err := checkIndependent(source, m, x, d, rng); err != nil {
		return nil, err
	}
	if k < 2 || k > MaxClasses {
		return nil, fmt.Errorf("learners: number of classes k = %d, want 2 <= k <= MaxClasses = %d", k, MaxClasses)
	}
	n := len(x) / d
	labels := make([]int, n)
	seed := rng.Uint64()
	pcg := rand.NewPCG(0, 0)
	stream := rand.New(pcg)
	train := Dataset{X: make([]float64, m*d), D: d, Y: make([]int, m), K: k}
	for j := range n {
		if j%IndependentBlockRows == 0 {
			pcg.Seed(seed, uint64(j/IndependentBlockRows))
		}
		source(stream, train.X, train.Y)
		if err := checkFresh(j, train.X, d, train.Y, k, false); err != nil {
			return nil, err
		}
		teacher, err := learner.Fit(train)
		if err != nil {
			return nil, fmt.Errorf("learners: teacher of row %d: %w", j, err)
		}
		c, err := teacher.Predict(x[j*d:(j+1)*d], stream)
		if err != nil {
			return nil, fmt.Errorf("learners: teacher of row %d: %w", j, err)
		}
		labels[j] = c
	}
	return labels, nil
}

// Distill fits the student on the unlabeled points x (row-major, dimension d)
// with the teacher-given labels in [0, k): student.Fit(Dataset{x, d, labels,
// k}). The Dataset refers to x and labels without copying them. It returns an
// error if student is nil, the Dataset is invalid (empty, ragged, not
// finite, len(labels) != len(x)/d, a label outside [0, k), k < 2), or the
// fit fails.
func Distill(student Learner, x []float64, d int, labels []int, k int) (Classifier, error) {
	if student == nil {
		return nil, errors.New("learners: nil student")
	}
	train := Dataset{X: x, D: d, Y: labels, K: k}
	if err := train.Validate(); err != nil {
		return nil, err
	}
	return student.Fit(train)
}
