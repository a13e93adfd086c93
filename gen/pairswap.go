package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// PairSwap is a k-class distribution, uniform on [0,1]^d, made of a clean
// labeling and class-pair noise: y is the clean label with probability 1-rho
// and (clean + s) mod k with probability rho. It exists because it is the
// paper's experiment in miniature (CIFAR-10 with y -> (y+5) mod 10 at rate
// 0.2): a sampler's confusion matrix of (clean label, prediction) reproduces
// the noise matrix (claim S5).
//
// The clean label is
//
//	clean(x) = min(k-1, floor(k * frac(x_1 + ... + x_d))),
//
// where frac(t) = t - floor(t). Under the uniform marginal frac(x_1+...+x_d)
// is exactly uniform on [0,1), so every clean class has probability exactly
// 1/k; class c occupies the diagonal bands where the coordinate sum has
// fractional part in [c/k, (c+1)/k) (for d = 1 the interval [c/k, (c+1)/k),
// with x = 1 in class 0). The posterior is
//
//	eta(.|x) = (1 - rho) e_clean(x) + rho e_(clean(x)+s mod k),
//
// so R* = min(rho, 1-rho) and G = 2 rho (1 - rho) exactly, at every x. For
// rho < 1/2 the Bayes label is the clean label; at rho = 1/2 ties go to the
// lower class. The posterior jumps at band edges: Lipschitz reports (0, false).
type PairSwap struct {
	d, k, s int
	rho     float64
}

var _ Distribution = (*PairSwap)(nil)

// NewPairSwap returns the pair-swap distribution with d inputs, k classes,
// shift s and noise rate rho. It returns a *ParamError naming d if d < 1, k
// if k < 2 or k > MaxClasses, s if s is not in 1..k-1, and rho if rho is not
// in [0, 1) (NaN included).
func NewPairSwap(d, k, s int, rho float64) (*PairSwap, error) {
	const fn = "NewPairSwap"
	if d < 1 {
		return nil, paramErr(fn, "d", "%d < 1", d)
	}
	if err := checkClasses(fn, "k", k); err != nil {
		return nil, err
	}
	if s < 1 || s > k-1 {
		return nil, paramErr(fn, "s", "%d not in 1..k-1 = 1..%d", s, k-1)
	}
	if !(rho >= 0 && rho < 1) {
		return nil, paramErr(fn, "rho", "%v not in [0, 1)", rho)
	}
	return &PairSwap{d: d, k: k, s: s, rho: rho}, nil
}

// Dim returns d.
func (p *PairSwap) Dim() int { return p.d }

// Classes returns k.
func (p *PairSwap) Classes() int { return p.k }

// Shift returns s: a noisy label is (clean + s) mod k.
func (p *PairSwap) Shift() int { return p.s }

// Rate returns the noise rate rho.
func (p *PairSwap) Rate() float64 { return p.rho }

// CleanLabel returns clean(x) = min(k-1, floor(k frac(x_1+...+x_d))) (0 for
// a non-finite sum). It panics if len(x) != Dim().
func (p *PairSwap) CleanLabel(x []float64) int {
	if len(x) != p.d {
		panic("gen: PairSwap.CleanLabel: len(x) != Dim()")
	}
	return p.clean(x)
}

func (p *PairSwap) clean(x []float64) int {
	c, _ := p.cleanOK(x)
	return c
}

// cleanOK returns clean(x) and whether x is finite; the sum of x is checked
// first, so finite points cost no second pass.
func (p *PairSwap) cleanOK(x []float64) (int, bool) {
	t := 0.0
	for _, v := range x {
		t += v
	}
	f := t - math.Floor(t)
	if !(f >= 0) {
		return 0, allFinite(x)
	}
	c := int(float64(p.k) * f)
	if c >= p.k {
		c = p.k - 1
	}
	return c, true
}

// NoisyLabel returns (c + s) mod k, the label a flip turns clean class c into.
func (p *PairSwap) NoisyLabel(c int) int { return (c + p.s) % p.k }

// SampleX draws x uniformly from [0,1]^d. It panics if len(dst) != d or rng
// is nil.
func (p *PairSwap) SampleX(rng *rand.Rand, dst []float64) {
	checkSampleX("PairSwap", rng, dst, p.d)
	for i := range dst {
		dst[i] = rng.Float64()
	}
}

// Posterior writes (1-rho) e_clean + rho e_(clean+s mod k) into dst; for an
// x with a NaN or infinite entry every entry of dst is NaN. It panics if
// len(x) != Dim() or len(dst) != Classes().
func (p *PairSwap) Posterior(x, dst []float64) {
	if len(x) != p.d || len(dst) != p.k {
		panic("gen: PairSwap.Posterior: wrong length")
	}
	c, ok := p.cleanOK(x)
	if !ok {
		fillNaN(dst)
		return
	}
	clear(dst)
	dst[c] = 1 - p.rho
	dst[(c+p.s)%p.k] = p.rho
}

// Lipschitz returns (0, false): the posterior jumps between bands.
func (p *PairSwap) Lipschitz() (float64, bool) { return 0, false }

// BayesRisk returns the exact Bayes risk min(rho, 1-rho).
func (p *PairSwap) BayesRisk() float64 { return math.Min(p.rho, 1-p.rho) }

// SamplerRisk returns the exact sampler risk 1 - (1-rho)^2 - rho^2 = 2 rho (1-rho).
func (p *PairSwap) SamplerRisk() float64 { return 1 - (1-p.rho)*(1-p.rho) - p.rho*p.rho }

// String describes the distribution.
func (p *PairSwap) String() string {
	return fmt.Sprintf("PairSwap(d=%d, k=%d, s=%d, rho=%g)", p.d, p.k, p.s, p.rho)
}

// GoString returns String(), so rapid's failure logs show the parameters.
func (p *PairSwap) GoString() string { return p.String() }
