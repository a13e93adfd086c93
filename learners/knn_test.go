package learners_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/learners"
)

// knnCase is a random labeled sample with query points.
type knnCase struct {
	train learners.Dataset
	q     []float64
	seed  uint64
}

// drawKNNCase draws a dataset of kind (see pointKind) with m in [1, maxM]
// points, d in [1, 6] and 2..5 classes, plus queries, half of them training
// points.
func drawKNNCase(t *rapid.T, kind string, maxM int) knnCase {
	d := rapid.IntRange(1, 6).Draw(t, "d")
	m := rapid.IntRange(1, maxM).Draw(t, "m")
	classes := rapid.IntRange(2, 5).Draw(t, "classes")
	nq := rapid.IntRange(1, 30).Draw(t, "queries")
	seed := rapid.Uint64().Draw(t, "seed")
	rng := rand.New(rand.NewPCG(seed, 2))
	x := drawPoints(kind, rng, m, d, nil)
	y := make([]int, m)
	for i := range y {
		y[i] = rng.IntN(classes)
	}
	q := drawPoints(kind, rng, nq, d, x)
	for r := 0; r < nq; r += 2 {
		i := rng.IntN(m)
		copy(q[r*d:(r+1)*d], x[i*d:(i+1)*d])
	}
	return knnCase{train: learners.Dataset{X: x, D: d, Y: y, K: classes}, q: q, seed: seed}
}

// knnMajority returns the most frequent label of the points ind, the lowest
// label on ties.
func knnMajority(y []int, ind []int, classes int) int {
	count := make([]int, classes)
	for _, i := range ind {
		count[y[i]]++
	}
	best := 0
	for c := range count {
		if count[c] > count[best] {
			best = c
		}
	}
	return best
}

func knnFit(t *rapid.T, l learners.Learner, train learners.Dataset) learners.Classifier {
	c, err := l.Fit(train)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	return c
}

// TestKNNMatchesOracleVote checks Predict and PredictBatch against the
// majority vote of the naive oracle's K nearest, ties between classes to
// the lower class.
func TestKNNMatchesOracleVote(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawKNNCase(t, pointKind.Draw(t, "kind"), 60)
		m, d := c.train.Len(), c.train.D
		k := rapid.IntRange(1, m).Draw(t, "K")
		h := knnFit(t, learners.KNN{K: k}, c.train)
		nq := len(c.q) / d
		batch := make([]int, nq)
		if err := h.PredictBatch(c.q, batch, nil); err != nil {
			t.Fatalf("PredictBatch: %v", err)
		}
		for r := 0; r < nq; r++ {
			qr := c.q[r*d : (r+1)*d]
			ind, _ := naiveKNN(c.train.X, d, qr, k)
			want := knnMajority(c.train.Y, ind, c.train.K)
			got, err := h.Predict(qr, nil)
			if err != nil {
				t.Fatalf("Predict: %v", err)
			}
			if got != want {
				t.Fatalf("Predict row %d = %d, want %d", r, got, want)
			}
			if batch[r] != want {
				t.Fatalf("PredictBatch row %d = %d, want %d", r, batch[r], want)
			}
		}
	})
}

// TestKNNOneNNInterpolates checks that 1-NN has zero training error on
// distinct points and, with duplicates, answers the label of the first copy.
func TestKNNOneNNInterpolates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawKNNCase(t, pointKind.Draw(t, "kind"), 80)
		x, d, y := c.train.X, c.train.D, c.train.Y
		h := knnFit(t, learners.KNN{K: 1}, c.train)
		got := make([]int, len(y))
		if err := h.PredictBatch(x, got, nil); err != nil {
			t.Fatalf("PredictBatch: %v", err)
		}
		for i := range y {
			first := i
			for j := 0; j < i; j++ {
				if naiveSqDist(x[i*d:(i+1)*d], x[j*d:(j+1)*d]) == 0 {
					first = j
					break
				}
			}
			if got[i] != y[first] {
				t.Fatalf("training point %d (first copy %d): predicted %d, want %d", i, first, got[i], y[first])
			}
		}
	})
}

