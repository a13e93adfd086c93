package learners

import (
	"fmt"
	"math"
	"runtime"

	"github.com/rolemodels/rolemodels/learners/internal/kernels"
)

// KDTreeMaxDim is the largest dimension for which NewIndex builds a k-d tree;
// above it NewIndex builds a tiled brute-force index. It is set when the
// package is initialised, from the CPU: kdTreeMaxDimFast = 8 where brute
// force screens with the AVX2/FMA (or AVX-512) assembly kernel of
// learners/internal/kernels, kdTreeMaxDimGo = 12 where it runs on gonum's
// matrix product (no AVX2/FMA, other architectures, or the purego build
// tag). Treat it as read-only: NewKDTree and NewBruteForce force either kind.
//
// Both crossovers were measured with BenchmarkNearestCrossover (package
// bench): SearchBatch of q = 5000 queries against m = 20000 points uniform
// on [0,1]^d, GOMAXPROCS = 2, medians of 5 (3 without the kernel) on a
// machine with AVX-512, 1-minute load 1.6-2.3, times in ms (k-d tree / brute
// force):
//
//	             with the kernel           without it (purego)
//	 d     k = 1         k = 5          k = 1        k = 5
//	 4     3.3 / 25      6.9 / 30
//	 6     7.7 / 29       15 / 31
//	 8      23 / 30       45 / 49        21 / 199     56 / 260
//	 9      61 / 54      111 / 51
//	10      80 / 36      145 / 35        98 / 284    216 / 323
//	12     185 / 37      437 / 59       297 / 292    401 / 300
//	16     860 / 70     1372 / 79       509 / 416   1000 / 392
//
// With the kernel the tree wins up to d = 8 and brute force from d = 9 (2x
// to 7x faster at d = 10 to 12); without it the two are even at d = 12 and
// brute force wins above. Uniform data is the worst case for the tree
// (clustered or low intrinsic-dimension data favour it), and the tree's
// advantage grows with m at fixed d.
var KDTreeMaxDim = kdTreeMaxDimGo

const (
	kdTreeMaxDimFast = 8
	kdTreeMaxDimGo   = 12
)

func init() {
	if kernels.Accelerated() {
		KDTreeMaxDim = kdTreeMaxDimFast
	}
}

// Index is an exact nearest-neighbour index over a fixed set of points in R^d
// under the Euclidean distance.
//
// An Index keeps its own copy of the training points (NewIndex and the other
// constructors never retain or modify the caller's slice). The k-d tree
// stores the points reordered into leaf buckets, a 32-bit training index per
// point and 16 bytes per node, at most 8d + 8.5 bytes per point for d >= 2
// and 14.3 bytes per point for d = 1; the brute-force index stores the points
// and their squared norms, 8d + 8 bytes per point. Either way an Index takes
// at most twice the memory of the training data (8d bytes per point), and
// at most 1 + 1.07/d times it for d >= 2. (These figures exclude search
// scratch: an Index also keeps, for reuse, the scratch of as many searches
// as have run at once, at most max(16, 2 GOMAXPROCS) of them, each about
// 8d + 12k + 64 bytes for the k-d tree and 1024d + 1536k bytes plus 13 KB
// for brute force, plus 61 KB without the AVX2 screening kernel.)
//
// Distances are defined exactly as a naive double loop computes them: the
// squared distance between q and the training point x_i is
//
//	s_i = fl(...fl(fl(t_0^2) + fl(t_1^2)) + ... + fl(t_{d-1}^2)),  t_l = fl(q_l - x_il),
//
// summed in coordinate order with every product rounded (no fused
// multiply-add), and the reported distance is sqrt(s_i). Points and queries
// have norm at most MaxNorm, so s_i is finite. The k nearest are
// the first k points in the order (s_i, i) ascending, so ties in squared
// distance go to the lower training index. Both the k-d tree and the
// brute-force index return exactly these indices and distances, bit for bit.
//
// An Index is safe for concurrent use.
type Index struct {
	n, d int
	kd   *kdTree
	bf   *bruteForce

	// scratch holds per-goroutine search state (*kdSearch or *bruteScratch)
	// so that steady-state searches do not allocate.
	scratch freeList[any]
}

