package learners

import (
	"math"
	"math/bits"
	"sort"
	"sync"
)

// kdLeafSize is the largest number of points in a k-d tree leaf for d >= 2;
// leaves hold between kdLeafSize/2 and kdLeafSize points. Measured at
// m = 20000 uniform points, leaves of about 5, 10 and 20 points were within
// noise of each other for d = 2 to 10. At d = 1 leaves are twice as large so
// that the tree's bookkeeping stays under the size of the data.
const kdLeafSize = 16

// kdParallelBuild is the number of rows from which the construction builds
// the two subtrees of a node concurrently.
const kdParallelBuild = 1 << 13

// kdSpreadSample is the number of rows from which the construction
// estimates the widest coordinate of a node.
const kdSpreadSample = 256

// leafSize returns the largest leaf of a k-d tree in dimension d.
func leafSize(d int) int {
	if d == 1 {
		return 2 * kdLeafSize
	}
	return kdLeafSize
}

// kdTree is a balanced k-d tree of fixed depth in implicit heap layout:
// node v has children 2v+1 and 2v+2, the internal nodes are 0..nInner-1 and
// leaf j is node nInner+j. All leaves have the same depth, so the arrays have
// no holes.
type kdTree struct {
	d int
	// pts holds the points reordered so that each leaf is a contiguous run
	// of rows; idx[r] is the training index of row r.
	pts []float64
	idx []int32
	// leafStart[j] .. leafStart[j+1] are the rows of leaf j.
	leafStart []int32
	// nodes[v] describes node v; one 16-byte record per node keeps the
	// descent to one cache line per level.
	nodes  []kdNode
	nInner int
}

// kdNode is a node of a kdTree. For an internal node the rows of the left
// subtree have coordinate dim <= split and those of the right subtree
// >= split; leaves use only minIdx.
type kdNode struct {
	split float64
	dim   int32
	// minIdx is the lowest training index below the node; it lets the
	// search skip subtrees that can only tie with the current k-th
	// neighbour.
	minIdx int32
}

func newKDTree(x []float64, d int) *kdTree {
	n := len(x) / d
	depth := 0
	for (n+(1<<depth)-1)>>depth > leafSize(d) {
		depth++
	}
	nLeaves := 1 << depth
	t := &kdTree{
		d:         d,
		pts:       make([]float64, len(x)),
		idx:       make([]int32, n),
		leafStart: make([]int32, nLeaves+1),
		nodes:     make([]kdNode, 2*nLeaves-1),
		nInner:    nLeaves - 1,
	}
	copy(t.pts, x)
	for i := range t.idx {
		t.idx[i] = int32(i)
	}
	b := kdBuilder{t: t, key: make([]float64, n)}
	b.build(0, 0, n)
	t.leafStart[nLeaves] = int32(n)

	for v := len(t.nodes) - 1; v >= 0; v-- {
		if v >= t.nInner {
			j := v - t.nInner
			m := int32(math.MaxInt32)
			for _, i := range t.idx[t.leafStart[j]:t.leafStart[j+1]] {
				m = min(m, i)
			}
			t.nodes[v].minIdx = m
		} else {
			t.nodes[v].minIdx = min(t.nodes[2*v+1].minIdx, t.nodes[2*v+2].minIdx)
		}
	}
	return t
}

// kdBuilder partitions the rows of t.pts (and t.idx with them) in place, so
// that every pass of the construction reads memory sequentially.
type kdBuilder struct {
	t   *kdTree
	key []float64 // scratch: the split coordinate of the rows being partitioned
}

