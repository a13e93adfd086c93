package gen_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rolemodels/rolemodels/gen"
	"pgregory.net/rapid"
)

// lipschitzSlack is the float slack allowed in 1/2 sum_c |eta_c(x) -
// eta_c(x')| <= L ||x - x'||. The inequality is exact in real arithmetic, but
// the computed posteriors carry rounding errors: about 1e-16 for Smooth,
// Grid, PairSwap and Halfspace (a few operations on O(1) numbers), and at
// most 1.6e-14 per entry for the generated mixtures (measured against
// 300-bit logits over 2e5 points; their logits reach ~1e3 at sigma = 0.05).
// Some pairs nearly attain the bound (Smooth along the diagonal at its
// steepest phase, a binary mixture at the midpoint), so an exact comparison
// could fail on rounding alone; 1e-12 covers k * 2 * 1.6e-14 with room.
const lipschitzSlack = 1e-12

// coverHartSlack is the float slack for R* <= G <= R*(2 - k R*/(k-1)) on the
// empirical measure: both sides are means of at most a few hundred terms of
// size <= 1 computed with a few roundings each (well under 1e-13 in total);
// the sandwich is attained with equality when eta is uniform, so exact
// comparison could fail on rounding alone.
const coverHartSlack = 1e-12

// points returns n points from dist's marginal plus, for the cube families,
// corners and faces of [0,1]^d, where cell and band boundaries sit.
func points(dist gen.Distribution, rng *rand.Rand, n int) []float64 {
	d := dist.Dim()
	x := gen.SampleX(dist, rng, n)
	for _, v := range []float64{0, 1, 0.5, math.Nextafter(1, 0)} {
		for i := 0; i < d; i++ {
			x = append(x, v)
		}
	}
	return x
}

func TestPosteriorIsProbability(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(gen.Spec{}).Draw(t, "dist")
		seed := gen.Seeds().Draw(t, "seed")
		rng := rand.New(rand.NewPCG(seed, 1))
		d, k := dist.Dim(), dist.Classes()
		x := points(dist, rng, 100)
		// Far points: the mixture's log-sum-exp must hold in the tails.
		for j := 0; j < 5; j++ {
			for i := 0; i < d; i++ {
				x = append(x, 1e3*rng.NormFloat64())
			}
		}
		eta := gen.PosteriorMatrix(dist, x)
		if err := gen.ValidatePosteriorMatrix(eta, k); err != nil {
			t.Fatalf("%v: %v", dist, err)
		}
		for j := 0; j*k < len(eta); j++ {
			if err := gen.ValidatePosterior(eta[j*k : (j+1)*k]); err != nil {
				t.Fatalf("%v at x=%v: %v", dist, x[j*d:(j+1)*d], err)
			}
		}
	})
}

func TestLipschitz(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(gen.Spec{}).Draw(t, "dist")
		seed := gen.Seeds().Draw(t, "seed")
		rng := rand.New(rand.NewPCG(seed, 2))
		L, ok := dist.Lipschitz()
		switch dist.(type) {
		case *gen.Grid, *gen.PairSwap:
			if ok {
				t.Fatalf("%v: Lipschitz ok = true for a posterior with jumps", dist)
			}
			return
		}
		if !ok || !(L >= 0) || math.IsInf(L, 0) {
			t.Fatalf("%v: Lipschitz() = %v, %v; want a finite constant", dist, L, ok)
		}
		d, k := dist.Dim(), dist.Classes()
		// Directions: random, the all-ones diagonal (steepest for Smooth), and
		// the family's own steepest direction where it has one.
		dirs := [][]float64{make([]float64, d), make([]float64, d)}
		for i := 0; i < d; i++ {
			dirs[0][i] = rng.NormFloat64()
			dirs[1][i] = 1
		}
		switch dd := dist.(type) {
		case *gen.Halfspace:
			dirs = append(dirs, dd.Normal())
		case *gen.GaussianMixture:
			a, b := dd.Mean(0), dd.Mean(1)
			for i := range a {
				a[i] -= b[i]
			}
			dirs = append(dirs, a)
		}
		x, x2 := make([]float64, d), make([]float64, d)
		p, p2 := make([]float64, k), make([]float64, k)
		for trial := 0; trial < 200; trial++ {
			dist.SampleX(rng, x)
			switch trial % 4 {
			case 0: // an independent point
				dist.SampleX(rng, x2)
			default: // a close point along one of the directions
				dir := dirs[rng.IntN(len(dirs))]
				h := math.Pow(10, -1-5*rng.Float64())
				norm := 0.0
				for _, v := range dir {
					norm = math.Hypot(norm, v)
				}
				if norm == 0 {
					continue
				}
				for i := range x {
					x2[i] = x[i] + h*dir[i]/norm
				}
			}
			dist.Posterior(x, p)
			dist.Posterior(x2, p2)
			tv, dx := 0.0, 0.0
			for c := range p {
				tv += math.Abs(p[c]-p2[c]) / 2
			}
			for i := range x {
				dx = math.Hypot(dx, x[i]-x2[i])
			}
			if tv > L*dx+lipschitzSlack {
				t.Fatalf("%v: TV(eta(x), eta(x')) = %.17g > L ||x - x'|| = %v * %v = %.17g at x=%v x'=%v",
					dist, tv, L, dx, L*dx, x, x2)
			}
		}
	})
}

