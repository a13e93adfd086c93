package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Distribution is a joint law of (x, y) over R^d x {0, ..., k-1} whose
// posterior eta(.|x) is known exactly.
//
// Implementations are immutable after construction and safe for concurrent
// use; all randomness comes from the *rand.Rand passed in.
type Distribution interface {
	// Dim returns the input dimension d >= 1.
	Dim() int
	// Classes returns the number of classes k >= 2.
	Classes() int
	// SampleX draws one x from the marginal into dst, which must have
	// length Dim(). It panics if len(dst) != Dim() or rng is nil.
	SampleX(rng *rand.Rand, dst []float64)
	// Posterior writes eta(c|x) for c = 0..k-1 into dst, which must have
	// length Classes(): a probability vector for every finite x, and NaN in
	// every entry for an x with a NaN or infinite entry. It panics if
	// len(x) != Dim() or len(dst) != Classes().
	Posterior(x, dst []float64)
	// Lipschitz returns a constant L with
	//	1/2 sum_c |eta_c(x) - eta_c(x')| <= L ||x - x'||_2
	// for all x, x' in the support, and ok = true; ok is false when no
	// finite constant exists (a posterior with jumps).
	Lipschitz() (L float64, ok bool)
	// String names the family and its parameters.
	String() string
}

// checkSampleX panics, naming the family, unless rng is not nil and dst has
// length d: the checks of every SampleX method.
func checkSampleX(family string, rng *rand.Rand, dst []float64, d int) {
	if rng == nil {
		panic("gen: " + family + ".SampleX: nil rng")
	}
	if len(dst) != d {
		panic(fmt.Sprintf("gen: %s.SampleX: len(dst) = %d, want Dim() = %d", family, len(dst), d))
	}
}

// allFinite reports whether every entry of x is finite.
func allFinite(x []float64) bool {
	for _, v := range x {
		if !finite(v) {
			return false
		}
	}
	return true
}

// fillNaN sets every entry of dst to NaN: the posterior at a point with a
// NaN or infinite coordinate.
func fillNaN(dst []float64) {
	for c := range dst {
		dst[c] = math.NaN()
	}
}
