package bench

import (
	"math/rand/v2"

	"github.com/rolemodels/rolemodels/learners"
)

// The data sets of the benchmarks, shared with bench/peers so that the Go
// benchmarks and the side-by-side run against scikit-learn and scipy time
// the same points.

// NearestData returns the m training points and q queries of the
// nearest-neighbour benchmarks in dimension d: uniform on [0,1]^d,
// row-major, the training points first from one PCG seeded by d.
func NearestData(m, q, d int) (x, queries []float64) {
	rng := rand.New(rand.NewPCG(uint64(d), 2022))
	return UniformPoints(rng, m, d), UniformPoints(rng, q, d)
}

// UniformPoints returns n points uniform on [0,1]^d from rng, row-major.
func UniformPoints(rng *rand.Rand, n, d int) []float64 {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.Float64()
	}
	return x
}

// KernelFitData returns the data set of the kernel-fit benchmarks: n points
// uniform on [0,1]^2 with binary labels, from a PCG seeded by n.
func KernelFitData(n int) learners.Dataset {
	const d = 2
	rng := rand.New(rand.NewPCG(20220314, uint64(n)))
	ds := learners.Dataset{X: UniformPoints(rng, n, d), D: d, Y: make([]int, n), K: 2}
	for i := range ds.Y {
		ds.Y[i] = rng.IntN(2)
	}
	return ds
}

// MeanNearestSpacing returns the mean over the points of ds of the distance
// to the nearest other point (the Laplace benchmarks' bandwidth is a tenth
// of it), or the error of learners.NewIndex or SearchBatch on invalid
// points. ds must have at least 2 points.
func MeanNearestSpacing(ds learners.Dataset) (float64, error) {
	ix, err := learners.NewIndex(ds.X, ds.D)
	if err != nil {
		return 0, err
	}
	n := ds.Len()
	ind := make([]int, 2*n)
	dist := make([]float64, 2*n)
	if err := ix.SearchBatch(ds.X, 2, ind, dist); err != nil {
		return 0, err
	}
	var sum float64
	for i := range n {
		// The nearest is the point itself (distance 0) unless a duplicate
		// with a lower index comes first; either way the larger of the two
		// is the distance to the nearest other point.
		sum += max(dist[2*i], dist[2*i+1])
	}
	return sum / float64(n), nil
}

// ClassData returns m points uniform on [0,1]^d with labels uniform on
// [0, k), independent of the points (pure label noise, which an
// interpolating learner must memorise), from a PCG seeded by m and d: the
// data of the tree, forest and random-features benchmarks.
func ClassData(m, d, k int) learners.Dataset {
	rng := rand.New(rand.NewPCG(uint64(m), uint64(d)))
	ds := learners.Dataset{X: UniformPoints(rng, m, d), D: d, Y: make([]int, m), K: k}
	for i := range ds.Y {
		ds.Y[i] = rng.IntN(k)
	}
	return ds
}

// MLPData returns the data sets of the MLP benchmarks: m training and q
// test points in dimension d, standard normal, with K = 10 classes given by
// the largest of ten random linear functions (a labeling an MLP can fit),
// all from one PCG seeded by (m, d): the weights, then the training points,
// then the test points.
func MLPData(m, q, d int) (train, test learners.Dataset) {
	const k = 10
	rng := rand.New(rand.NewPCG(uint64(m), uint64(d)))
	w := make([]float64, d*k)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	draw := func(n int) learners.Dataset {
		ds := learners.Dataset{X: make([]float64, n*d), D: d, Y: make([]int, n), K: k}
		for i := range ds.X {
			ds.X[i] = rng.NormFloat64()
		}
		for i := range n {
			best, arg := 0.0, 0
			for c := range k {
				s := 0.0
				for j, v := range ds.X[i*d : (i+1)*d] {
					s += v * w[j*k+c]
				}
				if c == 0 || s > best {
					best, arg = s, c
				}
			}
			ds.Y[i] = arg
		}
		return ds
	}
	train = draw(m)
	return train, draw(q)
}
