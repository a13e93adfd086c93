package learners

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// MaxKernelMachinePoints is the largest training set a KernelMachine
// accepts. The dense solve keeps the Gram matrix and its Cholesky factor in
// one n x n matrix, 8 n^2 bytes: 8 GiB at this size.
const MaxKernelMachinePoints = 1 << 15

// ErrGramNotFactorized is wrapped by the error a KernelMachine returns when
// its regularized Gram matrix G + Ridge*I is not numerically positive
// definite: the Cholesky factorization failed, or its condition number
// estimate exceeds mat.ConditionTolerance (1e16) so the solution cannot be
// trusted. Test for it with errors.Is.
var ErrGramNotFactorized = errors.New("learners: kernel Gram matrix did not factorize")

// Solver names reported by KernelClassifier.Solver.
const (
	// SolverDenseCholesky is the dense path: the full Gram matrix,
	// factorized once by Cholesky (see KernelMachine for which
	// implementation) and solved for all classes.
	SolverDenseCholesky = "dense-cholesky"
	// SolverSparseCG is the sparse path: the Gram matrix with its entries
	// below exp(-46) cut, in compressed rows, solved by conjugate
	// gradients with a certified residual.
	SolverSparseCG = "sparse-cg"
)

// KernelMachine is kernel ridge regression on one-vs-rest targets, used as a
// classifier; Ridge = 0 is the ridgeless interpolating machine.
//
// On training points x_1..x_n with labels y_i in [0, K), Fit builds the Gram
// matrix G_ij = K(||x_i - x_j||) with the Kernel (Gaussian or Laplace) at
// the given Bandwidth h, the targets Y_ic = +1 if y_i = c and -1 otherwise
// (n x K, also for K = 2), and solves
//
//	(G + Ridge*I) A = Y
//
// for all K columns at once. The classifier answers
//
//	h(x) = argmax_c f_c(x),  f_c(x) = sum_i K(||x - x_i||) A_ic,
//
// with ties to the lower class. With Ridge = 0 and distinct points,
// f_c(x_i) = Y_ic, so the machine interpolates its training labels (the
// accuracy of the solve is reported by Residual).
//
// Scores are accumulated relative to the nearest training point (each kernel
// value divided by the nearest one's), which leaves the argmax unchanged and
// keeps it exact where the kernel values themselves underflow: far from the
// data a Laplace machine with a tiny bandwidth still answers by its nearest
// points, not by the tie rule.
//
// Fit returns an error if the Kernel is not Gaussian or Laplace (Hilbert is
// singular and has no Gram matrix), if Bandwidth is not positive and finite,
// if Ridge is negative, NaN or Inf, if the Dataset is invalid or has a point
// of norm above MaxNorm, if it has more than MaxKernelMachinePoints points, and an error wrapping
// ErrGramNotFactorized if the dense path finds G~ + Ridge*I not numerically
// positive definite (Cholesky fails, or its condition number estimate
// exceeds 1e16). There is no fallback from the dense path: a Gaussian Gram
// matrix at a moderate bandwidth is numerically singular in low dimension
// (d = 2, n = 100, h = 0.5 already fails), and the error suggests the
// Laplace kernel or a ridge. Exact duplicate training points make the
// ridgeless Gram matrix singular too.
//
// Both solver paths solve with the cut Gram matrix G~: entries
// K < exp(-46) ~ 1.1e-20 are stored as 0. They are below rounding next to
// the unit diagonal, and keeping them fills a factorization with subnormal
// numbers (a small-bandwidth Laplace fit ran 9 times slower). Residual
// includes a bound for the cut entries, so it bounds the residual against
// the exact G.
//
// Solver paths (Solver reports which one ran):
//   - sparse (SolverSparseCG), tried first unless DenseOnly: if G~ has at
//     most n(n-1)/8 off-diagonal entries and every off-diagonal row sum is
//     at most 0.9 (1 + Ridge) (so G~ + Ridge*I is positive definite with
//     condition number at most 19 by Gershgorin), conjugate gradients on
//     the compressed rows of G~, accepted only if the residual recomputed
//     from the solution is at most SparseResidualTolerance (1e-10). This is
//     the interpolating regime, a bandwidth well below the spacing of the
//     points, where G is close to the identity. It costs O(n^2 d) to find
//     the entries and O(nnz K) per iteration.
//   - dense (SolverDenseCholesky) otherwise, or when the sparse path does
//     not certify its residual: G~ + Ridge*I in one n x n row-major
//     matrix (filled on all cores, exponentials vectorized), factorized
//     in place over its upper triangle once and solved for all K columns,
//     with the Gram matrix kept below the diagonal for the residual. For
//     n >= 256 on CPUs with AVX2 and FMA the factorization is our blocked
//     Cholesky (AVX2/AVX-512 assembly kernels, on all cores; in the
//     openblas build OpenBLAS's dpotrf at any CPU), else gonum's
//     mat.Cholesky on a copy; either way the condition number is
//     estimated by LAPACK's dpocon algorithm, as mat.Cholesky does. It
//     costs n^3/3 flops (about 0.8 s at n = 4000 with our Cholesky on two
//     AVX-512 cores, 3 s with gonum's) and 8 n^2 bytes (16 n^2 with
//     gonum's copy).
type KernelMachine struct {
	Kernel    Kernel
	Bandwidth float64
	Ridge     float64
	// DenseOnly skips the sparse path and always runs the dense Cholesky.
	DenseOnly bool
}

