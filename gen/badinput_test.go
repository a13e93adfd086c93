package gen_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/gen"
)

// TestConstructorsRejectOverflow checks that parameters whose derived
// quantities overflow (so that the posterior or the Lipschitz constant would
// be NaN or infinite) are rejected with a *ParamError naming the parameter
// and its value.
func TestConstructorsRejectOverflow(t *testing.T) {
	for _, c := range []struct {
		name, param, value string
		make               func() error
	}{
		{"Mixture sigma^2 underflows", "sigma", "1e-170", func() error {
			_, err := gen.NewGaussianMixture([][]float64{{0}, {1}}, 1e-170, nil)
			return err
		}},
		{"Mixture sigma^2 subnormal", "sigma", "1e-160", func() error {
			_, err := gen.NewGaussianMixture([][]float64{{0}, {1}}, 1e-160, nil)
			return err
		}},
		{"Mixture means +-1e300", "means[0]", "1e+300", func() error {
			_, err := gen.NewGaussianMixture([][]float64{{1e300}, {-1e300}}, 1, nil)
			return err
		}},
		{"Mixture mean far from the others", "means[0]", "1.7e+308", func() error {
			_, err := gen.NewGaussianMixture([][]float64{{1.7e308}, {1.7e308}, {-1.7e308}}, 1, nil)
			return err
		}},
		{"Halfspace ||w|| overflows", "w", "1.7e+308", func() error {
			_, err := gen.NewHalfspace([]float64{1.7e308, 1.7e308}, 0, 1)
			return err
		}},
		{"Halfspace scale ||w|| overflows", "scale", "1e+10", func() error {
			_, err := gen.NewHalfspace([]float64{1e300, 1e300}, 0, 1e10)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantParamError(t, c.make(), c.param, c.value)
		})
	}
}

// checkProb fails t unless eta is a probability vector.
func checkProb(t *testing.T, what string, eta []float64) {
	t.Helper()
	if err := gen.ValidatePosterior(eta); err != nil {
		t.Errorf("%s: posterior %v: %v", what, eta, err)
	}
}

