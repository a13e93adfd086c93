package learners_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
	"pgregory.net/rapid"
)

// kernUniform returns n points uniform on [0,1]^d (row-major) and labels
// uniform on [0, k), from a PCG seeded by seed.
func kernUniform(seed uint64, n, d, k int) learners.Dataset {
	rng := rand.New(rand.NewPCG(seed, 0x6b65726e))
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.Float64()
	}
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(k)
	}
	return learners.Dataset{X: x, D: d, Y: y, K: k}
}

// kernSpacing returns the smallest distance between two points of ds,
// by brute force.
func kernSpacing(ds learners.Dataset) float64 {
	best := math.Inf(1)
	for i := range ds.Len() {
		for j := i + 1; j < ds.Len(); j++ {
			best = min(best, kernDist(ds.Row(i), ds.Row(j)))
		}
	}
	return best
}

func kernDist(a, b []float64) float64 {
	var s float64
	for j := range a {
		s += (a[j] - b[j]) * (a[j] - b[j])
	}
	return math.Sqrt(s)
}

// kernPermute returns ds with its points in the order perm.
func kernPermute(ds learners.Dataset, perm []int) learners.Dataset {
	out := learners.Dataset{X: make([]float64, 0, len(ds.X)), D: ds.D, Y: make([]int, 0, len(ds.Y)), K: ds.K}
	for _, i := range perm {
		out.X = append(out.X, ds.Row(i)...)
		out.Y = append(out.Y, ds.Y[i])
	}
	return out
}

// kernT is what the test helpers need of *testing.T and *rapid.T.
type kernT interface {
	Helper()
	Fatalf(format string, args ...any)
}

func kernFitMachine(t kernT, m learners.KernelMachine, ds learners.Dataset) *learners.KernelClassifier {
	t.Helper()
	c, err := m.Fit(ds)
	if err != nil {
		t.Fatalf("Fit(%+v): %v", m, err)
	}
	return c.(*learners.KernelClassifier)
}

func TestKernelString(t *testing.T) {
	for k, want := range map[learners.Kernel]string{
		learners.Gaussian: "gaussian", learners.Laplace: "laplace", learners.Hilbert: "hilbert", 0: "Kernel(0)",
	} {
		if got := k.String(); got != want {
			t.Errorf("Kernel(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}

func TestKernelEval(t *testing.T) {
	for _, tc := range []struct {
		k       learners.Kernel
		r, h    float64
		d       int
		want    float64
		wantNaN bool
	}{
		{k: learners.Gaussian, r: 0, h: 1e-320, d: 2, want: 1},
		{k: learners.Gaussian, r: 2, h: 1, d: 2, want: math.Exp(-2)},
		{k: learners.Laplace, r: 0, h: 1e-320, d: 2, want: 1},
		{k: learners.Laplace, r: 3, h: 2, d: 2, want: math.Exp(-1.5)},
		{k: learners.Laplace, r: 1e300, h: 1e-300, d: 2, want: 0},
		{k: learners.Hilbert, r: 2, h: 0, d: 3, want: 0.125},
		{k: learners.Hilbert, r: 0, h: 0, d: 3, want: math.Inf(1)},
		{k: learners.Hilbert, r: 2, h: 0, d: 0, wantNaN: true},
		{k: learners.Gaussian, r: 1, h: 0, d: 1, wantNaN: true},
		{k: learners.Laplace, r: 1, h: math.Inf(1), d: 1, wantNaN: true},
		{k: learners.Laplace, r: -1, h: 1, d: 1, wantNaN: true},
		{k: 0, r: 1, h: 1, d: 1, wantNaN: true},
	} {
		got := tc.k.Eval(tc.r, tc.h, tc.d)
		if tc.wantNaN {
			if !math.IsNaN(got) {
				t.Errorf("%v.Eval(%v, %v, %d) = %v, want NaN", tc.k, tc.r, tc.h, tc.d, got)
			}
			continue
		}
		if math.Abs(got-tc.want) > 1e-15*math.Abs(tc.want) && got != tc.want {
			t.Errorf("%v.Eval(%v, %v, %d) = %v, want %v", tc.k, tc.r, tc.h, tc.d, got, tc.want)
		}
	}
}

// The ridgeless machine with a bandwidth below the nearest-neighbour spacing
// interpolates distinct points: f_c(x_i) = Y_ic up to the residual, so the
// training error is zero whatever the labels. Its Gram matrix is then close
// to the identity (off-diagonal entries at most exp(-ratio) for Laplace), so
// the relative residual of a backward-stable Cholesky solve, about n eps
// cond, is far below 1e-8.
func TestKernelMachineInterpolates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 40).Draw(t, "n")
		d := rapid.IntRange(1, 4).Draw(t, "d")
		k := rapid.IntRange(2, 5).Draw(t, "k")
		ds := kernUniform(rapid.Uint64().Draw(t, "seed"), n, d, k)
		kern := rapid.SampledFrom([]learners.Kernel{learners.Laplace, learners.Gaussian}).Draw(t, "kernel")
		ratio := rapid.SampledFrom([]float64{2, 5, 10}).Draw(t, "spacing/bandwidth")
		h := kernSpacing(ds) / ratio
		m := learners.KernelMachine{Kernel: kern, Bandwidth: h}
		c := kernFitMachine(t, m, ds)
		if r := c.Residual(); !(r < 1e-8) {
			t.Fatalf("relative residual %g, want < 1e-8", r)
		}
		if c.Solver() == "" {
			t.Fatalf("empty Solver()")
		}
		got := make([]int, n)
		if err := c.PredictBatch(ds.X, got, nil); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != ds.Y[i] {
				t.Fatalf("training point %d: predicted %d, label %d", i, got[i], ds.Y[i])
			}
		}
	})
}

