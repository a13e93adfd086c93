package claims

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// This file holds the calibration machinery of claims S4, S5 and of
// CheckSampler: hidden multi-resolution partitions drawn after the learner
// is fitted (random halfspace trees), the Form-B calibration gap at every
// level, and the label-free analysis of a 1-NN teacher on the same
// positions that gives each level its tolerance and its certified minimal
// detectable deviation (MDD).
//
// Notation. Training positions X_1..X_m with labels y_i ~ eta(.|X_i), drawn
// independently; N evaluation points x_1..x_N; NN(j) the nearest training
// point of x_j (ties to the lower index, as learners.Index); a level is a
// partition of the evaluation points into cells B. For the answers h_t(x_j)
// of R classifiers fitted on R label sets (R = 1: one classifier),
//
//	S_Bc = (1/R) sum_t sum_{j in B} 1[h_t(x_j) = c],
//	T    = (1/N) sum_B 1/2 sum_c | S_Bc - sum_{j in B} ref_c(j) |,
//
// the calibration gap in total variation: with ref = eta(x_j) it is the
// weighted TV between each cell's answer rates and its mean posterior
// (Nakkiran-Bansal feature calibration, Form B); with ref = eta(X_NN(j)) it
// is the distance to the exact mean answers of a 1-NN teacher given the
// positions (a conformance statistic: no bias term).
//
// One 1-NN teacher on i.i.d. labels: S_Bc - sum_{j in B} eta_c(X_NN(j)) =
// sum_i n_iB (1[y_i = c] - eta_c(X_i)), with n_iB the number of points of B
// whose nearest training point is i, a centred sum of independent terms of
// variance V_Bc = sum_i n_iB^2 eta_c(X_i) (1 - eta_c(X_i)). Hence
//
//	E T_conformance <= spread = (1/N) sum_B 1/2 sum_c sqrt(V_Bc)    (Jensen)
//	E T_band        <= bias + spread,
//	bias = (1/N) sum_B 1/2 sum_c | sum_{j in B} (eta_c(X_NN(j)) - eta_c(x_j)) | <= A^.
//
// Changing one label y_i moves n_iB answers of each cell B from one class
// to another, so T moves by at most w_i = (1/N) sum_B n_iB = n_i / N, its
// Voronoi share; and as a function of y_i alone any such g has variance at
// most w_i^2 G_i / 2 under y_i ~ eta(.|X_i), with G_i = 1 - sum_c
// eta_c(X_i)^2 (Var g(Y) = 1/2 sum_{a,b} eta_a eta_b (g(a) - g(b))^2 <=
// c^2/2 sum_{a != b} eta_a eta_b). Freedman's martingale form of Bernstein
// (BoundedDifferencesBernstein) then gives, at every level at once (the
// influences do not depend on the partition),
//
//	|T - E T| <= radius = BoundedDifferencesBernstein(v, b, delta),
//	v = sum_i w_i^2 G_i / 2,  b = max_i w_i.
//
// R teachers on stratified label sets (stratifiedLabels, labelDesign): the
// same with each point's label replaced by the counts C_i of its R
// stratified draws, whose variance and range are far smaller (they are
// floor(R eta_c) or ceil(R eta_c)): V_Bc = sum_i n_iB^2 Var(C_ic)/R^2,
// v = sum_i w_i^2 tau_i / R^2, b = max_i w_i rho_i / R (strataStats).
//
// A randomized learner's own draws, fresh per query (the assumption under
// which CheckSampler certifies one), are N more independent variables of
// influence 1/N and variance at most 1/4 of it squared: they add 1/(4N) to
// v, 1/N to the range and N_B/4 to each V_Bc.
//
// MDD. A check that rejects when T > tol at delta rejects, with probability
// at least 1 - delta, every learner whose expected gap (over its labels)
// exceeds tol + radius and whose T concentrates with the same radius
// (Detectable): E T >= the gap of the expected answers (Jensen), and
// T >= E T - radius. The levels of a tree are nested, so the gap can only
// grow from a level to the next: a level-0 gap above the level-0 MDD is
// also rejected, and finer levels catch deviations that cancel in coarse
// cells.

// Partition sizes: treeSamplePerLeaf sample points per leaf build a tree;
// a level is resolved by the data when its cells hold at least
// cellPoints training and evaluation points on average; maxTreeDepth caps
// the finest level at 2^12 cells.
const (
	treeSamplePerLeaf = 32
	cellPoints        = 256
	maxTreeDepth      = 12
)

// cellTree is a random halfspace tree of depth D. Internal node n (heap
// order, the root is 1, the children of n are 2n and 2n+1) splits its region
// by the hyperplane u_n . x = t_n: u_n is uniform on the unit sphere and t_n
// lies at a uniform random quantile in [1/4, 3/4] of the projections of the
// independent sample points that reach the node. The nodes at depth l
// partition R^d into 2^l cells, and the partitions of successive depths are
// nested. Neither the directions nor the cuts depend on any label, and a
// tree drawn after a learner is fitted is hidden from it.
type cellTree struct {
	d, depth int
	dir      []float64 // node n at rows n-1 (d entries each)
	cut      []float64 // node n at n-1
}

