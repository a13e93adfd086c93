package claims

import (
	"math/rand/v2"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// This file holds the empirical-measure machinery that CLAIMS.md calls "the
// technique that makes the checks exact": condition on positions, keep the
// posterior of every point, and measure risks through eta.

// points is a set of n points of dimension d with their exact posterior
// (row-major n x k).
type points struct {
	d, k int
	x    []float64 // n x d
	eta  []float64 // n x k
}

func (p points) len() int                  { return len(p.x) / p.d }
func (p points) row(j int) []float64       { return p.x[j*p.d : (j+1)*p.d] }
func (p points) posterior(j int) []float64 { return p.eta[j*p.k : (j+1)*p.k] }

// drawPoints draws n points from dist's marginal with rng and computes their
// posterior.
func drawPoints(dist gen.Distribution, rng *rand.Rand, n int) points {
	x := gen.SampleX(dist, rng, n)
	return points{d: dist.Dim(), k: dist.Classes(), x: x, eta: gen.PosteriorMatrix(dist, x)}
}

// drawLabels draws one label per point from its posterior, y_i ~ eta(.|x_i).
func (p points) drawLabels(rng *rand.Rand) []int {
	y := make([]int, p.len())
	for i := range y {
		y[i] = gen.SampleLabel(p.posterior(i), rng)
	}
	return y
}

// dataset returns the labeled training set (p.x, y).
func (p points) dataset(y []int) learners.Dataset {
	return learners.Dataset{X: p.x, D: p.d, Y: y, K: p.k}
}

// tv returns the total-variation distance 1/2 sum_c |p_c - q_c|.
func tv(p, q []float64) float64 {
	s := 0.0
	for c := range p {
		if p[c] > q[c] {
			s += p[c] - q[c]
		} else {
			s += q[c] - p[c]
		}
	}
	return s / 2
}

// nearestNeighbours returns, for each evaluation point, the index of its
// nearest training point (ties to the lower index) and the distance to it.
func nearestNeighbours(train, eval points) (nn []int, dist []float64, err error) {
	idx, err := learners.NewIndex(train.x, train.d)
	if err != nil {
		return nil, nil, err
	}
	nn = make([]int, eval.len())
	dist = make([]float64, eval.len())
	if err := idx.SearchBatch(eval.x, 1, nn, dist); err != nil {
		return nil, nil, err
	}
	return nn, dist, nil
}

// nnAnalysis is the label-free part of a 1-NN teacher on fixed positions:
// everything that CLAIMS.md's bound for 1-NN needs, computed once per case.
//
// With NN(j) the nearest training point of evaluation point x_j:
//
//	G^  = (1/N) sum_j (1 - sum_c eta_c(x_j)^2)                         sampler risk on the points
//	EL  = (1/N) sum_j (1 - sum_c eta_c(X_NN(j)) eta_c(x_j))            mean 1-NN risk over the labels
//	A^  = (1/N) sum_j TV(eta(x_j), eta(X_NN(j)))                        boundary term
//
// and |EL - G^| <= A^: EL - G^ = (1/N) sum_j sum_c eta_c(x_j) (eta_c(x_j) -
// eta_c(X_NN(j))), and for a difference vector d with sum_c d_c = 0,
// |sum_c eta_c d_c| = |sum_c (eta_c - t) d_c| <= (max eta - min eta)/2 sum_c
// |d_c| <= TV with t the midrange of eta. (For k = 2 this is the binary
// (1/N) sum_j |eta(x_j) - eta(X_NN(j))| of CLAIMS.md; for k > 2 it is half
// the sum over classes written there, a tighter and still valid bound.)
//
// The 1-NN risk L^ = (1/N) sum_j (1 - eta_{y_NN(j)}(x_j)) is a function of
// the independent training labels; changing label i moves it by at most
// c_i = (1/N) sum_{j: NN(j)=i} (max_c eta_c(x_j) - min_c eta_c(x_j)),
// which for k = 2 is CLAIMS.md's (1/N) sum |1 - 2 eta(x_j)|, so McDiarmid
// gives |L^ - EL| <= sqrt(ln(2/delta)/2 sum_i c_i^2).
type nnAnalysis struct {
	nn       []int     // nearest training index of each evaluation point
	dist     []float64 // distance to it
	sampler  float64   // G^
	bayes    float64   // R^* on the evaluation points
	expected float64   // EL
	boundary float64   // A^
	meanDist float64   // (1/N) sum_j ||x_j - X_NN(j)||
	sumSq    float64   // sum_i c_i^2
}

// analyseNN computes nnAnalysis for training positions train and evaluation
// points eval.
func analyseNN(train, eval points) (nnAnalysis, error) {
	nn, dist, err := nearestNeighbours(train, eval)
	if err != nil {
		return nnAnalysis{}, err
	}
	n := float64(eval.len())
	a := nnAnalysis{nn: nn, dist: dist}
	infl := make([]float64, train.len())
	for j := 0; j < eval.len(); j++ {
		e := eval.posterior(j)
		t := train.posterior(nn[j])
		lo, hi, sq, dot := e[0], e[0], 0.0, 0.0
		for c, v := range e {
			lo, hi = min(lo, v), max(hi, v)
			sq += v * v
			dot += v * t[c]
		}
		a.sampler += 1 - sq
		a.bayes += 1 - hi
		a.expected += 1 - dot
		a.boundary += tv(e, t)
		a.meanDist += dist[j]
		infl[nn[j]] += hi - lo
	}
	a.sampler /= n
	a.bayes /= n
	a.expected /= n
	a.boundary /= n
	a.meanDist /= n
	for _, c := range infl {
		a.sumSq += (c / n) * (c / n)
	}
	return a, nil
}
