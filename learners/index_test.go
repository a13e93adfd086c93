package learners_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/learners"
)

// naiveSqDist is the canonical squared distance of learners.Index: rounded
// squares summed in coordinate order.
func naiveSqDist(a, b []float64) float64 {
	var s float64
	for l := range a {
		t := a[l] - b[l]
		s += float64(t * t)
	}
	return s
}

// naiveBatch runs naiveKNN on every row of the row-major queries q and
// returns the row-major k nearest indices and distances.
func naiveBatch(x []float64, d int, q []float64, k int) ([]int, []float64) {
	wantInd := make([]int, 0, len(q)/d*k)
	wantDist := make([]float64, 0, len(q)/d*k)
	for r := 0; r < len(q)/d; r++ {
		ind, dist := naiveKNN(x, d, q[r*d:(r+1)*d], k)
		wantInd = append(wantInd, ind...)
		wantDist = append(wantDist, dist...)
	}
	return wantInd, wantDist
}

// naiveKNN is the oracle: the first k training indices in the order
// (squared distance, index), and their distances. It scans the points in
// index order and keeps a sorted list, so a point that ties the list's k-th
// squared distance never enters it.
func naiveKNN(x []float64, d int, q []float64, k int) ([]int, []float64) {
	n := len(x) / d
	ind := make([]int, 0, k+1)
	sq := make([]float64, 0, k+1)
	for i := 0; i < n; i++ {
		s := naiveSqDist(q, x[i*d:(i+1)*d])
		if len(ind) == k && !(s < sq[k-1]) {
			continue
		}
		p := len(ind)
		ind = append(ind, i)
		sq = append(sq, s)
		for ; p > 0 && sq[p-1] > s; p-- {
			ind[p], sq[p] = ind[p-1], sq[p-1]
		}
		ind[p], sq[p] = i, s
		if len(ind) > k {
			ind, sq = ind[:k], sq[:k]
		}
	}
	dist := make([]float64, k)
	for j, s := range sq {
		dist[j] = math.Sqrt(s)
	}
	return ind, dist
}

// pointKind draws the shape of random data: "grid" puts coordinates on a
// small integer grid (many duplicates and distance ties), "uniform" draws
// them from [0,1), "far" puts a small grid far from the origin so that the
// Gram-matrix estimate of brute force loses all its digits, and "mixed"
// repeats a few points among uniform ones.
var pointKind = rapid.SampledFrom([]string{"grid", "uniform", "far", "mixed", "scaled"})

// drawPoints fills n points of dimension d of the given kind from rng.
func drawPoints(kind string, rng *rand.Rand, n, d int, pool []float64) []float64 {
	x := make([]float64, n*d)
	for i := 0; i < n; i++ {
		row := x[i*d : (i+1)*d]
		switch kind {
		case "grid":
			for l := range row {
				row[l] = float64(rng.IntN(3))
			}
		case "far":
			for l := range row {
				row[l] = 1e7 + rng.Float64()
			}
		case "mixed":
			if len(pool) >= d && rng.IntN(2) == 0 {
				r := rng.IntN(len(pool) / d)
				copy(row, pool[r*d:(r+1)*d])
				continue
			}
			for l := range row {
				row[l] = rng.Float64()
			}
		case "scaled":
			// Coordinates of very different magnitudes per point.
			scale := math.Ldexp(1, rng.IntN(40)-20)
			for l := range row {
				row[l] = scale * (rng.Float64() - 0.5)
			}
		default:
			for l := range row {
				row[l] = rng.Float64()
			}
		}
	}
	return x
}

// indexCase is a random index problem.
type indexCase struct {
	kind    string
	d, m, k int
	x, q    []float64
}

// drawIndexCase draws a problem whose size comes from one of three tiers,
// so that single-leaf, few-level and deeper k-d trees and several
// brute-force tiles all occur, and whose k is 1, small, or m.
func drawIndexCase(t *rapid.T, maxM int) indexCase {
	kind := pointKind.Draw(t, "kind")
	d := rapid.IntRange(1, 12).Draw(t, "d")
	tier := rapid.IntRange(0, 2).Draw(t, "tier")
	m := rapid.IntRange([]int{1, 17, maxM / 4}[tier], []int{16, maxM / 4, maxM}[tier]).Draw(t, "m")
	var k int
	switch rapid.IntRange(0, 2).Draw(t, "kMode") {
	case 0:
		k = 1
	case 1:
		k = rapid.IntRange(1, min(m, 30)).Draw(t, "k")
	default:
		k = m
	}
	nq := rapid.IntRange(1, 40).Draw(t, "queries")
	rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1))
	x := drawPoints(kind, rng, m, d, nil)
	// Half the queries are training points (exact duplicates hit s = 0).
	q := drawPoints(kind, rng, nq, d, x)
	for r := 0; r < nq; r += 2 {
		i := rng.IntN(m)
		copy(q[r*d:(r+1)*d], x[i*d:(i+1)*d])
	}
	return indexCase{kind: kind, d: d, m: m, k: k, x: x, q: q}
}

