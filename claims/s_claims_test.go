package claims

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// Tests of the S group's helpers (support_s.go, support_s_levels.go). Most
// are exact (enumeration of every labeling or every stratum of a tiny
// training set, brute force); the few probabilistic assertions spend at
// most 1e-9 in total from the budget's reserve (budget.go):
// TestOracleSamplerFrequencies 3 x 1e-11 (Hoeffding),
// TestKernelRidgeForecastAgrees 3 x 1e-10 (the forecast's own delta) and
// TestCheckSampler 1e-10 (check_sampler_internal_test.go: CheckSampler on
// 1-NN), 4.3e-10 in all; the other CheckSampler tests use fixed seeds.

// smallPoints draws n points of dist from a PCG seeded with seed.
func smallPoints(dist gen.Distribution, seed uint64, n int) points {
	return drawPoints(dist, gen.NewStream(seed, 1), n)
}

// smallDist draws a Smooth or Grid posterior with d <= 2 and k <= 3.
func smallDist(t *rapid.T) gen.Distribution {
	return gen.Distributions(gen.Spec{Families: []gen.Family{gen.FamilySmooth, gen.FamilyGrid},
		MaxDim: 2, MaxClasses: 3, MinNoise: 2}).Draw(t, "dist")
}

// smallTreeLevels draws a random halfspace tree of depth 0..3 for dist and
// returns its levels on eval.
func smallTreeLevels(dist gen.Distribution, eval points, seed uint64) levels {
	depth := int(seed % 4)
	return treeLevels(drawCellTree(dist, gen.NewStream(seed, 5), depth), eval)
}

// naiveGap is the calibration gap of pred at level l of lv, computed cell
// by cell and class by class from its definition.
func naiveGap(eval points, lv levels, l int, pred []int) float64 {
	total := 0.0
	for b := range lv.cells[l] {
		for c := range eval.k {
			s := 0.0
			for j, y := range pred {
				if int(lv.of[l][j]) == b {
					if y == c {
						s++
					}
					s -= eval.posterior(j)[c]
				}
			}
			total += math.Abs(s)
		}
	}
	return total / 2 / float64(eval.len())
}

// TestCellTreeLevels checks the tree's levels: leaves in range, each
// level's cell the prefix of the leaf (so the levels are nested), the
// same tree from the same stream, and treeDepth's rule.
func TestCellTreeLevels(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(gen.Spec{MaxDim: 4, MaxClasses: 3}).Draw(t, "dist")
		seed := gen.Seeds().Draw(t, "seed")
		depth := rapid.IntRange(0, 6).Draw(t, "depth")
		tree := drawCellTree(dist, gen.NewStream(seed, 5), depth)
		again := drawCellTree(dist, gen.NewStream(seed, 5), depth)
		if !slices.Equal(tree.dir, again.dir) || !slices.Equal(tree.cut, again.cut) {
			t.Fatal("the same stream drew two trees")
		}
		eval := smallPoints(dist, seed, 300)
		lv := treeLevels(tree, eval)
		if lv.len() != depth+1 {
			t.Fatalf("%d levels for depth %d", lv.len(), depth)
		}
		for l := range lv.len() {
			if lv.cells[l] != 1<<l {
				t.Fatalf("level %d has %d cells", l, lv.cells[l])
			}
			for j := range eval.len() {
				b := lv.of[l][j]
				if b < 0 || int(b) >= lv.cells[l] {
					t.Fatalf("cell %d outside [0, %d)", b, lv.cells[l])
				}
				if l > 0 && lv.of[l-1][j] != b/2 {
					t.Fatalf("point %d: cell %d at level %d is not inside cell %d at level %d", j, b, l, lv.of[l-1][j], l-1)
				}
			}
		}
	})
	for _, tc := range []struct{ m, n, cells, want int }{
		{100, 100, 0, 0}, {512, 600, 0, 1}, {200000, 200000, 0, 9}, {1 << 30, 1 << 30, 0, maxTreeDepth}, {200000, 200000, 16, 4}, {200000, 200000, 17, 4},
	} {
		if got := treeDepth(tc.m, tc.n, tc.cells); got != tc.want {
			t.Errorf("treeDepth(%d, %d, %d) = %d, want %d", tc.m, tc.n, tc.cells, got, tc.want)
		}
	}
}

