package learners_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// mlpNoisyData returns n points uniform on [0,1]^d with labels from the
// sign of the first coordinate minus 1/2 over k classes (class =
// floor(k x_0)) and a fraction noise of them replaced by uniform labels:
// distinct points (with probability 1) whose labels no smooth rule fits,
// the setting of an interpolating teacher.
func mlpNoisyData(seed uint64, n, d, k int, noise float64) learners.Dataset {
	rng := rand.New(rand.NewPCG(seed, 12))
	ds := learners.Dataset{X: make([]float64, n*d), D: d, Y: make([]int, n), K: k}
	for i := range n {
		for j := range d {
			ds.X[i*d+j] = rng.Float64()
		}
		ds.Y[i] = min(int(float64(k)*ds.X[i*d]), k-1)
		if rng.Float64() < noise {
			ds.Y[i] = rng.IntN(k)
		}
	}
	return ds
}

// TestMLPInterpolates checks that the teacher configuration (no held-out
// part, no decay) reaches zero training error on small noisy data, with
// one and two hidden layers and both optimizers, and that the classifier
// then labels every training point correctly through Predict and
// PredictBatch.
func TestMLPInterpolates(t *testing.T) {
	ds := mlpNoisyData(1, 120, 4, 3, 0.3)
	for _, l := range []learners.MLP{
		{Width: 64, Seed: 1, LearningRate: 1e-2},
		{Width: 32, Layers: 2, Seed: 2, LearningRate: 1e-2},
		{Width: 64, Seed: 3, Optimizer: learners.SGDMomentum, Momentum: 0.9, LearningRate: 0.05, Batch: 16},
	} {
		h, err := l.Fit(ds)
		if err != nil {
			t.Fatalf("%+v: %v", l, err)
		}
		c := h.(*learners.MLPClassifier)
		if !c.Interpolated() || c.TrainError() != 0 {
			t.Fatalf("%+v: did not interpolate in %d epochs (training error %.3f)", l, c.Epochs(), c.TrainError())
		}
		if c.Epochs() < 1 || c.BestEpoch() != c.Epochs() {
			t.Errorf("%+v: epochs %d, best epoch %d", l, c.Epochs(), c.BestEpoch())
		}
		pred := make([]int, ds.Len())
		if err := c.PredictBatch(ds.X, pred, nil); err != nil {
			t.Fatal(err)
		}
		for i := range pred {
			p, err := c.Predict(ds.Row(i), nil)
			if err != nil {
				t.Fatal(err)
			}
			if p != ds.Y[i] || pred[i] != ds.Y[i] {
				t.Fatalf("%+v: point %d labeled %d (batch %d), want %d", l, i, p, pred[i], ds.Y[i])
			}
		}
		t.Logf("%+v: interpolated in %d epochs", l, c.Epochs())
	}
}

// TestMLPEarlyStopping checks the student configuration: with a held-out
// part the fit keeps the weights of its best held-out epoch, reports a
// held-out error and a training error on the fitted part only, and stops
// within Patience epochs of the best one.
func TestMLPEarlyStopping(t *testing.T) {
	ds := mlpNoisyData(2, 200, 3, 2, 0.3)
	l := learners.MLP{Width: 32, Seed: 4, LearningRate: 1e-2, WeightDecay: 1e-3, Holdout: 0.25, Patience: 5, MaxEpochs: 200}
	h, err := l.Fit(ds)
	if err != nil {
		t.Fatal(err)
	}
	c := h.(*learners.MLPClassifier)
	if c.BestEpoch() < 1 || c.BestEpoch() > c.Epochs() || (c.Epochs() < 200 && c.Epochs()-c.BestEpoch() != l.Patience) {
		t.Errorf("epochs %d, best epoch %d, patience %d", c.Epochs(), c.BestEpoch(), l.Patience)
	}
	// 30% of the labels are uniform over 2 classes, so 15% are wrong on
	// average: a smoothed student cannot fit them all.
	if c.Interpolated() || c.HoldoutError() <= 0 || c.HoldoutError() >= 0.5 {
		t.Errorf("training error %.3f, held-out error %.3f", c.TrainError(), c.HoldoutError())
	}
}