// TestPosteriorFarTails checks that the posteriors stay probability vectors
// where the plain formulas overflow (Inf - Inf, Inf * 0): far in a Gaussian
// mixture's tails, and for a halfspace with huge w or a = 0.
func TestPosteriorFarTails(t *testing.T) {
	eta := make([]float64, 3)
	gm, err := gen.NewGaussianMixture([][]float64{{0}, {1}}, 0.01, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []float64{1e306, -1e306, math.MaxFloat64, -math.MaxFloat64, 1e300} {
		gm.Posterior([]float64{x}, eta[:2])
		checkProb(t, fmt.Sprintf("mixture at x = %g", x), eta[:2])
		want := 0 // the nearest mean
		if x > 0 {
			want = 1
		}
		if eta[want] != 1 {
			t.Errorf("mixture at x = %g: posterior %v, want all mass on class %d", x, eta[:2], want)
		}
	}
	// Classes 0 and 1 tie in the direction of x, where the logits overflow
	// (a_0 = 66.7 / sigma^2 in the first coordinate); between them the
	// posterior is that of the second coordinate, not one-hot.
	gm3, err := gen.NewGaussianMixture([][]float64{{1, 0}, {1, 0.02}, {-1, 0}}, 0.1, nil)
	if err != nil {
		t.Fatal(err)
	}
	x := []float64{1e307, 0.01}
	gm3.Posterior(x, eta)
	checkProb(t, "three-class mixture far out", eta)
	if math.Abs(eta[0]-0.5) > 1e-9 || math.Abs(eta[1]-0.5) > 1e-9 || eta[2] != 0 {
		t.Errorf("three-class mixture at %v: posterior %v, want (1/2, 1/2, 0)", x, eta)
	}
	x = []float64{1e307, 0.02}
	gm3.Posterior(x, eta)
	// l_1 - l_0 = (||x - mu_0||^2 - ||x - mu_1||^2) / (2 sigma^2) = 0.02^2 / 0.02.
	want := 1 / (1 + math.Exp(-0.02))
	if math.Abs(eta[1]-want) > 1e-9 {
		t.Errorf("three-class mixture at %v: eta_1 = %v, want %v", x, eta[1], want)
	}
	// Zero-weight classes stay at 0.
	gmw, err := gen.NewGaussianMixture([][]float64{{0}, {1}, {2}}, 0.01, []float64{0.5, 0.5, 0})
	if err != nil {
		t.Fatal(err)
	}
	gmw.Posterior([]float64{1e306}, eta)
	checkProb(t, "mixture with a zero weight far out", eta)
	if eta[1] != 1 {
		t.Errorf("mixture with a zero weight at 1e306: posterior %v, want (0, 1, 0)", eta)
	}

	for _, c := range []struct {
		w     []float64
		b, a  float64
		x     []float64
		want1 float64
	}{
		{[]float64{1e308, 1e308}, 0, 1, []float64{1, 1}, 1},
		{[]float64{1e308, 1e308}, 0, 0, []float64{1, 1}, 0.5},
		{[]float64{1e308, -1e308}, 0, 1, []float64{2, 1.5}, 1},
		{[]float64{1e308, -1e308}, 0, 1, []float64{1.5, 2}, 0},
		{[]float64{1e308, -1e308}, 0, 1, []float64{2, 2}, 0.5},
		{[]float64{1e308, -1e308}, 0, 0, []float64{2, 1.5}, 0.5},
		{[]float64{1, -1}, 0, 1, []float64{math.MaxFloat64, math.MaxFloat64}, 0.5},
	} {
		h, err := gen.NewHalfspace(c.w, c.b, c.a)
		if err != nil {
			t.Fatal(err)
		}
		h.Posterior(c.x, eta[:2])
		what := fmt.Sprintf("halfspace w = %g, a = %g at %g", c.w, c.a, c.x)
		checkProb(t, what, eta[:2])
		if eta[1] != c.want1 {
			t.Errorf("%s: eta_1 = %v, want %v", what, eta[1], c.want1)
		}
	}
}

// TestPanicMessagesNameValues checks that the documented panics on
// programmer misuse say which argument is wrong and its value.
func TestPanicMessagesNameValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dist, err := gen.NewSmooth(1, 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	wide, err := gen.NewSmooth(1<<24, 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		call func()
		want []string
	}{
		{"Hoeffding n", func() { gen.Hoeffding(0, 0.1) }, []string{"n = 0", "delta = 0.1"}},
		{"Hoeffding delta", func() { gen.Hoeffding(10, 1.5) }, []string{"n = 10", "delta = 1.5"}},
		{"Hoeffding delta NaN", func() { gen.Hoeffding(10, math.NaN()) }, []string{"delta = NaN"}},
		{"EstimateRisks n", func() { gen.EstimateRisks(dist, rng, -3, 0.1) }, []string{"EstimateRisks", "n = -3"}},
		{"EstimateRisks delta", func() { gen.EstimateRisks(dist, rng, 10, 0) }, []string{"EstimateRisks", "delta = 0"}},
		{"EstimateRisks rng", func() { gen.EstimateRisks(dist, nil, 10, 0.1) }, []string{"nil rng"}},
		{"SampleLabel empty eta", func() { gen.SampleLabel(nil, rng) }, []string{"empty eta"}},
		{"SampleLabel nil rng", func() { gen.SampleLabel([]float64{1, 0}, nil) }, []string{"nil rng"}},
		{"LabelAt empty eta", func() { gen.LabelAt(nil, 0.5) }, []string{"LabelAt", "empty eta"}},
		{"SampleX n", func() { gen.SampleX(dist, rng, -1) }, []string{"n = -1"}},
		{"SampleX rng", func() { gen.SampleX(dist, nil, 1) }, []string{"nil rng"}},
		{"SampleLabeled m", func() { gen.SampleLabeled(dist, rng, -2) }, []string{"m = -2"}},
		{"SampleLabeled rng", func() { gen.SampleLabeled(dist, nil, 1) }, []string{"nil rng"}},
		{"SampleLabels rng", func() { gen.SampleLabels(dist, nil, []float64{0.5}) }, []string{"nil rng"}},
		{"SampleX n*d overflows", func() { gen.SampleX(wide, rng, 1<<40) }, []string{"1099511627776 points of dimension 16777216 overflow"}},
		{"SampleLabeled m*d overflows", func() { gen.SampleLabeled(wide, rng, 1<<40) }, []string{"SampleLabeled", "overflow"}},
		{"SampleLabel negative", func() { gen.SampleLabel([]float64{-0.5, 1.5}, rng) }, []string{"not a probability vector: eta[0]: -0.5 is negative"}},
		{"SampleLabel sum", func() { gen.SampleLabel([]float64{0.5, 0.7}, rng) }, []string{"not a probability vector: eta: sums to 1.2"}},
		{"SampleLabel NaN", func() { gen.SampleLabel([]float64{1, math.NaN()}, rng) }, []string{"eta[1]: NaN is not finite"}},
		{"BayesLabel NaN", func() { gen.BayesLabel([]float64{0.2, math.NaN(), 0.8}) }, []string{"gen: BayesLabel: eta[1] is NaN"}},
		{"BayesLabel NaN first", func() { gen.BayesLabel([]float64{math.NaN(), 1}) }, []string{"eta[0] is NaN"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil {
					t.Fatal("no panic")
				}
				msg := fmt.Sprint(r)
				for _, w := range c.want {
					if !strings.Contains(msg, w) {
						t.Errorf("panic %q does not contain %q", msg, w)
					}
				}
				if strings.Contains(msg, " or ") {
					t.Errorf("panic %q does not say which argument is wrong", msg)
				}
			}()
			c.call()
		})
	}
}