// TestCellSumsNaive compares the level gaps of answers, on nested and on
// fixed levels, with their definition.
func TestCellSumsNaive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := smallDist(t)
		seed := gen.Seeds().Draw(t, "seed")
		eval := smallPoints(dist, seed, rapid.IntRange(1, 60).Draw(t, "N"))
		lvs := []levels{smallTreeLevels(dist, eval, seed),
			fixedLevels("fixed", eval, wholeSpace, partition{cells: 3, name: "thirds", cellOf: func(x []float64) int { return min(2, int(3*x[0])) }})}
		rng := gen.NewStream(seed, 2)
		pred := make([]int, eval.len())
		for j := range pred {
			pred[j] = rng.IntN(eval.k)
		}
		for _, lv := range lvs {
			answers := newCellSums(lv, eval.k)
			answers.addAnswers(lv, eval.k, pred)
			ref := newCellSums(lv, eval.k)
			ref.addRows(lv, eval.k, eval.len(), eval.posterior)
			for l := range lv.len() {
				if got, want := answers.gap(l, ref, 1, eval.len()), naiveGap(eval, lv, l, pred); math.Abs(got-want) > 1e-12 {
					t.Fatalf("%s level %d: gap %v, want %v", lv.name, l, got, want)
				}
			}
		}
	})
}

// TestStratifiedLabels checks the stratified draws: with r = 1 they are
// gen.SampleLabel's draws from the same stream, and with r > 1 each point's
// count of class c over the r sets is floor(r eta_c) or ceil(r eta_c) (up
// to rounding of r eta_c).
func TestStratifiedLabels(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(gen.Spec{MaxDim: 3, MaxClasses: 5}).Draw(t, "dist")
		seed := gen.Seeds().Draw(t, "seed")
		p := smallPoints(dist, seed, 200)
		one := stratifiedLabels(p, 1, gen.NewStream(seed, 3))[0]
		if want := p.drawLabels(gen.NewStream(seed, 3)); !slices.Equal(one, want) {
			t.Fatal("r = 1 differs from gen.SampleLabel's draws")
		}
		r := rapid.IntRange(2, 9).Draw(t, "r")
		sets := stratifiedLabels(p, r, gen.NewStream(seed, 4))
		for i := range p.len() {
			cnt := make([]int, p.k)
			for _, y := range sets {
				cnt[y[i]]++
			}
			for c, v := range p.posterior(i) {
				x := float64(r) * v
				if float64(cnt[c]) < math.Floor(x-1e-9) || float64(cnt[c]) > math.Ceil(x+1e-9) {
					t.Fatalf("point %d class %d: %d of %d sets, r eta = %v", i, c, cnt[c], r, x)
				}
			}
		}
	})
}

// TestLabelAt checks gen.LabelAt, the inversion behind every label draw,
// at the boundaries of the cumulative sums (exact).
func TestLabelAt(t *testing.T) {
	eta := []float64{0.25, 0, 0.5, 0.25}
	for _, tc := range []struct {
		u    float64
		want int
	}{{0, 0}, {0.2499, 0}, {0.25, 2}, {0.7499, 2}, {0.75, 3}, {0.9999, 3}, {1, 3}} {
		if got := gen.LabelAt(eta, tc.u); got != tc.want {
			t.Errorf("LabelAt(%v, %v) = %d, want %d", eta, tc.u, got, tc.want)
		}
	}
}

// TestStrataStatsOneHot is the regression case of a failure of S4 on a
// Gaussian mixture with sigma = 0.05 in d = 4: an almost one-hot posterior
// made 1 - sum_c eta_c^2 a hair negative, and with it the Freedman
// variance (Bernstein panicked). The statistics are clamped at 0 (exact).
func TestStrataStatsOneHot(t *testing.T) {
	varC := make([]float64, 2)
	for _, eta := range [][]float64{{1, 1e-40}, {1e-40, 1}, {1 + 1e-16, 0}} {
		for _, r := range []int{1, 4, 16} {
			tau, rho := strataStats(eta, r, varC)
			if !(tau >= 0 && rho >= 0 && varC[0] >= 0 && varC[1] >= 0) {
				t.Errorf("eta %v, r %d: tau %v, rho %v, Var C %v", eta, r, tau, rho, varC)
			}
		}
	}
}

