package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Halfspace is a binary distribution, uniform on [0,1]^d, with the logistic
// posterior
//
//	eta_1(x) = 1/(1 + exp(-a (w.x + b))),  eta_0(x) = 1 - eta_1(x),  a = scale.
//
// It exists because its Bayes classifier, 1{w.x + b > 0} (ties at w.x+b = 0
// go to class 0), is a halfspace: the student class of a halfspace learner
// contains it. The scale a sets the noise: a = 0 is pure noise, large a
// approaches a noiseless halfspace.
//
// Lipschitz constant L = a ||w||_2 / 4: for k = 2,
// 1/2 (|eta_0 - eta_0'| + |eta_1 - eta_1'|) = |eta_1 - eta_1'|, the logistic
// function has slope at most 1/4, and |w.(x - x')| <= ||w|| ||x - x'||.
type Halfspace struct {
	w        []float64
	b, scale float64
}

var _ Distribution = (*Halfspace)(nil)

// NewHalfspace returns the logistic halfspace with normal w (copied; d =
// len(w)), offset b and scale a >= 0. It returns a *ParamError naming w if
// len(w) < 1 or ||w||_2 overflows, w[i] if an entry is not finite, b if b is
// not finite, and scale if it is negative or not finite or if the Lipschitz
// constant a ||w||_2 / 4 overflows.
func NewHalfspace(w []float64, b, scale float64) (*Halfspace, error) {
	const fn = "NewHalfspace"
	if len(w) < 1 {
		return nil, paramErr(fn, "w", "empty: need d = len(w) >= 1")
	}
	for i, v := range w {
		if !finite(v) {
			return nil, paramErr(fn, fmt.Sprintf("w[%d]", i), "%v is not finite", v)
		}
	}
	if !finite(b) {
		return nil, paramErr(fn, "b", "%v is not finite", b)
	}
	if !(scale >= 0) || !finite(scale) {
		return nil, paramErr(fn, "scale", "%v must be finite and >= 0", scale)
	}
	norm := 0.0
	for _, v := range w {
		norm = math.Hypot(norm, v)
	}
	if !finite(norm) {
		return nil, paramErr(fn, "w", "||w||_2 overflows (w = %v)", w)
	}
	if !finite(scale * norm / 4) {
		return nil, paramErr(fn, "scale", "%v times ||w||_2 = %v overflows: the Lipschitz constant is not finite", scale, norm)
	}
	return &Halfspace{w: append([]float64(nil), w...), b: b, scale: scale}, nil
}

// Dim returns d = len(w).
func (h *Halfspace) Dim() int { return len(h.w) }

// Classes returns 2.
func (h *Halfspace) Classes() int { return 2 }

// Normal returns a copy of w.
func (h *Halfspace) Normal() []float64 { return append([]float64(nil), h.w...) }

// Offset returns b.
func (h *Halfspace) Offset() float64 { return h.b }

// Scale returns the logistic scale a.
func (h *Halfspace) Scale() float64 { return h.scale }

// SampleX draws x uniformly from [0,1]^d. It panics if len(dst) != d or rng
// is nil.
func (h *Halfspace) SampleX(rng *rand.Rand, dst []float64) {
	checkSampleX("Halfspace", rng, dst, len(h.w))
	for i := range dst {
		dst[i] = rng.Float64()
	}
}

// Posterior writes (eta_0, eta_1) into dst, each computed as a logistic
// function of -+a(w.x+b) so that neither loses precision in the tails.
// When w.x + b overflows (huge w or x) it is evaluated on x and b scaled by
// a power of two, so the result is a probability vector for every finite x
// (for a = 0 it is (1/2, 1/2)); for an x with a NaN or infinite entry it is
// NaN. It panics if len(x) != Dim() or len(dst) != 2.
func (h *Halfspace) Posterior(x, dst []float64) {
	if len(x) != len(h.w) || len(dst) != 2 {
		panic("gen: Halfspace.Posterior: wrong length")
	}
	z := h.b
	for i, v := range x {
		z += h.w[i] * v
	}
	z *= h.scale
	if z != z || math.IsInf(z, 0) {
		if !allFinite(x) {
			fillNaN(dst)
			return
		}
		if z != z { // Inf - Inf in the sum, or Inf * 0
			z = h.scaledLogit(x)
		}
	}
	dst[0] = logistic(-z)
	dst[1] = logistic(z)
}

// scaledLogit returns a (w.x + b) for an x where the plain sum overflows:
// with powers of two S = 2^e >= max(|b|, |x_i|) and F = 2^f >= max(1, |w_i|),
// u = b/(S F) + sum_i (w_i/F)(x_i/S) is a sum of d+1 terms in [-1, 1], so it
// does not overflow, and a (w.x + b) = (a u) S F keeps its sign and is +-Inf
// only where the exact value overflows. It returns NaN if x has a NaN or
// infinite entry.
func (h *Halfspace) scaledLogit(x []float64) float64 {
	big, wbig := math.Abs(h.b), 1.0
	for i, v := range x {
		if !finite(v) {
			return math.NaN()
		}
		big = math.Max(big, math.Abs(v))
		wbig = math.Max(wbig, math.Abs(h.w[i]))
	}
	_, e := math.Frexp(big)
	_, f := math.Frexp(wbig)
	u := math.Ldexp(h.b, -e-f)
	for i, v := range x {
		u += math.Ldexp(h.w[i], -f) * math.Ldexp(v, -e)
	}
	return math.Ldexp(h.scale*u, e+f)
}

// logistic returns 1/(1+exp(-z)) without overflow.
func logistic(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// Lipschitz returns L = scale * ||w||_2 / 4 and true.
func (h *Halfspace) Lipschitz() (float64, bool) {
	n := 0.0
	for _, v := range h.w {
		n = math.Hypot(n, v)
	}
	return h.scale * n / 4, true
}

// String describes the distribution.
func (h *Halfspace) String() string {
	return fmt.Sprintf("Halfspace(d=%d, w=%.4g, b=%.4g, scale=%g)", len(h.w), h.w, h.b, h.scale)
}

// GoString returns String(), so rapid's failure logs show the parameters.
func (h *Halfspace) GoString() string { return h.String() }