// build partitions rows [lo, hi) below node v.
func (b *kdBuilder) build(v, lo, hi int) {
	t := b.t
	if v >= t.nInner {
		t.leafStart[v-t.nInner] = int32(lo)
		return
	}
	d := t.d
	rows := t.pts[lo*d : hi*d]
	// The widest coordinate, the lowest one on ties, estimated from at most
	// about kdSpreadSample evenly spaced rows: the choice only shapes the
	// tree, never the results, and a full scan at every level cost as much
	// as the median selection.
	step := d * max(1, (hi-lo)/kdSpreadSample)
	dim, width := 0, -1.0
	for l := 0; l < d; l++ {
		// Plain comparisons: the data are finite, so the NaN and signed
		// zero handling of the min and max builtins is not needed.
		cMin, cMax := rows[l], rows[l]
		for r := l + step; r < len(rows); r += step {
			if c := rows[r]; c < cMin {
				cMin = c
			} else if c > cMax {
				cMax = c
			}
		}
		if w := cMax - cMin; w > width {
			dim, width = l, w
		}
	}
	key := b.key[lo:hi]
	for r := range key {
		key[r] = rows[r*d+dim]
	}
	mid := lo + (hi-lo)/2
	part := kdPartition{key: key, idx: t.idx[lo:hi], rows: rows, d: d}
	part.selectKth(mid - lo)
	t.nodes[v].dim = int32(dim)
	t.nodes[v].split = key[mid-lo]
	if hi-lo < kdParallelBuild {
		b.build(2*v+1, lo, mid)
		b.build(2*v+2, mid, hi)
		return
	}
	// The subtrees own disjoint rows, nodes and scratch.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.build(2*v+1, lo, mid)
	}()
	b.build(2*v+2, mid, hi)
	wg.Wait()
}

// kdPartition is a range of rows with their keys and training indices, all
// permuted together.
type kdPartition struct {
	key  []float64
	idx  []int32
	rows []float64
	d    int
}

func (p kdPartition) Len() int           { return len(p.key) }
func (p kdPartition) Less(i, j int) bool { return p.key[i] < p.key[j] }

func (p kdPartition) Swap(i, j int) {
	p.key[i], p.key[j] = p.key[j], p.key[i]
	p.idx[i], p.idx[j] = p.idx[j], p.idx[i]
	a := p.rows[i*p.d : (i+1)*p.d]
	b := p.rows[j*p.d : (j+1)*p.d]
	b = b[:len(a)]
	for l := range a {
		a[l], b[l] = b[l], a[l]
	}
}

// selectKth reorders p so that key[k] is the k-th smallest key,
// key[:k] <= key[k] and key[k+1:] >= key[k]. It is a deterministic
// quickselect with median-of-three pivots that falls back to sorting after
// O(log n) rounds, so it takes O(n log n) time at worst.
func (p kdPartition) selectKth(k int) {
	key := p.key
	lo, hi := 0, len(key)-1
	rounds := 2*bits.Len(uint(len(key))) + 4
	for hi > lo {
		if rounds == 0 {
			sort.Sort(kdPartition{key: key[lo : hi+1], idx: p.idx[lo : hi+1], rows: p.rows[lo*p.d : (hi+1)*p.d], d: p.d})
			return
		}
		rounds--
		// Median of three to key[lo].
		m := lo + (hi-lo)/2
		if key[m] < key[lo] {
			p.Swap(m, lo)
		}
		if key[hi] < key[lo] {
			p.Swap(hi, lo)
		}
		if key[hi] < key[m] {
			p.Swap(hi, m)
		}
		p.Swap(lo, m)
		pivot := key[lo]
		// Hoare partition: afterwards key[lo..j] <= pivot <= key[j+1..hi].
		i, j := lo, hi+1
		for {
			for i++; i <= hi && key[i] < pivot; i++ {
			}
			for j--; key[j] > pivot; j-- {
			}
			if i >= j {
				break
			}
			p.Swap(i, j)
		}
		p.Swap(lo, j)
		// Now key[j] == pivot, key[lo..j-1] <= pivot, key[j+1..hi] >= pivot.
		switch {
		case k < j:
			hi = j - 1
		case k > j:
			lo = j + 1
		default:
			return
		}
	}
}

// kdSearch is the per-goroutine state of a k-d tree search.
type kdSearch struct {
	t *kdTree
	q []float64
	// sq[l] is the rounded square of the distance from q to the current
	// node's cell along coordinate l, taken from the last split on l that
	// the search crossed (0 if none). Their sum in coordinate order is a
	// lower bound on the canonical squared distance from q to every point of
	// the cell, exactly in floating point: each term is at most the
	// corresponding term of the point's distance, because rounding is
	// monotone, and rounded addition is monotone too.
	sq []float64
	h  kHeap
}

