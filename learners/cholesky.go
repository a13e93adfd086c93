package learners

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/lapack/gonum"

	"github.com/rolemodels/rolemodels/learners/internal/kernels"
)

const (
	// cholBlock is the block width of choleskyUpper: the depth of the
	// trailing update's products (the kc of kernels.SubMul) and the width
	// of the triangular solve. Widths 48 to 192 took 89 to 107 ms of CPU
	// time at n = 2000 (AVX-512), 96 the least.
	cholBlock = 96

	// cholMinN is the order from which the dense kernel solve uses
	// cholFactorize instead of gonum's mat.Cholesky (see useOwnCholesky);
	// below it the factorization is cheap either way.
	cholMinN = 256

	// cholMinParallel is the trailing order below which a step of
	// choleskyUpper runs on one goroutine.
	cholMinParallel = 192
)

// cholFactorize is the factorization of the dense solve's own path
// (useOwnCholesky): choleskyUpper, or OpenBLAS's dpotrf in the openblas
// build, which also sets cholLAPACK so that the path runs whether or not
// the AVX2 kernels are available. It has the contract of choleskyUpper.
var (
	cholFactorize = choleskyUpper
	cholLAPACK    = false
)

// useOwnCholesky reports whether the dense solve of order n factorizes with
// cholFactorize and solves with cholSolve and cholRcond, rather than with
// gonum's mat.Cholesky.
func useOwnCholesky(n int) bool {
	return n >= cholMinN && (cholLAPACK || kernels.Accelerated())
}

// choleskyUpper factorizes the symmetric positive definite n x n row-major
// matrix a (stride lda, upper triangle read) in place as A = U^T U with U
// upper triangular, written over the upper triangle of a; the strict lower
// triangle is neither read nor written, so it can keep a copy of A (the
// dense kernel solve computes its residual from there). It reports false,
// leaving the upper triangle partly overwritten, if a pivot is not positive
// (or NaN): A is not numerically positive definite.
//
// It is the right-looking blocked algorithm of LAPACK's dpotrf with blocks
// of cholBlock columns: for each block, factor the diagonal block
// (unblocked), solve U11^T U12 = A12 for the block row (row axpys,
// kernels.Axpy), and subtract U12^T U12 from the upper triangle of the
// trailing matrix (6 x 16 register blocks, kernels.SubMul, over panels
// packed by kernels.PackA and kernels.PackB). The solve and the update are
// split by columns over up to GOMAXPROCS goroutines. Rounding differs from
// gonum's Dpotrf (other summation order, fused multiply-adds), within the
// same backward error bound.
func choleskyUpper(a []float64, n, lda int) bool {
	workers := runtime.GOMAXPROCS(0)
	ap := make([]float64, (n+kernels.MR-1)/kernels.MR*kernels.MR*cholBlock)
	bps := make([][]float64, workers)
	tmps := make([][]float64, workers)
	for w := range workers {
		bps[w] = make([]float64, cholBlock*kernels.NR)
		tmps[w] = make([]float64, kernels.MR*kernels.NR)
	}
	var wg sync.WaitGroup
	for k0 := 0; k0 < n; k0 += cholBlock {
		kb := min(cholBlock, n-k0)
		if !cholDiagBlock(a, lda, k0, kb) {
			return false
		}
		m := n - k0 - kb
		if m == 0 {
			break
		}
		// U12 is rows k0..k0+kb-1, columns k0+kb..n-1; A22 starts at
		// (k0+kb, k0+kb).
		u12 := a[k0*lda+k0+kb:]
		a22 := a[(k0+kb)*lda+k0+kb:]
		nw := 1
		if m >= cholMinParallel {
			nw = workers
		}
		// Triangular solve, split evenly by columns.
		for w := range nw {
			lo, hi := m*w/nw, m*(w+1)/nw
			wg.Add(1)
			go func() {
				defer wg.Done()
				cholSolveRows(a, lda, k0, kb, u12, lo, hi)
			}()
		}
		wg.Wait()
		// Trailing update: column j costs about j, so worker w takes
		// columns [m sqrt(w/nw), m sqrt((w+1)/nw)), in whole panels.
		for s := 0; s*kernels.MR < m; s++ {
			kernels.PackA(ap[s*kernels.MR*kb:(s+1)*kernels.MR*kb], u12, lda, kb, s*kernels.MR, min(kernels.MR, m-s*kernels.MR))
		}
		bound := func(w int) int {
			j := int(float64(m)*math.Sqrt(float64(w)/float64(nw))) / kernels.NR * kernels.NR
			if w == nw {
				j = m
			}
			return j
		}
		for w := range nw {
			lo, hi := bound(w), bound(w+1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				cholUpdate(a22, lda, m, kb, u12, ap, bps[w][:kb*kernels.NR], tmps[w], lo, hi)
			}()
		}
		wg.Wait()
	}
	return true
}

// cholDiagBlock factorizes the kb x kb diagonal block at (k0, k0) in place,
// left-looking, and reports whether every pivot was positive.
func cholDiagBlock(a []float64, lda, k0, kb int) bool {
	at := func(i, j int) int { return (k0+i)*lda + k0 + j }
	for j := range kb {
		d := a[at(j, j)]
		for p := range j {
			u := a[at(p, j)]
			d -= u * u
		}
		if !(d > 0) {
			return false
		}
		ujj := math.Sqrt(d)
		a[at(j, j)] = ujj
		for c := j + 1; c < kb; c++ {
			s := a[at(j, c)]
			for p := range j {
				s -= a[at(p, j)] * a[at(p, c)]
			}
			a[at(j, c)] = s / ujj
		}
	}
	return true
}

