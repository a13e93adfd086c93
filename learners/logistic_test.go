package learners_test

import (
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/learners"
)

// lgFataler is the part of *testing.T and *rapid.T that lgFitLogistic uses.
type lgFataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// lgFitLogistic fits Logistic{L2: l2} and returns the concrete classifier.
func lgFitLogistic(t lgFataler, ds learners.Dataset, l2 float64) *learners.LogisticClassifier {
	t.Helper()
	c, err := learners.Logistic{L2: l2}.Fit(ds)
	if err != nil {
		t.Fatalf("Logistic{L2: %v}.Fit: %v", l2, err)
	}
	lc, ok := c.(*learners.LogisticClassifier)
	if !ok {
		t.Fatalf("Logistic.Fit returned %T, want *LogisticClassifier", c)
	}
	return lc
}

// lgObjective1D is the 1-D logistic objective
// (1/n) sum_i log(1 + exp(-s_i (w x_i + b))) + (l2/2) w^2, s_i = 2y_i - 1.
func lgObjective1D(x []float64, y []int, l2, w, b float64) float64 {
	f := 0.0
	for i, xi := range x {
		t := float64(2*y[i]-1) * (w*xi + b)
		f += math.Max(-t, 0) + math.Log1p(math.Exp(-math.Abs(t)))
	}
	return f/float64(len(x)) + l2/2*w*w
}

// lgNewton1D minimises lgObjective1D by damped Newton steps in (w, b),
// written independently of the learner (no standardisation, no L-BFGS).
func lgNewton1D(x []float64, y []int, l2 float64) (w, b float64) {
	n := float64(len(x))
	for range 200 {
		gw, gb := l2*w, 0.0
		hww, hwb, hbb := l2, 0.0, 0.0
		for i, xi := range x {
			s := float64(2*y[i] - 1)
			p := 1 / (1 + math.Exp(s*(w*xi+b))) // -d/dt log(1+exp(-t)) at t = s(wx+b)
			gw -= p * s * xi / n
			gb -= p * s / n
			h := p * (1 - p) / n
			hww += h * xi * xi
			hwb += h * xi
			hbb += h
		}
		det := hww*hbb - hwb*hwb
		if det <= 0 {
			break
		}
		dw := (hbb*gw - hwb*gb) / det
		db := (hww*gb - hwb*gw) / det
		f := lgObjective1D(x, y, l2, w, b)
		step := 1.0
		for step > 1e-12 && lgObjective1D(x, y, l2, w-step*dw, b-step*db) > f {
			step /= 2
		}
		w, b = w-step*dw, b-step*db
		if math.Abs(dw)+math.Abs(db) < 1e-15 {
			break
		}
	}
	return w, b
}

// TestLogisticSeparable checks that on linearly separable data with margin
// (integer weights and features, half-integer bias, so |w.x + b| >= 1/2)
// an unpenalised or barely penalised fit has zero training error, also
// when every feature is rescaled by 1e-150 or 1e150 (the fit standardises).
// Deterministic: with L2 <= 1e-12 the minimum objective is below 1e-7 (take
// the separator scaled by 60), so every point's loss is below log 2.
func TestLogisticSeparable(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 3).Draw(t, "d")
		n := rapid.IntRange(1, 16).Draw(t, "n")
		w := make([]float64, d)
		for j := range w {
			w[j] = float64(rapid.IntRange(-3, 3).Draw(t, "w"))
		}
		b := float64(rapid.IntRange(-4, 3).Draw(t, "b")) + 0.5
		scale := rapid.SampledFrom([]float64{1, 1e-150, 1e150}).Draw(t, "scale")
		l2 := 0.0
		if scale == 1 {
			l2 = rapid.SampledFrom([]float64{0, 1e-12}).Draw(t, "L2")
		}
		ds := learners.Dataset{D: d, K: 2, X: make([]float64, n*d), Y: make([]int, n)}
		for i := range n {
			score := b
			for j := range d {
				v := float64(rapid.IntRange(-3, 3).Draw(t, "x"))
				score += w[j] * v
				ds.X[i*d+j] = v * scale
			}
			if score > 0 {
				ds.Y[i] = 1
			}
		}
		c := lgFitLogistic(t, ds, l2)
		if e := stTrainingErrors(t, c, ds); e != 0 {
			t.Fatalf("%d training errors on separable data (w = %v, b = %v, status %s)", e, c.Weights(), c.Bias(), c.Status())
		}
		// Without a penalty separable data have no minimiser; with one
		// the minimiser exists unless every label is the same.
		oneClass := !slices.Contains(ds.Y, 1-ds.Y[0])
		want := learners.LogisticConverged
		if l2 == 0 || oneClass {
			want = learners.LogisticNoFiniteOptimum
		}
		if c.Status() != want {
			t.Fatalf("L2 = %v: status %v, want %v (gradient %v)", l2, c.Status(), want, c.GradNorm())
		}
	})
}

