package gen_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/gen"
)

func TestBayesLabelTies(t *testing.T) {
	cases := []struct {
		eta  []float64
		want int
	}{
		{[]float64{0.5, 0.5}, 0},
		{[]float64{0.2, 0.4, 0.4}, 1},
		{[]float64{0.1, 0.2, 0.7}, 2},
	}
	for _, c := range cases {
		if got := gen.BayesLabel(c.eta); got != c.want {
			t.Errorf("BayesLabel(%v) = %d, want %d", c.eta, got, c.want)
		}
	}
}

func TestFunctionalsByHand(t *testing.T) {
	// Two points, k = 3.
	eta := []float64{
		0.6, 0.3, 0.1,
		0.2, 0.2, 0.6,
	}
	if got, want := gen.BayesRisk(eta, 3), (0.4+0.4)/2; math.Abs(got-want) > 1e-15 {
		t.Errorf("BayesRisk = %v, want %v", got, want)
	}
	if got, want := gen.SamplerRisk(eta, 3), ((1-0.46)+(1-0.44))/2; math.Abs(got-want) > 1e-15 {
		t.Errorf("SamplerRisk = %v, want %v", got, want)
	}
	if got, want := gen.Risk(eta, 3, []int{1, 0}), (0.7+0.8)/2; math.Abs(got-want) > 1e-15 {
		t.Errorf("Risk = %v, want %v", got, want)
	}
	// HistogramBestRisk on [0,1], r = 2: points 0.1, 0.2 in cell 0, 0.9 in cell 1.
	x := []float64{0.1, 0.2, 0.9}
	eta2 := []float64{
		0.9, 0.1,
		0.3, 0.7, // cell 0 sums to (1.2, 0.8): label 0, cost 2 - 1.2 = 0.8
		0.4, 0.6, // cell 1: label 1, cost 0.4
	}
	risk, labels := gen.HistogramBest(x, eta2, 1, 2, 2)
	if want := (0.8 + 0.4) / 3; math.Abs(risk-want) > 1e-15 {
		t.Errorf("HistogramBestRisk = %v, want %v", risk, want)
	}
	if labels[0] != 0 || labels[1] != 0 || labels[2] != 1 {
		t.Errorf("HistogramBest labels = %v, want [0 0 1]", labels)
	}
	if got := gen.HistogramBestRisk(x, eta2, 1, 2, 2); got != risk {
		t.Errorf("HistogramBestRisk = %v, HistogramBest = %v", got, risk)
	}
}

func TestCellOf(t *testing.T) {
	cases := []struct {
		x    []float64
		r    int
		want int
	}{
		{[]float64{0}, 4, 0},
		{[]float64{0.25}, 4, 1},
		{[]float64{1}, 4, 3},                            // x = 1 goes to the last cell
		{[]float64{math.Nextafter(1, 0)}, 4, 3},         // just below 1
		{[]float64{-0.5}, 4, 0},                         // clamped
		{[]float64{math.NaN()}, 4, 0},                   // NaN counts as 0
		{[]float64{0.6, 0.1}, 2, 2},                     // coordinate 0 slowest
		{[]float64{0.1, 0.6}, 2, 1},                     //
		{[]float64{1, 1, 1}, 3, 26},                     // last cell of 3^3
		{[]float64{0.5, 0.5, 0.5}, 1, 0},                // one cell
		{[]float64{0.99, 0.0, 0.51}, 10, 9*100 + 0 + 5}, //
	}
	for _, c := range cases {
		if got := gen.CellOf(c.x, c.r); got != c.want {
			t.Errorf("CellOf(%v, %d) = %d, want %d", c.x, c.r, got, c.want)
		}
	}
}

func TestSmoothBinaryFormula(t *testing.T) {
	// For k = 2 the doc promises eta_1(x) = 1/2 - (s/2) cos(pi theta(x)),
	// theta = (2/sqrt(d)) sum_i x_i. Float slack 1e-14: both sides are a
	// handful of operations on O(1) numbers.
	rng := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{1, 2, 5} {
		s := 0.7
		dist, err := gen.NewSmooth(d, 2, s)
		if err != nil {
			t.Fatal(err)
		}
		x, eta := make([]float64, d), make([]float64, 2)
		for i := 0; i < 1000; i++ {
			dist.SampleX(rng, x)
			dist.Posterior(x, eta)
			sum := 0.0
			for _, v := range x {
				sum += v
			}
			want := 0.5 - s/2*math.Cos(math.Pi*2*sum/math.Sqrt(float64(d)))
			if math.Abs(eta[1]-want) > 1e-14 {
				t.Fatalf("d=%d x=%v: eta_1 = %v, want %v", d, x, eta[1], want)
			}
		}
	}
}

