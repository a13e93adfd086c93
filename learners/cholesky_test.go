package learners

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// cholTestGram returns the n x n Laplace Gram matrix exp(-r/h) + ridge*I of
// n points uniform in [0,1]^2, row-major: symmetric positive definite.
func cholTestGram(rng *rand.Rand, n int, h, ridge float64) []float64 {
	x := make([]float64, 2*n)
	for i := range x {
		x[i] = rng.Float64()
	}
	a := make([]float64, n*n)
	for i := range n {
		for j := range n {
			r := math.Hypot(x[2*i]-x[2*j], x[2*i+1]-x[2*j+1])
			a[i*n+j] = math.Exp(-r / h)
		}
		a[i*n+i] += ridge
	}
	return a
}

// TestCholeskyUpperBackwardError checks choleskyUpper against the backward
// error bound of any Cholesky factorization in floating point (Higham,
// Accuracy and Stability of Numerical Algorithms, Thm 10.3):
// |U^T U - A| <= gamma_{n+1} |U^T| |U| entrywise, gamma_m = m u/(1 - m u),
// u = 2^-53; the check doubles it to cover the rounding of its own
// evaluation of U^T U. Sizes cross the block width (96), the 6 x 8 register
// blocks and the parallel threshold. The strict lower triangle must be left
// as it was.
func TestCholeskyUpperBackwardError(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	for _, n := range []int{1, 2, 7, 95, 96, 97, 200, 293} {
		a := cholTestGram(rng, n, 0.3, 1e-3)
		u := make([]float64, n*n)
		for i := range n {
			copy(u[i*n+i:(i+1)*n], a[i*n+i:(i+1)*n]) // upper triangle only
			for j := range i {
				u[i*n+j] = -float64(i*n + j) // must not be read or written
			}
		}
		if !choleskyUpper(u, n, n) {
			t.Fatalf("n=%d: factorization failed", n)
		}
		gamma := float64(n+1) * 0x1p-53 / (1 - float64(n+1)*0x1p-53)
		for i := range n {
			for j := range n {
				if j < i {
					if u[i*n+j] != -float64(i*n+j) {
						t.Fatalf("n=%d: entry (%d, %d) below the diagonal changed to %v", n, i, j, u[i*n+j])
					}
					continue
				}
				var s, abs float64
				for p := 0; p <= i; p++ {
					s += u[p*n+i] * u[p*n+j]
					abs += math.Abs(u[p*n+i] * u[p*n+j])
				}
				if diff := math.Abs(s - a[i*n+j]); !(diff <= 2*gamma*abs) {
					t.Fatalf("n=%d: (U^T U - A)[%d][%d] = %g, bound %g", n, i, j, diff, 2*gamma*abs)
				}
			}
		}
	}
}

// TestCholeskyUpperNotPositiveDefinite checks that choleskyUpper reports
// failure for a matrix with a negative pivot in a later block, and for a
// NaN.
func TestCholeskyUpperNotPositiveDefinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	const n = 250
	for _, bad := range []float64{-1, math.NaN()} {
		a := cholTestGram(rng, n, 0.3, 1e-3)
		a[200*n+200] = bad
		if choleskyUpper(a, n, n) {
			t.Fatalf("diagonal entry %v: factorization succeeded", bad)
		}
	}
}

// TestDenseCholeskySolveMatchesGonum checks the dense solve of order
// n >= cholMinN (cholFactorize where the CPU or the build allows) against
// gonum's mat.Cholesky: for A with condition number kappa the two solutions
// of A X = Y, each backward stable, differ by at most about
// 2 kappa c n u ||X||; with kappa below 1e4 here (Laplace Gram, ridge 0.1)
// 1e-8 relative is far above that. It checks the product G X against
// gonum's multiply (a dot product of length n per entry: within
// 4 n u sum_j |G_ij X_jc|, as in TestSymLowerMul), that the strict lower
// triangle is left as it was, the condition error, and the failure of a
// non-positive-definite matrix.
func TestDenseCholeskySolveMatchesGonum(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 29))
	const n, k, ridge = 300, 3, 0.1
	a := cholTestGram(rng, n, 0.05, ridge)
	sym := mat.NewSymDense(n, slices.Clone(a))
	y := mat.NewDense(n, k, nil)
	for i := range n {
		y.Set(i, rng.IntN(k), 1)
	}
	norm1 := lapack64.Lansy(mat.CondNorm, sym.RawSymmetric(), make([]float64, n))
	g := slices.Clone(a)
	got, gx, err := denseCholeskySolve(g, n, norm1, 1+ridge, y.RawMatrix().Data, k)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		for j := range i {
			if g[i*n+j] != a[i*n+j] {
				t.Fatalf("entry (%d, %d) below the diagonal changed from %v to %v", i, j, a[i*n+j], g[i*n+j])
			}
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(sym) {
		t.Fatal("gonum: factorization failed")
	}
	var want mat.Dense
	if err := chol.SolveTo(&want, y); err != nil {
		t.Fatal(err)
	}
	var diff mat.Dense
	diff.Sub(mat.NewDense(n, k, got), &want)
	if rel := mat.Norm(&diff, 2) / mat.Norm(&want, 2); !(rel <= 1e-8) {
		t.Fatalf("relative difference from gonum %g, want <= 1e-8", rel)
	}
	var wantGX mat.Dense
	wantGX.Mul(sym, mat.NewDense(n, k, got))
	for i := range n {
		for c := range k {
			var abs float64
			for j := range n {
				abs += math.Abs(a[i*n+j] * got[j*k+c])
			}
			if d := math.Abs(gx[i*k+c] - wantGX.At(i, c)); !(d <= 4*float64(n)*0x1p-53*abs) {
				t.Fatalf("G X (%d, %d): got %v, gonum %v", i, c, gx[i*k+c], wantGX.At(i, c))
			}
		}
	}

	// Exact duplicate points without a ridge: singular.
	dup := cholTestGram(rng, n, 0.05, 0)
	for j := range n {
		dup[1*n+j], dup[j*n+1] = dup[0*n+j], dup[j*n+0]
	}
	dup[1*n+1] = dup[0]
	norm1 = lapack64.Lansy(mat.CondNorm, mat.NewSymDense(n, dup).RawSymmetric(), make([]float64, n))
	_, _, err = denseCholeskySolve(dup, n, norm1, 1, y.RawMatrix().Data, k)
	var cond mat.Condition
	if !errors.Is(err, errNotPositiveDefinite) && !errors.As(err, &cond) {
		t.Fatalf("singular matrix: error %v, want not positive definite or a condition error", err)
	}
}

