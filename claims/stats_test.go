package claims_test

import (
	"math"
	"testing"

	"github.com/rolemodels/rolemodels/claims"
)

func TestHoeffdingTable(t *testing.T) {
	// REFERENCE.md's table: eps = 0.05 needs n = 2902 at delta = 1e-6 and
	// 4284 at 1e-9; eps = 0.01 needs 72544 at 1e-6.
	for _, tc := range []struct {
		n     int
		delta float64
		eps   float64
	}{{2902, 1e-6, 0.05}, {4284, 1e-9, 0.05}, {72544, 1e-6, 0.01}, {107083, 1e-9, 0.01}} {
		got := claims.Hoeffding(tc.n, 1, tc.delta)
		if got > tc.eps || claims.Hoeffding(tc.n-1, 1, tc.delta) <= tc.eps {
			t.Errorf("Hoeffding(%d, 1, %g) = %.6f: n is not the smallest size reaching %g", tc.n, tc.delta, got, tc.eps)
		}
	}
}

func TestClopperPearsonKnownValue(t *testing.T) {
	// 5 successes in 100 at 95%: [0.0164, 0.1128] (REFERENCE.md; the
	// classical table value).
	lo, hi := claims.ClopperPearson(5, 100, 0.05)
	if math.Abs(lo-0.0164) > 5e-5 || math.Abs(hi-0.1128) > 5e-5 {
		t.Errorf("ClopperPearson(5, 100, 0.05) = [%.5f, %.5f], want [0.0164, 0.1128]", lo, hi)
	}
	if lo, hi := claims.ClopperPearson(0, 10, 0.05); lo != 0 || hi <= 0 || hi >= 1 {
		t.Errorf("ClopperPearson(0, 10) = [%g, %g], want [0, h) with 0 < h < 1", lo, hi)
	}
	if lo, hi := claims.ClopperPearson(10, 10, 0.05); hi != 1 || lo <= 0 {
		t.Errorf("ClopperPearson(10, 10) = [%g, %g], want (l, 1]", lo, hi)
	}
}

func TestBernsteinBeatsHoeffdingAtSmallVariance(t *testing.T) {
	// REFERENCE.md: with variance 0.09, Bernstein needs n = 7013 for eps
	// 0.02 at delta = 1e-6 where Hoeffding needs 18136.
	n := 7013.0
	eps := claims.Bernstein(0.09*n, 1, 1e-6) / n
	if eps > 0.0201 {
		t.Errorf("Bernstein radius at n = 7013, variance 0.09: %.5f, want about 0.02", eps)
	}
	if h := claims.Hoeffding(7013, 1, 1e-6); h <= eps {
		t.Errorf("Hoeffding %.5f should exceed Bernstein %.5f at small variance", h, eps)
	}
}

func TestPoissonBinomialMatchesBinomial(t *testing.T) {
	p := []float64{0.3, 0.3, 0.3, 0.3, 0.3}
	dst := make([]float64, 6)
	claims.PoissonBinomial(p, dst)
	binom := []float64{1, 5, 10, 10, 5, 1}
	for j, b := range binom {
		want := b * math.Pow(0.3, float64(j)) * math.Pow(0.7, float64(5-j))
		if math.Abs(dst[j]-want) > 1e-15 {
			t.Errorf("P(S = %d) = %g, want %g", j, dst[j], want)
		}
	}
}

// TestStatsPanicOnMisuse checks that the bounds panic, with a message naming
// the bad argument, on a width or probability no bound can take.
func TestStatsPanicOnMisuse(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"Hoeffding width -1", func() { claims.Hoeffding(10, -1, 1e-6) }},
		{"Hoeffding width NaN", func() { claims.Hoeffding(10, math.NaN(), 1e-6) }},
		{"Hoeffding width Inf", func() { claims.Hoeffding(10, math.Inf(1), 1e-6) }},
		{"EmpiricalBernstein width -1", func() { claims.EmpiricalBernstein(10, 0.1, -1, 1e-6) }},
		{"PairedDifference width NaN", func() { claims.PairedDifference([]float64{1}, []float64{0}, math.NaN(), 1e-6) }},
		{"PoissonBinomial p 1.5", func() { claims.PoissonBinomial([]float64{0.5, 1.5}, make([]float64, 3)) }},
		{"PoissonBinomial p NaN", func() { claims.PoissonBinomial([]float64{math.NaN()}, make([]float64, 2)) }},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			tc.call()
		}()
	}
}

// TestColouredBernstein checks that ColouredBernstein is Bernstein's radius
// at one colour, solves Janson's equation t^2 = (25/8) chi L (v + b t/3) at
// more, grows with the colours, and panics on fewer than one.
func TestColouredBernstein(t *testing.T) {
	const v, b, delta = 1e-4, 1e-3, 1e-9
	if got, want := claims.ColouredBernstein(1, v, b, delta), claims.Bernstein(v, b, delta); got != want {
		t.Errorf("ColouredBernstein(1) = %v, want Bernstein's %v", got, want)
	}
	l := math.Log(2 / delta)
	prev := claims.ColouredBernstein(1, v, b, delta)
	for _, chi := range []int{2, 5, 20} {
		r := claims.ColouredBernstein(chi, v, b, delta)
		lhs, rhs := r*r, 25.0/8*float64(chi)*l*(v+b*r/3)
		if math.Abs(lhs-rhs) > 1e-12*rhs {
			t.Errorf("chi = %d: t = %v gives t^2 = %v, want (25/8) chi L (v + b t/3) = %v", chi, r, lhs, rhs)
		}
		if r <= prev {
			t.Errorf("chi = %d: radius %v not above %v at fewer colours", chi, r, prev)
		}
		prev = r
	}
	defer func() {
		if recover() == nil {
			t.Error("ColouredBernstein(0, ...) did not panic")
		}
	}()
	claims.ColouredBernstein(0, v, b, delta)
}
