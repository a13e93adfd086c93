package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestExpNegMatchesReference checks ExpNeg against expNegFMA bit for bit
// where the assembly runs (lengths across the multiple of 4, unaligned
// data, arguments over the whole domain [0, 700] and at 0), and against
// math.Exp bit for bit where it does not.
func TestExpNegMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 37).Draw(t, "n")
		zero := rapid.Bool().Draw(t, "zeros")
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1))
		x := offsetSlice(t, "x", n, func() float64 {
			if zero && rng.IntN(3) == 0 {
				return 0
			}
			return 700 * rng.Float64()
		})
		in := append([]float64(nil), x...)
		ExpNeg(x)
		for i, a := range in {
			want := math.Exp(-a)
			if useAsm {
				want = expNegFMA(a)
			}
			if math.Float64bits(x[i]) != math.Float64bits(want) {
				t.Fatalf("exp(-%v): got %v, want %v", a, x[i], want)
			}
		}
	})
}

// TestExpNegAccuracy checks expNegFMA against math.Exp, which is within
// 1 ulp of the exact value (its documentation), on 10^6 random arguments
// in [0, 46] (the Gram matrix's range) and 10^5 in [0, 700], plus the
// multiples of ln 2 / 2 where the reduction switches k and their
// neighbours. The bound, 2.5 ulps of math.Exp's result, is 1 ulp for
// math.Exp plus 1.5 ulps for expNegFMA from the error analysis: the
// reduction's only rounding is that of r, half an ulp of r with
// |r| <= 0.35 (below 0.2 ulp of exp(r) after propagation, 0.4 across a
// binade), the 13 Horner steps round once each with the earlier errors
// damped by |r| <= 0.35 (below 0.5 / (1 - 0.35) < 0.8 ulp, doubled across
// a binade of p would still fit), the truncation is below 4.2e-18, and the
// scaling by 2^k is exact.
func TestExpNegAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	var args []float64
	for range 1000000 {
		args = append(args, 46*rng.Float64())
	}
	for range 100000 {
		args = append(args, 700*rng.Float64())
	}
	for k := 0.0; k*math.Ln2/2 <= 700; k++ {
		a := k * math.Ln2 / 2
		args = append(args, a, math.Nextafter(a, 0), math.Nextafter(a, 701))
	}
	worst := 0.0
	for _, a := range args {
		want := math.Exp(-a)
		ulp := math.Nextafter(want, math.Inf(1)) - want
		worst = max(worst, math.Abs(expNegFMA(a)-want)/ulp)
	}
	if !(worst <= 2.5) {
		t.Fatalf("expNegFMA differs from math.Exp by %.3g ulps, want <= 2.5", worst)
	}
	t.Logf("largest difference from math.Exp: %.3g ulps", worst)
}

// BenchmarkExpNeg times ExpNeg and the math.Exp loop it replaces on 1024
// arguments spread over [0, 46), after checking ExpNeg against math.Exp at
// TestExpNegAccuracy's bound.
func BenchmarkExpNeg(b *testing.B) {
	const n = 1024
	x := make([]float64, n)
	for i := range x {
		x[i] = 46 * float64(i) / n
	}
	y := slices.Clone(x)
	ExpNeg(y)
	for i, a := range x {
		want := math.Exp(-a)
		if ulp := math.Nextafter(want, math.Inf(1)) - want; !(math.Abs(y[i]-want) <= 2.5*ulp) {
			b.Fatalf("ExpNeg(%v) = %v, math.Exp %v", a, y[i], want)
		}
	}
	b.Run(fmt.Sprintf("kernel/n=%d", n), func(b *testing.B) {
		for b.Loop() {
			copy(y, x)
			ExpNeg(y)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/exp")
	})
	b.Run(fmt.Sprintf("math.Exp/n=%d", n), func(b *testing.B) {
		for b.Loop() {
			for i, a := range x {
				y[i] = math.Exp(-a)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/exp")
	})
}