// With a ridge lambda > 0 the system G + lambda I has condition number at
// most (n + lambda)/lambda (G is positive semi-definite with trace n), here
// at most 4001, so a backward-stable solve has relative residual far below
// 1e-8 for any bandwidth, even where the bare Gram matrix is singular.
func TestKernelMachineResidualWithRidge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 40).Draw(t, "n")
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 4).Draw(t, "k")
		ds := kernUniform(rapid.Uint64().Draw(t, "seed"), n, d, k)
		m := learners.KernelMachine{
			Kernel:    rapid.SampledFrom([]learners.Kernel{learners.Laplace, learners.Gaussian}).Draw(t, "kernel"),
			Bandwidth: rapid.SampledFrom([]float64{0.01, 0.1, 0.5, 2, 10}).Draw(t, "bandwidth"),
			Ridge:     rapid.SampledFrom([]float64{0.01, 0.1, 1, 10}).Draw(t, "ridge"),
		}
		c := kernFitMachine(t, m, ds)
		if r := c.Residual(); !(r < 1e-8) {
			t.Fatalf("relative residual %g, want < 1e-8", r)
		}
		a := c.Coefficients()
		if len(a) != n*k {
			t.Fatalf("len(Coefficients()) = %d, want %d", len(a), n*k)
		}
		a[0] = math.NaN() // a copy: the classifier must not change
		if b := c.Coefficients(); math.IsNaN(b[0]) {
			t.Fatalf("Coefficients() returned the classifier's own storage")
		}
	})
}

// A large ridge turns the machine into a smoother that does not interpolate
// noisy labels. Points sit one per interval [i/n, (i+1)/n), clean label 0 on
// [0, 1/2) and 1 on [1/2, 1), and one point in [0, 1/4) has its label
// flipped to 1. For lambda -> infinity, lambda f(x) -> sum_i K(x, x_i) Y_i;
// at the flipped point x_j with the Laplace kernel at bandwidth 1 the clean
// side has at least n/4 - 1 other points within 1/2 (weight >= exp(-1/2))
// and the flipped side at most n/2 + 1 points (the flipped one included)
// farther than 1/4 (weight <= exp(-1/4)) apart from x_j itself (weight 1).
// For n >= 24 the class-0 score is ahead by a margin of order n, far above
// the O(n/lambda) relative correction at lambda = 1e4, so the machine
// answers the clean label 0 at x_j: a training error.
func TestKernelMachineLargeRidgeSmooths(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := 2 * rapid.IntRange(12, 30).Draw(t, "n/2")
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1))
		ds := learners.Dataset{X: make([]float64, n), D: 1, Y: make([]int, n), K: 2}
		for i := range n {
			ds.X[i] = (float64(i) + rng.Float64()) / float64(n)
			if i >= n/2 {
				ds.Y[i] = 1
			}
		}
		j := rapid.IntRange(0, n/4-1).Draw(t, "flipped")
		ds.Y[j] = 1
		c := kernFitMachine(t, learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 1, Ridge: 1e4}, ds)
		got, err := c.Predict(ds.Row(j), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got != 0 {
			t.Fatalf("large ridge predicted the flipped label %d at x = %v, want the clean label 0", got, ds.X[j])
		}
		// The ridgeless machine at a small bandwidth interpolates the flip.
		r := kernFitMachine(t, learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: kernSpacing(ds) / 5}, ds)
		if got, _ := r.Predict(ds.Row(j), nil); got != 1 {
			t.Fatalf("ridgeless machine predicted %d at the flipped point, want its label 1", got)
		}
	})
}

