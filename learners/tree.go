package learners

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// MaxTreePoints is the largest training set a Tree or Forest accepts: the
// split search compares Gini scores exactly in integers (see Tree), whose
// numerators n_L n_R n stay below 2^63 for n <= 2^21.
const MaxTreePoints = 1 << 21

// Tree is the CART classification tree with Gini impurity. Fit grows it
// from the root: a node becomes a leaf when its points all have one label,
// when it is at depth MaxDepth (if MaxDepth > 0), or when no split leaves
// at least MinLeaf points on each side (no split at all if its points
// coincide); otherwise it is split by the axis-aligned rule x_f <= t that
// minimises the weighted Gini impurity of the children,
//
//	n_L G_L + n_R G_R,  G = 1 - sum_c (n_c / n)^2,
//
// equivalently that maximises s_L / n_L + s_R / n_R with s = sum_c n_c^2.
// The scores are compared exactly (integer cross-products), and ties go to
// the lower feature f, then to the lower threshold t. Thresholds are
// midpoints a/2 + b/2 between consecutive distinct values a < b of the
// node's points (a itself if the midpoint rounds to b). A split is made
// even when it does not lower the impurity (an XOR needs one), so with the
// zero limits the tree is grown to purity: on distinct training points
// every leaf holds one label and the tree interpolates its training data,
// whatever the labels. A leaf answers the majority label of its points, ties
// to the lower class.
//
// The search presorts the points once per feature (O(D m log m)) and keeps
// each node's points in that order as the tree grows, partitioning the
// orders stably at every split, so that each level of the tree costs
// O(D m): the split search is one pass over each feature's order.
type Tree struct {
	// MaxDepth is the largest depth of a node (the root has depth 0);
	// 0 means no limit.
	MaxDepth int
	// MinLeaf is the smallest number of training points in a leaf; 0 means
	// 1.
	MinLeaf int
}

// validate returns an error for bad parameters (not data).
func (l Tree) validate() error {
	if l.MaxDepth < 0 {
		return fmt.Errorf("learners: tree MaxDepth = %d, want >= 0 (0 for no limit)", l.MaxDepth)
	}
	if l.MinLeaf < 0 {
		return fmt.Errorf("learners: tree MinLeaf = %d, want >= 0 (0 for 1)", l.MinLeaf)
	}
	return nil
}

// checkTreeData validates train for the tree learners.
func checkTreeData(train Dataset) error {
	if err := train.Validate(); err != nil {
		return err
	}
	if train.Len() > MaxTreePoints {
		return fmt.Errorf("learners: tree with %d training points, at most MaxTreePoints = %d supported", train.Len(), MaxTreePoints)
	}
	return nil
}

// Fit validates train (see Dataset.Validate) and the limits, grows the tree
// and returns a *TreeClassifier. It returns an error if train is invalid or
// has more than MaxTreePoints points, or MaxDepth or MinLeaf is negative.
// The tree is a function of train alone: Fit draws no random numbers.
func (l Tree) Fit(train Dataset) (Classifier, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	if err := checkTreeData(train); err != nil {
		return nil, err
	}
	cols := columns(train)
	g := newTreeGrower(cols, train.Y, train.D, presort(cols, train.D, train.Len()), treeParams{maxDepth: l.MaxDepth, minLeaf: max(1, l.MinLeaf)})
	return g.grow(nil, train.K), nil
}

// columns returns the features of train column by column: feature f of
// point i at index f*n + i.
func columns(train Dataset) []float64 {
	n, d := train.Len(), train.D
	cols := make([]float64, n*d)
	for i := range n {
		for f, v := range train.Row(i) {
			cols[f*n+i] = v
		}
	}
	return cols
}

