package kernels

import (
	"fmt"
	"math"
)

// MR and NR are the register block of SubMul: MR rows by NR columns.
const (
	MR = 6
	NR = 16
)

// PackA writes columns i0..i0+rows-1 of the kc x ? row-major matrix u
// (stride ldu) as a kc x MR panel: dst[p*MR + r] = u[p*ldu + i0 + r] for
// r < rows, and 0 for rows <= r < MR. It panics unless len(dst) == kc*MR
// and 0 <= rows <= MR.
func PackA(dst, u []float64, ldu, kc, i0, rows int) {
	packPanel(dst, u, ldu, kc, i0, rows, MR)
}

// PackB is PackA with NR columns per panel: dst[p*NR + c] =
// u[p*ldu + j0 + c] for c < cols, else 0; len(dst) must be kc*NR.
func PackB(dst, u []float64, ldu, kc, j0, cols int) {
	packPanel(dst, u, ldu, kc, j0, cols, NR)
}

func packPanel(dst, u []float64, ldu, kc, j0, cols, w int) {
	if len(dst) != kc*w || cols < 0 || cols > w {
		panic(fmt.Sprintf("kernels: packing %d of %d columns into %d values for kc = %d", cols, w, len(dst), kc))
	}
	for p := range kc {
		row := u[p*ldu+j0 : p*ldu+j0+cols]
		out := dst[p*w : (p+1)*w]
		copy(out, row)
		clear(out[cols:])
	}
}

// SubMul subtracts the product of a packed kc x MR panel ap (see PackA)
// transposed and a packed kc x NR panel bp (see PackB) from the MR x NR
// block of the row-major c (stride ldc) at its start:
//
//	c[r*ldc + j] -= sum_p ap[p*MR + r] bp[p*NR + j],
//
// with each sum accumulated in order p = 0, 1, ... by fused multiply-adds
// on the accelerated path (separately rounded products otherwise) and
// subtracted once. It panics unless len(ap) == kc*MR, len(bp) == kc*NR,
// ldc >= NR and len(c) >= (MR-1)*ldc + NR.
func SubMul(c []float64, ldc int, ap, bp []float64, kc int) {
	if len(ap) != kc*MR || len(bp) != kc*NR || ldc < NR || len(c) < (MR-1)*ldc+NR {
		panic(fmt.Sprintf("kernels: SubMul with len(c) = %d, ldc = %d, len(ap) = %d, len(bp) = %d, kc = %d", len(c), ldc, len(ap), len(bp), kc))
	}
	if kc == 0 {
		return
	}
	switch {
	case useAVX512:
		subMul6x16(&c[0], ldc, &ap[0], &bp[0], kc)
		return
	case useAsm:
		// Two 6 x 8 halves of the block.
		subMul6x8(&c[0], ldc, &ap[0], &bp[0], NR, kc)
		subMul6x8(&c[NR/2], ldc, &ap[0], &bp[NR/2], NR, kc)
		return
	}
	subMulGo(c, ldc, ap, bp, kc, false)
}

// subMulGo is SubMul in Go, with math.FMA if fma.
func subMulGo(c []float64, ldc int, ap, bp []float64, kc int, fma bool) {
	for r := range MR {
		for j := range NR {
			var s float64
			for p := range kc {
				if fma {
					s = math.FMA(ap[p*MR+r], bp[p*NR+j], s)
				} else {
					s += float64(ap[p*MR+r] * bp[p*NR+j])
				}
			}
			c[r*ldc+j] -= s
		}
	}
}

// Axpy sets y[i] += alpha x[i] for i < len(y), with one rounding per entry
// on the accelerated path (a fused multiply-add) and two otherwise. It
// panics if len(x) < len(y).
func Axpy(alpha float64, x, y []float64) {
	if len(x) < len(y) {
		panic(fmt.Sprintf("kernels: Axpy with len(x) = %d < len(y) = %d", len(x), len(y)))
	}
	i := 0
	if useAsm && len(y) >= 4 {
		i = len(y) &^ 3
		axpy4(&y[0], &x[0], i/4, alpha)
	}
	if useAsm {
		for ; i < len(y); i++ {
			y[i] = math.FMA(alpha, x[i], y[i])
		}
		return
	}
	for ; i < len(y); i++ {
		y[i] += float64(alpha * x[i])
	}
}

// Dot returns sum_i x[i] y[i] over i < len(x). On the accelerated path the
// first multiple of 16 entries are summed in 16 interleaved partial sums of
// fused multiply-adds (see dot16), then the rest in order with math.FMA;
// otherwise in order with separately rounded products. It panics if
// len(y) < len(x).
func Dot(x, y []float64) float64 {
	if len(y) < len(x) {
		panic(fmt.Sprintf("kernels: Dot with len(y) = %d < len(x) = %d", len(y), len(x)))
	}
	if !useAsm {
		var s float64
		for i, v := range x {
			s += float64(v * y[i])
		}
		return s
	}
	var s float64
	i := len(x) &^ 15
	if i > 0 {
		s = dot16(&x[0], &y[0], i/16)
	}
	for ; i < len(x); i++ {
		s = math.FMA(x[i], y[i], s)
	}
	return s
}