// cholSolveRows solves U11^T U12 = A12 in place for the columns [lo, hi) of
// the block row u12 (kb rows, stride lda), with U11 the factored diagonal
// block at (k0, k0). (Solving 48 columns at a time, to stay in L1, was no
// faster.)
func cholSolveRows(a []float64, lda, k0, kb int, u12 []float64, lo, hi int) {
	for i := range kb {
		ri := u12[i*lda+lo : i*lda+hi]
		for p := range i {
			kernels.Axpy(-a[(k0+p)*lda+k0+i], u12[p*lda+lo:p*lda+hi], ri)
		}
		uii := a[(k0+i)*lda+k0+i]
		for c := range ri {
			ri[c] /= uii
		}
	}
}

// cholUpdate subtracts U12^T U12 from the upper triangle of the m x m
// trailing matrix a22 (stride lda) in its columns [lo, hi): ap holds the
// columns of U12 packed in strips of kernels.MR (kernels.PackA), bp and tmp
// are scratch. Blocks straddling the diagonal go through tmp, so that no
// entry below the diagonal is written.
func cholUpdate(a22 []float64, lda, m, kb int, u12, ap, bp, tmp []float64, lo, hi int) {
	const mr, nr = kernels.MR, kernels.NR
	for j0 := lo; j0 < hi; j0 += nr {
		cols := min(nr, hi-j0)
		kernels.PackB(bp, u12, lda, kb, j0, cols)
		for i0 := 0; i0 < j0+cols; i0 += mr {
			rows := min(mr, m-i0)
			a := ap[i0*kb : (i0+mr)*kb]
			if rows == mr && cols == nr && i0+mr-1 <= j0 {
				kernels.SubMul(a22[i0*lda+j0:], lda, a, bp, kb)
				continue
			}
			clear(tmp)
			kernels.SubMul(tmp, nr, a, bp, kb)
			for r := range rows {
				// Row i0+r starts at the diagonal, column i0+r.
				c0 := max(0, i0+r-j0)
				row := a22[(i0+r)*lda+j0 : (i0+r)*lda+j0+cols]
				for c := c0; c < cols; c++ {
					row[c] += tmp[r*nr+c]
				}
			}
		}
	}
}

// cholSolve solves U^T U X = B in place for the n x k row-major B (stride
// k), with U the upper triangular factor in u (stride lda), one column of B
// at a time: forward by rows of U (axpys along them), then backward by dot
// products along them, so that both passes read U row by row.
func cholSolve(u []float64, n, lda int, b []float64, k int) {
	if k == 1 {
		cholSolveVec(u, n, lda, b)
		return
	}
	col := make([]float64, n)
	for c := range k {
		for i := range col {
			col[i] = b[i*k+c]
		}
		cholSolveVec(u, n, lda, col)
		for i, v := range col {
			b[i*k+c] = v
		}
	}
}

// cholSolveVec is cholSolve for one column b.
func cholSolveVec(u []float64, n, lda int, b []float64) {
	for i := range n {
		b[i] /= u[i*lda+i]
		kernels.Axpy(-b[i], u[i*lda+i+1:i*lda+n], b[i+1:n])
	}
	for i := n - 1; i >= 0; i-- {
		b[i] = (b[i] - kernels.Dot(u[i*lda+i+1:i*lda+n], b[i+1:n])) / u[i*lda+i]
	}
}

// cholRcond estimates the reciprocal condition number
// 1 / (||A||_1 ||A^-1||_1) of A = U^T U from its factor (stride lda) and
// anorm = ||A||_1, as LAPACK's dpocon does: Higham's estimate of
// ||A^-1||_1 (gonum's Dlacn2) driven by solves with U^T U (cholSolve).
// The solves are not scaled against overflow; if one overflows or yields
// NaN, A^-1 is beyond representable size and cholRcond returns 0, as
// dpocon does when it cannot scale.
func cholRcond(u []float64, n, lda int, anorm float64) float64 {
	if n == 0 {
		return 1
	}
	if anorm == 0 {
		return 0
	}
	var impl gonum.Implementation
	v := make([]float64, n)
	x := make([]float64, n)
	isgn := make([]int, n)
	var (
		est   float64
		kase  int
		isave [3]int
	)
	for {
		est, kase = impl.Dlacn2(n, v, x, isgn, est, kase, &isave)
		if kase == 0 {
			if est == 0 {
				return 0
			}
			return 1 / est / anorm
		}
		cholSolve(u, n, lda, x, 1)
		for _, xi := range x {
			if math.IsNaN(xi) || math.IsInf(xi, 0) {
				return 0
			}
		}
	}
}

// symLowerMul sets dst = G A for the symmetric n x n row-major G whose
// strict lower triangle is in g (stride ldg) and whose diagonal entries all
// equal diag (g's diagonal and upper triangle are not read), and the n x k
// row-major A and dst (stride k), one column at a time with kernels.Dot
// along the rows of the lower triangle and kernels.Axpy for their mirror
// images above the diagonal.
func symLowerMul(dst, g []float64, n, ldg int, diag float64, a []float64, k int) {
	col := make([]float64, n)
	out := make([]float64, n)
	for c := range k {
		for i := range col {
			col[i] = a[i*k+c]
		}
		clear(out)
		for i := range n {
			row := g[i*ldg : i*ldg+i]
			out[i] += diag*col[i] + kernels.Dot(row, col[:i])
			kernels.Axpy(col[i], row, out[:i])
		}
		for i, v := range out {
			dst[i*k+c] = v
		}
	}
}