// presort returns, for each feature f, the points 0..n-1 sorted by their
// value of f, ties by the lower index, at order[f*n : (f+1)*n].
func presort(cols []float64, d, n int) []int32 {
	order := make([]int32, n*d)
	for f := range d {
		o := order[f*n : (f+1)*n]
		v := cols[f*n : (f+1)*n]
		for i := range o {
			o[i] = int32(i)
		}
		slices.SortStableFunc(o, func(a, b int32) int {
			switch {
			case v[a] < v[b]:
				return -1
			case v[a] > v[b]:
				return 1
			}
			return 0
		})
	}
	return order
}

// treeParams are the growth limits of one tree; features > 0 asks for
// feature subsampling (Forest).
type treeParams struct {
	maxDepth, minLeaf int
	features          int
}

// treeGrower grows one tree on n sample points given column-wise (the value
// of feature f of sample point p at cols[f*n+p]) with labels y, and their
// orders per feature (order[f*n:(f+1)*n], ascending by value).
type treeGrower struct {
	cols  []float64
	y     []int
	d, n  int
	order []int32
	p     treeParams

	// scratch
	left   []bool  // left[p]: sample point p goes to the left child
	buf    []int32 // partition buffer
	countL []int   // class counts of the left part during a scan
	countR []int
	perm   []int // feature permutation for subsampling
	tree   *TreeClassifier
}

func newTreeGrower(cols []float64, y []int, d int, order []int32, p treeParams) *treeGrower {
	n := len(y)
	votes := 0
	for _, c := range y {
		votes = max(votes, c+1)
	}
	return &treeGrower{
		cols: cols, y: y, d: d, n: n, order: order, p: p,
		left:   make([]bool, n),
		buf:    make([]int32, n),
		countL: make([]int, votes),
		countR: make([]int, votes),
		perm:   make([]int, d),
	}
}

// treeTask is a node to grow: its sample points are order[f*n+lo : f*n+hi]
// for every f.
type treeTask struct {
	node, lo, hi, depth int
}

// grow grows the tree (drawing feature subsets from rng when
// p.features > 0) and returns its classifier with k classes.
func (g *treeGrower) grow(rng *rand.Rand, k int) *TreeClassifier {
	t := &TreeClassifier{d: g.d, k: k}
	g.tree = t
	t.addNode()
	stack := []treeTask{{node: 0, lo: 0, hi: g.n, depth: 0}}
	for len(stack) > 0 {
		task := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		t.depth = max(t.depth, task.depth)
		f, thr, cut, ok := g.split(task, rng)
		if !ok {
			t.label[task.node] = int32(g.majority(task.lo, task.hi))
			t.leaves++
			continue
		}
		g.partition(task.lo, task.hi, f, cut)
		l, r := t.addNode(), t.addNode()
		t.feature[task.node] = int32(f)
		t.threshold[task.node] = thr
		t.child[task.node] = int32(l)
		// Right first on the stack, so the left subtree is grown first:
		// the node numbering is depth-first, left before right.
		stack = append(stack,
			treeTask{node: r, lo: cut, hi: task.hi, depth: task.depth + 1},
			treeTask{node: l, lo: task.lo, hi: cut, depth: task.depth + 1})
	}
	g.tree = nil
	return t
}

// majority returns the most frequent label among the node's points, ties
// to the lower class.
func (g *treeGrower) majority(lo, hi int) int {
	o := g.order[lo:hi] // feature 0's order: any holds the node's points
	best, bestCount := 0, 0
	for _, p := range o {
		c := g.y[p]
		g.countL[c]++
		if n := g.countL[c]; n > bestCount || (n == bestCount && c < best) {
			best, bestCount = c, n
		}
	}
	for _, p := range o {
		g.countL[g.y[p]] = 0
	}
	return best
}

