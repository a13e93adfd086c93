package learners_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// FuzzMLP turns arbitrary bytes into a small dataset (possibly invalid:
// bad labels, non-finite or huge features, duplicates with conflicting
// labels), MLP parameters (possibly invalid) and queries, and checks that
// Fit, Predict, PredictBatch and Scores never panic, that a fit's outcome
// is consistent (0 <= TrainError <= 1, Interpolated iff TrainError == 0,
// 1 <= BestEpoch <= Epochs <= the cap, labels in [0, K)) and that a second
// fit with the same seed answers the same.
//
//	go test ./learners -run='^$' -fuzz=FuzzMLP -fuzztime=30s
func FuzzMLP(f *testing.F) {
	f.Add([]byte{5, 1, 0, 2, 0, 4, 0, 0, 0, 0, 0, 16, 0, 32, 0, 48, 0, 64, 1, 0, 1, 1, 0, 0, 8})
	f.Add([]byte{11, 2, 2, 1, 0, 40, 3, 1, 0, 200, 0, 3, 0, 17, 0, 99, 0, 250, 0, 7, 0, 0, 0, 1})
	f.Add([]byte{7, 0, 1, 5, 9, 240, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 0, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := kernBytes(data)
		n := int(b.byte() % 12) // 0 is empty data
		d := 1 + int(b.byte()%3)
		k := 2 + int(b.byte()%3)
		pb := b.byte()
		l := learners.MLP{
			Width:        int(b.byte()%9) - 1, // -1 and 0 are invalid
			Layers:       int(pb % 4),         // 3 is invalid
			Batch:        int(b.byte()%6) - 1,
			MaxEpochs:    1 + int(b.byte()%20),
			Optimizer:    learners.MLPOptimizer((pb / 4) % 3), // 2 is invalid
			LearningRate: b.float(),
			Momentum:     float64(b.byte()%5) / 4, // 1 is invalid
			WeightDecay:  b.float(),
			Holdout:      float64(b.byte()%5) / 4,
			Patience:     int(b.byte() % 4),
			Seed:         uint64(b.byte()),
		}
		ds := learners.Dataset{X: make([]float64, n*d), D: d, Y: make([]int, n), K: k}
		for i := range ds.X {
			ds.X[i] = b.float()
		}
		for i := range ds.Y {
			ds.Y[i] = int(b.byte()%uint8(k+1)) - int(b.byte()%2) // k and -1 are invalid
		}
		h, err := l.Fit(ds)
		if err != nil {
			return
		}
		c := h.(*learners.MLPClassifier)
		te := c.TrainError()
		if !(te >= 0 && te <= 1) || c.Interpolated() != (te == 0) {
			t.Fatalf("training error %v, interpolated %v", te, c.Interpolated())
		}
		if c.BestEpoch() < 1 || c.BestEpoch() > c.Epochs() || c.Epochs() > l.MaxEpochs {
			t.Fatalf("best epoch %d, epochs %d, cap %d", c.BestEpoch(), c.Epochs(), l.MaxEpochs)
		}
		q := make([]float64, 3*d)
		for i := range q {
			q[i] = b.float()
		}
		rng := rand.New(rand.NewPCG(1, 1))
		dst := make([]int, 3)
		errBatch := c.PredictBatch(q, dst, rng)
		scores := make([]float64, 3*k)
		if errS := c.Scores(q, scores); (errS == nil) != (errBatch == nil) {
			t.Fatalf("Scores error %v, PredictBatch error %v", errS, errBatch)
		}
		if errBatch != nil {
			return
		}
		for i, p := range dst {
			one, err := c.Predict(q[i*d:(i+1)*d], rng)
			if err != nil || one != p || p < 0 || p >= k {
				t.Fatalf("row %d: Predict %d (%v), PredictBatch %d, K = %d", i, one, err, p, k)
			}
		}
		h2, err := l.Fit(ds)
		if err != nil {
			t.Fatalf("second fit: %v", err)
		}
		dst2 := make([]int, 3)
		if err := h2.PredictBatch(q, dst2, nil); err != nil || !slices.Equal(dst, dst2) {
			t.Fatalf("second fit with the same seed answers %v (%v), first %v", dst2, err, dst)
		}
	})
}