// TestKNNAllNeighboursIsMajority checks that K = m predicts the overall
// majority label everywhere, ties to the lower class.
func TestKNNAllNeighboursIsMajority(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawKNNCase(t, pointKind.Draw(t, "kind"), 40)
		m := c.train.Len()
		all := make([]int, m)
		for i := range all {
			all[i] = i
		}
		want := knnMajority(c.train.Y, all, c.train.K)
		h := knnFit(t, learners.KNN{K: m}, c.train)
		got := make([]int, len(c.q)/c.train.D)
		if err := h.PredictBatch(c.q, got, nil); err != nil {
			t.Fatalf("PredictBatch: %v", err)
		}
		for r, g := range got {
			if g != want {
				t.Fatalf("row %d: predicted %d, want the majority %d", r, g, want)
			}
		}
	})
}

// hasDistanceTie reports whether two training points are at the same
// canonical squared distance from q.
func hasDistanceTie(x []float64, d int, q []float64) bool {
	seen := make(map[float64]bool)
	for i := 0; i < len(x)/d; i++ {
		s := naiveSqDist(q, x[i*d:(i+1)*d])
		if seen[s] {
			return true
		}
		seen[s] = true
	}
	return false
}

// TestKNNOrderIndependent checks that permuting the training data changes
// no prediction at a query without distance ties, for both k-NN rules (the
// sampler with the same seed), so order matters only through the tie rule.
func TestKNNOrderIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawKNNCase(t, rapid.SampledFrom([]string{"uniform", "scaled"}).Draw(t, "kind"), 60)
		tr, d := c.train, c.train.D
		m := tr.Len()
		k := rapid.IntRange(1, m).Draw(t, "K")
		perm := rand.New(rand.NewPCG(c.seed, 3)).Perm(m)
		pt := learners.Dataset{X: make([]float64, len(tr.X)), D: d, Y: make([]int, m), K: tr.K}
		for i, p := range perm {
			copy(pt.X[i*d:(i+1)*d], tr.X[p*d:(p+1)*d])
			pt.Y[i] = tr.Y[p]
		}
		for _, l := range []learners.Learner{learners.KNN{K: k}, learners.RandomNeighbour{K: k}} {
			h, hp := knnFit(t, l, tr), knnFit(t, l, pt)
			for r := 0; r < len(c.q)/d; r++ {
				qr := c.q[r*d : (r+1)*d]
				if hasDistanceTie(tr.X, d, qr) {
					continue
				}
				a, err := h.Predict(qr, rand.New(rand.NewPCG(uint64(r), 4)))
				if err != nil {
					t.Fatalf("Predict: %v", err)
				}
				b, err := hp.Predict(qr, rand.New(rand.NewPCG(uint64(r), 4)))
				if err != nil {
					t.Fatalf("Predict permuted: %v", err)
				}
				if a != b {
					t.Fatalf("%T row %d: %d on the data, %d on the permuted data", l, r, a, b)
				}
			}
		}
	})
}