// split returns the best split of the node (feature, threshold, and the
// position cut in [lo, hi) where its right part starts in every order), or
// ok = false if the node is a leaf.
func (g *treeGrower) split(task treeTask, rng *rand.Rand) (feature int, thr float64, cut int, ok bool) {
	lo, hi := task.lo, task.hi
	n := hi - lo
	if n < 2*g.p.minLeaf || (g.p.maxDepth > 0 && task.depth >= g.p.maxDepth) {
		return 0, 0, 0, false
	}
	// Class totals of the node, into countR; pure nodes are leaves.
	o := g.order[lo:hi]
	var sTot uint64
	classes := 0
	for _, p := range o {
		c := g.y[p]
		if g.countR[c] == 0 {
			classes++
		}
		sTot += 2*uint64(g.countR[c]) + 1
		g.countR[c]++
	}
	defer func() {
		for _, p := range o {
			g.countR[g.y[p]] = 0
		}
	}()
	if classes == 1 {
		return 0, 0, 0, false
	}
	best := treeSplit{feature: -1}
	if g.p.features <= 0 || g.p.features >= g.d {
		for f := range g.d {
			if g.scan(f, lo, hi, sTot, &best) {
				break
			}
		}
	} else {
		// Feature subsampling: the first p.features features of a random
		// permutation, and more, one at a time, while none of them has a
		// valid split (so that a forest's trees are still grown to
		// purity). The best split among those inspected wins, ties by
		// the lower feature and threshold whatever the order of
		// inspection.
		for i := range g.perm {
			g.perm[i] = i
		}
		for i := range g.d {
			j := i + rng.IntN(g.d-i)
			g.perm[i], g.perm[j] = g.perm[j], g.perm[i]
			g.scan(g.perm[i], lo, hi, sTot, &best)
			if i+1 >= g.p.features && best.feature >= 0 {
				break
			}
		}
	}
	if best.feature < 0 {
		return 0, 0, 0, false
	}
	return best.feature, best.thr, lo + best.nL, true
}

// treeSplit is the best split seen: the score s_L/n_L + s_R/n_R as the
// fraction num/den, the feature, the threshold and the size of the left part.
type treeSplit struct {
	num, den uint64
	feature  int
	thr      float64
	nL       int
}

// better reports whether the score num/den with feature f and threshold t
// beats s: a higher score, or an equal one at a lower feature, or at the
// same feature a lower threshold. The scores are compared as exact 128-bit
// cross-products.
func (s *treeSplit) better(num, den uint64, f int, t float64) bool {
	if s.feature < 0 {
		return true
	}
	ah, al := bits.Mul64(num, s.den)
	bh, bl := bits.Mul64(s.num, den)
	if ah != bh || al != bl {
		return ah > bh || (ah == bh && al > bl)
	}
	return f < s.feature || (f == s.feature && t < s.thr)
}

// scan runs the split search of feature f over the node [lo, hi), whose
// class totals are in countR with sum of squares sTot, updating best. It
// leaves countR as it found it and countL all zero, and reports whether a
// split with both children pure was found on feature f (no later feature
// can beat it).
func (g *treeGrower) scan(f, lo, hi int, sTot uint64, best *treeSplit) bool {
	o := g.order[f*g.n+lo : f*g.n+hi]
	v := g.cols[f*g.n : (f+1)*g.n]
	n := hi - lo
	minLeaf := g.p.minLeaf
	if v[o[0]] == v[o[n-1]] {
		return false // constant on the node
	}
	var sL uint64
	sR := sTot
	for i := 0; i < n-1; i++ {
		c := g.y[o[i]]
		sL += 2*uint64(g.countL[c]) + 1
		sR -= 2*uint64(g.countR[c]) - 1
		g.countL[c]++
		g.countR[c]--
		nL := i + 1
		nR := n - nL
		if nL < minLeaf || nR < minLeaf {
			continue
		}
		a, b := v[o[i]], v[o[i+1]]
		if !(a < b) {
			continue
		}
		// s_L/n_L + s_R/n_R = (s_L n_R + s_R n_L) / (n_L n_R).
		num := sL*uint64(nR) + sR*uint64(nL)
		den := uint64(nL) * uint64(nR)
		t := a/2 + b/2
		if !(a <= t && t < b) {
			t = a
		}
		if best.better(num, den, f, t) {
			*best = treeSplit{num: num, den: den, feature: f, thr: t, nL: nL}
		}
	}
	// Restore: move every point back to the right.
	for _, p := range o {
		c := g.y[p]
		if g.countL[c] > 0 {
			g.countR[c] += g.countL[c]
			g.countL[c] = 0
		}
	}
	// Both children pure: score n, the largest possible.
	return best.feature == f && best.num == uint64(n)*best.den
}