// Predictions do not depend on the order of the training points, except at
// queries where two class scores are within rounding of each other; those
// are skipped (relative gap below 1e-9 of the largest score magnitude).
func TestKernelMachineOrderIndependent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 30).Draw(t, "n")
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 4).Draw(t, "k")
		seed := rapid.Uint64().Draw(t, "seed")
		ds := kernUniform(seed, n, d, k)
		m := learners.KernelMachine{
			Kernel:    rapid.SampledFrom([]learners.Kernel{learners.Laplace, learners.Gaussian}).Draw(t, "kernel"),
			Bandwidth: rapid.SampledFrom([]float64{0.05, 0.2, 1}).Draw(t, "bandwidth"),
			Ridge:     rapid.SampledFrom([]float64{1e-3, 0.1, 1}).Draw(t, "ridge"),
		}
		rng := rand.New(rand.NewPCG(seed, 2))
		perm := rng.Perm(n)
		a := kernFitMachine(t, m, ds)
		b := kernFitMachine(t, m, kernPermute(ds, perm))
		q := kernUniform(seed+1, 20, d, k).X
		sa := make([]float64, k)
		for i := range 20 {
			x := q[i*d : (i+1)*d]
			if err := a.Scores(x, sa); err != nil {
				t.Fatal(err)
			}
			s := slices.Clone(sa)
			slices.Sort(s)
			top := max(math.Abs(s[k-1]), math.Abs(s[0]))
			if s[k-1]-s[k-2] <= 1e-9*top {
				continue
			}
			pa, _ := a.Predict(x, nil)
			pb, _ := b.Predict(x, nil)
			if pa != pb {
				t.Fatalf("query %v: %d in training order, %d after permutation %v (scores %v)", x, pa, pb, perm, sa)
			}
		}
	})
}

// Both solver paths solve (G~ + lambda I) A = Y. The sparse path runs only
// when every off-diagonal row sum of G~ is at most 0.9 (1 + lambda), so the
// smallest eigenvalue of M = G~ + lambda I is at least 0.1 (1 + lambda) >= 0.1
// and two solutions with residuals r1, r2 differ by at most
// ||M^-1|| (||r1|| + ||r2||) <= 10 (res1 + res2) ||Y||_F, plus the rounding
// of the computed residuals themselves (about n eps each, allowed as
// 1e-12 ||Y||_F). When the sparse
// path does not run, the automatic choice is the dense computation itself.
func TestKernelMachineSparseMatchesDense(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 60).Draw(t, "n")
		d := rapid.IntRange(1, 3).Draw(t, "d")
		k := rapid.IntRange(2, 4).Draw(t, "k")
		ds := kernUniform(rapid.Uint64().Draw(t, "seed"), n, d, k)
		kern := rapid.SampledFrom([]learners.Kernel{learners.Laplace, learners.Gaussian}).Draw(t, "kernel")
		ratio := rapid.SampledFrom([]float64{2, 10, 50, 200}).Draw(t, "spacing/bandwidth")
		ridge := rapid.SampledFrom([]float64{0, 1e-6, 0.1}).Draw(t, "ridge")
		m := learners.KernelMachine{Kernel: kern, Bandwidth: kernSpacing(ds) / ratio, Ridge: ridge}
		auto := kernFitMachine(t, m, ds)
		m.DenseOnly = true
		dense := kernFitMachine(t, m, ds)
		if dense.Solver() != learners.SolverDenseCholesky {
			t.Fatalf("DenseOnly ran %q", dense.Solver())
		}
		a, b := auto.Coefficients(), dense.Coefficients()
		switch auto.Solver() {
		case learners.SolverSparseCG:
			if r := auto.Residual(); !(r <= learners.SparseResidualTolerance) {
				t.Fatalf("sparse residual %g above %g", r, learners.SparseResidualTolerance)
			}
			var diff float64
			for i := range a {
				diff += (a[i] - b[i]) * (a[i] - b[i])
			}
			bound := (10*(auto.Residual()+dense.Residual()) + 1e-12) * math.Sqrt(float64(n*k))
			if math.Sqrt(diff) > bound {
				t.Fatalf("||A_sparse - A_dense||_F = %g, bound %g", math.Sqrt(diff), bound)
			}
		case learners.SolverDenseCholesky:
			if !slices.Equal(a, b) || auto.Residual() != dense.Residual() {
				t.Fatalf("automatic dense path differs from DenseOnly")
			}
		default:
			t.Fatalf("unknown solver %q", auto.Solver())
		}
	})
}

