package learners

import (
	"math/bits"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/rolemodels/rolemodels/learners/internal/kernels"
)

const (
	// bruteQueryTile and brutePointTile are the tile shape of the
	// brute-force search: a worker takes bruteQueryTile queries and streams
	// the points past them brutePointTile at a time.
	//
	// Where the CPU has AVX2 and FMA (kernels.Accelerated), each tile is
	// screened by the assembly kernel kernels.Screen, which computes the
	// tile's dot products in registers, 12 points (AVX-512) or 6 points
	// (AVX2) x 8 queries at a time, and returns one bit per pair (is the
	// pair a candidate?) instead of the products; brutePointTile is a
	// multiple of 12 so that no point of a full tile falls to the kernel's
	// scalar remainder loop.
	//
	// Otherwise each tile's cross terms come from one gonum matrix product,
	// reduced while the result is still in cache. A 60-row product stays
	// below gonum's threshold for spawning goroutines, so the only
	// parallelism is ours (disjoint query tiles), and its row length of 128
	// queries keeps the product's inner loop long. Tiles of 64 to 192
	// queries and 32 to 2048 points were within noise of each other at
	// d = 10 and 50 on that path, except that larger products paid for
	// gonum's goroutines.
	bruteQueryTile = 128
	brutePointTile = 60

	// bruteDotTile is the number of queries below which a tile's product
	// runs as dot products (query rows against point rows) rather than as
	// axpy updates along the transposed query tile.
	bruteDotTile = 16

	// bruteAbsSlack is added to the error bound of the estimated squared
	// distances to cover gradual underflow in the products.
	bruteAbsSlack = 0x1p-960
)

// bruteForce is the tiled brute-force search behind NewBruteForce.
type bruteForce struct {
	d, n int
	x    []float64 // the points, row-major
	xn   []float64 // xn[i] = ||x_i||^2, in any summation order
	// slack is c = 8 (d+4) 2^-53, more than twice the bound on
	// |e_i - s_i| / (||q||^2 + ||x_i||^2) for the estimate e_i and the
	// canonical squared distance s_i (see searchTile).
	slack float64

	queryTile, pointTile int
}

func newBruteForce(x []float64, d, queryTile, pointTile int) *bruteForce {
	n := len(x) / d
	b := &bruteForce{
		d:         d,
		n:         n,
		x:         make([]float64, len(x)),
		xn:        make([]float64, n),
		slack:     8 * float64(d+4) * 0x1p-53,
		queryTile: queryTile,
		pointTile: pointTile,
	}
	copy(b.x, x)
	for i := range b.xn {
		var s float64
		for _, v := range b.x[i*d : (i+1)*d] {
			s += v * v
		}
		b.xn[i] = s
	}
	return b
}

// bruteScratch is the per-goroutine state of a brute-force search.
type bruteScratch struct {
	// The gonum path (not kernels.Accelerated).
	qt    []float64 // the query tile transposed
	cross []float64 // pointTile x queryTile products -2 q.x_i
	// The kernel path (kernels.Accelerated).
	qp   []float64 // the query tile packed by kernels.PackQueries
	xk   []float64 // xk[jj] = (1-slack) ||x_{j0+jj}||^2 for the point tile
	mask []uint8   // the candidate bits of kernels.Screen

	// low[c] = (1-slack) ||q_c||^2 - bruteAbsSlack and ws[c] = heaps[c].ws,
	// contiguous for the scan, padded to a multiple of kernels.Panel.
	low, ws []float64
	heaps   []kHeap
	// heapK is the k for which the heaps' storage was last carved out of
	// one allocation (see prepareHeaps).
	heapK int
}