// partition splits the node [lo, hi) at cut for every feature's order,
// stably: the points of feature f's order with value <= the threshold (the
// first cut - lo of them) move to the front, keeping their order.
func (g *treeGrower) partition(lo, hi, f, cut int) {
	o := g.order[f*g.n+lo : f*g.n+hi]
	for i, p := range o {
		g.left[p] = i < cut-lo
	}
	for h := range g.d {
		if h == f {
			continue
		}
		oh := g.order[h*g.n+lo : h*g.n+hi]
		nl := 0
		nr := 0
		for _, p := range oh {
			if g.left[p] {
				oh[nl] = p
				nl++
			} else {
				g.buf[nr] = p
				nr++
			}
		}
		copy(oh[nl:], g.buf[:nr])
	}
}

// TreeClassifier is a fitted Tree. It is immutable and safe for concurrent
// use; it ignores rng.
//
// Node i is a leaf answering label[i] if feature[i] < 0; otherwise a point
// x goes to node child[i] if x[feature[i]] <= threshold[i] and to
// child[i] + 1 otherwise.
type TreeClassifier struct {
	feature   []int32
	threshold []float64
	child     []int32
	label     []int32
	d, k      int
	depth     int
	leaves    int
}

// addNode appends a leaf and returns its index.
func (t *TreeClassifier) addNode() int {
	t.feature = append(t.feature, -1)
	t.threshold = append(t.threshold, 0)
	t.child = append(t.child, -1)
	t.label = append(t.label, 0)
	return len(t.feature) - 1
}

// Dim returns the input dimension.
func (t *TreeClassifier) Dim() int { return t.d }

// Classes returns the number of classes K.
func (t *TreeClassifier) Classes() int { return t.k }

// Depth returns the depth of the deepest leaf (0 for a single leaf).
func (t *TreeClassifier) Depth() int { return t.depth }

// Leaves returns the number of leaves.
func (t *TreeClassifier) Leaves() int { return t.leaves }

// Nodes returns the number of nodes, 2 Leaves() - 1.
func (t *TreeClassifier) Nodes() int { return len(t.feature) }

// leaf returns the label of the leaf that x reaches.
func (t *TreeClassifier) leaf(x []float64) int {
	i := int32(0)
	for t.feature[i] >= 0 {
		if x[t.feature[i]] <= t.threshold[i] {
			i = t.child[i]
		} else {
			i = t.child[i] + 1
		}
	}
	return int(t.label[i])
}

// Predict returns the label of the leaf that x reaches. rng is ignored. It
// returns an error if x has the wrong length or a non-finite entry.
func (t *TreeClassifier) Predict(x []float64, _ *rand.Rand) (int, error) {
	if err := checkQuery(x, t.d); err != nil {
		return 0, err
	}
	return t.leaf(x), nil
}

// PredictBatch writes Predict of each row of x into dst. rng is ignored. It
// returns an error on ragged input, a length mismatch or a non-finite entry.
func (t *TreeClassifier) PredictBatch(x []float64, dst []int, _ *rand.Rand) error {
	if err := checkBatch(x, t.d, dst); err != nil {
		return err
	}
	for r := range dst {
		dst[r] = t.leaf(x[r*t.d : (r+1)*t.d])
	}
	return nil
}

// Root returns the split of the root node, x[feature] <= threshold going
// left, or feature = -1 if the tree is a single leaf.
func (t *TreeClassifier) Root() (feature int, threshold float64) {
	return int(t.feature[0]), t.threshold[0]
}