// TestLogisticSeparableRoundingRegression replays the case that rapid found
// (seed 12708424074042611327): x in {0, 1, -1, -2, -3} x 1e-150 with y = 1
// iff 2x + 2.5 > 0. The fit certified separation in its standardised
// coordinates, but the point x = -1e-150 lay on the returned hyperplane
// after the map back to (w, b) (w = 1.18e150, b = 1.18), so it got label 0.
func TestLogisticSeparableRoundingRegression(t *testing.T) {
	xs := []float64{0, 0, 1, 1, 1, 1, -1, -2, -2, -2, -2, -3, -3, -3}
	ds := learners.Dataset{D: 1, K: 2, X: make([]float64, len(xs)), Y: make([]int, len(xs))}
	for i, v := range xs {
		ds.X[i] = v * 1e-150
		if 2*v+2.5 > 0 {
			ds.Y[i] = 1
		}
	}
	c := lgFitLogistic(t, ds, 0)
	if e := stTrainingErrors(t, c, ds); e != 0 {
		t.Fatalf("%d training errors on separable data (w = %v, b = %v, status %s)", e, c.Weights(), c.Bias(), c.Status())
	}
	if c.Status() != learners.LogisticNoFiniteOptimum {
		t.Fatalf("status %v, want %v", c.Status(), learners.LogisticNoFiniteOptimum)
	}
}

// TestLogisticNoFiniteOptimum checks the cases without a minimiser, which
// Status must name: one class (for any L2, the intercept runs off; the fit
// predicts that class everywhere, w = 0, b = +-1), and L2 = 0 on separable
// points (the fit separates them), also when d >= n makes any labeling
// separable. Points that overlap have a minimiser at L2 = 0: converged.
func TestLogisticNoFiniteOptimum(t *testing.T) {
	for _, y := range []int{0, 1} {
		ds := learners.Dataset{D: 1, K: 2, X: []float64{0, 1, 2}, Y: []int{y, y, y}}
		for _, l2 := range []float64{0, 1} {
			c := lgFitLogistic(t, ds, l2)
			if c.Status() != learners.LogisticNoFiniteOptimum || c.Weights()[0] != 0 || c.Bias() != float64(2*y-1) {
				t.Errorf("one class %d, L2 = %v: status %v, w = %v, b = %v, want no finite optimum, 0, %d", y, l2, c.Status(), c.Weights(), c.Bias(), 2*y-1)
			}
		}
	}
	for name, ds := range map[string]learners.Dataset{
		"threshold": {D: 1, K: 2, X: []float64{0, 1, 2, 3}, Y: []int{0, 0, 1, 1}},
		"d >= n":    {D: 3, K: 2, X: []float64{0, 1, 2, 3, 5, 1, 2, 2, 9}, Y: []int{0, 1, 1}},
	} {
		c := lgFitLogistic(t, ds, 0)
		if c.Status() != learners.LogisticNoFiniteOptimum {
			t.Errorf("%s: status %v, want no finite optimum", name, c.Status())
		}
		if e := stTrainingErrors(t, c, ds); e != 0 {
			t.Errorf("%s: %d training errors, want a separating fit", name, e)
		}
	}
	c := lgFitLogistic(t, learners.Dataset{D: 1, K: 2, X: []float64{0, 1, 2, 3, 4, 5}, Y: []int{0, 1, 0, 1, 0, 1}}, 0)
	if c.Status() != learners.LogisticConverged || !(c.GradNorm() <= learners.LogisticGradTol) {
		t.Errorf("overlapping classes: status %v, gradient %v, want converged", c.Status(), c.GradNorm())
	}
	for _, s := range []learners.LogisticStatus{learners.LogisticConverged, learners.LogisticNoFiniteOptimum, learners.LogisticRoundingFloor, learners.LogisticIterationLimit, 0} {
		if s.String() == "" {
			t.Errorf("LogisticStatus(%d) has no name", int(s))
		}
	}
}

