package gen

import (
	"fmt"
	"math"
	"slices"
)

// The functionals below work on the empirical measure of N points: eta is the
// row-major N x k matrix whose row j is eta(.|x_j), as PosteriorMatrix returns.
// Measured this way there is no label noise in a risk, and inequalities that
// hold pointwise or by Jensen (such as the Cover-Hart sandwich) hold exactly.
// A risk is undefined where a row is not a probability vector (an entry
// negative, NaN or infinite, or a sum off 1 by more than PosteriorTolerance,
// as from Posterior at a non-finite x): the means are then NaN, like the
// posterior there, and so are they with N = 0; ValidatePosteriorMatrix names
// the bad row. The check costs one comparison and one addition per entry,
// in the same pass. The label functions, which have no NaN to return,
// panic instead (BayesLabel on a NaN entry, SampleLabel on any row that is
// not a probability vector), as gonum's Categorical does on negative
// weights. All of them panic on programmer misuse: k < 1, a length that is
// not a multiple of k, or mismatched lengths.

func rows(fn string, eta []float64, k int) int {
	if k < 1 || len(eta)%k != 0 {
		panic(fmt.Sprintf("gen: %s: len(eta) = %d is not a multiple of k = %d", fn, len(eta), k))
	}
	return len(eta) / k
}

// PosteriorMatrix returns the N x k matrix (row-major) of eta(.|x_j) for the
// N = len(x)/d points of the row-major matrix x, d = dist.Dim(). It panics if
// len(x) is not a multiple of d.
func PosteriorMatrix(dist Distribution, x []float64) []float64 {
	d, k := dist.Dim(), dist.Classes()
	if len(x)%d != 0 {
		panic(fmt.Sprintf("gen: PosteriorMatrix: len(x) = %d is not a multiple of d = %d", len(x), d))
	}
	n := len(x) / d
	eta := make([]float64, n*k)
	for j := 0; j < n; j++ {
		dist.Posterior(x[j*d:(j+1)*d], eta[j*k:(j+1)*k])
	}
	return eta
}

// BayesLabel returns argmax_c eta_c for one posterior row, ties broken toward
// the lower class. It is the argmax of any vector without NaN (a score or a
// sum of posteriors as well). It panics if eta is empty or has a NaN entry,
// for which no label is the largest.
func BayesLabel(eta []float64) int {
	if len(eta) == 0 {
		panic("gen: BayesLabel: empty eta")
	}
	best := 0
	for c, v := range eta {
		if v > eta[best] {
			best = c
		} else if v != v {
			panic(fmt.Sprintf("gen: BayesLabel: eta[%d] is NaN", c))
		}
	}
	return best
}

// BayesRisk returns the Bayes risk on the empirical measure,
//
//	R* = (1/N) sum_j (1 - max_c eta_jc),
//
// and NaN if a row is not a probability vector or N = 0.
func BayesRisk(eta []float64, k int) float64 {
	n := rows("BayesRisk", eta, k)
	s := 0.0
	for j := 0; j < n; j++ {
		row := eta[j*k : (j+1)*k]
		if !isProb(row) {
			return math.NaN()
		}
		s += 1 - slices.Max(row)
	}
	return s / float64(n)
}

// SamplerRisk returns the risk of the conditional sampler (a fresh y ~ eta(.|x)
// per query) on the empirical measure,
//
//	G = (1/N) sum_j (1 - sum_c eta_jc^2),
//
// and NaN if a row is not a probability vector or N = 0.
func SamplerRisk(eta []float64, k int) float64 {
	n := rows("SamplerRisk", eta, k)
	s := 0.0
	for j := 0; j < n; j++ {
		row := eta[j*k : (j+1)*k]
		if !isProb(row) {
			return math.NaN()
		}
		q := 0.0
		for _, v := range row {
			q += v * v
		}
		s += 1 - q
	}
	return s / float64(n)
}

// Risk returns the risk of the labels h(x_j) = labels[j] measured through eta,
//
//	L(h) = (1/N) sum_j (1 - eta_{j, labels[j]}),
//
// and NaN if a row is not a probability vector or N = 0. It panics if
// len(labels) != N or a label is not in [0, k).
func Risk(eta []float64, k int, labels []int) float64 {
	n := rows("Risk", eta, k)
	if len(labels) != n {
		panic(fmt.Sprintf("gen: Risk: %d labels for %d rows", len(labels), n))
	}
	s := 0.0
	nan := false
	for j, c := range labels {
		if c < 0 || c >= k {
			panic(fmt.Sprintf("gen: Risk: labels[%d] = %d not in [0, %d)", j, c, k))
		}
		nan = nan || !isProb(eta[j*k:(j+1)*k])
		s += 1 - eta[j*k+c]
	}
	if nan {
		return math.NaN()
	}
	return s / float64(n)
}

// HistogramBestRisk returns the smallest risk, measured through eta on the N
// points x (row-major N x d), of a histogram classifier on the r^d grid of
// [0,1]^d (one label per cell, cells as in CellOf):
//
//	min_H L = (1/N) sum_B (n_B - max_c sum_{j in B} eta_jc),
//
// where n_B is the number of points in cell B; the minimizer labels each cell
// with its argmax (ties to the lower class). Empty cells cost nothing. Points
// are accumulated in index order within each cell and cells in index order,
// so the result is deterministic. It panics if d < 1, r < 1,
// r^d > MaxGridCells, or the lengths do not describe N points of dimension d
// and N posterior rows of length k.
func HistogramBestRisk(x, eta []float64, d, k, r int) float64 {
	risk, _ := HistogramBest(x, eta, d, k, r)
	return risk
}

// HistogramBest is HistogramBestRisk that also returns the minimizing
// histogram's label for each of the N points (the argmax of its cell's summed
// eta, ties to the lower class).
func HistogramBest(x, eta []float64, d, k, r int) (risk float64, labels []int) {
	n := rows("HistogramBest", eta, k)
	if d < 1 || r < 1 || len(x) != n*d {
		panic(fmt.Sprintf("gen: HistogramBest: need d, r >= 1 and len(x) = N*d, got d=%d r=%d len(x)=%d N=%d", d, r, len(x), n))
	}
	if _, ok := cellCount(d, r); !ok {
		panic("gen: HistogramBest: r^d exceeds MaxGridCells")
	}
	cell := make([]int, n)
	order := make([]int, n)
	for j := range cell {
		cell[j] = cellIndex(x[j*d:(j+1)*d], r)
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cell[a] - cell[b] })
	labels = make([]int, n)
	sum := make([]float64, k)
	total := 0.0
	for lo := 0; lo < n; {
		hi := lo
		clear(sum)
		for hi < n && cell[order[hi]] == cell[order[lo]] {
			j := order[hi]
			for c := range sum {
				sum[c] += eta[j*k+c]
			}
			hi++
		}
		best := BayesLabel(sum)
		total += float64(hi-lo) - sum[best]
		for _, j := range order[lo:hi] {
			labels[j] = best
		}
		lo = hi
	}
	return total / float64(n), labels
}