// TestLipschitzTight shows the constants are not vacuous: each is attained (to
// 1e-6 relative) by a pair of close points at the steepest place.
func TestLipschitzTight(t *testing.T) {
	ratio := func(dist gen.Distribution, x, dir []float64) float64 {
		const h = 1e-7
		x2 := make([]float64, len(x))
		norm := 0.0
		for _, v := range dir {
			norm = math.Hypot(norm, v)
		}
		dx := 0.0
		for i := range x {
			x2[i] = x[i] + h*dir[i]/norm
			dx = math.Hypot(dx, x2[i]-x[i])
		}
		p, p2 := make([]float64, dist.Classes()), make([]float64, dist.Classes())
		dist.Posterior(x, p)
		dist.Posterior(x2, p2)
		tv := 0.0
		for c := range p {
			tv += math.Abs(p[c]-p2[c]) / 2
		}
		L, _ := dist.Lipschitz()
		return tv / dx / L
	}
	// Smooth, d=3, k=4: steepest where theta = (k/sqrt(d)) sum x_i = c + 1/2.
	sm, _ := gen.NewSmooth(3, 4, 0.6)
	v := 1.5 * math.Sqrt(3) / 4 / 3 // each coordinate, so theta = 1.5
	// Halfspace: steepest on the boundary w.x + b = 0.
	hs, _ := gen.NewHalfspace([]float64{1, -2}, 0.5, 3)
	// Binary mixture with equal weights: steepest at the midpoint of the means.
	gm, _ := gen.NewGaussianMixture([][]float64{{0, 0}, {0.6, 0.8}}, 0.3, nil)
	cases := []struct {
		name    string
		dist    gen.Distribution
		x, dir  []float64
		atLeast float64
	}{
		{"Smooth", sm, []float64{v, v, v}, []float64{1, 1, 1}, 1 - 1e-6},
		{"Halfspace", hs, []float64{0.5, 0.5}, []float64{1, -2}, 1 - 1e-6},
		{"GaussianMixture", gm, []float64{0.3, 0.4}, []float64{0.6, 0.8}, 1 - 1e-6},
	}
	for _, c := range cases {
		if r := ratio(c.dist, c.x, c.dir); r < c.atLeast || r > 1+1e-6 {
			t.Errorf("%s: TV/(L dx) = %.9f at the steepest point, want in [%v, 1]", c.name, r, c.atLeast)
		}
	}
}