// On a grid of spacing s with bandwidth s/50 every off-diagonal Laplace
// entry is below exp(-50) and cut, so G~ = I: the sparse path must run and
// return A = Y exactly.
func TestKernelMachineSparsePathRuns(t *testing.T) {
	const side = 30
	ds := learners.Dataset{D: 2, K: 3}
	for i := range side * side {
		ds.X = append(ds.X, float64(i/side), float64(i%side))
		ds.Y = append(ds.Y, (i*7)%3)
	}
	c := kernFitMachine(t, learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 1.0 / 50}, ds)
	if c.Solver() != learners.SolverSparseCG {
		t.Fatalf("Solver() = %q, want %q", c.Solver(), learners.SolverSparseCG)
	}
	if r := c.Residual(); r > learners.SparseResidualTolerance {
		t.Fatalf("residual %g", r)
	}
	a := c.Coefficients()
	for i, y := range ds.Y {
		for cl := range 3 {
			want := -1.0
			if cl == y {
				want = 1
			}
			if a[i*3+cl] != want {
				t.Fatalf("A[%d][%d] = %v, want %v", i, cl, a[i*3+cl], want)
			}
		}
	}
}

// Far from the data every kernel value underflows, but the machine still
// answers from its nearest points: scores are accumulated relative to the
// nearest training point.
func TestKernelMachineFarQuery(t *testing.T) {
	ds := learners.Dataset{X: []float64{0, 1, 2}, D: 1, Y: []int{1, 0, 1}, K: 2}
	c := kernFitMachine(t, learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 0.01}, ds)
	for _, tc := range []struct{ x float64 }{{-1e3}, {1e3}} {
		got, err := c.Predict([]float64{tc.x}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got != 1 {
			t.Errorf("Predict(%v) = %d, want the nearest label 1", tc.x, got)
		}
		s := make([]float64, 2)
		if err := c.Scores([]float64{tc.x}, s); err != nil {
			t.Fatal(err)
		}
		if s[0] != 0 || s[1] != 0 {
			t.Errorf("Scores(%v) = %v, want underflow to 0", tc.x, s)
		}
	}
	got, _ := c.Predict([]float64{0.9}, nil)
	if got != 0 {
		t.Errorf("Predict(0.9) = %d, want 0", got)
	}
}