// TestLogisticThreshold checks the simple 1-D case: points 0, 0.1, ..., 1
// without 0.5, labeled 1 above 0.5. The objective is invariant under
// x -> 1 - x, y -> 1 - y, which maps (w, b) to (w, -w - b); the minimiser is
// unique for L2 > 0, so it has b = -w/2: the threshold -b/w is exactly 0.5.
// The tolerance 1e-6 covers the optimiser's stopping rule (gradient below
// 1e-10 on an objective with curvature far above 1e-4).
func TestLogisticThreshold(t *testing.T) {
	var x []float64
	var y []int
	for i := range 11 {
		if i == 5 {
			continue
		}
		x = append(x, float64(i)/10)
		y = append(y, map[bool]int{false: 0, true: 1}[i > 5])
	}
	ds := learners.Dataset{D: 1, K: 2, X: x, Y: y}
	for _, l2 := range []float64{1e-3, 0.1, 1} {
		c := lgFitLogistic(t, ds, l2)
		w := c.Weights()[0]
		if !(w > 0) {
			t.Fatalf("L2 = %v: weight %v, want > 0", l2, w)
		}
		if th := -c.Bias() / w; math.Abs(th-0.5) > 1e-6 {
			t.Errorf("L2 = %v: threshold %v, want 0.5 (status %s)", l2, th, c.Status())
		}
		for q := -1.0; q <= 2; q += 1.0 / 64 {
			if math.Abs(q-0.5) < 1e-3 {
				continue
			}
			got, err := c.Predict([]float64{q}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{false: 0, true: 1}[q > 0.5]; got != want {
				t.Errorf("L2 = %v: Predict(%v) = %d, want %d", l2, q, got, want)
			}
		}
	}
}

// TestLogisticReference checks on random 1-D data that the fit matches an
// independent damped-Newton minimiser of the same objective, and that
// Predict follows the sign of w.x + b. With L2 >= 0.05 and |x| <= 1 the
// objective is strongly convex with curvature well above 1e-5 on the
// relevant region, so stopping at gradient 1e-10 puts (w, b) within 1e-5 of
// the minimiser; the tolerance is 1e-4 (1 + |w*|) for rounding headroom.
func TestLogisticReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 12).Draw(t, "n")
		x := make([]float64, n)
		y := make([]int, n)
		for i := range n {
			x[i] = float64(rapid.IntRange(-4, 4).Draw(t, "x")) / 4
			y[i] = rapid.IntRange(0, 1).Draw(t, "y")
		}
		y[0], y[1] = 0, 1 // both classes present: the minimiser is finite
		l2 := rapid.SampledFrom([]float64{0.05, 0.5, 5}).Draw(t, "L2")
		c := lgFitLogistic(t, learners.Dataset{D: 1, K: 2, X: x, Y: y}, l2)
		wr, br := lgNewton1D(x, y, l2)
		w, b := c.Weights()[0], c.Bias()
		if math.Abs(w-wr) > 1e-4*(1+math.Abs(wr)) || math.Abs(b-br) > 1e-4*(1+math.Abs(br)) {
			t.Fatalf("fit (w, b) = (%v, %v), reference (%v, %v) (status %s)", w, b, wr, br, c.Status())
		}
		for q := -2.0; q <= 2; q += 1.0 / 16 {
			got, err := c.Predict([]float64{q}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{false: 0, true: 1}[w*q+b > 0]; got != want {
				t.Fatalf("Predict(%v) = %d, but w.x + b = %v", q, got, w*q+b)
			}
		}
	})
}

// TestLogisticHeavyPenalty checks that a very large L2 shrinks w to about
// zero so the bias, the log-odds of the class frequencies, decides: the
// classifier predicts the (strict) majority class everywhere in the data's
// box. With |x_j| <= 4 and d <= 3 the stationarity condition gives
// |w_j| <= 4/L2, so |w.x| <= 48/L2 <= 5e-5, far below |b| >= log(8/7).
func TestLogisticHeavyPenalty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 3).Draw(t, "d")
		n := rapid.IntRange(1, 15).Draw(t, "n")
		ds := learners.Dataset{D: d, K: 2, X: make([]float64, n*d), Y: make([]int, n)}
		ones := 0
		for i := range n {
			for j := range d {
				ds.X[i*d+j] = float64(rapid.IntRange(-4, 4).Draw(t, "x"))
			}
			ds.Y[i] = rapid.IntRange(0, 1).Draw(t, "y")
			ones += ds.Y[i]
		}
		if 2*ones == n {
			ds.Y[0] = 1 - ds.Y[0] // break the tie: a strict majority
			ones += 2*ds.Y[0] - 1
		}
		majority := 0
		if 2*ones > n {
			majority = 1
		}
		l2 := rapid.SampledFrom([]float64{1e6, 1e12, 1e300}).Draw(t, "L2")
		c := lgFitLogistic(t, ds, l2)
		q := make([]float64, d)
		for range 20 {
			for j := range q {
				q[j] = rapid.Float64Range(-4, 4).Draw(t, "q")
			}
			got, err := c.Predict(q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != majority {
				t.Fatalf("Predict(%v) = %d, want majority %d (w = %v, b = %v, status %s)", q, got, majority, c.Weights(), c.Bias(), c.Status())
			}
		}
	})
}