// TestStrataStats checks strataStats: the closed forms at r = 1, and for
// r > 1 the pieces against a fine grid of V (each breakpoint can put at
// most one grid cell of mass 1/G on the wrong piece, which moves each
// moment by at most (k-1)/G times its largest term), and the mean counts
// r eta_c.
func TestStrataStats(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(gen.Spec{MaxDim: 2, MaxClasses: 4}).Draw(t, "dist")
		eta := smallPoints(dist, gen.Seeds().Draw(t, "seed"), 1).posterior(0)
		k := len(eta)
		varC := make([]float64, k)
		tau, rho := strataStats(eta, 1, varC)
		g := 1.0
		for c, v := range eta {
			g -= v * v
			if math.Abs(varC[c]-v*(1-v)) > 1e-12 {
				t.Fatalf("r = 1: Var C_%d = %v, want %v", c, varC[c], v*(1-v))
			}
		}
		if math.Abs(tau-g/2) > 1e-12 || (rho != 1 && g > 1e-12) {
			t.Fatalf("r = 1: tau %v (want %v), rho %v", tau, g/2, rho)
		}
		r := rapid.IntRange(2, 8).Draw(t, "r")
		tau, rho = strataStats(eta, r, varC)
		const grid = 20000
		counts := make([][]float64, grid)
		mean := make([]float64, k)
		for i := range counts {
			counts[i] = make([]float64, k)
			v := (float64(i) + 0.5) / grid
			for s := range r {
				counts[i][gen.LabelAt(eta, (float64(s)+v)/float64(r))]++
			}
			for c := range k {
				mean[c] += counts[i][c] / grid
			}
		}
		slackMean := float64(k-1) * float64(r) / grid
		for c := range k {
			if math.Abs(mean[c]-float64(r)*eta[c]) > slackMean+1e-9 {
				t.Fatalf("mean count of class %d = %v, want r eta = %v", c, mean[c], float64(r)*eta[c])
			}
			v := 0.0
			for i := range counts {
				d := counts[i][c] - mean[c]
				v += d * d / grid
			}
			if math.Abs(v-varC[c]) > 3*float64(k)*float64(r*r)/grid {
				t.Fatalf("Var C_%d = %v on the grid, %v from the pieces (r = %d, eta %v)", c, v, varC[c], r, eta)
			}
		}
		// tau and rho from a coarser grid (pairs are quadratic in G).
		const pg = 500
		tg, rg := 0.0, 0.0
		for a := range pg {
			for b := range pg {
				ca, cb := counts[a*grid/pg+grid/pg/2], counts[b*grid/pg+grid/pg/2]
				dist := 0.0
				for c := range k {
					dist += math.Abs(ca[c] - cb[c])
				}
				dist /= 2
				tg += dist * dist / 2 / (pg * pg)
				rg = max(rg, dist)
			}
		}
		if math.Abs(tg-tau) > 2*float64(k)*float64(r*r)/pg || rg > rho {
			t.Fatalf("tau %v (grid %v), rho %v (grid %v) for r = %d, eta %v", tau, tg, rho, rg, r, eta)
		}
	})
}

// strataCase enumerates the stratified draws of a tiny case: every
// combination of one piece (strataPieces) per training point, with its
// probability and the class counts of every point.
type strataCase struct {
	prob   []float64
	counts [][][]float64 // [combination][point][class]
}

func enumerateStrata(train points, r int) strataCase {
	var sc strataCase
	var rec func(i int, p float64, cur [][]float64)
	rec = func(i int, p float64, cur [][]float64) {
		if i == train.len() {
			sc.prob = append(sc.prob, p)
			sc.counts = append(sc.counts, slices.Clone(cur))
			return
		}
		lens, counts := strataPieces(train.posterior(i), r)
		for a := range lens {
			rec(i+1, p*lens[a], append(cur, counts[a]))
		}
	}
	rec(0, 1, nil)
	return sc
}