// TestCholRcondMatchesDpocon checks cholRcond against gonum's Dpocon on the
// same factor: the same estimator with differently rounded solves, so the
// estimates agree to far better than the factor of 2 allowed here (the
// estimate itself is only trusted to a small factor of the truth). It
// covers a well-conditioned matrix and an ill-conditioned one (a wide
// Laplace kernel with ridge 1e-8), and with a singular factor the overflow
// branch.
func TestCholRcondMatchesDpocon(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 37))
	const n = 150
	for _, tc := range []struct {
		name string
		a    []float64
	}{
		{"laplace", cholTestGram(rng, n, 0.05, 0.1)},
		{"wide", cholTestGram(rng, n, 5, 1e-8)},
	} {
		sym := mat.NewSymDense(n, tc.a)
		raw := sym.RawSymmetric()
		anorm := lapack64.Lansy(mat.CondNorm, raw, make([]float64, n))
		f := make([]float64, n*n)
		copy(f, tc.a)
		if !choleskyUpper(f, n, n) {
			t.Fatalf("%s: factorization failed", tc.name)
		}
		got := cholRcond(f, n, n, anorm)
		want := lapack64.Pocon(blas64.Symmetric{Uplo: blas.Upper, N: n, Stride: n, Data: f}, anorm, make([]float64, 3*n), make([]int, n))
		if !(got <= 2*want && want <= 2*got) {
			t.Fatalf("%s: cholRcond %g, Dpocon %g", tc.name, got, want)
		}
	}
	u := make([]float64, 4)
	u[0], u[1], u[3] = 1e-300, 1, 1e-300
	if got := cholRcond(u, 2, 2, 1); got != 0 {
		t.Fatalf("singular factor: cholRcond %g, want 0", got)
	}
}

// TestSymLowerMul checks symLowerMul against gonum's symmetric multiply
// with garbage on the diagonal and in the upper triangle (which must not be
// read; the diagonal comes as the constant 1 + ridge of a kernel Gram
// matrix): each entry is a dot product of length n, so the two differ by at
// most 2 n u sum_j |G_ij A_jc| (u = 2^-53), doubled here.
func TestSymLowerMul(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 43))
	const ridge = 0.5
	for _, n := range []int{1, 2, 17, 40, 101} {
		const k = 3
		g := cholTestGram(rng, n, 0.3, ridge)
		a := make([]float64, n*k)
		for i := range a {
			a[i] = rng.Float64()*2 - 1
		}
		sym := mat.NewSymDense(n, append([]float64(nil), g...))
		var want mat.Dense
		want.Mul(sym, mat.NewDense(n, k, a))
		for i := range n {
			for j := i; j < n; j++ {
				g[i*n+j] = math.NaN()
			}
		}
		got := make([]float64, n*k)
		symLowerMul(got, g, n, n, 1+ridge, a, k)
		for i := range n {
			for c := range k {
				var abs float64
				for j := range n {
					abs += math.Abs(sym.At(i, j) * a[j*k+c])
				}
				if diff := math.Abs(got[i*k+c] - want.At(i, c)); !(diff <= 4*float64(n)*0x1p-53*abs) {
					t.Fatalf("n=%d (%d, %d): got %v, gonum %v", n, i, c, got[i*k+c], want.At(i, c))
				}
			}
		}
	}
}

// TestKernelMachineDenseLarge runs the dense path at n >= cholMinN (the
// parallel Gram matrix, the own factorization where available, cholRcond,
// cholSolve and symUpperMul): a ridgeless Laplace machine on 300 uniform
// points with bandwidth 0.05 has a Gram matrix of condition number below
// about 1e4, so a backward-stable solve leaves a relative residual of
// order 1e4 n u < 1e-9; it must interpolate its labels.
func TestKernelMachineDenseLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 53))
	const n, d, k = 300, 2, 3
	ds := Dataset{X: make([]float64, n*d), D: d, Y: make([]int, n), K: k}
	for i := range ds.X {
		ds.X[i] = rng.Float64()
	}
	for i := range ds.Y {
		ds.Y[i] = rng.IntN(k)
	}
	fit, err := KernelMachine{Kernel: Laplace, Bandwidth: 0.05, DenseOnly: true}.Fit(ds)
	if err != nil {
		t.Fatal(err)
	}
	c := fit.(*KernelClassifier)
	if c.Solver() != SolverDenseCholesky {
		t.Fatalf("solver %q", c.Solver())
	}
	if r := c.Residual(); !(r <= 1e-9) {
		t.Fatalf("relative residual %g, want <= 1e-9", r)
	}
	for i := range n {
		if got, _ := c.Predict(ds.X[i*d:(i+1)*d], nil); got != ds.Y[i] {
			t.Fatalf("training point %d: predicted %d, label %d", i, got, ds.Y[i])
		}
	}
}