// TestRandomNeighbourDraws checks the sampler exactly: with a copy of the
// same seeded source, answer r must be the label of neighbour rng.IntN(K) of
// the oracle's list, the batch must equal the sequence of singles, and the
// same seed must give the same answers.
func TestRandomNeighbourDraws(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawKNNCase(t, pointKind.Draw(t, "kind"), 60)
		m, d := c.train.Len(), c.train.D
		k := rapid.IntRange(1, m).Draw(t, "K")
		h := knnFit(t, learners.RandomNeighbour{K: k}, c.train)
		nq := len(c.q) / d

		batch := make([]int, nq)
		if err := h.PredictBatch(c.q, batch, rand.New(rand.NewPCG(c.seed, 5))); err != nil {
			t.Fatalf("PredictBatch: %v", err)
		}
		again := make([]int, nq)
		if err := h.PredictBatch(c.q, again, rand.New(rand.NewPCG(c.seed, 5))); err != nil {
			t.Fatalf("PredictBatch: %v", err)
		}
		singles := rand.New(rand.NewPCG(c.seed, 5))
		oracle := rand.New(rand.NewPCG(c.seed, 5))
		for r := 0; r < nq; r++ {
			qr := c.q[r*d : (r+1)*d]
			ind, _ := naiveKNN(c.train.X, d, qr, k)
			want := c.train.Y[ind[oracle.IntN(k)]]
			got, err := h.Predict(qr, singles)
			if err != nil {
				t.Fatalf("Predict: %v", err)
			}
			if got != want {
				t.Fatalf("Predict row %d = %d, want %d", r, got, want)
			}
			if batch[r] != want {
				t.Fatalf("PredictBatch row %d = %d, want %d", r, batch[r], want)
			}
			if again[r] != batch[r] {
				t.Fatalf("same seed, row %d: %d then %d", r, batch[r], again[r])
			}
		}
	})
}

// TestKNNLargeBatch crosses PredictBatch's internal chunks and the parallel
// search on one larger problem.
func TestKNNLargeBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const m, nq, d, k = 3000, 9000, 3, 3
	x := drawPoints("grid", rng, m, d, nil)
	y := make([]int, m)
	for i := range y {
		y[i] = rng.IntN(3)
	}
	train := learners.Dataset{X: x, D: d, Y: y, K: 3}
	q := drawPoints("uniform", rng, nq, d, nil)
	for _, l := range []learners.Learner{learners.KNN{K: k}, learners.RandomNeighbour{K: k}} {
		h, err := l.Fit(train)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int, nq)
		if err := h.PredictBatch(q, got, rand.New(rand.NewPCG(1, 1))); err != nil {
			t.Fatal(err)
		}
		singles := rand.New(rand.NewPCG(1, 1))
		for r := 0; r < nq; r++ {
			want, err := h.Predict(q[r*d:(r+1)*d], singles)
			if err != nil {
				t.Fatal(err)
			}
			if got[r] != want {
				t.Fatalf("%T row %d: batch %d, single %d", l, r, got[r], want)
			}
		}
	}
}