// validate returns an error for bad parameters (not data).
func (m KernelMachine) validate() error {
	if err := m.Kernel.validate(); err != nil {
		return err
	}
	if m.Kernel == Hilbert {
		return errors.New("learners: the Hilbert kernel is singular and cannot be used by a kernel machine; use Gaussian or Laplace (Hilbert is for NadarayaWatson)")
	}
	if err := kernCheckBandwidth("kernel machine", m.Bandwidth); err != nil {
		return err
	}
	if !(m.Ridge >= 0) || math.IsInf(m.Ridge, 1) {
		return fmt.Errorf("learners: kernel machine ridge %v, want >= 0 and finite", m.Ridge)
	}
	return nil
}

// remedy suggests how to get a factorizable Gram matrix.
func (m KernelMachine) remedy() string {
	s := "use a ridge > 0 or remove duplicate points"
	if m.Kernel == Gaussian {
		s = "use the Laplace kernel, a smaller bandwidth or a ridge > 0"
	}
	return s
}

// Fit solves (G + Ridge*I) A = Y and returns a *KernelClassifier holding a
// copy of the training points. See KernelMachine for the formulas, the
// solver paths and the errors.
func (m KernelMachine) Fit(train Dataset) (Classifier, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	if err := checkNearData(train); err != nil {
		return nil, err
	}
	n, d, k := train.Len(), train.D, train.K
	if n > MaxKernelMachinePoints {
		return nil, fmt.Errorf("learners: kernel machine with %d training points, at most %d supported", n, MaxKernelMachinePoints)
	}
	c := &KernelClassifier{
		kern:  kernRadial{kernel: m.Kernel, h: m.Bandwidth, d: d},
		ridge: m.Ridge,
		x:     slices.Clone(train.X),
		n:     n,
		d:     d,
		k:     k,
	}
	y := oneVsRest(train.Y, k)
	if !m.DenseOnly && c.solveSparse(y) {
		return c, nil
	}
	if err := c.solveDense(y); err != nil {
		return nil, fmt.Errorf("%w (%v kernel, n = %d, bandwidth %g, ridge %g); %s", err, m.Kernel, n, m.Bandwidth, m.Ridge, m.remedy())
	}
	return c, nil
}