// drawCellTree draws a tree of the given depth for dist from rng: the
// directions and quantiles from rng, and the cut points from
// treeSamplePerLeaf 2^depth points of dist drawn from rng.
func drawCellTree(dist gen.Distribution, rng *rand.Rand, depth int) cellTree {
	d := dist.Dim()
	nodes := 1<<depth - 1
	t := cellTree{d: d, depth: depth, dir: make([]float64, nodes*d), cut: make([]float64, nodes)}
	if depth == 0 {
		return t
	}
	s := treeSamplePerLeaf << depth
	x := gen.SampleX(dist, rng, s)
	order := make([]int, s)
	for i := range order {
		order[i] = i
	}
	proj := make([]float64, s)
	// lo[n], hi[n]: node n owns order[lo:hi].
	lo := make([]int, 2*nodes+2)
	hi := make([]int, 2*nodes+2)
	lo[1], hi[1] = 0, s
	for n := 1; n <= nodes; n++ {
		u := t.dir[(n-1)*d : n*d]
		for norm := 0.0; norm == 0; {
			for i := range u {
				u[i] = rng.NormFloat64()
			}
			norm = math.Sqrt(dot(u, u))
			if norm > 0 {
				for i := range u {
					u[i] /= norm
				}
			}
		}
		q := 0.25 + 0.5*rng.Float64()
		span := order[lo[n]:hi[n]]
		for _, i := range span {
			proj[i] = dot(u, x[i*d:(i+1)*d])
		}
		slices.SortFunc(span, func(a, b int) int {
			if proj[a] != proj[b] {
				if proj[a] < proj[b] {
					return -1
				}
				return 1
			}
			return a - b
		})
		r := 0
		switch len(span) {
		case 0:
		case 1:
			t.cut[n-1] = proj[span[0]]
		default:
			r = min(max(int(q*float64(len(span))), 1), len(span)-1)
			t.cut[n-1] = (proj[span[r-1]] + proj[span[r]]) / 2
			// Equal projections on both sides of the cut go right, as
			// leaf does: move r to the first of them.
			for r > 0 && proj[span[r-1]] >= t.cut[n-1] {
				r--
			}
		}
		lo[2*n], hi[2*n] = lo[n], lo[n]+r
		lo[2*n+1], hi[2*n+1] = lo[n]+r, hi[n]
	}
	return t
}