// indexBuilders are the index constructors under test; the tiled variants
// force several query and point tiles on small data, and both forms of the
// brute-force product.
var indexBuilders = map[string]func(x []float64, d int) (*learners.Index, error){
	"auto":   learners.NewIndex,
	"kdtree": learners.NewKDTree,
	"brute":  learners.NewBruteForce,
	"brute-tiles": func(x []float64, d int) (*learners.Index, error) {
		return learners.NewBruteForceTiles(x, d, 3, 7)
	},
	// Query tiles of at least 16 take the transposed (axpy) product.
	"brute-wide-tiles": func(x []float64, d int) (*learners.Index, error) {
		return learners.NewBruteForceTiles(x, d, 17, 5)
	},
}

func TestIndexMatchesOracle(t *testing.T) {
	for _, name := range []string{"auto", "kdtree", "brute", "brute-tiles", "brute-wide-tiles"} {
		build := indexBuilders[name]
		t.Run(name, rapid.MakeCheck(func(t *rapid.T) {
			c := drawIndexCase(t, 400)
			ix, err := build(c.x, c.d)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if ix.Len() != c.m || ix.Dim() != c.d {
				t.Fatalf("Len, Dim = %d, %d, want %d, %d", ix.Len(), ix.Dim(), c.m, c.d)
			}
			nq := len(c.q) / c.d
			ind := make([]int, nq*c.k)
			dist := make([]float64, nq*c.k)
			if err := ix.SearchBatch(c.q, c.k, ind, dist); err != nil {
				t.Fatalf("SearchBatch: %v", err)
			}
			one := make([]int, c.k)
			oneDist := make([]float64, c.k)
			for r := 0; r < nq; r++ {
				qr := c.q[r*c.d : (r+1)*c.d]
				wantInd, wantDist := naiveKNN(c.x, c.d, qr, c.k)
				for j := range wantInd {
					if ind[r*c.k+j] != wantInd[j] || dist[r*c.k+j] != wantDist[j] {
						t.Fatalf("SearchBatch row %d neighbour %d: got (%d, %v), want (%d, %v)",
							r, j, ind[r*c.k+j], dist[r*c.k+j], wantInd[j], wantDist[j])
					}
				}
				if err := ix.Search(qr, c.k, one, oneDist); err != nil {
					t.Fatalf("Search: %v", err)
				}
				for j := range wantInd {
					if one[j] != wantInd[j] || oneDist[j] != wantDist[j] {
						t.Fatalf("Search row %d neighbour %d: got (%d, %v), want (%d, %v)",
							r, j, one[j], oneDist[j], wantInd[j], wantDist[j])
					}
				}
			}
		}))
	}
}

// TestIndexLarge crosses the k-d tree's leaf buckets and many tree levels,
// its concurrent construction, and the default brute-force tiles, with
// integer-grid ties, at sizes rapid draws too rarely.
func TestIndexLarge(t *testing.T) {
	const nq = 60
	for _, d := range []int{1, 2, 3, 5, 12, 20} {
		// At d = 2 the tree is large enough to be built concurrently.
		m := 2000
		if d == 2 {
			m = 9000
		}
		for _, kind := range []string{"grid", "uniform"} {
			rng := rand.New(rand.NewPCG(uint64(d), 7))
			x := drawPoints(kind, rng, m, d, nil)
			q := drawPoints(kind, rng, nq, d, x)
			for _, k := range []int{1, 7} {
				wantInd, wantDist := naiveBatch(x, d, q, k)
				for name, build := range indexBuilders {
					ix, err := build(x, d)
					if err != nil {
						t.Fatal(err)
					}
					ind := make([]int, nq*k)
					dist := make([]float64, nq*k)
					if err := ix.SearchBatch(q, k, ind, dist); err != nil {
						t.Fatal(err)
					}
					for j := range ind {
						if ind[j] != wantInd[j] || dist[j] != wantDist[j] {
							t.Fatalf("%s d=%d %s k=%d row %d: got (%d, %v), want (%d, %v)",
								name, d, kind, k, j/k, ind[j], dist[j], wantInd[j], wantDist[j])
						}
					}
				}
			}
		}
	}
}

