package learners_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// fuzzDataset reads a small dataset from b: n points of dimension d with
// features from b.float() (possibly non-finite) and labels in [0, k]
// (k itself invalid), then two extra query rows.
func fuzzDataset(b *kernBytes, n, d, k int) (learners.Dataset, []float64) {
	ds := learners.Dataset{X: make([]float64, n*d), D: d, Y: make([]int, n), K: k}
	for i := range ds.X {
		ds.X[i] = b.float()
	}
	for i := range ds.Y {
		ds.Y[i] = int(b.byte()) % (k + 1)
	}
	query := make([]float64, 2*d)
	for i := range query {
		query[i] = b.float()
	}
	return ds, append(slices.Clone(ds.X), query...)
}

// fuzzPredictions checks a fitted classifier on the rows of queries (d
// columns): each answer is an error exactly for an invalid row (valid
// tells), a label in [0, K) otherwise, and the batch (from the rng stream
// (1, 2)) equals the singles from the same stream. It returns the batch.
func fuzzPredictions(t *testing.T, who string, h learners.Classifier, queries []float64, d int, valid func([]float64) bool) []int {
	t.Helper()
	rows := len(queries) / d
	dst := make([]int, rows)
	batchErr := h.PredictBatch(queries, dst, rand.New(rand.NewPCG(1, 2)))
	if (batchErr == nil) != valid(queries) {
		t.Fatalf("%s: PredictBatch error %v, but batch valid = %v", who, batchErr, valid(queries))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for j := range rows {
		x := queries[j*d : (j+1)*d]
		y, err := h.Predict(x, rng)
		if (err == nil) != valid(x) {
			t.Fatalf("%s: Predict(%v) error %v, but query valid = %v", who, x, err, valid(x))
		}
		if err != nil {
			continue
		}
		if y < 0 || y >= h.Classes() {
			t.Fatalf("%s: Predict = %d, want [0, %d)", who, y, h.Classes())
		}
		if batchErr == nil && y != dst[j] {
			t.Fatalf("%s: row %d: Predict %d, PredictBatch %d", who, j, y, dst[j])
		}
	}
	if err := h.PredictBatch(queries[1:], dst[1:], nil); err == nil && d > 1 {
		t.Fatalf("%s: ragged batch accepted", who)
	}
	return dst
}

// distinctRows reports whether the rows of x (d columns) are pairwise
// different.
func distinctRows(x []float64, d int) bool {
	n := len(x) / d
	for i := range n {
		for j := range i {
			if slices.Equal(x[i*d:(i+1)*d], x[j*d:(j+1)*d]) {
				return false
			}
		}
	}
	return true
}

// FuzzTree turns arbitrary bytes into a small dataset (possibly invalid),
// tree or forest parameters (possibly invalid) and queries, and checks that
// Tree, Forest and ForestSampler never panic, fail to fit exactly on invalid
// data or parameters, answer labels in range with batch equal to singles,
// are reproducible, and that a tree grown to purity interpolates distinct
// points.
//
//	go test ./learners -run='^$' -fuzz=FuzzTree -fuzztime=30s
func FuzzTree(f *testing.F) {
	f.Add([]byte{5, 1, 0, 0, 0, 0, 3, 7, 0, 0, 0, 16, 0, 32, 0, 48, 0, 64, 1, 0, 1, 1, 0})
	f.Add([]byte{11, 2, 2, 1, 2, 1, 4, 2, 9, 0, 40, 0, 1, 0, 200, 0, 3, 0, 17, 0, 99, 0, 250, 0, 7})
	f.Add([]byte{7, 1, 1, 2, 255, 1, 2, 3, 0, 8, 0, 8, 0, 8, 0, 8, 0, 8, 0, 8, 0, 1, 2, 0, 1, 2, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := kernBytes(data)
		n := 1 + int(b.byte()%12)
		d := 1 + int(b.byte()%3)
		k := 2 + int(b.byte()%4)
		mode := b.byte() % 3
		maxDepth := int(int8(b.byte())) % 8
		minLeaf := int(int8(b.byte())) % 4
		trees := int(int8(b.byte())) % 8
		features := int(int8(b.byte())) % 5
		seed := uint64(b.byte())
		ds, queries := fuzzDataset(&b, n, d, k)

		var l learners.Learner
		valid := ds.Validate() == nil && maxDepth >= 0 && minLeaf >= 0
		switch mode {
		case 0:
			l = learners.Tree{MaxDepth: maxDepth, MinLeaf: minLeaf}
		case 1:
			l = learners.Forest{Trees: trees, Features: features, MaxDepth: maxDepth, MinLeaf: minLeaf, Seed: seed}
			valid = valid && trees >= 1 && features >= 0 && features <= d
		default:
			l = learners.ForestSampler{Trees: trees, Features: features, MaxDepth: maxDepth, MinLeaf: minLeaf, Seed: seed}
			valid = valid && trees >= 1 && features >= 0 && features <= d
		}
		h, err := l.Fit(ds)
		if (err == nil) != valid {
			t.Fatalf("%+v: Fit error %v, but valid = %v", l, err, valid)
		}
		if err != nil {
			return
		}
		finite := func(x []float64) bool { return len(x) > 0 && len(x)%d == 0 && fuzzFinite(x) }
		first := fuzzPredictions(t, "tree", h, queries, d, finite)
		again, err := l.Fit(ds)
		if err != nil {
			t.Fatalf("refit: %v", err)
		}
		if second := fuzzPredictions(t, "tree refit", again, queries, d, finite); !slices.Equal(first, second) {
			t.Fatalf("%+v: two fits answer %v and %v", l, first, second)
		}
		if mode == 0 && maxDepth == 0 && minLeaf <= 1 && distinctRows(ds.X, d) {
			for i, y := range ds.Y {
				if got, _ := h.Predict(ds.Row(i), nil); got != y {
					t.Fatalf("tree grown to purity answers %d at training point %d (label %d)", got, i, y)
				}
			}
		}
	})
}

// FuzzRandomFeatures turns arbitrary bytes into a small dataset (possibly
// invalid), a width, a ridge (possibly invalid or non-finite) and queries,
// and checks that RandomFeatures never panics, fails only on invalid input
// or with ErrGramNotFactorized, answers labels in range with batch equal to
// singles, and that a ridgeless fit whose residual is below 1/sqrt(m K)
// has no training error.
//
//	go test ./learners -run='^$' -fuzz=FuzzRandomFeatures -fuzztime=30s
func FuzzRandomFeatures(f *testing.F) {
	f.Add([]byte{5, 1, 0, 20, 0, 0, 1, 0, 0, 0, 16, 0, 32, 0, 48, 0, 64, 0, 80, 0, 96, 1, 0, 1, 1, 0, 1})
	f.Add([]byte{3, 0, 1, 6, 1, 0, 16, 0, 40, 0, 1, 0, 200, 0, 3, 0, 17, 0, 99, 0, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := kernBytes(data)
		n := 1 + int(b.byte()%12)
		d := 1 + int(b.byte()%3)
		k := 2 + int(b.byte()%4)
		width := int(int8(b.byte())) % 64
		ridge := b.float()
		seed := uint64(b.byte())
		ds, queries := fuzzDataset(&b, n, d, k)
		l := learners.RandomFeatures{Width: width, Ridge: ridge, Seed: seed}
		h, err := l.Fit(ds)
		valid := ds.Validate() == nil && fuzzNear(ds.X, d) && width >= 1 && ridge >= 0 && !math.IsInf(ridge, 1) && (ridge > 0 || width >= n)
		if err == nil && !valid {
			t.Fatalf("%+v: fitted invalid input", l)
		}
		if err != nil {
			if valid && !errors.Is(err, learners.ErrGramNotFactorized) {
				t.Fatalf("%+v: valid input failed with %v", l, err)
			}
			return
		}
		c := h.(*learners.RandomFeaturesClassifier)
		if r := c.Residual(); !(r >= 0) {
			t.Fatalf("residual %v", r)
		}
		near := func(x []float64) bool { return len(x) > 0 && len(x)%d == 0 && fuzzNear(x, d) }
		fuzzPredictions(t, "random features", h, queries, d, near)
		if ridge == 0 && c.Residual() < 1/math.Sqrt(float64(n*k)) {
			for i, y := range ds.Y {
				if got, _ := h.Predict(ds.Row(i), nil); got != y {
					t.Fatalf("residual %g < 1/sqrt(mK) but training point %d answered %d, label %d", c.Residual(), i, got, y)
				}
			}
		}
	})
}