// solveDense solves (G~ + ridge*I) A = Y by Cholesky and sets the
// coefficients, the residual and the solver name. Its errors wrap
// ErrGramNotFactorized.
func (c *KernelClassifier) solveDense(y []float64) error {
	n, k := c.n, c.k
	g, cut, norm1 := c.gram()
	diag := 1 + c.ridge
	coef, ga, err := denseCholeskySolve(g, n, norm1, diag, y, k)
	if err != nil {
		var cond mat.Condition
		if errors.As(err, &cond) {
			return fmt.Errorf("%w: G + ridge*I has condition number %.3g, above %g", ErrGramNotFactorized, float64(cond), mat.ConditionTolerance)
		}
		return fmt.Errorf("%w: %w", ErrGramNotFactorized, err)
	}
	for i, v := range coef {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: coefficient %d of class %d is %v", ErrGramNotFactorized, i/k, i%k, v)
		}
	}
	c.residual = kernResidual(ga, y, coef, cut)
	c.coef = coef
	c.solver = SolverDenseCholesky
	return nil
}

// errNotPositiveDefinite is the error of denseCholeskySolve when the
// factorization fails.
var errNotPositiveDefinite = errors.New("matrix G + ridge*I is not numerically positive definite")

// denseCholeskySolve solves G X = Y by a Cholesky factorization of the
// symmetric positive definite n x n row-major G, stored in full in g
// (stride n, both triangles) with every diagonal entry equal to diag and
// norm1 = ||G||_1, for the n x k row-major Y. It returns X and the product
// G X (symLowerMul, from the strict lower triangle, for the caller's
// residual). Where useOwnCholesky(n) it factorizes with cholFactorize
// (choleskyUpper, or OpenBLAS's dpotrf in the openblas build) over the
// upper triangle of g, then estimates the condition number (cholRcond) on
// one goroutine while solving (cholSolve) and multiplying on another;
// otherwise gonum's mat.Cholesky factorizes a copy. Either way the strict
// lower triangle of g is left as it was. It returns errNotPositiveDefinite
// if the factorization fails, and a mat.Condition error (with X and G X
// set) if the condition number estimate (LAPACK's dpocon algorithm,
// 1-norm) exceeds mat.ConditionTolerance.
func denseCholeskySolve(g []float64, n int, norm1, diag float64, y []float64, k int) (x, gx []float64, err error) {
	gx = make([]float64, n*k)
	if !useOwnCholesky(n) {
		var chol mat.Cholesky
		if ok := chol.Factorize(mat.NewSymDense(n, g)); !ok {
			return nil, nil, errNotPositiveDefinite
		}
		var dst mat.Dense
		err = chol.SolveTo(&dst, mat.NewDense(n, k, y))
		x = dst.RawMatrix().Data // n x k, stride k since dst was empty
		symLowerMul(gx, g, n, n, diag, x, k)
		return x, gx, err
	}
	// The same steps as mat.Cholesky's Factorize and SolveTo, with the
	// factorization, the condition estimate (dpocon's algorithm) and the
	// triangular solves done row by row on the row-major factor; gonum's
	// dpocon and dpotrs walk its columns, and took longer than the
	// factorization.
	if !cholFactorize(g, n, n) {
		return nil, nil, errNotPositiveDefinite
	}
	var rcond float64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rcond = cholRcond(g, n, n, norm1)
	}()
	x = slices.Clone(y)
	cholSolve(g, n, n, x, k)
	symLowerMul(gx, g, n, n, diag, x, k)
	wg.Wait()
	if cond := 1 / rcond; cond > mat.ConditionTolerance {
		return x, gx, mat.Condition(cond)
	}
	return x, gx, nil
}

// kernResidual returns the relative residual that Residual reports, for
// ga = (G~ + ridge*I) A computed on the stored Gram matrix G~ (its entries
// below exp(-46) cut to 0, cut of them), the targets y (entries +-1, so
// ||Y||_F = sqrt(len(y))) and the coefficients a:
//
//	||ga - Y||_F / ||Y||_F + exp(-46) sqrt(cut) ||A||_F / ||Y||_F,
//
// the second term bounding ||(G - G~) A||_F / ||Y||_F by
// ||G - G~||_F ||A||_F.
func kernResidual(ga, y, a []float64, cut int) float64 {
	var rr, aa float64
	for i, v := range a {
		u := ga[i] - y[i]
		rr += u * u
		aa += v * v
	}
	normY := math.Sqrt(float64(len(y)))
	res := math.Sqrt(rr) / normY
	if cut > 0 {
		res += math.Exp(-kernGramCutoff) * math.Sqrt(float64(cut)) * math.Sqrt(aa) / normY
	}
	return res
}

