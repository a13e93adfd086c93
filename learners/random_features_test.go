package learners_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/rolemodels/rolemodels/learners"
)

// rfOracle refits RandomFeatures with gonum alone: the features redrawn
// as documented, beta = Phi^T (Phi Phi^T + ridge I)^-1 Y by mat.Cholesky,
// and returns the scores of the rows of x (n x K).
func rfOracle(t *testing.T, l learners.RandomFeatures, ds learners.Dataset, x []float64) *mat.Dense {
	t.Helper()
	m, d, k, w := ds.Len(), ds.D, ds.K, l.Width
	rng := rand.New(rand.NewPCG(l.Seed, 0))
	wts := mat.NewDense(w, d, nil)
	for j := range w {
		for f := range d {
			wts.Set(j, f, rng.NormFloat64()/math.Sqrt(float64(d)))
		}
	}
	bias := make([]float64, w)
	for j := range bias {
		r := ds.Row(rng.IntN(m))
		for f := range d {
			bias[j] -= wts.At(j, f) * r[f]
		}
	}
	features := func(x []float64) *mat.Dense {
		n := len(x) / d
		phi := mat.NewDense(n, w, nil)
		phi.Mul(mat.NewDense(n, d, x), wts.T())
		phi.Apply(func(_, j int, v float64) float64 { return max(0, v+bias[j]) / math.Sqrt(float64(w)) }, phi)
		return phi
	}
	phi := features(ds.X)
	var g mat.SymDense
	g.SymOuterK(1, phi)
	for i := range m {
		g.SetSym(i, i, g.At(i, i)+l.Ridge)
	}
	y := mat.NewDense(m, k, nil)
	for i, c := range ds.Y {
		for cl := range k {
			y.Set(i, cl, -1)
		}
		y.Set(i, c, 1)
	}
	var chol mat.Cholesky
	if !chol.Factorize(&g) {
		t.Fatal("oracle: not positive definite")
	}
	var a, beta, out mat.Dense
	if err := chol.SolveTo(&a, y); err != nil {
		t.Fatalf("oracle: %v", err)
	}
	beta.Mul(phi.T(), &a)
	out.Mul(features(x), &beta)
	return &out
}

// Ridgeless random features with W >= m interpolate distinct points with
// any labels, certified by the residual; the scores agree with the gonum
// oracle (also through the blocked Cholesky path from m = 256).
func TestRandomFeaturesInterpolates(t *testing.T) {
	for _, tc := range []struct {
		m, d, k, w int
		ridge      float64
	}{{5, 2, 2, 20, 0}, {40, 2, 3, 80, 0}, {120, 3, 2, 400, 0}, {300, 4, 4, 900, 0}, {300, 2, 2, 50, 0.1}} {
		ds := treeData(uint64(tc.m+tc.w), tc.m, tc.d, tc.k)
		l := learners.RandomFeatures{Width: tc.w, Ridge: tc.ridge, Seed: 3}
		if tc.w < tc.m {
			l.Ridge = 0.1
		}
		h, err := l.Fit(ds)
		if err != nil {
			t.Fatalf("%+v: %v", tc, err)
		}
		rf := h.(*learners.RandomFeaturesClassifier)
		res := rf.Residual()
		if l.Ridge == 0 {
			if bound := 1 / math.Sqrt(float64(tc.m*tc.k)); !(res < bound) {
				t.Errorf("%+v: residual %g, not below 1/sqrt(mK) = %g", tc, res, bound)
			}
			if e := trainErrors(t, h, ds, nil); e != 0 {
				t.Errorf("%+v: %d training errors", tc, e)
			}
		} else if !(res < 1e-8) {
			t.Errorf("%+v: ridge system residual %g", tc, res)
		}
		want := rfOracle(t, l, ds, ds.X)
		s := make([]float64, tc.k)
		worst := 0.0
		for i := range tc.m {
			if err := rf.Scores(ds.Row(i), s); err != nil {
				t.Fatal(err)
			}
			for c, v := range s {
				worst = max(worst, math.Abs(v-want.At(i, c)))
			}
		}
		if worst > 1e-6 {
			t.Errorf("%+v: scores differ from the oracle by %g", tc, worst)
		}
	}
}

// A large ridge does not interpolate noisy labels; bad input is an error.
func TestRandomFeaturesRidgeAndBadInput(t *testing.T) {
	ds := treeData(4, 200, 2, 2)
	h, err := learners.RandomFeatures{Width: 400, Ridge: 1e4, Seed: 1}.Fit(ds)
	if err != nil {
		t.Fatal(err)
	}
	if e := trainErrors(t, h, ds, nil); e == 0 {
		t.Error("ridge 1e4 interpolated 200 random labels")
	}
	good := treeData(1, 10, 2, 2)
	dup := learners.Dataset{X: []float64{1, 2, 1, 2, 3, 4}, D: 2, Y: []int{0, 1, 0}, K: 2}
	for _, tc := range []struct {
		name string
		l    learners.RandomFeatures
		ds   learners.Dataset
		want string
	}{
		{"width", learners.RandomFeatures{}, good, "width"},
		{"narrow", learners.RandomFeatures{Width: 5}, good, "Width >= m"},
		{"ridge", learners.RandomFeatures{Width: 20, Ridge: -1}, good, "ridge"},
		{"nan-ridge", learners.RandomFeatures{Width: 20, Ridge: math.NaN()}, good, "ridge"},
		{"data", learners.RandomFeatures{Width: 20}, learners.Dataset{D: 1, K: 2}, "empty"},
		{"norm", learners.RandomFeatures{Width: 20}, learners.Dataset{X: []float64{1e300}, D: 1, Y: []int{0}, K: 2}, "MaxNorm"},
		{"duplicates", learners.RandomFeatures{Width: 20}, dup, "factorize"},
		{"cells", learners.RandomFeatures{Width: 1 << 20}, learners.Dataset{X: make([]float64, 1000), D: 1, Y: make([]int, 1000), K: 2}, "cells"},
	} {
		_, err := tc.l.Fit(tc.ds)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
		if tc.name == "duplicates" && !errors.Is(err, learners.ErrGramNotFactorized) {
			t.Errorf("duplicates: %v does not wrap ErrGramNotFactorized", err)
		}
	}
	h, err = learners.RandomFeatures{Width: 20, Seed: 2}.Fit(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Predict([]float64{1}, nil); err == nil {
		t.Error("short query accepted")
	}
	if err := h.PredictBatch([]float64{1, math.NaN()}, make([]int, 1), nil); err == nil {
		t.Error("NaN batch accepted")
	}
	if err := h.(*learners.RandomFeaturesClassifier).Scores([]float64{0, 0}, make([]float64, 3)); err == nil {
		t.Error("Scores with the wrong dst accepted")
	}
}

// The model is a function of the data and the seed; batch equals singles.
func TestRandomFeaturesDeterminism(t *testing.T) {
	ds := treeData(6, 300, 3, 3)
	q := treeData(7, 100, 3, 3).X
	run := func(seed uint64) []int {
		h, err := learners.RandomFeatures{Width: 600, Seed: seed}.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]int, 100)
		if err := h.PredictBatch(q, dst, nil); err != nil {
			t.Fatal(err)
		}
		for r, want := range dst {
			if got, _ := h.Predict(q[r*3:(r+1)*3], nil); got != want {
				t.Fatalf("row %d: single %d, batch %d", r, got, want)
			}
		}
		return dst
	}
	a, b, c := run(1), run(1), run(2)
	same := true
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("two fits with one seed differ")
		}
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("seeds 1 and 2 agree on all 100 queries")
	}
}
