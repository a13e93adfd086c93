package kernels

import (
	"fmt"
	"math"
)

// Panel is the number of queries packed side by side in a query panel (see
// PackQueries) and the number of bits used in each byte of Screen's mask.
const Panel = 8

// Accelerated reports whether the AVX2/FMA assembly is in use.
func Accelerated() bool { return useAsm }

// PanelLen returns the length of the packed form of nq queries of dimension
// d: ceil(nq/Panel) panels of Panel x d values.
func PanelLen(nq, d int) int { return (nq + Panel - 1) / Panel * Panel * d }

// PackQueries writes the nq = len(q)/d row-major queries q into dst in
// panels of Panel queries: coordinate l of query c goes to
//
//	dst[(c/Panel)*Panel*d + l*Panel + c%Panel],
//
// so that one panel is d rows of Panel contiguous values. The missing
// queries of the last panel are zero. dst must have length PanelLen(nq, d);
// PackQueries panics otherwise or if d < 1.
func PackQueries(dst, q []float64, d int) {
	if d < 1 || len(q)%d != 0 {
		panic(fmt.Sprintf("kernels: PackQueries with len(q) = %d, d = %d", len(q), d))
	}
	nq := len(q) / d
	if len(dst) != PanelLen(nq, d) {
		panic(fmt.Sprintf("kernels: PackQueries with len(dst) = %d, want %d", len(dst), PanelLen(nq, d)))
	}
	clear(dst[nq/Panel*Panel*d:])
	for c := range nq {
		panel := dst[c/Panel*Panel*d:]
		for l, v := range q[c*d : (c+1)*d] {
			panel[l*Panel+c%Panel] = v
		}
	}
}

// Screen compares, for every point p (row p of the row-major np x d matrix
// x, np = len(xk)) and every packed query c (nb = len(low)/Panel panels of
// qp, see PackQueries),
//
//	t_pc = (low[c] + xk[p]) - 2 <x_p, q_c>
//
// with ws[c], and sets bit c%Panel of mask[p*nb + c/Panel] if
// !(t_pc > ws[c]), that is, if t_pc <= ws[c] or either is NaN; other bits
// are cleared. The dot product is summed in coordinate order, with fused
// multiply-adds on the accelerated path (bit for bit math.FMA) and with
// separately rounded products otherwise; each addition and the subtraction
// round once (2<x_p, q_c> is exact).
//
// Screen panics unless len(low) == len(ws) is a multiple of Panel,
// len(qp) == nb*Panel*d, len(x) == np*d and len(mask) >= np*nb, with
// d >= 1.
func Screen(mask []uint8, x []float64, d int, xk, qp, low, ws []float64) {
	np := len(xk)
	nb := len(low) / Panel
	switch {
	case d < 1:
		panic(fmt.Sprintf("kernels: Screen with d = %d", d))
	case len(low)%Panel != 0 || len(ws) != len(low):
		panic(fmt.Sprintf("kernels: Screen with len(low) = %d, len(ws) = %d", len(low), len(ws)))
	case len(qp) != nb*Panel*d:
		panic(fmt.Sprintf("kernels: Screen with len(qp) = %d, want %d", len(qp), nb*Panel*d))
	case len(x) != np*d:
		panic(fmt.Sprintf("kernels: Screen with len(x) = %d, want %d", len(x), np*d))
	case len(mask) < np*nb:
		panic(fmt.Sprintf("kernels: Screen with len(mask) = %d, want >= %d", len(mask), np*nb))
	}
	if nb == 0 || np == 0 {
		return
	}
	p := 0
	if useAsm {
		p = screenAsm(mask, x, d, xk, qp, low, ws)
	}
	screenGo(mask[p*nb:], x[p*d:], d, xk[p:], qp, low, ws, useAsm)
}

// screenGo is Screen in Go, with math.FMA in the dot products if fma (so
// that it agrees with the assembly bit for bit), else with separately
// rounded products.
func screenGo(mask []uint8, x []float64, d int, xk, qp, low, ws []float64, fma bool) {
	nb := len(low) / Panel
	for p, xp := range xk {
		row := x[p*d : (p+1)*d]
		for b := range nb {
			panel := qp[b*Panel*d : (b+1)*Panel*d]
			var m uint8
			for c := range Panel {
				var s float64
				if fma {
					for l, v := range row {
						s = math.FMA(v, panel[l*Panel+c], s)
					}
				} else {
					for l, v := range row {
						s += float64(v * panel[l*Panel+c])
					}
				}
				j := b*Panel + c
				if !((low[j]+xp)-2*s > ws[j]) {
					m |= 1 << c
				}
			}
			mask[p*nb+b] = m
		}
	}
}