// NewIndex returns an exact nearest-neighbour index over the n = len(x)/d
// points stored row-major in x, a k-d tree if d <= KDTreeMaxDim and a tiled
// brute-force index otherwise. The Index copies x.
//
// NewIndex returns an error if d < 1, x is empty, len(x) is not a multiple of
// d, x has a NaN or infinite entry or a point of norm above MaxNorm, or
// n >= 2^31.
func NewIndex(x []float64, d int) (*Index, error) {
	if d <= KDTreeMaxDim {
		return NewKDTree(x, d)
	}
	return NewBruteForce(x, d)
}

// NewKDTree returns an exact nearest-neighbour index over the points stored
// row-major in x, organised as a k-d tree: a balanced binary tree of fixed
// depth whose leaves hold buckets of at most 16 points (32 for d = 1), each
// internal node splitting its points at the median of the coordinate with
// the widest spread (estimated from at most 256 evenly spaced points of the
// node, the lowest coordinate on ties). Construction is deterministic and
// uses no random numbers; it takes O(n log n) time for fixed d.
//
// A search descends to the query's leaf, then backtracks into a far subtree
// only if the lower bound on its squared distances (the sum of the squared
// distances to the splitting planes crossed, taken in coordinate order so
// that the bound holds exactly in floating point) is at most the current
// k-th nearest squared distance, with equality pruned only when every
// training index below is higher than the current k-th one.
//
// NewKDTree copies x and returns the errors of NewIndex.
func NewKDTree(x []float64, d int) (*Index, error) {
	if err := checkIndexData(x, d); err != nil {
		return nil, err
	}
	ix := &Index{n: len(x) / d, d: d, kd: newKDTree(x, d)}
	return ix, nil
}

// NewBruteForce returns an exact nearest-neighbour index over the points
// stored row-major in x that compares every query with every point. Queries
// are processed in tiles: for a tile of queries and a tile of points the
// cross terms q.x_i come from one matrix product (gonum's blas64.Gemm), giving
// the estimate e_i = ||q||^2 + ||x_i||^2 - 2 q.x_i of the squared distance
// (clamping it at 0 would change nothing below). It differs from the exact
// squared distance s_i by at most (4d+6) 2^-53 (||q||^2 + ||x_i||^2) to
// first order, so with c = 8 (d+4) 2^-53, more than twice that, a point is
// discarded only when e_i - c (||q||^2 + ||x_i||^2) exceeds the current k-th
// smallest exact squared distance; every other point has s_i recomputed
// exactly and is selected exactly. The result is therefore identical to a
// naive double loop, however the matrix product rounds.
//
// NewBruteForce copies x and returns the errors of NewIndex.
func NewBruteForce(x []float64, d int) (*Index, error) {
	if err := checkIndexData(x, d); err != nil {
		return nil, err
	}
	ix := &Index{n: len(x) / d, d: d, bf: newBruteForce(x, d, bruteQueryTile, brutePointTile)}
	return ix, nil
}

// checkIndexData returns an error unless x is valid index data.
func checkIndexData(x []float64, d int) error {
	if err := CheckPoints(x, d); err != nil {
		return err
	}
	if len(x)/d > math.MaxInt32 {
		return fmt.Errorf("learners: %d points, an index holds at most %d", len(x)/d, math.MaxInt32)
	}
	return checkNorms(x, d, "training point")
}

// Len returns the number of indexed points.
func (ix *Index) Len() int { return ix.n }

// Dim returns the dimension of the indexed points.
func (ix *Index) Dim() int { return ix.d }

// Kind returns "kdtree" or "brute", the search structure in use.
func (ix *Index) Kind() string {
	if ix.kd != nil {
		return "kdtree"
	}
	return "brute"
}

