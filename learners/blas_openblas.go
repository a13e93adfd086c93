//go:build openblas

// This file is compiled only with the openblas build tag. It routes gonum's
// BLAS (blas64) through OpenBLAS by cgo (gonum.org/v1/netlib/blas/netlib),
// and gonum's LAPACK (lapack64) through gonum's native implementation except
// for Dpotrf, the Cholesky factorization, which calls OpenBLAS's own dpotrf
// (blocked, multithreaded, with AVX2/AVX-512 kernels), so that mat.Cholesky
// factorizes on OpenBLAS. The dense kernel-machine solve from n = 256
// (cholMinN) calls dpotrf directly (cholFactorize) over the upper triangle
// of its Gram matrix (the strict lower triangle keeps the Gram matrix for
// the residual; dpotrf does not touch it) and estimates the condition
// number and solves with our row-major routines (gonum's dpocon walks the
// columns of a row-major factor and took longer than dpotrf).
// gonum.org/v1/netlib/lapack/netlib is not used because it needs the
// LAPACKE symbols, which Debian's libopenblas does not export.
//
// Build and test with Debian's libopenblas-dev installed
// (apt-get install -y libopenblas-dev):
//
//	CGO_LDFLAGS=-lopenblas go test -tags openblas ./...
//
// OpenBLAS picks its kernels at run time from the CPU model; Debian's
// 0.3.21 does not know newer Xeons (model 207 here) and falls back to its
// generic Prescott (SSE3) kernels, several times slower. Set
// OPENBLAS_CORETYPE=SkylakeX (AVX-512) or Haswell (AVX2) there, for this
// build and for scipy alike.
//
// The default build (no tag) stays pure Go and needs no cgo.

package learners

/*
#cgo LDFLAGS: -lopenblas
// dpotrf_ is the LAPACK Cholesky factorization as exported by OpenBLAS,
// with 32-bit integers (Debian's libopenblas, not libopenblas64).
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
*/
import "C"

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/lapack/lapack64"
	blasnetlib "gonum.org/v1/netlib/blas/netlib"
)

func init() {
	blas64.Use(blasnetlib.Implementation{})
	lapack64.Use(openblasLAPACK{})
	cholFactorize, cholLAPACK = openblasCholesky, true
}

// openblasCholesky is choleskyUpper's contract on OpenBLAS's dpotrf: it
// factorizes a (stride lda) in place as U^T U and reports whether a is
// positive definite. Like choleskyUpper it leaves the strict lower
// triangle alone (LAPACK's dpotrf does not reference the other triangle).
func openblasCholesky(a []float64, n, lda int) bool {
	return (openblasLAPACK{}).Dpotrf(blas.Upper, n, a, lda)
}

// openblasLAPACK is gonum's native LAPACK with Dpotrf replaced by
// OpenBLAS's.
type openblasLAPACK struct {
	gonum.Implementation
}

// Dpotrf computes the Cholesky factorization of the symmetric positive
// definite n x n row-major matrix a (the triangle ul) in place, as gonum's
// Dpotrf does, and reports whether a is positive definite. A row-major
// upper triangle is a column-major lower triangle in the same memory, so
// the triangle passed to the column-major dpotrf is swapped. It panics on
// misuse as gonum's does, and for n or lda beyond 32-bit integers.
func (impl openblasLAPACK) Dpotrf(ul blas.Uplo, n int, a []float64, lda int) bool {
	switch {
	case ul != blas.Upper && ul != blas.Lower:
		panic("lapack: illegal triangle")
	case n < 0:
		panic("lapack: n < 0")
	case lda < max(1, n):
		panic("lapack: bad leading dimension of A")
	case n > math.MaxInt32 || lda > math.MaxInt32:
		panic("lapack: n or lda too large for 32-bit OpenBLAS")
	}
	if n == 0 {
		return true
	}
	if len(a) < (n-1)*lda+n {
		panic("lapack: insufficient length of a")
	}
	uplo := C.char('L')
	if ul == blas.Lower {
		uplo = 'U'
	}
	cn, clda := C.int(n), C.int(lda)
	var info C.int
	C.dpotrf_(&uplo, &cn, (*C.double)(&a[0]), &clda, &info)
	if info < 0 {
		panic("lapack: dpotrf argument error")
	}
	return info == 0
}
