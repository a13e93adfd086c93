//go:build !amd64 || purego

package kernels

// useAsm and useAVX512 are false: there is no assembly for this
// architecture or build.
var useAsm, useAVX512 = false, false

// screenAsm does nothing; Screen runs screenGo on all points.
func screenAsm(mask []uint8, x []float64, d int, xk, qp, low, ws []float64) int {
	return 0
}

// subMul6x8, subMul6x16, axpy4, dot16 and expNeg4 are never called without the
// assembly.
func subMul6x8(c *float64, ldc int, a, b *float64, ldb, kc int) { panic("kernels: no assembly") }
func subMul6x16(c *float64, ldc int, a, b *float64, kc int)     { panic("kernels: no assembly") }
func axpy4(y, x *float64, n int, alpha float64)                 { panic("kernels: no assembly") }
func dot16(x, y *float64, n int) float64                        { panic("kernels: no assembly") }
func expNeg4(x *float64, n int, c *float64)                     { panic("kernels: no assembly") }
