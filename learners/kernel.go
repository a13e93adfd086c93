package learners

import (
	"fmt"
	"math"

	"github.com/rolemodels/rolemodels/learners/internal/kernels"
)

// Kernel is a radial kernel K(r) of the distance r = ||x - x'|| between two
// points. The zero value is not a valid kernel, so a forgotten Kernel field
// is reported as an error rather than silently chosen.
//
// The learners compute r from the squared Euclidean distance in float64:
// they reject points of norm above MaxNorm (about 3.35e153), where squared
// distances could overflow, and coordinate differences below about 1e-154
// count as distance 0 (see MaxNorm).
type Kernel int

const (
	// Gaussian is K(r) = exp(-r^2 / (2 h^2)) with bandwidth h > 0.
	Gaussian Kernel = iota + 1
	// Laplace is K(r) = exp(-r / h) with bandwidth h > 0.
	Laplace
	// Hilbert is the singular kernel K(r) = r^(-d) in dimension d, with
	// K(0) = +Inf. It has no bandwidth. Nadaraya-Watson with the Hilbert
	// kernel interpolates; the kernel machine does not accept it.
	Hilbert
)

// String returns the kernel's name: "gaussian", "laplace" or "hilbert", and
// "Kernel(n)" for an invalid value.
func (k Kernel) String() string {
	switch k {
	case Gaussian:
		return "gaussian"
	case Laplace:
		return "laplace"
	case Hilbert:
		return "hilbert"
	}
	return fmt.Sprintf("Kernel(%d)", int(k))
}

// Eval returns K(r) for the distance r >= 0 with bandwidth h > 0 in
// dimension d >= 1:
//
//	Gaussian  exp(-r^2 / (2 h^2))
//	Laplace   exp(-r / h)
//	Hilbert   r^(-d)   (+Inf at r = 0; h is ignored)
//
// K(0) = 1 for Gaussian and Laplace, whatever h. Eval returns NaN for an
// invalid kernel, a negative or NaN r, a bandwidth that is not positive and
// finite (Gaussian, Laplace) or d < 1 (Hilbert).
func (k Kernel) Eval(r, h float64, d int) float64 {
	if !(r >= 0) {
		return math.NaN()
	}
	switch k {
	case Gaussian, Laplace:
		if !(h > 0) || math.IsInf(h, 1) {
			return math.NaN()
		}
		if r == 0 {
			return 1
		}
		// r/h first, so that a subnormal h cannot turn 0/0 into NaN and a
		// huge r cannot overflow r*r before the division.
		u := r / h
		if k == Gaussian {
			return math.Exp(-0.5 * u * u)
		}
		return math.Exp(-u)
	case Hilbert:
		if d < 1 {
			return math.NaN()
		}
		return math.Pow(r, -float64(d))
	}
	return math.NaN()
}

// validate returns an error unless k is one of Gaussian, Laplace, Hilbert.
func (k Kernel) validate() error {
	switch k {
	case Gaussian, Laplace, Hilbert:
		return nil
	}
	return fmt.Errorf("learners: invalid kernel %v, want Gaussian, Laplace or Hilbert", k)
}

// kernCheckBandwidth returns an error naming who unless h is positive and
// finite.
func kernCheckBandwidth(who string, h float64) error {
	if !(h > 0) || math.IsInf(h, 1) {
		return fmt.Errorf("learners: %s bandwidth %v, want positive and finite", who, h)
	}
	return nil
}

// kernExpUnderflow is a bound past which math.Exp(-u) is exactly 0: Exp
// underflows to zero below -7.45133219101941108420e+02.
const kernExpUnderflow = 745.2

// kernRadial evaluates a Gaussian or Laplace kernel, and the Hilbert kernel,
// relative to the nearest training point, so that weights never underflow
// all at once and the singular kernel never overflows. Points are ordered by
// a key of their squared distance r2, and a weight relative to the nearest
// point (key amin) is computed from the keys:
//
//	Gaussian  key a = r2         weight exp(-(a - amin) / (2 h^2))
//	Laplace   key a = sqrt(r2)   weight exp(-(a - amin) / h)
//	Hilbert   key a = r2         weight (amin / a)^(d/2)
//
// so the relative weight of the nearest point is 1 and every other weight is
// in [0, 1]. The keys are finite for points of norm at most MaxNorm whatever
// the bandwidth; the scores of the Gram matrix (r/h, r2/(2 h^2)) overflow
// for a tiny h, and equal infinite scores would weigh the nearest and the
// farthest point alike.
type kernRadial struct {
	kernel Kernel
	h      float64 // bandwidth (Gaussian, Laplace)
	d      int     // dimension (Hilbert exponent)
}

// score returns -log K at the squared distance r2 for a Gaussian or
// Laplace kernel: r2 / (2 h^2) or sqrt(r2) / h, 0 at r2 = 0 and possibly
// +Inf. It is non-decreasing in r2.
func (k kernRadial) score(r2 float64) float64 {
	if r2 == 0 {
		return 0
	}
	u := math.Sqrt(r2) / k.h
	if k.kernel == Gaussian {
		return 0.5 * u * u
	}
	return u
}