// prepareHeaps gives every heap of s room for k candidates, carved out of
// one allocation per slice type, so that a scratch costs a fixed handful of
// allocations whatever the tile size.
func (s *bruteScratch) prepareHeaps(k int) {
	if s.heapK >= k {
		return
	}
	n := len(s.heaps)
	hs := make([]float64, n*k)
	hi := make([]int32, n*k)
	for c := range s.heaps {
		s.heaps[c].s = hs[c*k : c*k : (c+1)*k]
		s.heaps[c].idx = hi[c*k : c*k : (c+1)*k]
	}
	s.heapK = k
}

func (b *bruteForce) newScratch() *bruteScratch {
	s := &bruteScratch{
		low:   make([]float64, kernels.PanelLen(b.queryTile, 1)),
		ws:    make([]float64, kernels.PanelLen(b.queryTile, 1)),
		heaps: make([]kHeap, b.queryTile),
	}
	np := min(b.pointTile, b.n)
	if kernels.Accelerated() {
		s.qp = make([]float64, kernels.PanelLen(b.queryTile, b.d))
		s.xk = make([]float64, np)
		s.mask = make([]uint8, np*kernels.PanelLen(b.queryTile, 1)/kernels.Panel)
	} else {
		s.qt = make([]float64, b.d*b.queryTile)
		s.cross = make([]float64, b.queryTile*np)
	}
	return s
}

// searchTile finds the k nearest neighbours of each of the at most
// queryTile rows of q and writes them row-major into ind and dist.
//
// For the query q and point x_i let S_i be the exact squared distance, e_i
// = ||q||^2 + ||x_i||^2 - 2 q.x_i as computed (norms and products in any
// summation order, as any BLAS may use, with or without fused
// multiply-adds: a fused dot product obeys the same bound as a plain one)
// and s_i the canonical squared distance. With u = 2^-53 and
// N_i = ||q||^2 + ||x_i||^2, the standard dot-product bounds give, to first
// order, |e_i - S_i| <= (2d+4) u N_i and |s_i - S_i| <= (d+1) u S_i
// <= 2(d+1) u N_i, so |e_i - s_i| <= (4d+6) u N_i.
// The slack c = 8(d+4) u is more than twice that, which also covers the
// second-order terms and the rounding of
//
//	L_i = (1-c) ||q||^2 + (1-c) ||x_i||^2 - 2 q.x_i - bruteAbsSlack <= s_i.
//
// A point with L_i > s_(k), the current k-th smallest exact squared distance
// of the query, cannot be among its k nearest and is skipped; every other
// point is offered to the exact selection with s_i. Points are scanned in
// index order, so a later point that ties s_(k) never displaces the current
// k-th. A NaN or infinite estimate fails the skip test and falls through to
// the exact path.
//
// With kernels.Accelerated, kernels.Screen evaluates the skip test for a
// whole point tile against the thresholds s_(k) as they were before the
// tile; they only decrease during the tile, so a pair it skips is still
// skippable, and the exact selection rechecks every pair it keeps.
func (b *bruteForce) searchTile(s *bruteScratch, q []float64, k int, ind []int, dist []float64) {
	if kernels.Accelerated() {
		b.searchTileKernel(s, q, k, ind, dist)
		return
	}
	d := b.d
	nq := len(q) / d
	keep := 1 - b.slack
	// qt is the query tile transposed, d x nq, so that the product below
	// runs along rows of nq contiguous queries.
	qt := s.qt[:d*nq]
	s.prepareHeaps(k)
	for c := 0; c < nq; c++ {
		var qn float64
		for l, v := range q[c*d : (c+1)*d] {
			qn += v * v
			qt[l*nq+c] = v
		}
		s.low[c] = keep*qn - bruteAbsSlack
		s.heaps[c].reset(k)
		s.ws[c] = s.heaps[c].ws
	}
	low := s.low[:nq]
	ws := s.ws[:nq]
	for j0 := 0; j0 < b.n; j0 += b.pointTile {
		np := min(b.pointTile, b.n-j0)
		xt := b.x[j0*d : (j0+np)*d]
		cross := s.cross[:np*nq]
		a := blas64.General{Rows: np, Cols: d, Stride: d, Data: xt}
		c := blas64.General{Rows: np, Cols: nq, Stride: nq, Data: cross}
		if nq < bruteDotTile {
			// Few queries: one dot product per pair beats axpy updates
			// of rows only nq long.
			blas64.Gemm(blas.NoTrans, blas.Trans, -2, a, blas64.General{Rows: nq, Cols: d, Stride: d, Data: q}, 0, c)
		} else {
			blas64.Gemm(blas.NoTrans, blas.NoTrans, -2, a, blas64.General{Rows: d, Cols: nq, Stride: nq, Data: qt}, 0, c)
		}
		for jj := 0; jj < np; jj++ {
			row := cross[jj*nq : (jj+1)*nq]
			row = row[:len(low)]
			xj := keep * b.xn[j0+jj]
			for c, v := range row {
				if low[c]+xj+v > ws[c] {
					continue
				}
				i := int32(j0 + jj)
				sd := sqDist(q[c*d:(c+1)*d], xt[jj*d:(jj+1)*d])
				h := &s.heaps[c]
				if nearer(sd, i, h.ws, h.wi) {
					h.push(sd, i)
					ws[c] = h.ws
				}
			}
		}
	}
	b.drainTile(s, nq, k, ind, dist)
}

