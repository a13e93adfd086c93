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