// TestAnalyseLevelsExact checks the derivation of the tolerances by
// enumerating every stratified draw (all labelings when r = 1) of a tiny
// training set: at every level, for every draw, the band gap of 1-NN's mean
// answers is at most bias + the conformance gap; the conformance gap moves
// by at most w_i rho_i / r when point i's draw changes; as a function of
// point i's draw alone (the others fixed) its variance is at most
// (w_i/r)^2 tau_i (hence the Freedman variance v, summed); and its exact
// expectation is at most the spread.
func TestAnalyseLevelsExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := smallDist(t)
		seed := gen.Seeds().Draw(t, "seed")
		r := rapid.SampledFrom([]int{1, 2, 3, 5}).Draw(t, "r")
		m := rapid.IntRange(2, 4).Draw(t, "m")
		train := smallPoints(dist, seed, m)
		eval := smallPoints(dist, seed+1, rapid.IntRange(1, 30).Draw(t, "N"))
		nn := make([]int, eval.len())
		idx, err := learners.NewIndex(train.x, train.d)
		if err != nil {
			t.Fatal(err)
		}
		if err := idx.SearchBatch(eval.x, 1, nn, make([]float64, eval.len())); err != nil {
			t.Fatal(err)
		}
		lv := smallTreeLevels(dist, eval, seed)
		a := analyseLevels(train, eval, nn, lv, r)
		ds := a.design(r)
		w := make([]float64, m)
		for _, i := range nn {
			w[i] += 1 / float64(eval.len())
		}
		st := enumerateStrata(train, r)
		k, n := eval.k, eval.len()
		gaps := make([][]float64, len(st.prob)) // [combination][level] conformance gap
		for s, cnt := range st.counts {
			mean := newCellSums(lv, k)
			mean.addRows(lv, k, n, func(j int) []float64 { return cnt[nn[j]] })
			gaps[s] = make([]float64, lv.len())
			for l := range lv.len() {
				gaps[s][l] = mean.gap(l, a.atNN, float64(r), n)
				if bandGap := mean.gap(l, a.eta, float64(r), n); bandGap > a.bias[l]+gaps[s][l]+1e-12 {
					t.Fatalf("level %d: band gap %v > bias %v + conformance gap %v", l, bandGap, a.bias[l], gaps[s][l])
				}
				if a.bias[l] > a.border+1e-12 {
					t.Fatalf("level %d: bias %v > A^ %v", l, a.bias[l], a.border)
				}
			}
		}
		varC := make([]float64, k)
		v := 0.0
		for l := range lv.len() {
			mean := 0.0
			for s, p := range st.prob {
				mean += p * gaps[s][l]
			}
			if sp := a.spread(l, ds, false); mean > sp+1e-12 {
				t.Fatalf("level %d: E gap %v > spread %v", l, mean, sp)
			}
		}
		// Per point: group the combinations that agree off point i.
		for i := range m {
			tau, rho := strataStats(train.posterior(i), r, varC)
			v += w[i] * w[i] * tau / float64(r*r)
			lens, _ := strataPieces(train.posterior(i), r)
			stride := 1
			for q := i + 1; q < m; q++ {
				pl, _ := strataPieces(train.posterior(q), r)
				stride *= len(pl)
			}
			for base := range st.prob {
				if base/stride%len(lens) != 0 {
					continue
				}
				for l := range lv.len() {
					mu, sq := 0.0, 0.0
					for x := range lens {
						g := gaps[base+x*stride][l]
						mu += lens[x] * g
						sq += lens[x] * g * g
						for y := range lens {
							if d := math.Abs(g - gaps[base+y*stride][l]); d > w[i]*rho/float64(r)+1e-12 {
								t.Fatalf("point %d level %d: the gap moves by %v > w rho / r = %v", i, l, d, w[i]*rho/float64(r))
							}
						}
					}
					if vr := sq - mu*mu; vr > w[i]*w[i]*tau/float64(r*r)+1e-12 {
						t.Fatalf("point %d level %d: variance %v > (w/r)^2 tau = %v", i, l, vr, w[i]*w[i]*tau/float64(r*r))
					}
				}
			}
		}
		if math.Abs(v-ds.v) > 1e-12 {
			t.Fatalf("v = %v, want %v", ds.v, v)
		}
	})
}