// TestLogisticTie checks the tie rule: with balanced labels on a constant
// feature the fit is w = 0, b = 0, and w.x + b == 0 predicts class 0.
func TestLogisticTie(t *testing.T) {
	c := lgFitLogistic(t, learners.Dataset{D: 1, K: 2, X: []float64{3, 3}, Y: []int{0, 1}}, 0)
	if w, b := c.Weights(), c.Bias(); w[0] != 0 || b != 0 {
		t.Fatalf("fit (w, b) = (%v, %v), want (0, 0)", w, b)
	}
	for _, q := range []float64{-1e300, 0, 3, 1e300} {
		if got, err := c.Predict([]float64{q}, nil); err != nil || got != 0 {
			t.Errorf("Predict(%v) = %d, %v, want 0 (tie)", q, got, err)
		}
	}
}

// TestLogisticErrors checks every documented error and the accessors.
func TestLogisticErrors(t *testing.T) {
	good := learners.Dataset{D: 1, K: 2, X: []float64{0, 1}, Y: []int{0, 1}}
	for _, tc := range []struct {
		name string
		l2   float64
		ds   learners.Dataset
	}{
		{"K = 3", 0, learners.Dataset{D: 1, K: 3, X: []float64{0, 1}, Y: []int{0, 2}}},
		{"L2 = -1", -1, good},
		{"L2 = NaN", math.NaN(), good},
		{"L2 = Inf", math.Inf(1), good},
		{"empty data", 0, learners.Dataset{D: 1, K: 2}},
		{"NaN feature", 0, learners.Dataset{D: 1, K: 2, X: []float64{math.NaN(), 1}, Y: []int{0, 1}}},
		{"label out of range", 0, learners.Dataset{D: 1, K: 2, X: []float64{0, 1}, Y: []int{0, 2}}},
		{"too many features", 0, learners.Dataset{D: learners.MaxLogisticFeatures + 1, K: 2, X: make([]float64, learners.MaxLogisticFeatures+1), Y: []int{0}}},
	} {
		if c, err := (learners.Logistic{L2: tc.l2}).Fit(tc.ds); err == nil {
			t.Errorf("%s: Fit returned %v and no error", tc.name, c)
		}
	}

	c := lgFitLogistic(t, good, 0.1)
	if c.Dim() != 1 || c.Classes() != 2 {
		t.Errorf("Dim, Classes = %d, %d, want 1, 2", c.Dim(), c.Classes())
	}
	if c.Status() != learners.LogisticConverged || !(c.GradNorm() <= learners.LogisticGradTol) {
		t.Errorf("Status %v, GradNorm %v, want converged within %v", c.Status(), c.GradNorm(), learners.LogisticGradTol)
	}
	w := c.Weights()
	w[0] = math.NaN()
	if math.IsNaN(c.Weights()[0]) {
		t.Error("Weights does not return a copy")
	}
	if _, err := c.Predict([]float64{0, 1}, nil); err == nil {
		t.Error("Predict of a point of the wrong length returned no error")
	}
	if _, err := c.Predict([]float64{math.Inf(1)}, nil); err == nil {
		t.Error("Predict(Inf) returned no error")
	}
	if err := c.PredictBatch([]float64{0, 1}, make([]int, 1), nil); err == nil {
		t.Error("PredictBatch with a length mismatch returned no error")
	}
	if err := c.PredictBatch([]float64{0, math.NaN()}, make([]int, 2), nil); err == nil {
		t.Error("PredictBatch(NaN) returned no error")
	}
	dst := make([]int, 2)
	if err := c.PredictBatch(good.X, dst, nil); err != nil || !slices.Equal(dst, good.Y) {
		t.Errorf("PredictBatch(training points) = %v, %v, want %v", dst, err, good.Y)
	}
}

// TestLogisticWildValues checks that extreme finite features, constant
// features and contradictory labels give a classifier or an error, never a
// panic, and that a returned classifier predicts every training point.
func TestLogisticWildValues(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ds := stWildDataset(t)
		l2 := rapid.SampledFrom([]float64{0, 1e-300, 1, 1e300}).Draw(t, "L2")
		c, err := learners.Logistic{L2: l2}.Fit(ds)
		if err != nil {
			return
		}
		if err := c.PredictBatch(ds.X, make([]int, ds.Len()), nil); err != nil {
			t.Fatal(err)
		}
	})
}