// SparseResidualTolerance is the relative residual (see
// KernelClassifier.Residual) the sparse conjugate-gradient path must
// certify; otherwise Fit falls back to the dense path.
const SparseResidualTolerance = 1e-10

// kernSparseDominance is the diagonal dominance the sparse path requires:
// every off-diagonal row sum of G~ at most this fraction of 1 + ridge.
const kernSparseDominance = 0.9

// solveSparse tries the sparse path: the cut Gram matrix G~ in compressed
// rows, conjugate gradients for all K columns, and a certified residual.
// It reports whether it succeeded; on success it sets the coefficients, the
// residual and the solver name.
func (c *KernelClassifier) solveSparse(y []float64) bool {
	n, k := c.n, c.k
	diag := 1 + c.ridge
	// At most 1/8 of the off-diagonal pairs: the sparse path is for Gram
	// matrices close to the identity; denser ones are cheaper dense.
	g, ok := c.sparseGram(n*(n-1)/16, kernSparseDominance*diag)
	if !ok {
		return false
	}
	// Gershgorin: with off-diagonal row sums S <= rho diag, the spectrum of
	// G~ + ridge*I lies in [(1-rho) diag, (1+rho) diag], so it is positive
	// definite with condition number kappa <= (1+rho)/(1-rho) = 19, and CG
	// reduces the error by 2 ((sqrt(kappa)-1)/(sqrt(kappa)+1))^t after t
	// iterations: 0.63^t, below 1e-16 by t = 80.
	if g.maxRowSum(n) > kernSparseDominance*diag {
		return false
	}
	a := g.cg(y, n, k, 200, 1e-13)
	for _, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	// Certify with the true residual Y - (G~ + ridge*I) A, not CG's
	// recursively updated one.
	r := make([]float64, n*k)
	g.mul(r, a, n, k)
	res := kernResidual(r, y, a, n*(n-1)-2*len(g.vals))
	if !(res <= SparseResidualTolerance) {
		return false
	}
	c.coef, c.residual, c.solver = a, res, SolverSparseCG
	return true
}

// kernSparse is the strict upper triangle of the cut Gram matrix G~ in
// compressed rows, and the diagonal 1 + ridge: the entries of row i are
// vals[start[i]:start[i+1]] in columns cols[...] > i.
type kernSparse struct {
	start []int
	cols  []int32
	vals  []float64
	diag  float64
}

// sparseGram returns G~ in compressed rows, or false if its strict upper
// triangle has more than maxUpper entries or the sum of the upper entries of
// one row exceeds maxRow (it stops scanning then). The entries are positive,
// so such a row's off-diagonal sum exceeds maxRow too: a dense Gram matrix
// (a wide Gaussian) is rejected within its first row instead of after
// maxUpper kernel evaluations.
func (c *KernelClassifier) sparseGram(maxUpper int, maxRow float64) (*kernSparse, bool) {
	n, d := c.n, c.d
	g := &kernSparse{start: make([]int, n+1), diag: 1 + c.ridge}
	eval := c.kern.gramEval()
	for i := range n {
		xi := c.x[i*d : (i+1)*d]
		var rowSum float64
		for j := i + 1; j < n; j++ {
			r2 := sqDist(xi, c.x[j*d:(j+1)*d])
			if r2 > eval.thr {
				continue // most pairs: decided here, without a call
			}
			v, dropped := eval.at(r2)
			if dropped {
				continue
			}
			rowSum += v
			if len(g.vals) == maxUpper || rowSum > maxRow {
				return nil, false
			}
			g.cols = append(g.cols, int32(j))
			g.vals = append(g.vals, v)
		}
		g.start[i+1] = len(g.vals)
	}
	return g, true
}

// maxRowSum returns max_i sum_{j != i} G~_ij.
func (g *kernSparse) maxRowSum(n int) float64 {
	sum := make([]float64, n)
	for i := range n {
		for p := g.start[i]; p < g.start[i+1]; p++ {
			sum[i] += g.vals[p]
			sum[g.cols[p]] += g.vals[p]
		}
	}
	return slices.Max(sum)
}