// drainTile writes the k nearest of each of the nq queries of the tile from
// their heaps into ind and dist (if dist != nil), row-major.
func (b *bruteForce) drainTile(s *bruteScratch, nq, k int, ind []int, dist []float64) {
	for c := 0; c < nq; c++ {
		var dc []float64
		if dist != nil {
			dc = dist[c*k : (c+1)*k]
		}
		s.heaps[c].drain(ind[c*k:(c+1)*k], dc)
	}
}

// searchTileKernel is searchTile with the skip test of each point tile
// evaluated by kernels.Screen: it sets the bit of a pair (i, c) unless
// L_i > ws[c], and the set bits are offered to the exact selection in
// point order.
func (b *bruteForce) searchTileKernel(s *bruteScratch, q []float64, k int, ind []int, dist []float64) {
	d := b.d
	nq := len(q) / d
	nb := (nq + kernels.Panel - 1) / kernels.Panel
	keep := 1 - b.slack
	qp := s.qp[:kernels.PanelLen(nq, d)]
	kernels.PackQueries(qp, q, d)
	low := s.low[:nb*kernels.Panel]
	ws := s.ws[:nb*kernels.Panel]
	s.prepareHeaps(k)
	for c := 0; c < nq; c++ {
		var qn float64
		for _, v := range q[c*d : (c+1)*d] {
			qn += v * v
		}
		low[c] = keep*qn - bruteAbsSlack
		s.heaps[c].reset(k)
		ws[c] = s.heaps[c].ws
	}
	for j0 := 0; j0 < b.n; j0 += b.pointTile {
		np := min(b.pointTile, b.n-j0)
		xt := b.x[j0*d : (j0+np)*d]
		xk := s.xk[:np]
		for jj := range xk {
			xk[jj] = keep * b.xn[j0+jj]
		}
		mask := s.mask[:np*nb]
		kernels.Screen(mask, xt, d, xk, qp, low, ws)
		for jj := 0; jj < np; jj++ {
			for blk, m := range mask[jj*nb : (jj+1)*nb] {
				for ; m != 0; m &= m - 1 {
					c := blk*kernels.Panel + bits.TrailingZeros8(m)
					if c >= nq {
						break
					}
					i := int32(j0 + jj)
					sd := sqDist(q[c*d:(c+1)*d], xt[jj*d:(jj+1)*d])
					h := &s.heaps[c]
					if nearer(sd, i, h.ws, h.wi) {
						h.push(sd, i)
						ws[c] = h.ws
					}
				}
			}
		}
	}
	b.drainTile(s, nq, k, ind, dist)
}