// TestSmoothRisksMonteCarlo: for Smooth with d = 1, k = 2,
// eta_1(x) = 1/2 - (s/2) cos(2 pi x), so R* = 1/2 - (s/2) E|cos(2 pi U)| =
// 1/2 - s/pi and G = E[2 eta_0 eta_1] = 1/2 - s^2/4. Two assertions, each at
// delta = testBudget/2 (about 1.7e-8; see budget_test.go).
func TestSmoothRisksMonteCarlo(t *testing.T) {
	delta := testBudget / 2
	const s = 0.8
	dist, _ := gen.NewSmooth(1, 2, s)
	est := gen.EstimateRisks(dist, gen.NewStreams(7).Eval, 50000, delta)
	if r := 0.5 - s/math.Pi; !est.Bayes.Contains(r) {
		t.Errorf("R* = %v outside %+v (delta %g)", r, est.Bayes, delta)
	}
	if g := 0.5 - s*s/4; !est.Sampler.Contains(g) {
		t.Errorf("G = %v outside %+v (delta %g)", g, est.Sampler, delta)
	}
}

func TestPairSwapClean(t *testing.T) {
	ps, _ := gen.NewPairSwap(1, 10, 5, 0.2)
	eta := make([]float64, 10)
	for c := 0; c < 10; c++ {
		x := []float64{(float64(c) + 0.5) / 10}
		if got := ps.CleanLabel(x); got != c {
			t.Errorf("CleanLabel(%v) = %d, want %d", x, got, c)
		}
		ps.Posterior(x, eta)
		if eta[c] != 0.8 || eta[(c+5)%10] != 0.2 || gen.BayesLabel(eta) != c {
			t.Errorf("posterior at clean class %d: %v", c, eta)
		}
	}
	if got := ps.CleanLabel([]float64{1}); got != 0 {
		t.Errorf("CleanLabel(1) = %d, want 0", got)
	}
	// d = 2: frac(x_1 + x_2) decides.
	ps2, _ := gen.NewPairSwap(2, 4, 1, 0.1)
	if got := ps2.CleanLabel([]float64{0.9, 0.4}); got != 1 { // frac(1.3) = 0.3 -> floor(1.2) = 1
		t.Errorf("CleanLabel(0.9, 0.4) = %d, want 1", got)
	}
	if ps.BayesRisk() != 0.2 || math.Abs(ps.SamplerRisk()-0.32) > 1e-15 {
		t.Errorf("PairSwap risks %v, %v; want 0.2, 0.32", ps.BayesRisk(), ps.SamplerRisk())
	}
}

func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	sm, _ := gen.NewSmooth(3, 4, 0.5)
	gr, _ := gen.RandomGrid(3, 4, 4, 0.5, rng)
	hs, _ := gen.NewHalfspace([]float64{1, 2, 3}, -1, 2)
	ps, _ := gen.NewPairSwap(3, 4, 1, 0.2)
	gm, _ := gen.NewGaussianMixture([][]float64{{0, 0, 0}, {1, 1, 1}, {0, 1, 0}, {1, 0, 0}}, 0.3, nil)
	for _, dist := range []gen.Distribution{sm, gr, hs, ps, gm} {
		x, eta := make([]float64, dist.Dim()), make([]float64, dist.Classes())
		allocs := testing.AllocsPerRun(100, func() {
			dist.SampleX(rng, x)
			dist.Posterior(x, eta)
			_ = gen.SampleLabel(eta, rng)
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per SampleX+Posterior+SampleLabel", dist, allocs)
		}
	}
}

func BenchmarkPosterior(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	sm, _ := gen.NewSmooth(8, 10, 0.5)
	gr, _ := gen.RandomGrid(4, 10, 8, 0.5, rng)
	hs, _ := gen.NewHalfspace([]float64{1, 2, 3, 4, 5, 6, 7, 8}, -1, 2)
	ps, _ := gen.NewPairSwap(8, 10, 5, 0.2)
	means := make([][]float64, 10)
	for c := range means {
		means[c] = gen.SampleX(sm, rng, 1)
	}
	gm, _ := gen.NewGaussianMixture(means, 0.3, nil)
	for _, dist := range []gen.Distribution{sm, gr, hs, ps, gm} {
		name, _, _ := strings.Cut(dist.String(), "(")
		name += fmt.Sprintf("/d=%d,k=%d", dist.Dim(), dist.Classes())
		x := gen.SampleX(dist, rng, 1024)
		eta := make([]float64, dist.Classes())
		d := dist.Dim()
		b.Run(name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				j := i & 1023
				dist.Posterior(x[j*d:(j+1)*d], eta)
			}
		})
	}
}