// someFamilies returns one distribution of each family in dimension 2.
func someFamilies(t *testing.T) []gen.Distribution {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	var out []gen.Distribution
	add := func(d gen.Distribution, err error) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	add(gen.NewSmooth(2, 3, 0.5))
	add(gen.RandomGrid(2, 3, 4, 0.5, rng))
	add(gen.NewHalfspace([]float64{1, -1}, 0.1, 2))
	add(gen.NewPairSwap(2, 3, 1, 0.2))
	add(gen.NewGaussianMixture([][]float64{{0, 0}, {1, 0}, {0, 1}}, 0.3, nil))
	return out
}

// TestPosteriorNonFinite checks the contract of Distribution.Posterior on
// every family: NaN in every entry for an x with a NaN or infinite entry
// (Smooth, Grid and PairSwap used to answer a plausible vector, the phase,
// cell or band of the point 0), and a probability vector for every finite x,
// also far outside the support where sums overflow.
func TestPosteriorNonFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, dist := range someFamilies(t) {
		eta := make([]float64, dist.Classes())
		for _, x := range [][]float64{{nan, 0}, {0.5, nan}, {inf, 0}, {0, -inf}, {inf, -inf}} {
			dist.Posterior(x, eta)
			for c, v := range eta {
				if !math.IsNaN(v) {
					t.Errorf("%v at %v: eta[%d] = %v, want NaN", dist, x, c, v)
				}
			}
		}
		for _, x := range [][]float64{{0.5, 0.5}, {1e308, 1e308}, {-1e308, -1e308}, {math.MaxFloat64, 1}, {1e16, -3}} {
			dist.Posterior(x, eta)
			checkProb(t, fmt.Sprintf("%v at %v", dist, x), eta)
		}
	}
}

// TestSampleXNilRNG checks that every family's SampleX method panics with
// a message naming the family and the nil rng, not a nil dereference.
func TestSampleXNilRNG(t *testing.T) {
	for _, dist := range someFamilies(t) {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.HasPrefix(msg, "gen: ") || !strings.Contains(msg, ".SampleX: nil rng") {
					t.Errorf("%v: SampleX(nil) panicked with %q, want gen: <Family>.SampleX: nil rng", dist, msg)
				}
			}()
			dist.SampleX(nil, make([]float64, dist.Dim()))
		}()
	}
}

// TestFunctionalsNotProbabilities checks that BayesRisk, SamplerRisk and
// Risk return NaN (the documented undefined value) when a row of eta is not
// a probability vector, instead of a number such as R* = -1 for the row
// (2, 2), and stay exact on valid rows.
func TestFunctionalsNotProbabilities(t *testing.T) {
	for _, bad := range [][]float64{
		{0.5, 0.7}, {-0.5, 1.5}, {2, 2}, {math.NaN(), 1}, {1, math.NaN()},
		{math.Inf(1), 0}, {0.5, 0.5 + 2e-12},
	} {
		eta := append([]float64{0.25, 0.75}, bad...) // one valid row first
		if r := gen.BayesRisk(eta, 2); !math.IsNaN(r) {
			t.Errorf("BayesRisk with row %v = %v, want NaN", bad, r)
		}
		if g := gen.SamplerRisk(eta, 2); !math.IsNaN(g) {
			t.Errorf("SamplerRisk with row %v = %v, want NaN", bad, g)
		}
		for _, c := range []int{0, 1} {
			if r := gen.Risk(eta, 2, []int{1, c}); !math.IsNaN(r) {
				t.Errorf("Risk with row %v, label %d = %v, want NaN", bad, c, r)
			}
		}
	}
	// Exact on probability vectors: the sums 0.75, 0.875 and 2.25 are
	// exact (dyadic), so each mean is the correctly rounded quotient.
	eta := []float64{0.25, 0.75, 0.5, 0.5, 1, 0}
	if r, g, l := gen.BayesRisk(eta, 2), gen.SamplerRisk(eta, 2), gen.Risk(eta, 2, []int{0, 1, 1}); r != 0.75/3 || g != 0.875/3 || l != 2.25/3 {
		t.Errorf("R*, G, L = %v, %v, %v, want 0.75/3, 0.875/3, 2.25/3", r, g, l)
	}
	if r := gen.BayesRisk([]float64{0.5, 0.5 + 5e-13}, 2); math.IsNaN(r) {
		t.Error("BayesRisk rejected a row within PosteriorTolerance of 1")
	}
}