// TestMLPDeterministic checks that the same seed gives the same network
// (identical scores) and that another seed gives a different one.
func TestMLPDeterministic(t *testing.T) {
	ds := mlpNoisyData(3, 80, 3, 3, 0.2)
	scores := func(seed uint64, holdout float64) []float64 {
		h, err := learners.MLP{Width: 16, Layers: 2, Seed: seed, Holdout: holdout, MaxEpochs: 30}.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		s := make([]float64, ds.Len()*ds.K)
		if err := h.(*learners.MLPClassifier).Scores(ds.X, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, ho := range []float64{0, 0.2} {
		a, b, c := scores(5, ho), scores(5, ho), scores(6, ho)
		if !slices.Equal(a, b) {
			t.Errorf("holdout %g: two fits with seed 5 differ", ho)
		}
		if slices.Equal(a, c) {
			t.Errorf("holdout %g: seeds 5 and 6 give the same network", ho)
		}
	}
}

// TestMLPBadInput checks the errors of MLP.Fit and of its classifier.
func TestMLPBadInput(t *testing.T) {
	good := learners.Dataset{X: []float64{0, 0, 1, 1, 2, 0}, D: 2, Y: []int{0, 1, 0}, K: 2}
	for _, tc := range []struct {
		name string
		l    learners.MLP
		ds   learners.Dataset
		want string
	}{
		{"empty", learners.MLP{Width: 4}, learners.Dataset{D: 2, K: 2}, "empty data"},
		{"ragged", learners.MLP{Width: 4}, learners.Dataset{X: []float64{0, 0, 1}, D: 2, Y: []int{0, 1}, K: 2}, "ragged"},
		{"nan", learners.MLP{Width: 4}, learners.Dataset{X: []float64{0, math.NaN(), 1, 1}, D: 2, Y: []int{0, 1}, K: 2}, "want finite"},
		{"label", learners.MLP{Width: 4}, learners.Dataset{X: []float64{0, 0, 1, 1}, D: 2, Y: []int{0, 2}, K: 2}, "outside [0, 2)"},
		{"width", learners.MLP{}, good, "width 0"},
		{"layers", learners.MLP{Width: 4, Layers: 3}, good, "3 hidden layers"},
		{"batch", learners.MLP{Width: 4, Batch: -1}, good, "batch size -1"},
		{"epochs", learners.MLP{Width: 4, MaxEpochs: -2}, good, "epoch cap -2"},
		{"patience", learners.MLP{Width: 4, Patience: -1}, good, "patience -1"},
		{"optimizer", learners.MLP{Width: 4, Optimizer: 7}, good, "unknown MLP optimizer"},
		{"rate", learners.MLP{Width: 4, LearningRate: math.Inf(1)}, good, "learning rate +Inf"},
		{"momentum", learners.MLP{Width: 4, Momentum: 1}, good, "momentum 1"},
		{"decay", learners.MLP{Width: 4, WeightDecay: -1}, good, "weight decay -1"},
		{"holdout", learners.MLP{Width: 4, Holdout: 1}, good, "held-out fraction 1"},
		{"holdout-one", learners.MLP{Width: 4, Holdout: 0.5}, learners.Dataset{X: []float64{0, 0}, D: 2, Y: []int{0}, K: 2}, "at least 2 training points"},
		{"huge", learners.MLP{Width: 1 << 20, Layers: 2}, good, "MaxMLPParams"},
		{"diverge", learners.MLP{Width: 64, LearningRate: 1e300, Optimizer: learners.SGDMomentum}, good, "learning rate"},
	} {
		_, err := tc.l.Fit(tc.ds)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	h, err := learners.MLP{Width: 4, Seed: 1}.Fit(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Predict([]float64{0}, nil); err == nil {
		t.Error("Predict of a short query: no error")
	}
	if _, err := h.Predict([]float64{0, math.Inf(-1)}, nil); err == nil {
		t.Error("Predict of an infinite query: no error")
	}
	if err := h.PredictBatch([]float64{0, 0, 1}, make([]int, 1), nil); err == nil {
		t.Error("PredictBatch of ragged rows: no error")
	}
	if err := h.PredictBatch([]float64{0, 0, 1, 1}, make([]int, 1), nil); err == nil {
		t.Error("PredictBatch with a short dst: no error")
	}
	if err := h.(*learners.MLPClassifier).Scores([]float64{0, 0}, make([]float64, 3)); err == nil {
		t.Error("Scores with a wrong dst: no error")
	}
}
