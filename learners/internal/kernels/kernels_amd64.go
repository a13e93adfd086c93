//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

// useAsm selects the AVX2/FMA assembly, and useAVX512 its AVX-512 variants
// where they exist (twice the arithmetic per instruction); tests turn them
// off to run the other paths.
var (
	useAsm    = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	useAVX512 = useAsm && cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ
)

// screenRows is the number of points screen6x8 handles per call.
const screenRows = 6

// screen6x8 is Screen for rows 0..5 of x against all nb panels of qp: the
// 6 x 8 block of dot products of one panel is accumulated in twelve YMM
// registers, then compared and stored as six mask bytes, for one panel
// after another. It needs d >= 1 and nb >= 1.
//
//go:noescape
func screen6x8(mask *uint8, nb int, x *float64, d int, xk, qp, low, ws *float64)

// screen12x8 is screen6x8 for rows 0..11 with AVX-512 (F and DQ).
//
//go:noescape
func screen12x8(mask *uint8, nb int, x *float64, d int, xk, qp, low, ws *float64)

// screenAsm runs screen12x8 (with useAVX512) on the points in groups of
// twelve and screen6x8 on groups of six, and returns the number of points
// done; the caller finishes the rest (fewer than six).
func screenAsm(mask []uint8, x []float64, d int, xk, qp, low, ws []float64) int {
	nb := len(low) / Panel
	p := 0
	for ; useAVX512 && p+2*screenRows <= len(xk); p += 2 * screenRows {
		screen12x8(&mask[p*nb], nb, &x[p*d], d, &xk[p], &qp[0], &low[0], &ws[0])
	}
	for ; p+screenRows <= len(xk); p += screenRows {
		screen6x8(&mask[p*nb], nb, &x[p*d], d, &xk[p], &qp[0], &low[0], &ws[0])
	}
	return p
}

// subMul6x8 is SubMul on the assembly path for the 6 x 8 block whose
// packed B rows are ldb apart; kc >= 1.
//
//go:noescape
func subMul6x8(c *float64, ldc int, a, b *float64, ldb, kc int)

// subMul6x16 is SubMul with AVX-512; kc >= 1.
//
//go:noescape
func subMul6x16(c *float64, ldc int, a, b *float64, kc int)

// axpy4 is Axpy on the first 4n entries; n >= 1.
//
//go:noescape
func axpy4(y, x *float64, n int, alpha float64)

// dot16 is Dot on the first 16n entries; n >= 1.
//
//go:noescape
func dot16(x, y *float64, n int) float64

// expNeg4 is ExpNeg on the first 4n entries of x; n >= 1. c is expTable.
//
//go:noescape
func expNeg4(x *float64, n int, c *float64)