// Search finds the k nearest indexed points to the query q (len(q) == Dim())
// and writes their training indices into ind and their Euclidean distances
// into dist, nearest first, with ties in distance broken by the lower
// training index (see Index for the exact definition). dist may be nil when
// only the indices are wanted.
//
// Search returns an error if k < 1 or k > Len(), q has the wrong length, a
// NaN or infinite entry or a norm above MaxNorm, len(ind) != k, or dist is
// not nil and len(dist) != k. On error ind and dist are left unchanged.
func (ix *Index) Search(q []float64, k int, ind []int, dist []float64) error {
	if err := ix.checkK(k); err != nil {
		return err
	}
	if err := checkNearQuery(q, ix.d); err != nil {
		return err
	}
	if err := checkOutputs(1, k, ind, dist); err != nil {
		return err
	}
	ix.searchRows(q, k, ind, dist)
	return nil
}

// SearchBatch runs Search for every row of the row-major query matrix q and
// writes the results row-major: the j nearest of query r go to
// ind[r*k+j] and dist[r*k+j]. dist may be nil. The rows are split into
// blocks searched by up to runtime.GOMAXPROCS(0) goroutines (the caller and
// long-lived helpers shared by all indices); each row's result does not
// depend on the split, so the output is deterministic. In steady state (once
// the index's scratch exists) SearchBatch does not allocate.
//
// SearchBatch returns an error if k < 1 or k > Len(), q is empty, len(q) is
// not a multiple of Dim() or q has a NaN or infinite entry or a row of norm
// above MaxNorm, len(ind) != r*k for r = len(q)/Dim() rows, or dist is not
// nil and len(dist) != r*k.
func (ix *Index) SearchBatch(q []float64, k int, ind []int, dist []float64) error {
	if err := ix.checkK(k); err != nil {
		return err
	}
	if err := CheckPoints(q, ix.d); err != nil {
		return err
	}
	if err := checkNorms(q, ix.d, "query row"); err != nil {
		return err
	}
	if err := checkOutputs(len(q)/ix.d, k, ind, dist); err != nil {
		return err
	}
	ix.searchRows(q, k, ind, dist)
	return nil
}

func (ix *Index) checkK(k int) error {
	if k < 1 || k > ix.n {
		return fmt.Errorf("learners: %d neighbours requested from an index of %d points, want 1 <= k <= %d", k, ix.n, ix.n)
	}
	return nil
}

func checkOutputs(rows, k int, ind []int, dist []float64) error {
	if len(ind) != rows*k {
		return fmt.Errorf("learners: len(ind) = %d, want %d rows x %d neighbours = %d", len(ind), rows, k, rows*k)
	}
	if dist != nil && len(dist) != rows*k {
		return fmt.Errorf("learners: len(dist) = %d, want %d rows x %d neighbours = %d", len(dist), rows, k, rows*k)
	}
	return nil
}

// searchRows searches the validated rows of q, in parallel when it pays. The
// rows are cut into blocks that the calling goroutine and the idle helpers
// of the package's fan-out (see fanOut) claim one at a time; a row's result
// does not depend on who searches it. In steady state it does not allocate.
func (ix *Index) searchRows(q []float64, k int, ind []int, dist []float64) {
	rows := len(q) / ix.d
	block := kdQueryBlock
	if ix.bf != nil {
		block = ix.bf.queryTile
	}
	blocks := (rows + block - 1) / block
	workers := min(runtime.GOMAXPROCS(0), blocks)
	if workers <= 1 || rows*ix.n < minParallelWork {
		s := ix.getScratch()
		for b := 0; b < blocks; b++ {
			ix.searchBlock(s, q, k, ind, dist, b*block, min(rows, (b+1)*block))
		}
		ix.scratch.put(s)
		return
	}
	j, ok := searchJobs.get()
	if !ok {
		j = new(searchJob)
	}
	j.ix, j.q, j.k, j.ind, j.dist = ix, q, k, ind, dist
	j.rows, j.block, j.blocks = rows, block, blocks
	j.next.Store(0)
	fanOut(j, workers-1)
	*j = searchJob{}
	searchJobs.put(j)
}

const (
	// kdQueryBlock is the number of queries a k-d tree worker takes at a time.
	kdQueryBlock = 64
	// minParallelWork is the number of query-point pairs below which a batch
	// is searched on the calling goroutine.
	minParallelWork = 1 << 18
)