// TestLabelFrequencies checks the samplers against eta with Hoeffding's
// inequality. Per check there are at most 2k <= 20 assertions, each at
// delta = perCheckDelta(20) (about 1.5e-11 at 100 checks; see budget_test.go).
func TestLabelFrequencies(t *testing.T) {
	delta := perCheckDelta(20)
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(gen.Spec{}).Draw(t, "dist")
		seed := gen.Seeds().Draw(t, "seed")
		st := gen.NewStreams(seed)
		d, k := dist.Dim(), dist.Classes()

		// (1) Many labels at one fixed x: the count of class c is Binomial(n,
		// eta_c(x)), so |freq_c - eta_c| <= sqrt(ln(2/delta)/(2n)) w.p. 1-delta.
		x := make([]float64, d)
		dist.SampleX(st.Eval, x)
		eta := make([]float64, k)
		dist.Posterior(x, eta)
		const n = 20000
		count := make([]float64, k)
		for i := 0; i < n; i++ {
			count[gen.SampleLabel(eta, st.Labels)]++
		}
		eps := gen.Hoeffding(n, delta)
		for c := range count {
			if f := count[c] / n; math.Abs(f-eta[c]) > eps {
				t.Fatalf("%v at x=%v: class %d frequency %v vs eta %v, beyond Hoeffding eps %v (delta %g)",
					dist, x, c, f, eta[c], eps, delta)
			}
		}

		// (2) A labeled sample: given the points, the labels are independent
		// with P(y_j = c) = eta_c(x_j), so mean_j 1{y_j=c} is within eps of
		// mean_j eta_c(x_j) w.p. 1-delta (Hoeffding conditional on x).
		const m = 4000
		xs, ys := gen.SampleLabeled(dist, st.Train, m)
		etas := gen.PosteriorMatrix(dist, xs)
		eps = gen.Hoeffding(m, delta)
		for c := 0; c < k; c++ {
			var f, e float64
			for j, y := range ys {
				if y == c {
					f++
				}
				e += etas[j*k+c]
			}
			if math.Abs(f/m-e/m) > eps {
				t.Fatalf("%v: SampleLabeled class %d frequency %v vs mean eta %v, beyond Hoeffding eps %v (delta %g)",
					dist, c, f/m, e/m, eps, delta)
			}
		}
	})
}

// TestCoverHart checks R* <= G <= R*(2 - k R*/(k-1)) on the empirical measure
// of every family. Exact: 1 - sum eta_c^2 <= r (2 - k r/(k-1)) holds pointwise
// for r = 1 - max eta (Cauchy-Schwarz over the other classes) and the right
// side is concave in r (Jensen). Float slack coverHartSlack. Where the
// posterior is never one-hot (Smooth, Grid, PairSwap at the generated noise
// levels) G > R* strictly.
func TestCoverHart(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(gen.Spec{}).Draw(t, "dist")
		n := rapid.IntRange(1, 300).Draw(t, "n")
		seed := gen.Seeds().Draw(t, "seed")
		k := dist.Classes()
		eta := gen.PosteriorMatrix(dist, gen.SampleX(dist, gen.NewStreams(seed).Eval, n))
		r, g := gen.BayesRisk(eta, k), gen.SamplerRisk(eta, k)
		upper := r * (2 - float64(k)*r/float64(k-1))
		if r > g+coverHartSlack {
			t.Fatalf("%v: R* = %.17g > G = %.17g", dist, r, g)
		}
		if g > upper+coverHartSlack {
			t.Fatalf("%v: G = %.17g > R*(2 - k R*/(k-1)) = %.17g", dist, g, upper)
		}
		switch dist.(type) {
		case *gen.Smooth, *gen.Grid, *gen.PairSwap:
			if !(g > r) {
				t.Fatalf("%v: G = %.17g not > R* = %.17g for a posterior that is never one-hot", dist, g, r)
			}
		}
		// Pointwise, with the Bayes label's risk equal to R*.
		labels := make([]int, n)
		for j := range labels {
			labels[j] = gen.BayesLabel(eta[j*k : (j+1)*k])
		}
		if lr := gen.Risk(eta, k, labels); math.Abs(lr-r) > coverHartSlack {
			t.Fatalf("%v: risk of the Bayes labels %v != R* %v", dist, lr, r)
		}
	})
}

// exactRisks is implemented by the families with closed-form R* and G.
type exactRisks interface {
	gen.Distribution
	BayesRisk() float64
	SamplerRisk() float64
}