func (t *kdTree) newSearch() *kdSearch {
	return &kdSearch{t: t, sq: make([]float64, t.d)}
}

// search writes the k nearest neighbours of q into ind and dist.
func (s *kdSearch) search(q []float64, k int, ind []int, dist []float64) {
	s.q = q
	clear(s.sq)
	s.h.reset(k)
	s.visit(0, 0)
	s.h.drain(ind, dist)
	s.q = nil
}

// visit searches the subtree of node v, whose cell is at canonical squared
// distance at least lb from the query.
func (s *kdSearch) visit(v int, lb float64) {
	t := s.t
	// Prune only when every point below v is strictly farther than the
	// current k-th neighbour, or ties it in distance with a higher index.
	nd := &t.nodes[v]
	if lb > s.h.ws || (lb == s.h.ws && nd.minIdx > s.h.wi) {
		return
	}
	if v >= t.nInner {
		s.scanLeaf(v - t.nInner)
		return
	}
	dim := nd.dim
	diff := s.q[dim] - nd.split
	// The side of the cut is a coin flip for the branch predictor: select
	// the children arithmetically.
	right := 0
	if diff >= 0 {
		right = 1
	}
	near := 2*v + 1 + right
	far := 4*v + 3 - near
	s.visit(near, lb)

	old := s.sq[dim]
	cut := float64(diff * diff)
	if cut > s.h.ws {
		// The ordered sum below is at least this single term.
		return
	}
	s.sq[dim] = cut
	var farLB float64
	for _, c := range s.sq {
		farLB += c
	}
	s.visit(far, farLB)
	s.sq[dim] = old
}

// scanLeaf offers every point of leaf j to the heap.
func (s *kdSearch) scanLeaf(j int) {
	t := s.t
	d := t.d
	lo, hi := int(t.leafStart[j]), int(t.leafStart[j+1])
	q := s.q
	h := &s.h
	switch d {
	case 1:
		q0 := q[0]
		for r := lo; r < hi; r++ {
			t0 := q0 - t.pts[r]
			dd := float64(t0 * t0)
			if i := t.idx[r]; nearer(dd, i, h.ws, h.wi) {
				h.push(dd, i)
			}
		}
	case 2:
		q0, q1 := q[0], q[1]
		for r := lo; r < hi; r++ {
			p := t.pts[2*r : 2*r+2]
			t0 := q0 - p[0]
			t1 := q1 - p[1]
			dd := float64(t0*t0) + float64(t1*t1)
			if i := t.idx[r]; nearer(dd, i, h.ws, h.wi) {
				h.push(dd, i)
			}
		}
	default:
		if d > 12 {
			s.scanLeafWide(lo, hi)
			return
		}
		// No early exit inside the sum: the exit branch mispredicts often
		// and serializes the scan, while full sums of independent rows
		// overlap in the pipeline.
		for r := lo; r < hi; r++ {
			p := t.pts[r*d : (r+1)*d]
			p = p[:len(q)]
			var dd float64
			for l, v := range q {
				u := v - p[l]
				dd += float64(u * u)
			}
			if i := t.idx[r]; nearer(dd, i, h.ws, h.wi) {
				h.push(dd, i)
			}
		}
	}
}

// scanLeafWide is scanLeaf for d > 12: it abandons a row once a partial sum,
// checked every 8 coordinates, exceeds the current k-th squared distance.
// Partial sums of non-negative terms only grow, so the exit is exact.
func (s *kdSearch) scanLeafWide(lo, hi int) {
	t := s.t
	d := t.d
	q := s.q
	h := &s.h
rows:
	for r := lo; r < hi; r++ {
		p := t.pts[r*d : (r+1)*d]
		p = p[:len(q)]
		var dd float64
		for l0 := 0; l0 < d; l0 += 8 {
			for l := l0; l < min(l0+8, d); l++ {
				u := q[l] - p[l]
				dd += float64(u * u)
			}
			if dd > h.ws {
				continue rows
			}
		}
		if i := t.idx[r]; nearer(dd, i, h.ws, h.wi) {
			h.push(dd, i)
		}
	}
}
