package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GaussianMixture is a k-class distribution on R^d: class c has prior weight
// pi_c and x | y=c ~ N(mu_c, sigma^2 I). It exists because its support is
// unbounded, unlike every other family: claims that assume a bounded domain
// (grids, histograms on [0,1]^d) must say so, and nearest-neighbour claims
// meet sparse tails. The posterior is exact by Bayes' rule,
//
//	eta_c(x) = softmax_c(l(x)),  l_c(x) = log pi_c - ||x - mu_c||^2 / (2 sigma^2),
//
// evaluated as softmax((x-m).(mu_c-m)/sigma^2 + log pi_c - ||mu_c-m||^2/(2 sigma^2)),
// m the mean of the means (the common term -||x-m||^2/(2 sigma^2) cancels),
// with the log-sum-exp shift
// (subtract the largest logit), so it stays a probability vector far in the
// tails. Classes with pi_c = 0 get eta_c = 0.
//
// Lipschitz constant, L = max_{c,c' : pi_c, pi_c' > 0} ||mu_c - mu_c'|| / (4 sigma^2),
// proof. l_c(x) = const_c + x.mu_c / sigma^2 - ||x||^2/(2 sigma^2), and the
// last term is common to all classes, so eta(x) = softmax(A x + const) with
// rows a_c = mu_c / sigma^2. Along the segment x(t) = x + t(x' - x), with
// v_c = a_c.(x' - x) and p = eta(x(t)), d eta_c/dt = p_c (v_c - vbar),
// vbar = sum_c p_c v_c. Hence 1/2 sum_c |d eta_c/dt| = 1/2 E_p|V - E_p V| for
// V = v_C, C ~ p. A random variable in an interval of length R has
// E|V - EV| <= sqrt(Var V) <= R/2, and R = max v_c - min v_c over classes with
// p_c > 0 is at most max ||a_c - a_c'|| ||x' - x||. Integrating over t in
// [0,1], 1/2 sum_c |eta_c(x) - eta_c(x')| <= (1/4) max ||mu_c - mu_c'|| /
// sigma^2 * ||x - x'||. For k = 2 this is the logistic slope bound 1/4 times
// the norm of the logit's gradient (mu_1 - mu_0)/sigma^2.
type GaussianMixture struct {
	d, k    int
	means   []float64 // k x d
	sigma   float64
	weights []float64
	logw    []float64
	cum     []float64 // cumulative weights, +Inf from the last positive one on
	ref     []float64 // d, the mean of the means: logits are centred there
	a       []float64 // k x d, (mu_c - ref) / sigma^2
	off     []float64 // log pi_c - ||mu_c - ref||^2 / (2 sigma^2)
	lip     float64
}

var _ Distribution = (*GaussianMixture)(nil)