func (ix *Index) getScratch() any {
	if s, ok := ix.scratch.get(); ok {
		return s
	}
	if ix.kd != nil {
		return ix.kd.newSearch()
	}
	return ix.bf.newScratch()
}

// searchBlock searches query rows [lo, hi).
func (ix *Index) searchBlock(s any, q []float64, k int, ind []int, dist []float64, lo, hi int) {
	d := ix.d
	if ix.kd != nil {
		ks := s.(*kdSearch)
		for r := lo; r < hi; r++ {
			var dr []float64
			if dist != nil {
				dr = dist[r*k : (r+1)*k]
			}
			ks.search(q[r*d:(r+1)*d], k, ind[r*k:(r+1)*k], dr)
		}
		return
	}
	var dr []float64
	if dist != nil {
		dr = dist[lo*k : hi*k]
	}
	ix.bf.searchTile(s.(*bruteScratch), q[lo*d:hi*d], k, ind[lo*k:hi*k], dr)
}

// sqDist returns the canonical squared distance between a and b (see Index):
// the squares are rounded before each addition, which forbids fused
// multiply-adds, and summed in coordinate order.
func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for i, v := range a {
		t := v - b[i]
		s += float64(t * t)
	}
	return s
}

// nearer reports whether the candidate (s, i) precedes (t, j) in the
// neighbour order: smaller squared distance, then lower index.
func nearer(s float64, i int32, t float64, j int32) bool {
	return s < t || (s == t && i < j)
}

// kHeap holds the k nearest candidates seen so far as a max-heap in the
// neighbour order, so that the farthest kept candidate is at the root.
type kHeap struct {
	s   []float64
	idx []int32
	k   int
	// ws and wi are the farthest kept candidate once the heap is full and
	// (+Inf, MaxInt32) before, so that "nearer than (ws, wi)" is the
	// admission test in both cases.
	ws float64
	wi int32
}

func (h *kHeap) reset(k int) {
	if cap(h.s) < k {
		h.s = make([]float64, 0, k)
		h.idx = make([]int32, 0, k)
	}
	h.s = h.s[:0]
	h.idx = h.idx[:0]
	h.k = k
	h.ws = math.Inf(1)
	h.wi = math.MaxInt32
}

// push adds (s, i), which must be nearer than (h.ws, h.wi).
func (h *kHeap) push(s float64, i int32) {
	if len(h.s) < h.k {
		h.s = append(h.s, s)
		h.idx = append(h.idx, i)
		// Sift up.
		c := len(h.s) - 1
		for c > 0 {
			p := (c - 1) / 2
			if !nearer(h.s[p], h.idx[p], s, i) {
				break
			}
			h.s[c], h.idx[c] = h.s[p], h.idx[p]
			c = p
		}
		h.s[c], h.idx[c] = s, i
		if len(h.s) == h.k {
			h.ws, h.wi = h.s[0], h.idx[0]
		}
		return
	}
	h.siftDown(0, len(h.s), s, i)
	h.ws, h.wi = h.s[0], h.idx[0]
}

// siftDown places (s, i) at position p of the heap h.s[:n] and sifts it down.
func (h *kHeap) siftDown(p, n int, s float64, i int32) {
	for {
		c := 2*p + 1
		if c >= n {
			break
		}
		if c+1 < n && nearer(h.s[c], h.idx[c], h.s[c+1], h.idx[c+1]) {
			c++
		}
		if !nearer(s, i, h.s[c], h.idx[c]) {
			break
		}
		h.s[p], h.idx[p] = h.s[c], h.idx[c]
		p = c
	}
	h.s[p], h.idx[p] = s, i
}

// drain writes the kept candidates nearest first into ind and, if dist is
// not nil, their distances sqrt(s) into dist; it empties the heap.
func (h *kHeap) drain(ind []int, dist []float64) {
	for n := len(h.s); n > 0; n-- {
		s, i := h.s[0], h.idx[0]
		last := n - 1
		if last > 0 {
			h.siftDown(0, last, h.s[last], h.idx[last])
		}
		ind[last] = int(i)
		if dist != nil {
			dist[last] = math.Sqrt(s)
		}
	}
	h.s = h.s[:0]
	h.idx = h.idx[:0]
}