// mul sets dst = (G~ + ridge*I) x for n x k row-major dst and x.
func (g *kernSparse) mul(dst, x []float64, n, k int) {
	for i := range dst {
		dst[i] = g.diag * x[i]
	}
	for i := range n {
		xi, di := x[i*k:(i+1)*k], dst[i*k:(i+1)*k]
		for p := g.start[i]; p < g.start[i+1]; p++ {
			j, v := int(g.cols[p]), g.vals[p]
			xj, dj := x[j*k:(j+1)*k], dst[j*k:(j+1)*k]
			for c := range k {
				di[c] += v * xj[c]
				dj[c] += v * xi[c]
			}
		}
	}
}

// cg solves (G~ + ridge*I) A = Y for the n x k row-major Y by conjugate
// gradients on each column, sharing the matrix products, until each
// column's residual is at most tol times its norm or after maxIter
// iterations. The diagonal of G~ + ridge*I is constant, so Jacobi
// preconditioning would be a no-op.
func (g *kernSparse) cg(y []float64, n, k, maxIter int, tol float64) []float64 {
	a := make([]float64, n*k)
	r := slices.Clone(y) // residual Y - M A at A = 0
	p := slices.Clone(y)
	q := make([]float64, n*k)
	rr := make([]float64, k)   // ||r_c||^2
	stop := make([]float64, k) // tol^2 ||y_c||^2
	alpha := make([]float64, k)
	beta := make([]float64, k)
	next := make([]float64, k)
	for i, v := range r {
		rr[i%k] += v * v
	}
	for c := range k {
		stop[c] = tol * tol * rr[c]
	}
	for range maxIter {
		active := false
		for c := range k {
			active = active || rr[c] > stop[c]
		}
		if !active {
			break
		}
		g.mul(q, p, n, k)
		clear(alpha)
		for i := range q {
			alpha[i%k] += p[i] * q[i]
		}
		for c := range k {
			if rr[c] > stop[c] && alpha[c] > 0 {
				alpha[c] = rr[c] / alpha[c]
			} else {
				alpha[c] = 0 // converged, or M not positive definite along p
			}
		}
		clear(next)
		for i := range a {
			c := i % k
			a[i] += alpha[c] * p[i]
			r[i] -= alpha[c] * q[i]
			next[c] += r[i] * r[i]
		}
		for c := range k {
			beta[c] = next[c] / rr[c]
			if alpha[c] == 0 {
				beta[c], next[c] = 1, rr[c] // freeze the column
			}
		}
		for i := range p {
			c := i % k
			if alpha[c] != 0 {
				p[i] = r[i] + beta[c]*p[i]
			}
		}
		copy(rr, next)
	}
	return a
}

// oneVsRest returns the n x K row-major targets Y_ic = +1 if y_i = c, else -1.
func oneVsRest(labels []int, k int) []float64 {
	y := make([]float64, len(labels)*k)
	for i := range y {
		y[i] = -1
	}
	for i, c := range labels {
		y[i*k+c] = 1
	}
	return y
}

// KernelClassifier is a fitted KernelMachine. It is immutable and safe for
// concurrent use; it ignores rng.
type KernelClassifier struct {
	kern     kernRadial
	ridge    float64
	x        []float64 // n x d training points (a copy)
	coef     []float64 // n x k coefficients A
	n, d, k  int
	residual float64
	solver   string
}

// Dim returns the input dimension.
func (c *KernelClassifier) Dim() int { return c.d }

// Classes returns the number of classes K.
func (c *KernelClassifier) Classes() int { return c.k }

// Residual returns the relative residual of the solve,
//
//	||(G + Ridge*I) A - Y||_F / ||Y||_F,
//
// computed after the solve from the coefficients and the stored Gram matrix
// G~ (entries below exp(-46) cut to 0), plus the bound
// exp(-46) sqrt(m) ||A||_F / ||Y||_F for the m cut entries, so that it is an
// upper bound on the residual against the exact G up to the rounding of its
// own evaluation.
func (c *KernelClassifier) Residual() float64 { return c.residual }