// TestClosedFormsMatchMonteCarlo checks the exact R* and G of Grid and
// PairSwap against EstimateRisks' Hoeffding intervals: two assertions per
// check, each at delta = perCheckDelta(2) (about 1.5e-10 at 100 checks).
func TestClosedFormsMatchMonteCarlo(t *testing.T) {
	delta := perCheckDelta(2)
	spec := gen.Spec{Families: []gen.Family{gen.FamilyGrid, gen.FamilyPairSwap}}
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(spec).Draw(t, "dist").(exactRisks)
		seed := gen.Seeds().Draw(t, "seed")
		est := gen.EstimateRisks(dist, gen.NewStreams(seed).Eval, 20000, delta)
		if r := dist.BayesRisk(); !est.Bayes.Contains(r) {
			t.Fatalf("%v: exact R* = %v outside the Monte-Carlo interval %+v (delta %g)", dist, r, est.Bayes, delta)
		}
		if g := dist.SamplerRisk(); !est.Sampler.Contains(g) {
			t.Fatalf("%v: exact G = %v outside the Monte-Carlo interval %+v (delta %g)", dist, g, est.Sampler, delta)
		}
	})
}

// TestGridExact checks Grid's closed forms against their definition (cell
// averages) and HistogramBestRisk at the grid's own resolution against R* on
// the empirical measure: the Bayes classifier is a histogram there, so they
// are equal (exact; float slack 1e-12 for sums of at most 4096 terms).
func TestGridExact(t *testing.T) {
	spec := gen.Spec{Families: []gen.Family{gen.FamilyGrid}, MaxDim: 4}
	rapid.Check(t, func(t *rapid.T) {
		g := gen.Distributions(spec).Draw(t, "dist").(*gen.Grid)
		n := rapid.IntRange(1, 300).Draw(t, "n")
		seed := gen.Seeds().Draw(t, "seed")
		k := g.Classes()
		var cells []float64
		for b := 0; b < g.NumCells(); b++ {
			cells = append(cells, g.CellPosterior(b)...)
		}
		if math.Abs(g.BayesRisk()-gen.BayesRisk(cells, k)) > 1e-12 ||
			math.Abs(g.SamplerRisk()-gen.SamplerRisk(cells, k)) > 1e-12 {
			t.Fatalf("%v: closed forms %v, %v disagree with cell averages", g, g.BayesRisk(), g.SamplerRisk())
		}
		x := gen.SampleX(g, gen.NewStreams(seed).Eval, n)
		eta := gen.PosteriorMatrix(g, x)
		best := gen.HistogramBestRisk(x, eta, g.Dim(), k, g.Resolution())
		if r := gen.BayesRisk(eta, k); math.Abs(best-r) > 1e-12 {
			t.Fatalf("%v: HistogramBestRisk %v != empirical R* %v", g, best, r)
		}
		for j := 0; j < n; j++ {
			if b := g.Cell(x[j*g.Dim() : (j+1)*g.Dim()]); b != gen.CellOf(x[j*g.Dim():(j+1)*g.Dim()], g.Resolution()) {
				t.Fatalf("Grid.Cell %d != CellOf", b)
			}
		}
		// A coarser grid cannot do better than the Bayes classifier.
		if coarse := gen.HistogramBestRisk(x, eta, g.Dim(), k, 1); coarse < best-1e-12 {
			t.Fatalf("%v: one-cell histogram risk %v < Bayes %v", g, coarse, best)
		}
	})
}