// key returns the ordering key of the squared distance r2 (see
// kernRadial). It is non-decreasing in r2 and finite for finite r2.
func (k kernRadial) key(r2 float64) float64 {
	if k.kernel == Laplace {
		return math.Sqrt(r2)
	}
	return r2
}

// rel returns the weight of a point with key a relative to the current
// minimum key amin <= a: K(a)/K(amin). Equal keys have relative weight 1.
// A difference of keys so large against the bandwidth that the exponent
// overflows gives weight 0, the limit of the exact value.
func (k kernRadial) rel(a, amin float64) float64 {
	if a == amin {
		return 1
	}
	var u float64
	switch k.kernel {
	case Hilbert:
		return kernHalfPow(amin/a, k.d)
	case Gaussian:
		// Divide twice rather than by 2 h^2, which underflows to 0 for
		// h below 1e-162.
		u = (a - amin) / k.h / k.h / 2
	default:
		u = (a - amin) / k.h
	}
	if u > kernExpUnderflow {
		return 0
	}
	return math.Exp(-u)
}

// kernGramCutoff is the score above which a Gram matrix entry is stored as
// 0: exp(-46) < 1.1e-20. Such entries are below rounding next to the unit
// diagonal (dropping them perturbs G by at most 1.1e-20 sqrt(m) in
// Frobenius norm for m dropped entries, which the reported residual
// includes), and keeping them would fill the factorization with subnormal
// numbers, whose arithmetic is about 100 times slower on x86: with a small
// Laplace bandwidth most entries are tiny, and a dense Cholesky of n = 4000
// took 27 s instead of about 3 s.
const kernGramCutoff = 46

// cutR2 returns a squared distance beyond which every Gram entry is cut
// (score above kernGramCutoff), slightly enlarged so that the score decides
// near the boundary: (46 h)^2 for Laplace, 92 h^2 for Gaussian.
func (k kernRadial) cutR2() float64 {
	t := kernGramCutoff * k.h
	if k.kernel == Gaussian {
		t = math.Sqrt(2*kernGramCutoff) * k.h
	}
	return t * t * (1 + 1e-9)
}

// kernGram evaluates the entries of a Gaussian or Laplace Gram matrix,
// exp(-a) with the score a = r2 / (2 h^2) or sqrt(r2) / h, cut to 0 where
// a > kernGramCutoff. Filling a Gram matrix is most of a dense fit besides
// the factorization, so the Gaussian score is a product with a precomputed
// 1/(2 h^2) rather than score's square root and division, and exp(-a) is
// kernels.ExpNeg (vectorized, within 1.5 ulps). Each way the score is
// within a few ulps of r2 / (2 h^2), so an entry may differ from
// exp(-score(r2)) by a few ulps times a (at most 46), relatively.
type kernGram struct {
	kernRadial
	inv float64 // 1/(2 h^2) (Gaussian) or 1/h (Laplace), or 0 if not finite
	thr float64 // cutR2
}

// gramEval returns the Gram entry evaluator of a Gaussian or Laplace k.
func (k kernRadial) gramEval() kernGram {
	g := kernGram{kernRadial: k, thr: k.cutR2(), inv: 0.5 / (k.h * k.h)}
	if k.kernel == Laplace {
		g.inv = 1 / k.h
	}
	if math.IsInf(g.inv, 1) {
		g.inv = 0 // a bandwidth so small that the reciprocal overflows
	}
	return g
}

// score returns the score a in [0, kernGramCutoff] of the entry at the
// squared distance r2, or 0 and true if the entry is cut to 0.
func (g kernGram) score(r2 float64) (a float64, cut bool) {
	if r2 > g.thr {
		return 0, true
	}
	switch {
	case g.inv == 0:
		a = g.kernRadial.score(r2)
	case g.kernel == Laplace:
		a = math.Sqrt(r2) * g.inv
	default:
		a = r2 * g.inv
	}
	if !(a <= kernGramCutoff) {
		return 0, true
	}
	return a, false
}

// at returns the entry at the squared distance r2, exp(-score), and
// whether it was cut to 0.
func (g kernGram) at(r2 float64) (v float64, cut bool) {
	a, cut := g.score(r2)
	if cut {
		return 0, true
	}
	e := [1]float64{a}
	kernels.ExpNeg(e[:])
	return e[0], false
}

// kernHalfPow returns t^(d/2) for t in [0, 1] by repeated squaring, without
// math.Pow.
func kernHalfPow(t float64, d int) float64 {
	p := 1.0
	if d%2 == 1 {
		p = math.Sqrt(t)
	}
	for e := d / 2; e > 0; e >>= 1 {
		if e&1 == 1 {
			p *= t
		}
		t *= t
	}
	return p
}
