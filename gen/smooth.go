package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Smooth is a k-class distribution on the unit cube whose posterior is
// continuously differentiable in x with a proven Lipschitz constant. It exists
// for the nearest-neighbour theorems (Cover-Hart, claim L1): their finite-sample
// bounds need A <= L * E||X_NN(x) - x||, so L must be a true constant, and
// small enough to make the bound informative.
//
// The marginal is uniform on [0,1]^d. The posterior depends on x through the
// phase
//
//	theta(x) = (f / sqrt(d)) * (x_1 + ... + x_d),
//
// read on a circle of circumference k on which class c sits at the point c.
// With u = theta mod k, c0 = floor(u), t = u - c0 in [0,1) and c1 = (c0+1) mod k,
// the weights w(theta) are a C^1 partition of unity shared by two neighbouring
// classes,
//
//	w_c0 = cos^2(pi t / 2),  w_c1 = sin^2(pi t / 2),  w_c = 0 otherwise,
//
// and the posterior mixes them with the uniform vector:
//
//	eta_c(x) = (1 - s)/k + s * w_c(theta(x)),   s = strength in [0,1).
//
// So eta_c lies in [(1-s)/k, (1-s)/k + s], is never one-hot for s < 1, and
// class c is the Bayes label where theta is within 1/2 of c on the circle. For
// k = 2 this is eta_1(x) = 1/2 - (s/2) cos(pi theta(x)). NewSmooth uses the
// frequency f = k (the phase sweeps about one cycle of the k classes over the
// cube; its standard deviation under the uniform marginal is k/sqrt(12) for
// every d); NewSmoothFreq chooses f.
//
// Lipschitz constant, L = s * pi * f / 2, proof. On each piece
// d w_c0/dtheta = -(pi/2) sin(pi t) and d w_c1/dtheta = +(pi/2) sin(pi t), and
// w is C^1 across the knots (both derivatives vanish there), so
// 1/2 sum_c |w_c'(theta)| = (pi/2)|sin(pi t)| <= pi/2 everywhere. Integrating
// along the segment from theta to theta',
// 1/2 sum_c |w_c(theta) - w_c(theta')| <= (pi/2)|theta - theta'|. By
// Cauchy-Schwarz |theta(x) - theta(x')| = (f/sqrt(d))|sum_i (x_i - x'_i)|
// <= f ||x - x'||_2. The uniform part cancels in eta(x) - eta(x'), so
//
//	1/2 sum_c |eta_c(x) - eta_c(x')| <= s * (pi/2) * f * ||x - x'||_2.
//
// The constant is attained in the limit x' -> x along (1,...,1) where t = 1/2.
// The formula extends to all of R^d; SampleX draws from [0,1]^d.
type Smooth struct {
	d, k     int
	strength float64
	freq     float64
	scale    float64 // f / sqrt(d)
	base     float64 // (1 - s)/k
}

var _ Distribution = (*Smooth)(nil)

// NewSmooth returns the Smooth distribution with frequency f = k (see Smooth):
// eta_c(x) = (1-strength)/k + strength * w_c(theta(x)), with Lipschitz constant
// L = strength * pi * k / 2. It returns a *ParamError naming d if d < 1, k if
// k < 2 or k > MaxClasses, and strength if strength is not in [0, 1) (NaN
// included).
func NewSmooth(d, k int, strength float64) (*Smooth, error) {
	return newSmooth("NewSmooth", d, k, strength, float64(k))
}

// NewSmoothFreq is NewSmooth with the frequency f of the phase
// theta(x) = (f/sqrt(d)) sum_i x_i chosen by the caller; L = strength * pi * f / 2.
// A smaller f gives a flatter posterior that visits fewer classes. It returns
// a *ParamError for a bad d, k or strength (as NewSmooth) and names freq if f
// is not finite and > 0.
func NewSmoothFreq(d, k int, strength, freq float64) (*Smooth, error) {
	return newSmooth("NewSmoothFreq", d, k, strength, freq)
}

func newSmooth(fn string, d, k int, strength, freq float64) (*Smooth, error) {
	if d < 1 {
		return nil, paramErr(fn, "d", "%d < 1", d)
	}
	if err := checkClasses(fn, "k", k); err != nil {
		return nil, err
	}
	if !(strength >= 0 && strength < 1) {
		return nil, paramErr(fn, "strength", "%v not in [0, 1)", strength)
	}
	if !(freq > 0) || !finite(freq) {
		return nil, paramErr(fn, "freq", "%v must be finite and > 0", freq)
	}
	return &Smooth{
		d: d, k: k, strength: strength, freq: freq,
		scale: freq / math.Sqrt(float64(d)),
		base:  (1 - strength) / float64(k),
	}, nil
}

// Dim returns d.
func (s *Smooth) Dim() int { return s.d }

// Classes returns k.
func (s *Smooth) Classes() int { return s.k }

// Strength returns s, the weight of the informative part of eta.
func (s *Smooth) Strength() float64 { return s.strength }

// Freq returns the frequency f of the phase theta.
func (s *Smooth) Freq() float64 { return s.freq }

// SampleX draws x uniformly from [0,1]^d. It panics if len(dst) != d or rng
// is nil.
func (s *Smooth) SampleX(rng *rand.Rand, dst []float64) {
	checkSampleX("Smooth", rng, dst, s.d)
	for i := range dst {
		dst[i] = rng.Float64()
	}
}

// Posterior writes eta(.|x) (see Smooth) into dst. For an x with a NaN or
// infinite entry every entry of dst is NaN. For every finite x it is a
// probability vector; far outside the cube, where |theta| passes 2^53 k or
// the sum of x overflows, the phase modulo k is lost to rounding and eta is
// that of the rounded phase (or of theta = 0). It panics if len(x) != Dim()
// or len(dst) != Classes().
func (s *Smooth) Posterior(x, dst []float64) {
	if len(x) != s.d || len(dst) != s.k {
		panic("gen: Smooth.Posterior: wrong length")
	}
	sum := 0.0
	for _, v := range x {
		sum += v
	}
	k := float64(s.k)
	theta := s.scale * sum
	u := theta - k*math.Floor(theta/k)
	if !(u >= 0 && u < k) { // u rounded up to k, or theta is not finite
		if !allFinite(x) {
			fillNaN(dst)
			return
		}
		u = 0
	}
	c0 := int(u)
	t := u - float64(c0)
	c1 := c0 + 1
	if c1 == s.k {
		c1 = 0
	}
	sn, cs := math.Sincos(math.Pi / 2 * t)
	for c := range dst {
		dst[c] = s.base
	}
	dst[c0] += s.strength * cs * cs
	dst[c1] += s.strength * sn * sn
}

// Lipschitz returns L = strength * pi * freq / 2 and true (proof in Smooth).
func (s *Smooth) Lipschitz() (float64, bool) {
	return s.strength * math.Pi * s.freq / 2, true
}

// String describes the distribution.
func (s *Smooth) String() string {
	return fmt.Sprintf("Smooth(d=%d, k=%d, strength=%g, freq=%g)", s.d, s.k, s.strength, s.freq)
}

// GoString returns String(), so rapid's failure logs show the parameters.
func (s *Smooth) GoString() string { return s.String() }