// TestExpectedGapsExact checks the exact expected gaps of the edge mutants
// (flipAnswers and majorityOnShare with the Bayes classifier on 1-NN) by
// enumerating every labeling of a tiny training set and averaging the
// mutants' actual answers.
func TestExpectedGapsExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := smallDist(t)
		seed := gen.Seeds().Draw(t, "seed")
		m := rapid.IntRange(2, 5).Draw(t, "m")
		if dist.Classes() == 3 {
			m = min(m, 4)
		}
		sc, err := newSamplerCase(dist, m, rapid.IntRange(1, 40).Draw(t, "N"), seed)
		if err != nil {
			t.Fatal(err)
		}
		sc.setLevels(smallTreeLevels(dist, sc.eval, seed), 1)
		q := rapid.SampledFrom([]float64{0.1, 0.5, 0.9}).Draw(t, "q")
		k, n := sc.eval.k, sc.eval.len()
		for _, tc := range []struct {
			name   string
			mutant learners.Learner
			dev    func(int) []float64
		}{
			{"flip", flipAnswers(learners.KNN{K: 1}, q), sc.flipDeviation(q)},
			{"bayes share", majorityOnShare(learners.KNN{K: 1}, knowsPosterior(dist, false), q), sc.bayesDeviation(q)},
		} {
			mean := newCellSums(sc.an.lv, k)
			y := make([]int, m)
			labelings := 1
			for range m {
				labelings *= k
			}
			for code := range labelings {
				p := 1.0
				for i, v := 0, code; i < m; i, v = i+1, v/k {
					y[i] = v % k
					p *= sc.train.posterior(i)[y[i]]
				}
				h, err := tc.mutant.Fit(sc.train.dataset(slices.Clone(y)))
				if err != nil {
					t.Fatal(err)
				}
				pred := make([]int, n)
				if err := h.PredictBatch(sc.eval.x, pred, nil); err != nil {
					t.Fatal(err)
				}
				mean.addRows(sc.an.lv, k, n, func(j int) []float64 {
					row := make([]float64, k)
					row[pred[j]] = p
					return row
				})
			}
			for _, kind := range []calibrationKind{band, conformance} {
				ref := sc.an.eta
				if kind == conformance {
					ref = sc.an.atNN
				}
				got := sc.an.expectedGaps(kind, tc.dev)
				for l := range got {
					if want := mean.gap(l, ref, 1, n); math.Abs(got[l]-want) > 1e-12 {
						t.Fatalf("%s, kind %d, level %d: expected gap %v, enumeration %v", tc.name, kind, l, got[l], want)
					}
				}
			}
		}
	})
}

// TestEdgeStrength checks the choice of an edge strength on gaps linear in
// q: the ratio lands in (1, 2], and a mutant too weak even at q = 1 is
// reported as such.
func TestEdgeStrength(t *testing.T) {
	mdd := []float64{0.01, 0.02}
	q, ratio, level, ok := edgeStrength(0.5, 2, mdd, func(q float64) []float64 { return []float64{0.004 * q, 0.1 * q} })
	if !ok || ratio <= 1 || ratio > 2 || level != 1 || math.Abs(0.1*q/0.02-ratio) > 1e-12 {
		t.Errorf("q %v ratio %v level %v ok %v", q, ratio, level, ok)
	}
	if _, _, _, ok := edgeStrength(0.5, 2, mdd, func(q float64) []float64 { return []float64{0.001 * q, 0.001 * q} }); ok {
		t.Error("a mutant below one MDD at q = 1 was accepted as an edge")
	}
}