func TestKernelMachineErrors(t *testing.T) {
	good := learners.Dataset{X: []float64{0, 0, 1, 0, 0, 1}, D: 2, Y: []int{0, 1, 1}, K: 2}
	ok := learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 0.5}
	dup := learners.Dataset{X: []float64{0, 1, 1, 2}, D: 1, Y: []int{0, 1, 0, 1}, K: 2}
	wide := kernUniform(3, 100, 2, 2) // Gaussian h = 0.5 at d = 2, n = 100: not PD
	for _, tc := range []struct {
		name string
		m    learners.KernelMachine
		ds   learners.Dataset
		gram bool // the error must wrap ErrGramNotFactorized
	}{
		{name: "hilbert", m: learners.KernelMachine{Kernel: learners.Hilbert, Bandwidth: 1}, ds: good},
		{name: "zero kernel", m: learners.KernelMachine{Bandwidth: 1}, ds: good},
		{name: "kernel 7", m: learners.KernelMachine{Kernel: 7, Bandwidth: 1}, ds: good},
		{name: "bandwidth 0", m: learners.KernelMachine{Kernel: learners.Laplace}, ds: good},
		{name: "bandwidth < 0", m: learners.KernelMachine{Kernel: learners.Gaussian, Bandwidth: -1}, ds: good},
		{name: "bandwidth NaN", m: learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: math.NaN()}, ds: good},
		{name: "bandwidth Inf", m: learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: math.Inf(1)}, ds: good},
		{name: "ridge < 0", m: learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 1, Ridge: -1e-12}, ds: good},
		{name: "ridge NaN", m: learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 1, Ridge: math.NaN()}, ds: good},
		{name: "ridge Inf", m: learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 1, Ridge: math.Inf(1)}, ds: good},
		{name: "empty", m: ok, ds: learners.Dataset{D: 2, K: 2}},
		{name: "ragged", m: ok, ds: learners.Dataset{X: []float64{0, 0, 1}, D: 2, Y: []int{0, 1}, K: 2}},
		{name: "mismatch", m: ok, ds: learners.Dataset{X: []float64{0, 0, 1, 1}, D: 2, Y: []int{0}, K: 2}},
		{name: "D = 0", m: ok, ds: learners.Dataset{X: []float64{0}, D: 0, Y: []int{0}, K: 2}},
		{name: "K = 1", m: ok, ds: learners.Dataset{X: []float64{0}, D: 1, Y: []int{0}, K: 1}},
		{name: "NaN feature", m: ok, ds: learners.Dataset{X: []float64{0, math.NaN()}, D: 1, Y: []int{0, 1}, K: 2}},
		{name: "Inf feature", m: ok, ds: learners.Dataset{X: []float64{0, math.Inf(-1)}, D: 1, Y: []int{0, 1}, K: 2}},
		{name: "label < 0", m: ok, ds: learners.Dataset{X: []float64{0, 1}, D: 1, Y: []int{0, -1}, K: 2}},
		{name: "label >= K", m: ok, ds: learners.Dataset{X: []float64{0, 1}, D: 1, Y: []int{0, 2}, K: 2}},
		{name: "duplicates ridgeless", m: ok, ds: dup, gram: true},
		{name: "wide gaussian ridgeless", m: learners.KernelMachine{Kernel: learners.Gaussian, Bandwidth: 0.5}, ds: wide, gram: true},
	} {
		c, err := tc.m.Fit(tc.ds)
		if err == nil {
			t.Errorf("%s: Fit returned a %T and no error", tc.name, c)
			continue
		}
		if tc.gram != errors.Is(err, learners.ErrGramNotFactorized) {
			t.Errorf("%s: errors.Is(%q, ErrGramNotFactorized) = %v, want %v", tc.name, err, !tc.gram, tc.gram)
		}
	}

	c := kernFitMachine(t, ok, good)
	for _, q := range [][]float64{nil, {0}, {0, 0, 0}, {0, math.NaN()}, {math.Inf(1), 0}} {
		if _, err := c.Predict(q, nil); err == nil {
			t.Errorf("Predict(%v): no error", q)
		}
		if err := c.Scores(q, make([]float64, 2)); err == nil {
			t.Errorf("Scores(%v): no error", q)
		}
	}
	if err := c.Scores([]float64{0, 0}, make([]float64, 3)); err == nil {
		t.Errorf("Scores with len(dst) = 3: no error")
	}
	for _, tc := range []struct {
		x   []float64
		dst []int
	}{
		{nil, nil}, {[]float64{0, 0, 1}, make([]int, 1)}, {[]float64{0, 0}, make([]int, 2)},
		{[]float64{0, math.NaN()}, make([]int, 1)},
	} {
		if err := c.PredictBatch(tc.x, tc.dst, nil); err == nil {
			t.Errorf("PredictBatch(%v, len %d): no error", tc.x, len(tc.dst))
		}
	}
}