// leaf returns the leaf of x: the bits of its path from the root, the
// first split the most significant, so that its cell at level l is
// leaf >> (depth - l).
func (t cellTree) leaf(x []float64) int {
	n := 1
	for range t.depth {
		b := 0
		if dot(t.dir[(n-1)*t.d:n*t.d], x) >= t.cut[n-1] {
			b = 1
		}
		n = 2*n + b
	}
	return n - 1<<t.depth
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// treeDepth returns the depth of the finest level that m training and n
// evaluation points resolve, 2^depth <= min(m, n)/cellPoints, capped by
// maxTreeDepth and, if maxCells > 0, by 2^depth <= maxCells.
func treeDepth(m, n, maxCells int) int {
	depth := 0
	for depth < maxTreeDepth && 2<<depth <= min(m, n)/cellPoints && (maxCells <= 0 || 2<<depth <= maxCells) {
		depth++
	}
	return depth
}

// levels is a sequence of partitions of the evaluation points: level l
// has cells[l] cells and of[l][j] is the cell of evaluation point j. The
// levels of a tree are nested (leaf and depth are set): the cell of j at
// level l is leaf[j] >> (depth - l).
type levels struct {
	name  string   // of the whole family, e.g. "a random halfspace tree"
	names []string // of each level
	cells []int
	of    [][]int32
	leaf  []int32 // nested levels only
	depth int
}

func (lv levels) len() int { return len(lv.cells) }

func (lv levels) nested() bool { return lv.leaf != nil }

// treeLevels returns the levels 0..depth of t on eval.
func treeLevels(t cellTree, eval points) levels {
	n := eval.len()
	lv := levels{name: fmt.Sprintf("a random halfspace tree of depth %d", t.depth), leaf: make([]int32, n), depth: t.depth}
	for j := range lv.leaf {
		lv.leaf[j] = int32(t.leaf(eval.row(j)))
	}
	for l := 0; l <= t.depth; l++ {
		of := make([]int32, n)
		for j, b := range lv.leaf {
			of[j] = b >> (t.depth - l)
		}
		lv.names = append(lv.names, fmt.Sprintf("level %d (%d cells)", l, 1<<l))
		lv.cells = append(lv.cells, 1<<l)
		lv.of = append(lv.of, of)
	}
	return lv
}

// fixedLevels returns the given partitions of eval as levels.
func fixedLevels(name string, eval points, parts ...partition) levels {
	lv := levels{name: name}
	for _, p := range parts {
		of := make([]int32, eval.len())
		for j := range of {
			of[j] = int32(p.cellOf(eval.row(j)))
		}
		lv.names = append(lv.names, p.name)
		lv.cells = append(lv.cells, p.cells)
		lv.of = append(lv.of, of)
	}
	return lv
}

// partition is a fixed partition of the input space into cells
// 0..cells-1, with a name.
type partition struct {
	cells  int
	name   string
	cellOf func(x []float64) int
}

// wholeSpace is the partition with one cell: the overall class rates.
var wholeSpace = partition{cells: 1, name: "one cell (overall rates)", cellOf: func([]float64) int { return 0 }}

// cleanLabelPartition splits [0,1]^d by the clean label of a PairSwap
// distribution: the rows of the (clean label, prediction) matrix of S5.
func cleanLabelPartition(ps *gen.PairSwap) partition {
	return partition{cells: ps.Classes(), name: "clean label (rows of the confusion matrix)", cellOf: ps.CleanLabel}
}

// cellSums holds, per level, a cells x k table (row-major by cell).
type cellSums [][]float64

// newCellSums returns zero tables for lv and k classes.
func newCellSums(lv levels, k int) cellSums {
	s := make(cellSums, lv.len())
	for l, c := range lv.cells {
		s[l] = make([]float64, c*k)
	}
	return s
}

// addRows adds row(j) at the cell of j at every level (for nested levels:
// at the finest, then summed into the coarser ones).
func (s cellSums) addRows(lv levels, k, n int, row func(j int) []float64) {
	if lv.nested() {
		fine := make([]float64, len(s[lv.depth]))
		for j, b := range lv.leaf {
			t := fine[int(b)*k : (int(b)+1)*k]
			for c, v := range row(j) {
				t[c] += v
			}
		}
		for l := lv.depth; l >= 0; l-- {
			for i, v := range fine[:lv.cells[l]*k] {
				s[l][i] += v
			}
			if l > 0 {
				// Fold: cell b of level l-1 holds cells 2b and 2b+1 of l.
				for b := range lv.cells[l-1] {
					for c := range k {
						fine[b*k+c] = fine[2*b*k+c] + fine[(2*b+1)*k+c]
					}
				}
			}
		}
		return
	}
	for l, of := range lv.of {
		t := s[l]
		for j := range n {
			b := int(of[j]) * k
			for c, v := range row(j) {
				t[b+c] += v
			}
		}
	}
}

// addAnswers adds 1 at (cell of j, pred[j]) at every level.
func (s cellSums) addAnswers(lv levels, k int, pred []int) {
	one := make([][]float64, k)
	for c := range one {
		one[c] = make([]float64, k)
		one[c][c] = 1
	}
	s.addRows(lv, k, len(pred), func(j int) []float64 { return one[pred[j]] })
}

// gap returns (1/n) sum_B 1/2 sum_c |a_Bc/r - ref_Bc| at level l.
func (s cellSums) gap(l int, ref cellSums, r float64, n int) float64 {
	g := 0.0
	for i, v := range s[l] {
		g += math.Abs(v/r - ref[l][i])
	}
	return g / 2 / float64(n)
}

// stratifiedLabels draws r label sets for the points p from rng: for each
// point i, one V_i uniform on [0, 1) and one uniform permutation pi_i of
// 0..r-1, and the label of set t is gen.LabelAt(eta(X_i), (pi_i(t) + V_i)/r).
// Each set alone is a set of independent labels y_i ~ eta(.|X_i) ((pi_i(t)
// + V_i)/r is uniform on [0, 1), and the pairs (pi_i, V_i) are independent
// across points), so a learner fitted on it is fitted on i.i.d. noisy
// labels; across the sets the draws of one point are stratified, so the
// number of sets in which it has label c is floor(r eta_c) or
// ceil(r eta_c), and the mean answers of r 1-NN teachers fluctuate like
// 1/r rather than 1/sqrt(r). With r = 1 it is one i.i.d. set.
func stratifiedLabels(p points, r int, rng *rand.Rand) [][]int {
	out := make([][]int, r)
	for t := range out {
		out[t] = make([]int, p.len())
	}
	perm := make([]int, r)
	for i := range p.len() {
		v := rng.Float64()
		for t := range perm {
			perm[t] = t
		}
		for t := r - 1; t > 0; t-- {
			u := rng.IntN(t + 1)
			perm[t], perm[u] = perm[u], perm[t]
		}
		eta := p.posterior(i)
		for t := range out {
			out[t][i] = gen.LabelAt(eta, (float64(perm[t])+v)/float64(r))
		}
	}
	return out
}

// strataPieces returns the class counts C(V) = #{t < r: gen.LabelAt(eta,
// (t + V)/r) = c} of r stratified draws for one training point with
// posterior eta, as V runs over [0, 1) (a permutation of the sets does not
// change the counts): C is piecewise constant with at most k pieces, whose
// breakpoints are the fractional parts of r times the cumulative sums of
// eta; piece a has length lens[a] and counts counts[a], evaluated at its
// midpoint.
func strataPieces(eta []float64, r int) (lens []float64, counts [][]float64) {
	k := len(eta)
	breaks := []float64{0, 1}
	acc := 0.0
	for _, v := range eta[:k-1] {
		acc += v
		x := float64(r) * acc
		if f := x - math.Floor(x); f > 0 && f < 1 {
			breaks = append(breaks, f)
		}
	}
	slices.Sort(breaks)
	for i := 1; i < len(breaks); i++ {
		w := breaks[i] - breaks[i-1]
		if w <= 0 {
			continue
		}
		mid := (breaks[i] + breaks[i-1]) / 2
		cnt := make([]float64, k)
		for t := range r {
			cnt[gen.LabelAt(eta, (float64(t)+mid)/float64(r))]++
		}
		lens = append(lens, w)
		counts = append(counts, cnt)
	}
	return lens, counts
}

// strataStats summarises strataPieces(eta, r): varC[c] = Var C_c, and for
// the difference Delta(V, V') = 1/2 ||C(V) - C(V')||_1 of two independent
// V, V', tau = E[Delta^2]/2 and rho = max Delta. With r = 1 (one i.i.d.
// label) varC_c = eta_c (1 - eta_c), tau = (1 - sum_c eta_c^2)/2 and
// rho = 1 unless the label is certain.
func strataStats(eta []float64, r int, varC []float64) (tau, rho float64) {
	if r == 1 {
		// Rounding can leave 1 - sum_c eta_c^2 or eta_c (1 - eta_c) a
		// hair below 0 for an almost one-hot posterior: clamp at 0.
		g, positive := 1.0, 0
		for c, v := range eta {
			varC[c] = max(0, v*(1-v))
			g -= v * v
			if v > 0 {
				positive++
			}
		}
		if positive > 1 {
			rho = 1
		}
		return max(0, g/2), rho
	}
	lens, counts := strataPieces(eta, r)
	clear(varC)
	for c := range eta {
		mean := 0.0
		for a, w := range lens {
			mean += w * counts[a][c]
		}
		for a, w := range lens {
			d := counts[a][c] - mean
			varC[c] += w * d * d
		}
	}
	for a, wa := range lens {
		for b, wb := range lens {
			dist := 0.0
			for c := range eta {
				dist += math.Abs(counts[a][c] - counts[b][c])
			}
			dist /= 2
			tau += wa * wb * dist * dist / 2
			rho = max(rho, dist)
		}
	}
	return tau, rho
}

// labelDesign is the label fluctuation of the mean answers of r 1-NN
// teachers fitted on stratifiedLabels(r) (r = 1: one teacher on i.i.d.
// labels), given the positions: with C_i the class counts of point i's r
// draws,
//
//	vari_Bc = sum_i n_iB^2 Var(C_ic)/r^2     (the variance of the cell's noise)
//	v       = sum_i w_i^2 tau_i / r^2,  b = max_i w_i rho_i / r,
//
// the variances and the range of the Freedman-Bernstein bound: as a
// function of (pi_i, V_i) alone the mean answers move at the n_i points of
// i's Voronoi cell by 1/2 ||C(V) - C(V')||_1 / r each, so the gap moves by
// at most w_i rho_i / r, and any such function has variance at most
// (w_i/r)^2 E[Delta^2]/2.
type labelDesign struct {
	r    int
	vari cellSums
	v, b float64
}

// nnLevels is the label-free analysis of a 1-NN teacher on the training
// positions and evaluation points of a case, at every level of lv (see the
// notation at the top of this file), for one teacher on i.i.d. labels (iid)
// and for the mean of strata.r teachers on stratified labels.
type nnLevels struct {
	lv          levels
	n, k        int
	count       [][]int   // N_B per level
	eta         cellSums  // sum_{j in B} eta_c(x_j)
	atNN        cellSums  // sum_{j in B} eta_c(X_NN(j)): the 1-NN's mean answers
	bias        []float64 // per level
	border      float64   // A^ = (1/N) sum_j TV(eta(x_j), eta(X_NN(j)))
	iid, strata *labelDesign
}

// analyseLevels computes nnLevels with r stratified sets (r >= 1); nn[j] is
// the nearest training point of evaluation point j. The sums run in a fixed
// order, so the result is deterministic.
func analyseLevels(train, eval points, nn []int, lv levels, r int) *nnLevels {
	n, k, m := eval.len(), eval.k, train.len()
	a := &nnLevels{lv: lv, n: n, k: k, eta: newCellSums(lv, k), atNN: newCellSums(lv, k)}
	a.eta.addRows(lv, k, n, eval.posterior)
	a.atNN.addRows(lv, k, n, func(j int) []float64 { return train.posterior(nn[j]) })
	for l, c := range lv.cells {
		cnt := make([]int, c)
		for _, b := range lv.of[l] {
			cnt[b]++
		}
		a.count = append(a.count, cnt)
		bias := 0.0
		for i, v := range a.atNN[l] {
			bias += math.Abs(v - a.eta[l][i])
		}
		a.bias = append(a.bias, bias/2/float64(n))
	}
	for j, i := range nn {
		a.border += tv(eval.posterior(j), train.posterior(i))
	}
	a.border /= float64(n)

	designs := []*labelDesign{{r: 1, vari: newCellSums(lv, k)}}
	if r > 1 {
		designs = append(designs, &labelDesign{r: r, vari: newCellSums(lv, k)})
	}
	a.iid, a.strata = designs[0], designs[len(designs)-1]

	// Group the evaluation points by nearest training point (a counting
	// sort, stable in j), then count each group's points per cell.
	start := make([]int, m+1)
	for _, i := range nn {
		start[i+1]++
	}
	for i := range m {
		start[i+1] += start[i]
	}
	byNN := make([]int, n)
	next := slices.Clone(start[:m])
	for j, i := range nn {
		byNN[next[i]] = j
		next[i]++
	}
	varC := make([][]float64, len(designs))
	for d := range varC {
		varC[d] = make([]float64, k)
	}
	tau := make([]float64, len(designs))
	rho := make([]float64, len(designs))
	var cells []int32
	for i := range m {
		group := byNN[start[i]:start[i+1]]
		if len(group) == 0 {
			continue
		}
		eta := train.posterior(i)
		w := float64(len(group)) / float64(n)
		for d, ds := range designs {
			tau[d], rho[d] = strataStats(eta, ds.r, varC[d])
			rr := float64(ds.r)
			ds.v += w * w * tau[d] / (rr * rr)
			ds.b = max(ds.b, w*rho[d]/rr)
		}
		// Runs of equal cells: for nested levels sort the leaves once (a
		// run of leaves is a run at every coarser level); else per level.
		if lv.nested() {
			cells = cells[:0]
			for _, j := range group {
				cells = append(cells, lv.leaf[j])
			}
			slices.Sort(cells)
		}
		for l := range lv.len() {
			if !lv.nested() {
				cells = cells[:0]
				for _, j := range group {
					cells = append(cells, lv.of[l][j])
				}
				slices.Sort(cells)
			}
			shift := 0
			if lv.nested() {
				shift = lv.depth - l
			}
			for s := 0; s < len(cells); {
				b := cells[s] >> shift
				e := s
				for e < len(cells) && cells[e]>>shift == b {
					e++
				}
				nb := float64(e - s)
				base := int(b) * k
				for d, ds := range designs {
					rr := float64(ds.r)
					t := ds.vari[l][base : base+k]
					for c, vc := range varC[d] {
						t[c] += nb * nb * vc / (rr * rr)
					}
				}
				s = e
			}
		}
	}
	return a
}

// design returns the label design of r answer sets: iid for 1, strata for
// its r. It panics on another r (programmer error).
func (a *nnLevels) design(r int) *labelDesign {
	switch r {
	case 1:
		return a.iid
	case a.strata.r:
		return a.strata
	}
	panic(fmt.Sprintf("claims: no label design for %d answer sets (have 1 and %d)", r, a.strata.r))
}

// spread returns (1/N) sum_B 1/2 sum_c sqrt(vari_Bc [+ N_B/4]) at level l,
// the Jensen bound on the mean label fluctuation of the gap of the design's
// mean answers; randomized adds a learner's own per-query draws.
func (a *nnLevels) spread(l int, d *labelDesign, randomized bool) float64 {
	s := 0.0
	for b, nb := range a.count[l] {
		extra := 0.0
		if randomized {
			extra = float64(nb) / 4
		}
		for _, v := range d.vari[l][b*a.k : (b+1)*a.k] {
			s += math.Sqrt(v + extra)
		}
	}
	return s / 2 / float64(a.n)
}

// radius returns the Freedman-Bernstein radius at delta of the gap of the
// design's mean answers (and, if randomized, of a learner's fresh per-query
// draws: N more independent variables of influence 1/N and variance at
// most 1/(4 N^2) each).
func (a *nnLevels) radius(d *labelDesign, randomized bool, delta float64) float64 {
	v, b := d.v, d.b
	if randomized {
		v += 1 / (4 * float64(a.n))
		b = max(b, 1/float64(a.n))
	}
	return BoundedDifferencesBernstein(v, b, delta)
}

// levelCheck is one level's calibrated assertion: reject when gap >
// tolerance = bias + spread + radius (+ eps) + roundingSlack(N, k), with the
// level's certified MDD = tolerance + radius (Detectable). The rounding
// slack (about 1e-11 at N = 10^5) covers the float sums of the gap and of
// the posteriors, which matter only where the label noise vanishes (a
// stratified design with r eta_c integer at every point, e.g. r = 4 and
// eta in {0.25, 0.75}: then the mean of the r teachers is exactly its
// expectation).
type levelCheck struct {
	level, cells              int
	name                      string
	gap, bias, spread, radius float64
	eps, tolerance, mdd       float64
	delta                     float64 // the level's share of the check's delta
}

// calibrationKind selects the reference of a level check.
type calibrationKind int

const (
	// band compares the answers with the posterior at the evaluation
	// points, against the 1-NN tolerance bias + spread + radius: the
	// statement of claim S4 and the check of CheckSampler.
	band calibrationKind = iota
	// conformance compares the answers with the 1-NN teacher's exact mean
	// answers given the positions, against spread + radius (no bias).
	conformance
)

// checks returns the level checks of answer counts summed over r answer
// sets (r = 1, or the analysis's stratified r), each level at delta /
// levels, for a learner that is randomized or not, with slack eps added to
// each tolerance.
func (a *nnLevels) checks(kind calibrationKind, answers cellSums, r int, randomized bool, delta, eps float64) []levelCheck {
	d := a.design(r)
	nl := a.lv.len()
	dl := delta / float64(nl)
	rad := a.radius(d, randomized, dl)
	out := make([]levelCheck, nl)
	for l := range nl {
		lc := levelCheck{level: l, cells: a.lv.cells[l], name: a.lv.names[l], radius: rad, eps: eps, delta: dl,
			spread: a.spread(l, d, randomized)}
		ref := a.eta
		if kind == conformance {
			ref = a.atNN
		} else {
			lc.bias = a.bias[l]
		}
		lc.gap = answers.gap(l, ref, float64(r), a.n)
		lc.tolerance = lc.bias + lc.spread + lc.radius + eps + roundingSlack(a.n, a.k)
		lc.mdd = Detectable(lc.tolerance, rad)
		out[l] = lc
	}
	return out
}

// mdds returns the certified MDD of every level for the given kind, r
// answer sets and randomization, at delta split over the levels: it
// depends on the positions only.
func (a *nnLevels) mdds(kind calibrationKind, r int, randomized bool, delta float64) []float64 {
	lcs := a.checks(kind, newCellSums(a.lv, a.k), r, randomized, delta, 0)
	out := make([]float64, len(lcs))
	for l, lc := range lcs {
		out[l] = lc.mdd
	}
	return out
}

// deciding returns the index of the level with the smallest margin
// tolerance - gap (the largest excess when some level rejects).
func deciding(lcs []levelCheck) int {
	best := 0
	for l, lc := range lcs {
		if lc.tolerance-lc.gap < lcs[best].tolerance-lcs[best].gap {
			best = l
		}
	}
	return best
}

// smallestMDD returns the index of the level with the smallest MDD.
func smallestMDD(lcs []levelCheck) int {
	best := 0
	for l, lc := range lcs {
		if lc.mdd < lcs[best].mdd {
			best = l
		}
	}
	return best
}

// recordLevels records every level's assertion with c.Calibrated and
// returns the first rejecting level, or -1. In a falsifier one rejecting
// level suffices, so only the deciding level (the largest excess) is
// recorded: its margin is how far past its tolerance the falsifier was
// seen.
func recordLevels(c *Check, lcs []levelCheck) int {
	if c.rec != nil && c.rec.falsifier {
		lc := lcs[deciding(lcs)]
		if c.Calibrated(lc.gap, lc.tolerance, lc.mdd) {
			return lc.level
		}
		return -1
	}
	first := -1
	for l, lc := range lcs {
		if c.Calibrated(lc.gap, lc.tolerance, lc.mdd) && first < 0 {
			first = l
		}
	}
	return first
}

// cellExcess describes one cell of a level for a failure message: its
// share of the evaluation points, where its points lie (their mean), the
// answer rates against the reference rates, and its contribution to the
// gap beyond its own bias and spread.
type cellExcess struct {
	cell     int
	share    float64
	centroid []float64
	rates    []float64
	ref      []float64
	excess   float64
}

// worstCells returns the (at most) top cells of level l by excess: the
// cell's part of the gap minus its part of the bias and of the spread, so
// that the excesses add up to gap - bias - spread.
func (a *nnLevels) worstCells(kind calibrationKind, answers cellSums, r int, randomized bool, eval points, l, top int) []cellExcess {
	k, n := a.k, a.n
	ref := a.eta
	if kind == conformance {
		ref = a.atNN
	}
	rf := float64(r)
	vari := a.design(r).vari[l]
	var out []cellExcess
	for b, nb := range a.count[l] {
		if nb == 0 {
			continue
		}
		ce := cellExcess{cell: b, share: float64(nb) / float64(n), rates: make([]float64, k), ref: make([]float64, k)}
		e := 0.0
		extra := 0.0
		if randomized {
			extra = float64(nb) / 4
		}
		for c := range k {
			i := b*k + c
			ce.rates[c] = answers[l][i] / rf / float64(nb)
			ce.ref[c] = ref[l][i] / float64(nb)
			e += math.Abs(answers[l][i]/rf-ref[l][i]) - math.Sqrt(vari[i]+extra)
			if kind == band {
				e -= math.Abs(a.atNN[l][i] - a.eta[l][i])
			}
		}
		ce.excess = e / 2 / float64(n)
		out = append(out, ce)
	}
	slices.SortStableFunc(out, func(x, y cellExcess) int {
		switch {
		case x.excess > y.excess:
			return -1
		case x.excess < y.excess:
			return 1
		}
		return 0
	})
	out = out[:min(top, len(out))]
	for i := range out {
		out[i].centroid = make([]float64, eval.d)
	}
	for j, b := range a.lv.of[l] {
		for i := range out {
			if int(b) == out[i].cell {
				for t, v := range eval.row(j) {
					out[i].centroid[t] += v
				}
			}
		}
	}
	for i := range out {
		nb := float64(a.count[l][out[i].cell])
		for t := range out[i].centroid {
			out[i].centroid[t] /= nb
		}
	}
	return out
}

// describeCells formats cells for a message.
func describeCells(cells []cellExcess, refName string) string {
	var b strings.Builder
	for i, ce := range cells {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "cell %d (%.1f%% of the points, around x = %.2f): answer rates %.3f, %s %.3f, excess %.4f",
			ce.cell, 100*ce.share, ce.centroid, ce.rates, refName, ce.ref, ce.excess)
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// One case of the calibration checks.

// samplerCase is one case of the calibration checks (S4, S5, CheckSampler):
// training positions and evaluation points of a distribution, the exact
// nearest-neighbour index of the positions and the nearest training point
// of each evaluation point, and, once levels are set, the label-free 1-NN
// analysis at every level. Labels are drawn only when a learner is fitted.
type samplerCase struct {
	dist        gen.Distribution
	seed        uint64
	train, eval points
	index       *learners.Index
	nn          []int
	an          *nnLevels
	labels      *rand.Rand // training labels, one set per fit
	predict     *rand.Rand // a randomized classifier's own draws
}

// Stream identifiers of a samplerCase beyond gen's four.
const (
	streamPartition uint64 = 0x706172746974e6e  // the hidden partitions (from a partition seed)
	streamPredict   uint64 = 0x70726564696374a5 // a randomized classifier's draws
	streamContract  uint64 = 0x636f6e7472616374 // the contract cross-checks (from a partition seed)
)

// newSamplerCase draws m training positions and n evaluation points of
// dist from seed's streams (gen.NewStreams) and finds the nearest training
// point of each evaluation point. It draws no label.
func newSamplerCase(dist gen.Distribution, m, n int, seed uint64) (*samplerCase, error) {
	if m < 1 || n < 1 {
		return nil, fmt.Errorf("claims: sampler check needs m, n >= 1, got m = %d, n = %d", m, n)
	}
	st := gen.NewStreams(seed)
	sc := &samplerCase{
		dist:    dist,
		seed:    seed,
		train:   drawPoints(dist, st.Train, m),
		eval:    drawPoints(dist, st.Eval, n),
		labels:  st.Labels,
		predict: gen.NewStream(seed, streamPredict),
		nn:      make([]int, n),
	}
	var err error
	if sc.index, err = learners.NewIndex(sc.train.x, sc.train.d); err != nil {
		return nil, err
	}
	if err := sc.index.SearchBatch(sc.eval.x, 1, sc.nn, make([]float64, n)); err != nil {
		return nil, err
	}
	return sc, nil
}

// hiddenTree draws the random halfspace tree of the case from partitionSeed
// (a seed drawn after the learner is fitted, independent of its labels),
// as deep as the data resolve (treeDepth), and sets the case's levels to
// it, analysed for one teacher and for the mean of r stratified ones.
func (sc *samplerCase) hiddenTree(partitionSeed uint64, maxCells, r int) {
	depth := treeDepth(sc.train.len(), sc.eval.len(), maxCells)
	t := drawCellTree(sc.dist, gen.NewStream(partitionSeed, streamPartition), depth)
	sc.setLevels(treeLevels(t, sc.eval), r)
}

// setLevels sets the case's levels and analyses the 1-NN teacher on them,
// for one teacher and for the mean of r stratified ones.
func (sc *samplerCase) setLevels(lv levels, r int) {
	sc.an = analyseLevels(sc.train, sc.eval, sc.nn, lv, r)
}

// fit draws a fresh set of training labels and fits learner on it.
func (sc *samplerCase) fit(learner learners.Learner) (learners.Classifier, error) {
	y := sc.train.drawLabels(sc.labels)
	h, err := learner.Fit(sc.train.dataset(y))
	if err != nil {
		return nil, fmt.Errorf("fit: %w", err)
	}
	return h, nil
}

// answer predicts the evaluation points with h, drawing from the case's
// prediction stream, and checks the labels.
func (sc *samplerCase) answer(h learners.Classifier) ([]int, error) {
	pred := make([]int, sc.eval.len())
	if err := h.PredictBatch(sc.eval.x, pred, sc.predict); err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	if err := checkLabels(pred, sc.eval.k); err != nil {
		return nil, fmt.Errorf("predictions: %w", err)
	}
	return pred, nil
}

// replicates fits learner on r training label sets of the case drawn by
// stratifiedLabels (each a set of i.i.d. noisy labels) and returns its
// answers at the evaluation points for each.
func (sc *samplerCase) replicates(learner learners.Learner, r int) ([][]int, error) {
	out := make([][]int, r)
	for i, y := range stratifiedLabels(sc.train, r, sc.labels) {
		h, err := learner.Fit(sc.train.dataset(y))
		if err != nil {
			return nil, fmt.Errorf("fit: %w", err)
		}
		if out[i], err = sc.answer(h); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// counts returns the answer counts per level of the case's levels, summed
// over the answer sets given.
func (sc *samplerCase) counts(answers ...[]int) cellSums {
	s := newCellSums(sc.an.lv, sc.eval.k)
	for _, a := range answers {
		s.addAnswers(sc.an.lv, sc.eval.k, a)
	}
	return s
}

// calibrationRun is the calibration of answer sets on a case: the band
// check of the first set alone and the conformance check of their mean.
type calibrationRun struct {
	band, conf []levelCheck
	first, sum cellSums
	r          int
}

// calibrate runs both checks of answers (r = len(answers) sets of a
// deterministic learner) at delta, each split over the levels.
func (sc *samplerCase) calibrate(answers [][]int, delta float64) calibrationRun {
	run := calibrationRun{first: sc.counts(answers[0]), sum: sc.counts(answers...), r: len(answers)}
	run.band = sc.an.checks(band, run.first, 1, false, delta, 0)
	run.conf = sc.an.checks(conformance, run.sum, run.r, false, delta, 0)
	return run
}

// levelFailure describes the rejection of level l of run's check of kind.
func (sc *samplerCase) levelFailure(run calibrationRun, kind calibrationKind, l int) string {
	lc, counts, r, ref := run.band[l], run.first, 1, "mean posterior"
	if kind == conformance {
		lc, counts, r, ref = run.conf[l], run.sum, run.r, "1-NN mean answers"
	}
	return fmt.Sprintf("at %s of %s the gap %.4f > tolerance %.4f (bias %.4f + spread %.4f + radius %.4f; the level's MDD %.4f). Cells that decided: %s",
		lc.name, sc.an.lv.name, lc.gap, lc.tolerance, lc.bias, lc.spread, lc.radius, lc.mdd,
		describeCells(sc.an.worstCells(kind, counts, r, false, sc.eval, l, 3), ref))
}

// expectedGaps returns, per level, the gap (against the reference of kind)
// of the mean answers of a learner whose mean answer at evaluation point j
// is the 1-NN teacher's, eta(X_NN(j)), plus dev(j) (dev may return nil: no
// deviation): the exact gap of a mutant's expected answers given the
// positions, a lower bound on its expected gap (Jensen).
func (a *nnLevels) expectedGaps(kind calibrationKind, dev func(j int) []float64) []float64 {
	rows := make([]float64, a.n*a.k)
	for j := range a.n {
		if v := dev(j); v != nil {
			copy(rows[j*a.k:(j+1)*a.k], v)
		}
	}
	d := newCellSums(a.lv, a.k)
	d.addRows(a.lv, a.k, a.n, func(j int) []float64 { return rows[j*a.k : (j+1)*a.k] })
	for l := range d {
		for i := range d[l] {
			d[l][i] += a.atNN[l][i]
		}
	}
	ref := a.atNN
	if kind == band {
		ref = a.eta
	}
	out := make([]float64, a.lv.len())
	for l := range out {
		out[l] = d.gap(l, ref, 1, a.n)
	}
	return out
}

// shareRows returns the deviation function of a learner that answers as the
// 1-NN teacher except on the share q of the evaluation points that
// unitHash(x_j, salt) picks (as the mutants.go wrappers do), where its mean
// answer is row(j).
func (sc *samplerCase) shareRows(q float64, salt uint64, row func(j int) []float64) func(j int) []float64 {
	return func(j int) []float64 {
		if unitHash(sc.eval.row(j), salt) >= q {
			return nil
		}
		out := slices.Clone(row(j))
		for c, v := range sc.train.posterior(sc.nn[j]) {
			out[c] -= v
		}
		return out
	}
}

// shareDeviation is shareRows for a learner that answers the label
// label(j) on the shared points.
func (sc *samplerCase) shareDeviation(q float64, salt uint64, label func(j int) int) func(j int) []float64 {
	return sc.shareRows(q, salt, func(j int) []float64 {
		e := make([]float64, sc.eval.k)
		e[label(j)] = 1
		return e
	})
}

// bayesDeviation is the deviation function of majorityOnShare(1-NN, the
// Bayes classifier, q): on the share it answers the Bayes label.
func (sc *samplerCase) bayesDeviation(q float64) func(j int) []float64 {
	return sc.shareDeviation(q, saltShare, func(j int) int { return gen.BayesLabel(sc.eval.posterior(j)) })
}

// flipDeviation is the deviation function of flipAnswers(1-NN, q): on the
// points flipRows picks it answers the class the hash gives.
func (sc *samplerCase) flipDeviation(q float64) func(j int) []float64 {
	k := uint64(sc.eval.k)
	return sc.shareDeviation(q, saltFlip, func(j int) int { return int(positionHash(sc.eval.row(j), saltFlipClass) % k) })
}

// forecastLowerBounds returns, per level of the case, forecastGapLowerBound
// of the forecast answers.
func forecastLowerBounds(sc *samplerCase, forecast []int) []float64 {
	out := make([]float64, sc.an.lv.len())
	for l := range out {
		out[l], _ = forecastGapLowerBound(sc.eval, sc.an.lv.of[l], sc.an.lv.cells[l], forecast)
	}
	return out
}

// exceedsSome reports whether some level's value exceeds its threshold.
func exceedsSome(values, thresholds []float64) bool {
	for l, v := range values {
		if v > thresholds[l] {
			return true
		}
	}
	return false
}

// tolerances returns the tolerance of each level check.
func tolerances(lcs []levelCheck) []float64 {
	out := make([]float64, len(lcs))
	for l, lc := range lcs {
		out[l] = lc.tolerance
	}
	return out
}

// edgeFalsifier runs an edge falsifier of claim on the case: it chooses
// the strength q of mutant(q), whose mean answers deviate from the 1-NN
// teacher's by dev(q), so that the largest ratio of its expected
// conformance gap at a level to that level's MDD (r stratified teachers, at
// delta) lies in (1, 2] (edgeStrength from q0; for an MDD below 1/N, 1/N to
// 8/N); marks the case unresolved
// when no q <= 1 gets there; and fails unless the conformance check rejects
// r answer sets of the mutant. The mutants used (flips, the Bayes label on
// a share) answer independently of the labels where they deviate and as
// 1-NN elsewhere, so their gaps concentrate at least as well as 1-NN's:
// the rejection has probability at least 1 - delta/levels.
func edgeFalsifier(c *Check, claim string, sc *samplerCase, r int, delta, q0 float64, what string,
	dev func(q float64) func(int) []float64, mutant func(q float64) learners.Learner) {
	mdd := sc.an.mdds(conformance, r, false, delta)
	// Where the stratified noise vanishes (r eta_c integer at every point:
	// S5 with rho = 1/4 and r = 16) the MDD falls below 1/N, the weight of
	// one answer, and no mutant can be between 1 and 2 MDDs: the strength
	// is then aimed at a few answers' weight, 1/N to 8/N (a gap moves in
	// steps of a fraction of 1/N), still far above the MDD.
	target, hi := slices.Clone(mdd), 2.0
	for l := range target {
		if one := 1 / float64(sc.eval.len()); target[l] < one {
			target[l], hi = one, 8
		}
	}
	gapsAt := func(q float64) []float64 { return sc.an.expectedGaps(conformance, dev(q)) }
	q, ratio, level, ok := edgeStrength(q0, hi, target, gapsAt)
	if !ok {
		c.Unresolved("no strength q <= 1 puts %s between 1 and 2 MDDs (ratio %.2f at q = %.3f)", what, ratio, q)
	}
	gaps := gapsAt(q)
	name := fmt.Sprintf("%s at strength %.4f", what, q)
	c.Logf("%s edge: %s, expected gap %.4f = %.2f MDD at %s", claim, name, gaps[level], ratio, sc.an.lv.names[level])
	answers, err := sc.replicates(mutant(q), r)
	if err != nil {
		c.Fatalf("%s: %s: %v", claim, name, err)
	}
	run := sc.calibrate(answers, delta)
	if recordLevels(c, run.conf) < 0 {
		c.Fatalf("%s accepted %s on %v: at %s the conformance gap %.4f <= tolerance %.4f although the expected gap is %.4f > MDD %.4f",
			claim, name, sc.dist, sc.an.lv.names[level], run.conf[level].gap, run.conf[level].tolerance, gaps[level], mdd[level])
	}
}

// bandMustReject runs claim's band check (one teacher) on learner at delta
// and fails the falsifier unless some level rejects; guaranteed is the gap
// by level that the falsifier's power computation guaranteed (or expected),
// and detail, if not nil, adds to the message.
func bandMustReject(c *Check, claim string, sc *samplerCase, name string, learner learners.Learner, guaranteed []float64, delta float64, detail func(pred []int) string) {
	answers, err := sc.replicates(learner, 1)
	if err != nil {
		c.Fatalf("%s: %s: %v", claim, name, err)
	}
	run := sc.calibrate(answers, delta)
	if recordLevels(c, run.band) < 0 {
		l := deciding(run.band)
		more := ""
		if detail != nil {
			more = "; " + detail(answers[0])
		}
		c.Fatalf("%s accepted %s on %v: at %s T = %.4f <= %.4f (guaranteed T >= %.4f)%s",
			claim, name, sc.dist, sc.an.lv.names[l], run.band[l].gap, run.band[l].tolerance, guaranteed[l], more)
	}
}

// edgeStrength chooses the strength q in (0, 1] of a mutant whose expected
// gaps at strength q are gaps(q), so that the largest ratio of a level's
// expected gap to its MDD lies in (1, hi] (aiming at the middle by secant
// steps from q0, assuming the gaps grow about linearly in q; hi is 2 for
// an edge falsifier). It returns q, the ratio reached, the level of the
// largest ratio and ok = false when no q in (0, 1] reached the band.
func edgeStrength(q0, hi float64, mdd []float64, gaps func(q float64) []float64) (q, ratio float64, level int, ok bool) {
	measure := func(q float64) (float64, int) {
		best, at := 0.0, 0
		for l, g := range gaps(q) {
			if r := g / mdd[l]; r > best {
				best, at = r, l
			}
		}
		return best, at
	}
	aim := (1 + hi) / 2
	q = q0
	for range 4 {
		ratio, level = measure(q)
		if ratio > 1 && ratio <= hi {
			return q, ratio, level, true
		}
		if ratio == 0 {
			return q, ratio, level, false
		}
		next := min(1, q*aim/ratio)
		if next == q {
			break
		}
		q = next
	}
	return q, ratio, level, ratio > 1 && ratio <= hi
}