func TestKNNErrors(t *testing.T) {
	good := learners.Dataset{X: []float64{0, 0, 1, 1, 2, 2}, D: 2, Y: []int{0, 1, 1}, K: 2}
	for _, tc := range []struct {
		name  string
		train learners.Dataset
		k     int
	}{
		{"K=0", good, 0},
		{"K<0", good, -2},
		{"K>n", good, 4},
		{"empty", learners.Dataset{D: 2, K: 2}, 1},
		{"D=0", learners.Dataset{X: good.X, D: 0, Y: good.Y, K: 2}, 1},
		{"one class", learners.Dataset{X: good.X, D: 2, Y: []int{0, 0, 0}, K: 1}, 1},
		{"ragged", learners.Dataset{X: good.X[:5], D: 2, Y: good.Y, K: 2}, 1},
		{"too few labels", learners.Dataset{X: good.X, D: 2, Y: good.Y[:2], K: 2}, 1},
		{"NaN feature", learners.Dataset{X: []float64{0, math.NaN()}, D: 2, Y: []int{0}, K: 2}, 1},
		{"Inf feature", learners.Dataset{X: []float64{math.Inf(1), 0}, D: 2, Y: []int{0}, K: 2}, 1},
		{"label too large", learners.Dataset{X: good.X, D: 2, Y: []int{0, 2, 1}, K: 2}, 1},
		{"negative label", learners.Dataset{X: good.X, D: 2, Y: []int{0, -1, 1}, K: 2}, 1},
	} {
		for _, l := range []learners.Learner{learners.KNN{K: tc.k}, learners.RandomNeighbour{K: tc.k}} {
			if _, err := l.Fit(tc.train); err == nil {
				t.Errorf("%T Fit: %s: no error", l, tc.name)
			}
		}
	}

	rng := rand.New(rand.NewPCG(1, 2))
	for _, l := range []learners.Learner{learners.KNN{K: 2}, learners.RandomNeighbour{K: 2}} {
		h, err := l.Fit(good)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			x    []float64
		}{
			{"empty", nil},
			{"short", []float64{0}},
			{"long", []float64{0, 0, 0}},
			{"NaN", []float64{0, math.NaN()}},
			{"-Inf", []float64{math.Inf(-1), 0}},
		} {
			if _, err := h.Predict(tc.x, rng); err == nil {
				t.Errorf("%T Predict: %s: no error", l, tc.name)
			}
		}
		for _, tc := range []struct {
			name string
			x    []float64
			dst  []int
		}{
			{"empty", nil, nil},
			{"ragged", []float64{0, 0, 1}, make([]int, 1)},
			{"short dst", []float64{0, 0, 1, 1}, make([]int, 1)},
			{"long dst", []float64{0, 0, 1, 1}, make([]int, 3)},
			{"NaN", []float64{0, 0, 1, math.NaN()}, make([]int, 2)},
		} {
			if err := h.PredictBatch(tc.x, tc.dst, rng); err == nil {
				t.Errorf("%T PredictBatch: %s: no error", l, tc.name)
			}
		}
	}
	h, err := learners.RandomNeighbour{K: 1}.Fit(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Predict([]float64{0, 0}, nil); err == nil {
		t.Error("RandomNeighbour Predict with a nil rng: no error")
	}
	if err := h.PredictBatch([]float64{0, 0}, make([]int, 1), nil); err == nil {
		t.Error("RandomNeighbour PredictBatch with a nil rng: no error")
	}
}

// TestKNNHugeClassCount checks the class-count cap: K = MaxClasses with
// small labels works (the vote table does not scale with K), and
// K = MaxClasses + 1 is an error, not an allocation of O(K).
func TestKNNHugeClassCount(t *testing.T) {
	train := learners.Dataset{X: []float64{0, 1, 2}, D: 1, Y: []int{3, 3, 0}, K: learners.MaxClasses}
	h, err := learners.KNN{K: 3}.Fit(train)
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.Predict([]float64{2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3 || h.Classes() != learners.MaxClasses {
		t.Errorf("Predict = %d, Classes = %d, want 3, %d", got, h.Classes(), learners.MaxClasses)
	}
	train.K = learners.MaxClasses + 1
	if _, err := (learners.KNN{K: 3}).Fit(train); err == nil || !strings.Contains(err.Error(), "MaxClasses") {
		t.Errorf("K = MaxClasses + 1: error %v, want one naming MaxClasses", err)
	}
}

// TestKNNDoesNotRetainData checks that Fit copies the training data.
func TestKNNDoesNotRetainData(t *testing.T) {
	train := learners.Dataset{X: []float64{0, 10}, D: 1, Y: []int{0, 1}, K: 2}
	h, err := learners.KNN{K: 1}.Fit(train)
	if err != nil {
		t.Fatal(err)
	}
	train.X[0], train.Y[0] = 100, 1
	got, err := h.Predict([]float64{1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got != 0 {
		t.Errorf("Predict(1) = %d after the caller changed the data, want 0", got)
	}
	kc := h.(*learners.KNNClassifier)
	if kc.Index().Len() != 2 || kc.K() != 1 || kc.Dim() != 1 || kc.Classes() != 2 {
		t.Errorf("accessors: Len %d, K %d, Dim %d, Classes %d", kc.Index().Len(), kc.K(), kc.Dim(), kc.Classes())
	}
}