// TestDeterminism: the same seed gives the same data bit for bit, streams do
// not shift one another, and samples are nested in their size.
func TestDeterminism(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := gen.Problems(gen.ProblemSpec{}).Draw(t, "problem")
		draw := func(m, n, eval int) ([]float64, []int, []float64, []float64, []int) {
			st := p.Streams()
			xt, yt := gen.SampleLabeled(p.Dist, st.Train, m)
			xu := gen.SampleX(p.Dist, st.Unlabeled, n)
			xe := gen.SampleX(p.Dist, st.Eval, eval)
			ye := gen.SampleLabels(p.Dist, st.Labels, xe)
			return xt, yt, xu, xe, ye
		}
		a1, b1, c1, d1, e1 := draw(p.M, p.N, p.Eval)
		a2, b2, c2, d2, e2 := draw(p.M, p.N, p.Eval)
		sameF := func(what string, u, v []float64) {
			if len(u) != len(v) {
				t.Fatalf("%s: lengths %d, %d", what, len(u), len(v))
			}
			for i := range u {
				if math.Float64bits(u[i]) != math.Float64bits(v[i]) {
					t.Fatalf("%s: element %d differs: %v vs %v", what, i, u[i], v[i])
				}
			}
		}
		sameI := func(what string, u, v []int) {
			if len(u) != len(v) {
				t.Fatalf("%s: lengths %d, %d", what, len(u), len(v))
			}
			for i := range u {
				if u[i] != v[i] {
					t.Fatalf("%s: element %d differs: %v vs %v", what, i, u[i], v[i])
				}
			}
		}
		sameF("train x", a1, a2)
		sameI("train y", b1, b2)
		sameF("unlabeled x", c1, c2)
		sameF("eval x", d1, d2)
		sameI("eval y", e1, e2)
		// Other sizes: the other streams do not move, and samples are nested.
		a3, b3, c3, d3, _ := draw(p.M+7, p.N/2, p.Eval)
		d := p.Dist.Dim()
		sameF("train x nested", a1, a3[:p.M*d])
		sameI("train y nested", b1, b3[:p.M])
		sameF("unlabeled x nested", c3, c1[:(p.N/2)*d])
		sameF("eval x unchanged", d1, d3)
	})
}

// TestGenerators checks that drawn distributions respect the spec.
func TestGenerators(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		minD := rapid.IntRange(1, 4).Draw(t, "minD")
		maxD := rapid.IntRange(minD, 6).Draw(t, "maxD")
		minK := rapid.IntRange(2, 5).Draw(t, "minK")
		maxK := rapid.IntRange(minK, 7).Draw(t, "maxK")
		fams := rapid.SliceOfNDistinct(rapid.SampledFrom(gen.Families()), 1, 5, func(f gen.Family) gen.Family { return f }).Draw(t, "families")
		spec := gen.Spec{Families: fams, MinDim: minD, MaxDim: maxD, MinClasses: minK, MaxClasses: maxK}
		if err := spec.Validate(); err != nil {
			// Only a Halfspace-only spec with k >= 3 has no member.
			if len(fams) == 1 && fams[0] == gen.FamilyHalfspace && minK > 2 {
				return
			}
			t.Fatalf("spec %+v: %v", spec, err)
		}
		ps := gen.ProblemSpec{Dist: spec, MinM: 3, MaxM: 9, MinN: 5, MaxN: 5, MinEval: 1, MaxEval: 2}
		p := gen.Problems(ps).Draw(t, "problem")
		dist := p.Dist
		if d := dist.Dim(); d < minD || d > maxD {
			t.Fatalf("%v: d = %d outside [%d, %d]", dist, d, minD, maxD)
		}
		k := dist.Classes()
		if _, hs := dist.(*gen.Halfspace); hs {
			if k != 2 {
				t.Fatalf("%v: Halfspace with k = %d", dist, k)
			}
		} else if k < minK || k > maxK {
			t.Fatalf("%v: k = %d outside [%d, %d]", dist, k, minK, maxK)
		}
		if p.M < 3 || p.M > 9 || p.N != 5 || p.Eval < 1 || p.Eval > 2 {
			t.Fatalf("sizes M=%d N=%d Eval=%d outside the spec", p.M, p.N, p.Eval)
		}
		var fam gen.Family
		switch dist.(type) {
		case *gen.Smooth:
			fam = gen.FamilySmooth
		case *gen.Grid:
			fam = gen.FamilyGrid
		case *gen.Halfspace:
			fam = gen.FamilyHalfspace
		case *gen.PairSwap:
			fam = gen.FamilyPairSwap
		case *gen.GaussianMixture:
			fam = gen.FamilyGaussianMixture
		}
		found := false
		for _, f := range fams {
			found = found || f == fam
		}
		if !found {
			t.Fatalf("%v: family %v not in %v", dist, fam, fams)
		}
	})
}