// TestMajorityForecast1D checks by brute force that a forecast point's K
// nearest training points all lie in its region, that the forecast is the
// region's Bayes label, and that fail is the sum of the binomial tails.
func TestMajorityForecast1D(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := rapid.IntRange(1, 4).Draw(t, "r")
		cells := make([][]float64, r)
		for b := range cells {
			e := rapid.SampledFrom([]float64{0.1, 0.3, 0.6, 0.9}).Draw(t, "eta1")
			cells[b] = []float64{1 - e, e}
		}
		g, err := gen.NewGrid(1, r, cells)
		if err != nil {
			t.Fatal(err)
		}
		kNN := 2*rapid.IntRange(0, 7).Draw(t, "half") + 1
		seed := gen.Seeds().Draw(t, "seed")
		train := smallPoints(g, seed, rapid.IntRange(kNN, 200).Draw(t, "m"))
		eval := smallPoints(g, seed+1, 50)
		forecast, fail := majorityForecast1D(train, eval, kNN, g.Cell)
		want := 0.0
		for j, f := range forecast {
			if f < 0 {
				continue
			}
			eta := eval.posterior(j)
			if f != gen.BayesLabel(eta) {
				t.Fatalf("point %d: forecast %d, Bayes label %d", j, f, gen.BayesLabel(eta))
			}
			want += binomialLowerTail(kNN, eta[f], (kNN-1)/2)
			q := eval.row(j)
			order := make([]int, train.len())
			for i := range order {
				order[i] = i
			}
			sort.SliceStable(order, func(a, b int) bool {
				return math.Abs(train.x[order[a]]-q[0]) < math.Abs(train.x[order[b]]-q[0])
			})
			for _, i := range order[:kNN] {
				if g.Cell(train.row(i)) != g.Cell(q) {
					t.Fatalf("point %v: neighbour %v outside its cell", q[0], train.x[i])
				}
			}
		}
		if math.Abs(fail-want) > 1e-12*max(1, want) {
			t.Fatalf("fail = %v, want %v", fail, want)
		}
	})
}

// TestForecastGapLowerBound checks that any predictions agreeing with the
// forecast where it exists have a calibration gap at least the lower bound.
func TestForecastGapLowerBound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := smallDist(t)
		seed := gen.Seeds().Draw(t, "seed")
		eval := smallPoints(dist, seed, rapid.IntRange(1, 80).Draw(t, "N"))
		lv := smallTreeLevels(dist, eval, seed)
		l := rapid.IntRange(0, lv.len()-1).Draw(t, "level")
		rng := gen.NewStream(seed, 3)
		forecast := make([]int, eval.len())
		pred := make([]int, eval.len())
		for j := range forecast {
			forecast[j] = rng.IntN(eval.k+1) - 1
			pred[j] = forecast[j]
			if pred[j] < 0 {
				pred[j] = rng.IntN(eval.k)
			}
		}
		lower, unforecast := forecastGapLowerBound(eval, lv.of[l], lv.cells[l], forecast)
		if got := naiveGap(eval, lv, l, pred); got < lower-1e-12 {
			t.Fatalf("T = %v below the lower bound %v", got, lower)
		}
		if unforecast < 0 || unforecast > 1 {
			t.Fatalf("unforecast fraction %v", unforecast)
		}
	})
}

// TestKnnInterpolationLogChanceExact compares the bound with the exact
// probability that the k-NN majority has no training error, by enumerating
// every labeling of a tiny binary training set.
func TestKnnInterpolationLogChanceExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(gen.Spec{Families: []gen.Family{gen.FamilySmooth, gen.FamilyGrid},
			MaxDim: 2, MaxClasses: 2, MinNoise: 3}).Draw(t, "dist")
		kNN := rapid.SampledFrom([]int{3, 5}).Draw(t, "K")
		m := rapid.IntRange(kNN, 9).Draw(t, "m")
		train := smallPoints(dist, gen.Seeds().Draw(t, "seed"), m)
		logP, err := knnInterpolationLogChance(train, kNN)
		if err != nil {
			t.Fatal(err)
		}
		exact := 0.0
		y := make([]int, m)
		for code := range 1 << m {
			p := 1.0
			for i := range y {
				y[i] = code >> i & 1
				p *= train.posterior(i)[y[i]]
			}
			errs, err := trainingErrors(learners.KNN{K: kNN}, train.dataset(slices.Clone(y)))
			if err != nil {
				t.Fatal(err)
			}
			if errs == 0 {
				exact += p
			}
		}
		if exact > math.Exp(logP)+1e-12 {
			t.Fatalf("P(no training error) = %v > bound exp(%v) = %v", exact, logP, math.Exp(logP))
		}
	})
}