func TestIndexKind(t *testing.T) {
	x := make([]float64, 40*learners.KDTreeMaxDim)
	for i := range x {
		x[i] = float64(i % 7)
	}
	for _, tc := range []struct {
		build func([]float64, int) (*learners.Index, error)
		d     int
		want  string
	}{
		{learners.NewIndex, 1, "kdtree"},
		{learners.NewIndex, learners.KDTreeMaxDim, "kdtree"},
		{learners.NewIndex, 2 * learners.KDTreeMaxDim, "brute"},
		{learners.NewKDTree, 2 * learners.KDTreeMaxDim, "kdtree"},
		{learners.NewBruteForce, 1, "brute"},
	} {
		ix, err := tc.build(x, tc.d)
		if err != nil {
			t.Fatal(err)
		}
		if got := ix.Kind(); got != tc.want {
			t.Errorf("d=%d: Kind() = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestIndexErrors(t *testing.T) {
	good := []float64{0, 0, 1, 1, 2, 2}
	for _, tc := range []struct {
		name string
		x    []float64
		d    int
	}{
		{"empty", nil, 2},
		{"zero dimension", good, 0},
		{"negative dimension", good, -1},
		{"ragged", good[:5], 2},
		{"NaN", []float64{0, math.NaN()}, 2},
		{"Inf", []float64{math.Inf(-1), 0}, 2},
	} {
		for name, build := range indexBuilders {
			if _, err := build(tc.x, tc.d); err == nil {
				t.Errorf("%s: %s: no error", name, tc.name)
			}
		}
	}

	for name, build := range indexBuilders {
		ix, err := build(good, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			q    []float64
			k    int
			ind  []int
			dist []float64
		}{
			{"k=0", []float64{0, 0}, 0, []int{}, []float64{}},
			{"k<0", []float64{0, 0}, -1, []int{}, nil},
			{"k>n", []float64{0, 0}, 4, make([]int, 4), nil},
			{"short query", []float64{0}, 1, make([]int, 1), nil},
			{"long query", []float64{0, 0, 0}, 1, make([]int, 1), nil},
			{"NaN query", []float64{math.NaN(), 0}, 1, make([]int, 1), nil},
			{"Inf query", []float64{0, math.Inf(1)}, 1, make([]int, 1), nil},
			{"short ind", []float64{0, 0}, 2, make([]int, 1), nil},
			{"long dist", []float64{0, 0}, 1, make([]int, 1), make([]float64, 2)},
			{"empty dist", []float64{0, 0}, 1, make([]int, 1), []float64{}},
		} {
			if err := ix.Search(tc.q, tc.k, tc.ind, tc.dist); err == nil {
				t.Errorf("%s Search: %s: no error", name, tc.name)
			}
		}
		for _, tc := range []struct {
			name string
			q    []float64
			k    int
			ind  []int
			dist []float64
		}{
			{"empty batch", nil, 1, nil, nil},
			{"ragged batch", []float64{0, 0, 1}, 1, make([]int, 1), nil},
			{"NaN in batch", []float64{0, 0, 1, math.NaN()}, 1, make([]int, 2), nil},
			{"k=0", []float64{0, 0}, 0, []int{}, nil},
			{"k>n", []float64{0, 0}, 4, make([]int, 4), nil},
			{"short ind", []float64{0, 0, 1, 1}, 2, make([]int, 3), nil},
			{"long ind", []float64{0, 0, 1, 1}, 1, make([]int, 3), nil},
			{"short dist", []float64{0, 0, 1, 1}, 1, make([]int, 2), make([]float64, 1)},
		} {
			if err := ix.SearchBatch(tc.q, tc.k, tc.ind, tc.dist); err == nil {
				t.Errorf("%s SearchBatch: %s: no error", name, tc.name)
			}
		}
	}
}

// TestIndexCopiesData checks that an index does not alias the caller's slice.
func TestIndexCopiesData(t *testing.T) {
	for name, build := range indexBuilders {
		x := []float64{0, 0, 10, 10}
		ix, err := build(x, 2)
		if err != nil {
			t.Fatal(err)
		}
		x[0], x[1] = 100, 100
		ind := make([]int, 1)
		if err := ix.Search([]float64{1, 1}, 1, ind, nil); err != nil {
			t.Fatal(err)
		}
		if ind[0] != 0 {
			t.Errorf("%s: nearest to (1,1) = %d after the caller changed x, want 0", name, ind[0])
		}
	}
}

// TestIndexNormBound checks both sides of learners.MaxNorm. At the bound,
// points x = +-(MaxNorm/4) (1, ..., 1) in d = 16 (so ||x|| = MaxNorm) and
// queries -x have squared distance 4 MaxNorm^2 = 2^1022 exactly, the largest
// the index can meet, and every index kind (k-d tree, brute force with the
// assembly screen or gonum's product, every tile shape) returns the oracle's
// neighbours at finite distances; the farther point (index 0) never ties
// the nearer one. Beyond the bound the case, KNN{K: 1} on (0, 0)
// and (1e199, 0), is rejected at construction, and a query of norm 1e200 at
// search time, each with an error that names the point and MaxNorm.
func TestIndexNormBound(t *testing.T) {
	const d = 16
	c := learners.MaxNorm / 4
	x := make([]float64, 3*d)
	for l := range d {
		x[l], x[d+l], x[2*d+l] = c, -c, c/2 // the second point is -x_0
	}
	q := append(slices.Clone(x[d:2*d]), x[:d]...) // -x_0 = x_1, then x_0
	for l := range d {
		q[l] = -c / 2 // nearer to x_1 than to x_0 and x_2
	}
	for name, build := range indexBuilders {
		ix, err := build(x, d)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k := 1; k <= 3; k++ {
			ind := make([]int, 2*k)
			dist := make([]float64, 2*k)
			if err := ix.SearchBatch(q, k, ind, dist); err != nil {
				t.Fatal(err)
			}
			wantInd, wantDist := naiveBatch(x, d, q, k)
			for j := range wantInd {
				if math.IsInf(wantDist[j], 0) {
					t.Fatalf("oracle distance %v: the test does not stay within the bound", wantDist[j])
				}
				if ind[j] != wantInd[j] || dist[j] != wantDist[j] {
					t.Fatalf("%s k=%d entry %d: got (%d, %v), want (%d, %v)", name, k, j, ind[j], dist[j], wantInd[j], wantDist[j])
				}
			}
		}
		// The farthest pair: x_1 from x_0, squared distance 2^1022.
		ind, dist := make([]int, 3), make([]float64, 3)
		if err := ix.Search(x[:d], 3, ind, dist); err != nil {
			t.Fatal(err)
		}
		if ind[2] != 1 || dist[2] != 2*learners.MaxNorm {
			t.Errorf("%s: farthest neighbour of x_0 (%d, %v), want (1, %v)", name, ind[2], dist[2], 2*learners.MaxNorm)
		}
	}

	const tooFar = "learners: training point 1 has Euclidean norm 1e+199, above MaxNorm = 2^510 (about 3.352e+153), where squared distances can overflow; rescale the data"
	far := []float64{0, 0, 1e199, 0}
	for name, build := range indexBuilders {
		if _, err := build(far, 2); err == nil || err.Error() != tooFar {
			t.Errorf("%s: error %v, want %q", name, err, tooFar)
		}
	}
	if _, err := (learners.KNN{K: 1}).Fit(learners.Dataset{X: far, D: 2, Y: []int{0, 1}, K: 2}); err == nil || err.Error() != tooFar {
		t.Errorf("KNN.Fit: error %v, want %q", err, tooFar)
	}
	ix, err := learners.NewIndex([]float64{0, 0, 1, 0}, 2)
	if err != nil {
		t.Fatal(err)
	}
	const farQuery = "learners: query has Euclidean norm 1e+200, above MaxNorm = 2^510 (about 3.352e+153), where squared distances can overflow; rescale the data"
	if err := ix.Search([]float64{1e200, 0}, 1, make([]int, 1), nil); err == nil || err.Error() != farQuery {
		t.Errorf("Search: error %v, want %q", err, farQuery)
	}
	const farRow = "learners: query row 1 has Euclidean norm 1e+200, above MaxNorm = 2^510 (about 3.352e+153), where squared distances can overflow; rescale the data"
	if err := ix.SearchBatch([]float64{0, 0, 1e200, 0}, 1, make([]int, 2), nil); err == nil || err.Error() != farRow {
		t.Errorf("SearchBatch: error %v, want %q", err, farRow)
	}
	// A norm whose square overflows is reported finite, not +Inf.
	if _, err := learners.NewIndex([]float64{1e300, 1e300}, 2); err == nil || !strings.Contains(err.Error(), "norm 1.414e+300") {
		t.Errorf("NewIndex(1e300, 1e300): error %v, want the norm 1.414e+300", err)
	}
}

// TestIndexMemory checks that an index retains at most twice the memory of
// its training data (8 bytes per coordinate) plus 64 bytes.
func TestIndexMemory(t *testing.T) {
	for _, d := range []int{1, 2, 3, 8, 12, 20} {
		for _, n := range []int{1, 15, 16, 17, 33, 1000, 4097} {
			x := make([]float64, n*d)
			for name, build := range indexBuilders {
				ix, err := build(x, d)
				if err != nil {
					t.Fatal(err)
				}
				if got, limit := ix.Bytes(), 2*8*len(x)+64; got > limit {
					t.Errorf("%s d=%d n=%d: %d bytes, more than twice the data (%d)", name, d, n, got, limit)
				}
			}
		}
	}
}