// TestConstructorsCapClasses checks that every constructor taking a class
// count rejects one beyond MaxClasses, and RandomGrid and NewGrid a table of
// more than MaxGridEntries posteriors, before allocating anything: the
// issue's RandomGrid(2, 2^40, 2^12, ...) panicked on a slice bound (r^d k
// overflowed) and RandomGrid(1, 2^40, 1, ...) ran out of memory. A grid of
// resolution 1 is one cell in any dimension (no loop over d).
func TestConstructorsCapClasses(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name, param, msg string
		make             func() error
	}{
		{"RandomGrid issue", "k", "1099511627776 classes exceed MaxClasses = 2048", func() error {
			_, err := gen.RandomGrid(2, 1<<40, 1<<12, 0.5, rng)
			return err
		}},
		{"RandomGrid one cell", "k", "1099511627776 classes exceed MaxClasses", func() error {
			_, err := gen.RandomGrid(1, 1<<40, 1, 0.5, rng)
			return err
		}},
		{"RandomGrid table", "k", "16777216 cells x 4 classes exceed MaxGridEntries = 33554432", func() error {
			_, err := gen.RandomGrid(2, 4, 1<<12, 0.5, rng)
			return err
		}},
		{"NewGrid classes", "cells[0]", "2049 classes exceed MaxClasses", func() error {
			_, err := gen.NewGrid(1, 1, [][]float64{make([]float64, gen.MaxClasses+1)})
			return err
		}},
		{"Smooth", "k", "2049 classes exceed MaxClasses", func() error { _, err := gen.NewSmooth(1, gen.MaxClasses+1, 0.5); return err }},
		{"SmoothFreq", "k", "exceed MaxClasses", func() error { _, err := gen.NewSmoothFreq(1, 1<<40, 0.5, 1); return err }},
		{"PairSwap", "k", "exceed MaxClasses", func() error { _, err := gen.NewPairSwap(1, 1<<40, 1, 0.2); return err }},
		{"Mixture", "means", "2049 components exceed MaxClasses", func() error {
			_, err := gen.NewGaussianMixture(make([][]float64, gen.MaxClasses+1), 1, nil)
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantParamError(t, c.make(), c.param, c.msg)
		})
	}
	g, err := gen.RandomGrid(1<<40, 2, 1, 0.5, rng)
	if err != nil || g.NumCells() != 1 {
		t.Fatalf("RandomGrid(d = 2^40, r = 1): %v, %v, want one cell", g, err)
	}
	if _, err := gen.RandomGrid(2, gen.MaxClasses, 1<<9, 0.5, rng); err == nil {
		t.Error("RandomGrid with 2^18 cells x MaxClasses accepted")
	}
}

// TestPosteriorSumsAtMaxClasses checks the reason for MaxClasses: at
// k = MaxClasses every family with k classes still has posteriors that sum
// to 1 within PosteriorTolerance (about 4k 2^-53 = 9.1e-13 of rounding), so
// SampleLabel and the risk functionals accept them. Deterministic: fixed
// seeds, 200 points per family.
func TestPosteriorSumsAtMaxClasses(t *testing.T) {
	k := gen.MaxClasses
	rng := rand.New(rand.NewPCG(5, 6))
	means := make([][]float64, k)
	for c := range means {
		means[c] = []float64{rng.Float64(), rng.Float64()}
	}
	var dists []gen.Distribution
	add := func(d gen.Distribution, err error) {
		if err != nil {
			t.Fatal(err)
		}
		dists = append(dists, d)
	}
	add(gen.NewSmooth(2, k, 0.7))
	add(gen.RandomGrid(2, k, 3, 0.7, rng))
	add(gen.NewPairSwap(2, k, k/2, 0.3))
	add(gen.NewGaussianMixture(means, 0.05, nil))
	x := make([]float64, 2)
	eta := make([]float64, k)
	for _, dist := range dists {
		for range 200 {
			dist.SampleX(rng, x)
			dist.Posterior(x, eta)
			if err := gen.ValidatePosterior(eta); err != nil {
				t.Fatalf("%v at %v: %v", dist, x, err)
			}
			gen.SampleLabel(eta, rng)
		}
	}
}