// Solver returns the name of the solver path that ran: SolverSparseCG or
// SolverDenseCholesky (see KernelMachine).
func (c *KernelClassifier) Solver() string { return c.solver }

// Coefficients returns a copy of the n x K coefficient matrix A in row-major
// order: A_ic is at index i*K + c.
func (c *KernelClassifier) Coefficients() []float64 { return slices.Clone(c.coef) }

// Scores writes f_c(x) = sum_i K(||x - x_i||) A_ic for each class c into dst
// (len(dst) == Classes()). The values may underflow to 0 far from the data,
// where Predict still resolves the argmax (see KernelMachine). Scores returns
// an error if x has the wrong length, a non-finite entry or a norm above
// MaxNorm, or if len(dst) is not Classes().
func (c *KernelClassifier) Scores(x, dst []float64) error {
	if err := checkNearQuery(x, c.d); err != nil {
		return err
	}
	if len(dst) != c.k {
		return fmt.Errorf("learners: len(dst) = %d, want %d classes", len(dst), c.k)
	}
	smin, _ := c.kern.accumulate(x, c.x, c.d, nil, c.coef, dst)
	scale := math.Exp(-smin)
	for i := range dst {
		dst[i] *= scale
	}
	return nil
}

// Predict returns argmax_c f_c(x), ties to the lower class. rng is ignored.
// It returns an error if x has the wrong length, a non-finite entry or a
// norm above MaxNorm.
func (c *KernelClassifier) Predict(x []float64, _ *rand.Rand) (int, error) {
	if err := checkNearQuery(x, c.d); err != nil {
		return 0, err
	}
	var buf [16]float64
	s := classScratch(&buf, c.k)
	return c.predict(x, s), nil
}

// PredictBatch writes Predict of each row of x into dst. rng is ignored. It
// returns an error on ragged input, a length mismatch, a non-finite entry or
// a row of norm above MaxNorm.
func (c *KernelClassifier) PredictBatch(x []float64, dst []int, _ *rand.Rand) error {
	if err := checkNearBatch(x, c.d, dst); err != nil {
		return err
	}
	s := make([]float64, c.k)
	for j := range dst {
		dst[j] = c.predict(x[j*c.d:(j+1)*c.d], s)
	}
	return nil
}

func (c *KernelClassifier) predict(x, s []float64) int {
	c.kern.accumulate(x, c.x, c.d, nil, c.coef, s)
	best, _ := argmaxLow(s)
	return best
}

// accumulate sets s[c] = sum_i K(q, x_i)/K(q, x_min) v_ic, where x_min is the
// training point nearest to q and v_i is the row coef[i*K:(i+1)*K] or, if
// labels != nil, the indicator of the class labels[i]. It returns the score
// -log K(q, x_min) (see kernRadial.score; Gaussian and Laplace only, 0 for
// Hilbert) and hit = -1, except for the Hilbert kernel at a training point:
// then it returns the lowest index with ||q - x_hit|| = 0 and leaves s
// unspecified.
//
// The sum streams over the points once: when a nearer point appears, the
// running sums are rescaled to it.
func (k kernRadial) accumulate(q, x []float64, d int, labels []int, coef, s []float64) (smin float64, hit int) {
	clear(s)
	kk := len(s)
	n := len(x) / d
	hilbert := k.kernel == Hilbert
	var amin, r2min float64
	for i := range n {
		r2 := sqDist(q, x[i*d:(i+1)*d])
		if hilbert && r2 == 0 {
			return 0, i
		}
		a := k.key(r2)
		w := 1.0
		if i == 0 {
			amin, r2min = a, r2
		} else if a < amin {
			f := k.rel(amin, a)
			for c := range s {
				s[c] *= f
			}
			amin, r2min = a, r2
		} else {
			w = k.rel(a, amin)
			if w == 0 {
				continue
			}
		}
		if labels != nil {
			s[labels[i]] += w
		} else {
			row := coef[i*kk : (i+1)*kk]
			for c, v := range row {
				s[c] += w * v
			}
		}
	}
	if hilbert {
		return 0, -1
	}
	return k.score(r2min), -1
}