// TestBinomialLowerTail compares with gonum's binomial CDF.
func TestBinomialLowerTail(t *testing.T) {
	for _, n := range []int{1, 7, 101} {
		for _, p := range []float64{0.1, 0.5, 0.85} {
			for _, k := range []int{-1, 0, n / 3, (n - 1) / 2, n} {
				got := binomialLowerTail(n, p, k)
				want := 0.0
				if k >= 0 {
					want = distuv.Binomial{N: float64(n), P: p}.CDF(float64(k))
				}
				if math.Abs(got-want) > 1e-9*max(want, 1e-300) && math.Abs(got-want) > 1e-15 {
					t.Errorf("P(Bin(%d, %v) <= %d) = %v, want %v", n, p, k, got, want)
				}
			}
		}
	}
}

// TestOracleSamplerFrequencies checks the oracle sampler's label
// frequencies at one point against eta (Hoeffding at 1e-11 per class), the
// Bayes classifier against BayesLabel, and the nil-rng error.
func TestOracleSamplerFrequencies(t *testing.T) {
	dist, err := gen.NewSmooth(1, 3, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	x := make([]float64, n)
	for j := range x {
		x[j] = 0.3
	}
	pred := make([]int, n)
	if err := (oracleSampler{dist}).PredictBatch(x, pred, gen.NewStream(1, 5)); err != nil {
		t.Fatal(err)
	}
	eta := make([]float64, 3)
	dist.Posterior(x[:1], eta)
	count := make([]float64, 3)
	for _, c := range pred {
		count[c]++
	}
	for c := range count {
		if d := math.Abs(count[c]/n - eta[c]); d > Hoeffding(n, 1, 1e-11) {
			t.Errorf("class %d: frequency %v, eta %v", c, count[c]/n, eta[c])
		}
	}
	if y, err := (bayesClassifier{dist}).Predict(x[:1], nil); err != nil || y != gen.BayesLabel(eta) {
		t.Errorf("Bayes classifier: %d, %v; want %d", y, err, gen.BayesLabel(eta))
	}
	if _, err := (oracleSampler{dist}).Predict(x[:1], nil); err == nil {
		t.Error("oracle sampler accepted a nil rng")
	}
	if _, err := knowsPosterior(dist, true).Fit(learners.Dataset{X: []float64{0.5}, D: 1, Y: []int{0}, K: 2}); err == nil {
		t.Error("knowsPosterior accepted a training set with the wrong number of classes")
	}
}

// bqShape is a classifier with a given shape that answers class 0: with
// Dim() = 0 or Classes() = 0 it is a broken classifier the checks must
// reject rather than divide by.
type bqShape struct{ d, k int }

func (b bqShape) Dim() int                                   { return b.d }
func (b bqShape) Classes() int                               { return b.k }
func (b bqShape) Predict([]float64, *rand.Rand) (int, error) { return 0, nil }
func (b bqShape) PredictBatch(_ []float64, dst []int, _ *rand.Rand) error {
	clear(dst)
	return nil
}

// bqLearner returns h and no error from every Fit.
func bqLearner(h learners.Classifier) learners.Learner {
	return learners.LearnerFunc(func(learners.Dataset) (learners.Classifier, error) { return h, nil })
}

// bqDist overrides a distribution's Dim and Classes (if shape) or makes its
// posterior NaN.
type bqDist struct {
	gen.Distribution
	shape bool
	d, k  int
	nan   bool
}

func (b bqDist) Dim() int {
	if b.shape {
		return b.d
	}
	return b.Distribution.Dim()
}

func (b bqDist) Classes() int {
	if b.shape {
		return b.k
	}
	return b.Distribution.Classes()
}

func (b bqDist) Posterior(x, dst []float64) {
	b.Distribution.Posterior(x, dst)
	if b.nan {
		dst[0] = math.NaN()
	}
}
