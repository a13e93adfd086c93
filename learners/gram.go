package learners

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/rolemodels/rolemodels/learners/internal/kernels"
)

// gramTile is the side of the square tiles in which gram fills the Gram
// matrix, and the number of rows a goroutine claims at a time.
const gramTile = 32

// gram returns G~ + ridge*I, the cut Gram matrix of the training points
// plus the ridge (see kernGramCutoff), as a full n x n row-major matrix
// (both triangles and the diagonal 1 + ridge), the number of off-diagonal
// entries (both triangles) cut to 0, and its 1-norm
// ||G~ + ridge*I||_1 = max_i sum_j (G~ + ridge*I)_ij (the entries are not
// negative), which the condition estimate of the dense solve needs.
//
// Each upper entry is computed once and written to its mirror image below
// the diagonal while its tile is in cache. From n = 256 the work is split
// over up to GOMAXPROCS goroutines that claim bands of gramTile rows as
// they go, so that a goroutine slowed by another thread (OpenBLAS's
// workers spin for a while after each call) does not hold the others up;
// each entry and each row sum is computed the same way whichever goroutine
// owns it, so the result does not depend on the split.
func (c *KernelClassifier) gram() (g []float64, cut int, norm1 float64) {
	n := c.n
	g = make([]float64, n*n)
	workers := 1
	if n >= 256 {
		workers = runtime.GOMAXPROCS(0)
	}
	bands := (n + gramTile - 1) / gramTile
	rows := func(b int) (int, int) { return b * gramTile, min(n, (b+1)*gramTile) }
	// Bands shorten with i: the longest are claimed first, for balance.
	cuts := make([]int, workers)
	forBlocks(bands, workers, func(w, b int) {
		lo, hi := rows(b)
		cuts[w] += c.gramBand(g, lo, hi)
	})
	sums := make([]float64, n)
	forBlocks(bands, workers, func(_, b int) {
		lo, hi := rows(b)
		for i := lo; i < hi; i++ {
			sums[i] = gramRowSum(g[i*n : (i+1)*n])
		}
	})
	for _, v := range cuts {
		cut += v
	}
	for _, v := range sums {
		norm1 = max(norm1, v)
	}
	return g, cut, norm1
}

// gramBand fills rows [lo, hi) of the upper triangle of G~ + ridge*I into
// the n x n row-major g, tile by tile, and the mirror images of those
// entries (columns [lo, hi) below the diagonal), and returns the number of
// off-diagonal entries (both triangles) it cut to 0. Bands write disjoint
// entries. Each row of a tile gets its scores first, then its
// exponentials in one vectorized call (kernels.ExpNeg), then its cuts.
func (c *KernelClassifier) gramBand(g []float64, lo, hi int) int {
	n, d := c.n, c.d
	diag := 1 + c.ridge // K(0) = 1
	eval := c.kern.gramEval()
	var cutAt [gramTile]bool
	cut := 0
	for i := lo; i < hi; i++ {
		g[i*n+i] = diag
	}
	for j0 := lo; j0 < n; j0 += gramTile {
		j1 := min(n, j0+gramTile)
		for i := lo; i < hi; i++ {
			xi := c.x[i*d : (i+1)*d]
			jlo := max(j0, i+1)
			if jlo >= j1 {
				continue
			}
			seg := g[i*n+jlo : i*n+j1]
			for t := range seg {
				j := jlo + t
				seg[t], cutAt[t] = eval.score(sqDist(xi, c.x[j*d:(j+1)*d]))
			}
			kernels.ExpNeg(seg)
			for t, v := range seg {
				if cutAt[t] {
					v, seg[t] = 0, 0
					cut += 2
				}
				g[(jlo+t)*n+i] = v
			}
		}
	}
	return cut
}

// gramRowSum returns the sum of row in four interleaved partial sums (the
// additions of one sum wait on each other; four run side by side).
func gramRowSum(row []float64) float64 {
	var s0, s1, s2, s3 float64
	j := 0
	for ; j+4 <= len(row); j += 4 {
		s0 += row[j]
		s1 += row[j+1]
		s2 += row[j+2]
		s3 += row[j+3]
	}
	for ; j < len(row); j++ {
		s0 += row[j]
	}
	return (s0 + s1) + (s2 + s3)
}

// forBlocks calls f(w, b) for each block b in [0, blocks), in increasing
// order of claiming, on up to workers goroutines numbered w in
// [0, workers): each claims the next block when it finishes one, so that
// one goroutine slowed by another thread does not hold up the rest. With
// one worker it runs f in order on the calling goroutine.
func forBlocks(blocks, workers int, f func(w, b int)) {
	if workers <= 1 {
		for b := range blocks {
			f(0, b)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				b := int(next.Add(1) - 1)
				if b >= blocks {
					return
				}
				f(w, b)
			}
		}()
	}
	wg.Wait()
}