// NewGaussianMixture returns the mixture with component means means[c] (k =
// len(means) >= 2 rows of equal length d >= 1, copied), common standard
// deviation sigma > 0 and prior weights (a probability vector of length k, or
// nil for equal weights 1/k). It returns a *ParamError naming means (fewer
// than 2 or more than MaxClasses components), means[c] (empty, wrong length or a non-finite entry),
// sigma (not finite and > 0) or weights (wrong length, negative, non-finite
// or a sum off 1 by more than 1e-12). It also rejects parameters whose
// derived quantities overflow, which would make the posterior NaN: sigma if
// sigma^2 is not a normal float64 (sigma below about 1.5e-154), means[c] if
// (mu_c - m)/sigma^2 or ||mu_c - m||^2/(2 sigma^2) is not finite (m the mean
// of the means), and means if max ||mu_c - mu_c'|| / sigma^2 is not finite.
func NewGaussianMixture(means [][]float64, sigma float64, weights []float64) (*GaussianMixture, error) {
	const fn = "NewGaussianMixture"
	k := len(means)
	if k < 2 {
		return nil, paramErr(fn, "means", "%d components, need k >= 2", k)
	}
	if k > MaxClasses {
		return nil, paramErr(fn, "means", "%d components exceed MaxClasses = %d", k, MaxClasses)
	}
	d := len(means[0])
	if d < 1 {
		return nil, paramErr(fn, "means[0]", "empty: need d >= 1")
	}
	flat := make([]float64, 0, k*d)
	for c, m := range means {
		name := fmt.Sprintf("means[%d]", c)
		if len(m) != d {
			return nil, paramErr(fn, name, "length %d, means[0] has %d", len(m), d)
		}
		for _, v := range m {
			if !finite(v) {
				return nil, paramErr(fn, name, "entry %v is not finite", v)
			}
		}
		flat = append(flat, m...)
	}
	if !(sigma > 0) || !finite(sigma) {
		return nil, paramErr(fn, "sigma", "%v must be finite and > 0", sigma)
	}
	w := make([]float64, k)
	if weights == nil {
		for c := range w {
			w[c] = 1 / float64(k)
		}
	} else {
		if len(weights) != k {
			return nil, paramErr(fn, "weights", "length %d, want k = %d", len(weights), k)
		}
		if err := validateProbVector(fn, "weights", weights); err != nil {
			return nil, err
		}
		copy(w, weights)
	}
	g := &GaussianMixture{
		d: d, k: k, means: flat, sigma: sigma, weights: w,
		logw: make([]float64, k),
		cum:  make([]float64, k),
		ref:  make([]float64, d),
		a:    make([]float64, k*d),
		off:  make([]float64, k),
	}
	for c := 0; c < k; c++ {
		for i := 0; i < d; i++ {
			g.ref[i] += flat[c*d+i] / float64(k)
		}
	}
	s2 := sigma * sigma
	if s2 < 0x1p-1022 { // not a normal number
		return nil, paramErr(fn, "sigma", "%v is too small: sigma^2 = %v underflows, so the posterior's logits overflow", sigma, s2)
	}
	acc, last := 0.0, 0
	for c := range w {
		g.logw[c] = math.Log(w[c]) // -Inf for a zero weight
		acc += w[c]
		g.cum[c] = acc
		if w[c] > 0 {
			last = c
		}
		nn := 0.0
		for i := 0; i < d; i++ {
			m := flat[c*d+i] - g.ref[i]
			g.a[c*d+i] = m / s2
			nn += m * m
		}
		g.off[c] = g.logw[c] - nn/(2*s2)
		ok := finite(nn / (2 * s2))
		for _, v := range g.a[c*d : (c+1)*d] {
			ok = ok && finite(v)
		}
		if !ok {
			return nil, paramErr(fn, fmt.Sprintf("means[%d]", c),
				"%v is too far from the mean of the means for sigma = %v: (mu_c - m)/sigma^2 or ||mu_c - m||^2/(2 sigma^2) overflows",
				means[c], sigma)
		}
	}
	for c := last; c < k; c++ {
		g.cum[c] = math.Inf(1) // absorb rounding of the cumulative sum
	}
	maxDist := 0.0
	for c := 0; c < k; c++ {
		for c2 := c + 1; c2 < k; c2++ {
			if w[c] == 0 || w[c2] == 0 {
				continue
			}
			dist := 0.0
			for i := 0; i < d; i++ {
				dist = math.Hypot(dist, flat[c*d+i]-flat[c2*d+i])
			}
			maxDist = math.Max(maxDist, dist)
		}
	}
	if !finite(maxDist / s2) {
		return nil, paramErr(fn, "means", "largest distance %v between means with positive weight over sigma^2 = %v overflows", maxDist, s2)
	}
	g.lip = maxDist / (4 * sigma * sigma)
	return g, nil
}

// Dim returns d.
func (g *GaussianMixture) Dim() int { return g.d }

// Classes returns k.
func (g *GaussianMixture) Classes() int { return g.k }

// Sigma returns the common standard deviation.
func (g *GaussianMixture) Sigma() float64 { return g.sigma }

// Mean returns a copy of mu_c. It panics if c is not in [0, k).
func (g *GaussianMixture) Mean(c int) []float64 {
	return append([]float64(nil), g.means[c*g.d:(c+1)*g.d]...)
}

// Weights returns a copy of the prior weights pi.
func (g *GaussianMixture) Weights() []float64 { return append([]float64(nil), g.weights...) }

// SampleX draws a component C ~ pi (one Float64) and x = mu_C + sigma Z with
// Z ~ N(0, I_d) (d NormFloat64 draws). It panics if len(dst) != d or rng is
// nil.
func (g *GaussianMixture) SampleX(rng *rand.Rand, dst []float64) {
	checkSampleX("GaussianMixture", rng, dst, g.d)
	u := rng.Float64()
	c := 0
	for u >= g.cum[c] {
		c++
	}
	mu := g.means[c*g.d : (c+1)*g.d]
	for i := range dst {
		dst[i] = mu[i] + g.sigma*rng.NormFloat64()
	}
}

// Posterior writes the exact posterior softmax(l(x)) (see GaussianMixture)
// into dst. For finite x it is a probability vector however far x is in the
// tails: when the linear logits overflow (|x| near the float64 range over
// 1/sigma^2), they are recomputed as differences from the logit of the class
// whose mean is nearest in the direction of x, on x scaled by a power of
// two. For an x with a NaN or infinite entry every entry of dst is NaN. It
// panics if len(x) != Dim() or len(dst) != Classes().
func (g *GaussianMixture) Posterior(x, dst []float64) {
	if len(x) != g.d || len(dst) != g.k {
		panic("gen: GaussianMixture.Posterior: wrong length")
	}
	// l_c minus the common -||x - ref||^2/(2 sigma^2): linear in x, so it
	// does not cancel far from the means, and is small near them.
	max := math.Inf(-1)
	ref := g.ref
	nan := false
	for c := range dst {
		a := g.a[c*g.d : (c+1)*g.d]
		l := 0.0
		for i, v := range x {
			l += a[i] * (v - ref[i])
		}
		l += g.off[c]
		dst[c] = l
		if l > max {
			max = l
		}
		nan = nan || l != l
	}
	if nan || math.IsInf(max, 0) {
		if !g.tailLogits(x, dst) {
			fillNaN(dst)
			return
		}
		max = 0 // the largest shifted logit is exactly 0
	}
	sum := 0.0
	for c, l := range dst {
		e := math.Exp(l - max) // 0 for a zero-weight class
		dst[c] = e
		sum += e
	}
	for c := range dst {
		dst[c] /= sum
	}
}

// tailLogits writes into dst the logits l_c - l_b, for the positive-weight
// class b that maximizes a_b.(x - ref) (the mean nearest to x far in the
// tails; ties to the larger offset, then the lower class), without
// overflowing where the plain logits of Posterior do: each difference is
// (a_c - a_b).(x - ref) + off_c - off_b, evaluated on x/S and ref/S for a
// power of two S when x - ref overflows, and -Inf when it is still not a
// number (then eta_c underflows to 0 anyway). The largest entry is 0 (class
// b's); zero-weight classes get -Inf. It returns false, leaving dst
// undefined, if x has a non-finite entry.
func (g *GaussianMixture) tailLogits(x, dst []float64) bool {
	if !allFinite(x) {
		return false
	}
	d := g.d
	// S = 2^e >= 2 max(|x_i|, |ref_i|), so that y_i = x_i/S - ref_i/S is
	// finite, in [-1, 1], and the division by S is exact (barring
	// underflow of coordinates negligible next to the largest).
	big := 0.0
	for i, v := range x {
		big = math.Max(big, math.Max(math.Abs(v), math.Abs(g.ref[i])))
	}
	_, e := math.Frexp(big)
	e++ // S = 2^e, which may itself overflow: divide with Ldexp
	lin := func(c, b int, scaled bool) float64 {
		t := 0.0
		for i, v := range x {
			da := g.a[c*d+i]
			if b >= 0 {
				da -= g.a[b*d+i]
			}
			if scaled {
				t += da * (math.Ldexp(v, -e) - math.Ldexp(g.ref[i], -e))
			} else {
				t += da * (v - g.ref[i])
			}
		}
		return t
	}
	b, bu := -1, math.Inf(-1)
	for c := range dst {
		if g.weights[c] == 0 {
			continue
		}
		u := lin(c, -1, true)
		if b < 0 || u > bu || (u == bu && g.off[c] > g.off[b]) {
			b, bu = c, u
		}
	}
	for c := range dst {
		switch {
		case g.weights[c] == 0:
			dst[c] = math.Inf(-1)
		case c == b:
			dst[c] = 0
		default:
			t := lin(c, b, false)
			if t != t {
				t = math.Ldexp(lin(c, b, true), e)
			}
			t += g.off[c] - g.off[b]
			if t != t {
				t = math.Inf(-1)
			}
			dst[c] = t
		}
	}
	// Shift so the largest entry is 0: a tie in a.(x - ref) can leave
	// another class ahead of b by its offset.
	m := 0.0
	for _, v := range dst {
		m = math.Max(m, v)
	}
	switch {
	case math.IsInf(m, 1): // rounding in the choice of b: split among the +Inf
		for c, v := range dst {
			if math.IsInf(v, 1) {
				dst[c] = 0
			} else {
				dst[c] = math.Inf(-1)
			}
		}
	case m > 0:
		for c := range dst {
			dst[c] -= m
		}
	}
	return true
}

// Lipschitz returns L = max ||mu_c - mu_c'|| / (4 sigma^2) over pairs of
// classes with positive weight, and true (proof in GaussianMixture).
func (g *GaussianMixture) Lipschitz() (float64, bool) { return g.lip, true }

// String describes the distribution.
func (g *GaussianMixture) String() string {
	return fmt.Sprintf("GaussianMixture(d=%d, k=%d, sigma=%g, weights=%.4g)", g.d, g.k, g.sigma, g.weights)
}

// GoString returns String(), so rapid's failure logs show the parameters.
func (g *GaussianMixture) GoString() string { return g.String() }
