package claims

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// Tests of the S group's helpers (support_s.go, check_sampler.go). Most are
// exact (enumeration of every labeling of a tiny training set, or brute
// force); the few probabilistic assertions spend at most 1e-9 in total from
// the budget's reserve: TestOracleSamplerFrequencies 3 x 1e-11 (Hoeffding),
// TestKernelRidgeForecastAgrees 3 x 1e-10 (the forecast's own delta) and
// TestCheckSampler 1e-10 (claim S4 for 1-NN).

// smallPoints draws n points of dist from a PCG seeded with seed.
func smallPoints(dist gen.Distribution, seed uint64, n int) points {
	return drawPoints(dist, gen.NewStream(seed, 1), n)
}

// smallDist draws a Smooth or Grid posterior with d <= 2 and k <= 3.
func smallDist(t *rapid.T) gen.Distribution {
	return gen.Distributions(gen.Spec{Families: []gen.Family{gen.FamilySmooth, gen.FamilyGrid},
		MaxDim: 2, MaxClasses: 3, MinNoise: 2}).Draw(t, "dist")
}

// TestMeasureCalibrationNaive compares the calibration statistic with its
// definition computed cell by cell and class by class.
func TestMeasureCalibrationNaive(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := smallDist(t)
		seed := gen.Seeds().Draw(t, "seed")
		eval := smallPoints(dist, seed, rapid.IntRange(1, 60).Draw(t, "N"))
		part := gridPartition(dist.Dim(), rapid.IntRange(1, 3).Draw(t, "r"))
		cell := part.assign(eval)
		rng := gen.NewStream(seed, 2)
		pred := make([]int, eval.len())
		for j := range pred {
			pred[j] = rng.IntN(eval.k)
		}
		cal := measureCalibration(eval, cell, part.cells, pred)
		total := 0.0
		for b := 0; b < part.cells; b++ {
			nb, gap := 0, 0.0
			for c := 0; c < eval.k; c++ {
				rate, mean := 0.0, 0.0
				for j := range pred {
					if cell[j] == b {
						if c == 0 {
							nb++
						}
						if pred[j] == c {
							rate++
						}
						mean += eval.posterior(j)[c]
					}
				}
				gap += math.Abs(rate - mean)
			}
			if nb != cal.count[b] {
				t.Fatalf("cell %d: count %d, want %d", b, cal.count[b], nb)
			}
			if nb > 0 {
				if want := gap / 2 / float64(nb); math.Abs(cal.cell[b]-want) > 1e-12 {
					t.Fatalf("cell %d: gap %v, want %v", b, cal.cell[b], want)
				}
			}
			total += gap / 2
		}
		if want := total / float64(eval.len()); math.Abs(cal.total-want) > 1e-12 {
			t.Fatalf("T = %v, want %v", cal.total, want)
		}
	})
}

// TestCalibrationBoundNNExact checks the derivation of nnCalibrationBound by
// enumerating all k^m labelings of a tiny binary or ternary training set:
// for every labeling T <= b + U and per cell gap_B <= bias_B + U_B; U moves
// by at most w_i (U_B by n_iB/N_B) when label i changes; and the exact
// expectations satisfy E U <= spread, E U_B <= spread_B.
func TestCalibrationBoundNNExact(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := smallDist(t)
		k := dist.Classes()
		m := rapid.IntRange(2, 7).Draw(t, "m")
		if k == 3 {
			m = min(m, 5)
		}
		seed := gen.Seeds().Draw(t, "seed")
		train := smallPoints(dist, seed, m)
		eval := smallPoints(dist, seed+1, rapid.IntRange(1, 30).Draw(t, "N"))
		part := gridPartition(dist.Dim(), rapid.IntRange(1, 3).Draw(t, "r"))
		cell := part.assign(eval)
		nn, _, err := nearestNeighbours(train, eval)
		if err != nil {
			t.Fatal(err)
		}
		nb := calibrationBoundNN(train, eval, nn, cell, part.cells)
		if nb.bias > nb.boundary+1e-12 {
			t.Fatalf("bias %v > A^ %v", nb.bias, nb.boundary)
		}
		// U(y) is the calibration of the 1-NN predictions measured against
		// the neighbours' own posteriors.
		atNN := points{d: eval.d, k: k, x: eval.x, eta: make([]float64, len(eval.eta))}
		for j, i := range nn {
			copy(atNN.eta[j*k:(j+1)*k], train.posterior(i))
		}
		w := make([]float64, m)
		for _, i := range nn {
			w[i] += 1 / float64(eval.len())
		}
		labelings := 1
		for range m {
			labelings *= k
		}
		y := make([]int, m)
		pred := make([]int, eval.len())
		u := make([]calibration, labelings)
		prob := make([]float64, labelings)
		for code := range labelings {
			prob[code] = 1
			for i, v := 0, code; i < m; i, v = i+1, v/k {
				y[i] = v % k
				prob[code] *= train.posterior(i)[y[i]]
			}
			for j, i := range nn {
				pred[j] = y[i]
			}
			got := measureCalibration(eval, cell, part.cells, pred)
			u[code] = measureCalibration(atNN, cell, part.cells, slices.Clone(pred))
			if got.total > nb.bias+u[code].total+1e-12 {
				t.Fatalf("labeling %v: T = %v > b + U = %v + %v", y, got.total, nb.bias, u[code].total)
			}
			for b := range got.cell {
				if got.cell[b] > nb.cellBias[b]+u[code].cell[b]+1e-12 {
					t.Fatalf("labeling %v cell %d: gap %v > %v + %v", y, b, got.cell[b], nb.cellBias[b], u[code].cell[b])
				}
			}
		}
		mean := 0.0
		cellMean := make([]float64, part.cells)
		for code := range labelings {
			mean += prob[code] * u[code].total
			for b := range cellMean {
				cellMean[b] += prob[code] * u[code].cell[b]
			}
			for i, step := 0, 1; i < m; i, step = i+1, step*k {
				digit := code / step % k
				for alt := range k {
					other := code + (alt-digit)*step
					if d := math.Abs(u[code].total - u[other].total); d > w[i]+1e-12 {
						t.Fatalf("label %d moves U by %v > w_i = %v", i, d, w[i])
					}
				}
			}
		}
		if mean > nb.spread+1e-12 {
			t.Fatalf("E U = %v > spread %v", mean, nb.spread)
		}
		for b := range cellMean {
			if cellMean[b] > nb.cellSpread[b]+1e-12 {
				t.Fatalf("cell %d: E U_B = %v > spread %v", b, cellMean[b], nb.cellSpread[b])
			}
		}
		sumSq := 0.0
		for _, v := range w {
			sumSq += v * v
		}
		if math.Abs(sumSq-nb.sumSq) > 1e-12 {
			t.Fatalf("sum w^2 = %v, want %v", nb.sumSq, sumSq)
		}
	})
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
		part := gridPartition(dist.Dim(), rapid.IntRange(1, 3).Draw(t, "r"))
		cell := part.assign(eval)
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
		lower, unforecast := forecastGapLowerBound(eval, cell, part.cells, forecast)
		if got := measureCalibration(eval, cell, part.cells, pred).total; got < lower-1e-12 {
			t.Fatalf("T = %v below the lower bound %v", got, lower)
		}
		if unforecast < 0 || unforecast > 1 {
			t.Fatalf("unforecast fraction %v", unforecast)
		}
	})
}

// TestKernelRidgeForecastAgrees fits the kernel ridge machine of the S3 and
// S4 falsifiers on three labelings and checks that it predicts the forecast
// label wherever there is one (each labeling may break this with
// probability at most 1e-10, the forecast's delta).
func TestKernelRidgeForecastAgrees(t *testing.T) {
	dist, err := gen.NewGrid(2, 1, [][]float64{{0.2, 0.6, 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	const m = 400
	km := learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 10, Ridge: 100 * m}
	train := smallPoints(dist, 7, m)
	query := smallPoints(dist, 8, 300)
	forecast, err := kernelRidgeForecast(km.Kernel, km.Bandwidth, km.Ridge, train, query, 1e-10)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range forecast {
		if f >= 0 {
			n++
		}
	}
	if n == 0 {
		t.Fatal("no point forecast: the test checks nothing")
	}
	for rep := range 3 {
		h, err := km.Fit(train.dataset(train.drawLabels(gen.NewStream(uint64(rep), 9))))
		if err != nil {
			t.Fatal(err)
		}
		pred := make([]int, query.len())
		if err := h.PredictBatch(query.x, pred, nil); err != nil {
			t.Fatal(err)
		}
		for j, f := range forecast {
			if f >= 0 && pred[j] != f {
				t.Fatalf("labeling %d, point %d: predicted %d, forecast %d", rep, j, pred[j], f)
			}
		}
	}
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

// TestPartitions checks the cell maps: the grid agrees with gen.CellOf, the
// default partition has at most 16 cells, quantile cells are in range and
// ordered by the first coordinate.
func TestPartitions(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		dist := gen.Distributions(gen.Spec{MaxDim: 5, MaxClasses: 3}).Draw(t, "dist")
		seed := gen.Seeds().Draw(t, "seed")
		part := defaultPartition(dist, gen.NewStream(seed, 4), 16)
		if part.cells < 1 || part.cells > 16 {
			t.Fatalf("%d cells", part.cells)
		}
		p := smallPoints(dist, seed, 200)
		cell := part.assign(p)
		_, mixture := dist.(*gen.GaussianMixture)
		for j, b := range cell {
			if b < 0 || b >= part.cells {
				t.Fatalf("cell %d outside [0, %d)", b, part.cells)
			}
			if !mixture {
				r := int(math.Floor(math.Pow(16, 1/float64(dist.Dim())) + 1e-9)) // largest r with r^d <= 16
				if want := gen.CellOf(p.row(j), r); b != want {
					t.Fatalf("grid cell %d, want %d", b, want)
				}
			}
		}
		if mixture {
			for j := range cell {
				for l := range cell {
					if p.row(j)[0] < p.row(l)[0] && cell[j] > cell[l] {
						t.Fatalf("quantile cells not ordered by x_0")
					}
				}
			}
		}
	})
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

// TestSamplerGapErrors checks SamplerGap's input errors.
func TestSamplerGapErrors(t *testing.T) {
	dist, _ := gen.NewSmooth(1, 2, 0.5)
	ok := SamplerProblem{Dist: dist, M: 10, N: 10}
	for _, tc := range []struct {
		name    string
		p       SamplerProblem
		learner learners.Learner
		delta   float64
	}{
		{"nil dist", SamplerProblem{M: 10, N: 10}, learners.KNN{K: 1}, 1e-3},
		{"M < 2", SamplerProblem{Dist: dist, M: 1, N: 10}, learners.KNN{K: 1}, 1e-3},
		{"N < 1", SamplerProblem{Dist: dist, M: 10}, learners.KNN{K: 1}, 1e-3},
		{"delta 0", ok, learners.KNN{K: 1}, 0},
		{"delta 1", ok, learners.KNN{K: 1}, 1},
		{"nil learner", ok, nil, 1e-3},
		{"failing fit", ok, learners.KNN{K: 11}, 1e-3},
	} {
		if _, err := SamplerGap(tc.learner, tc.p, tc.delta); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestSamplerGapRejectsMajority runs the S4 falsifier's measurement on one
// fixed seed: a 101-NN majority is not a sampler, a 1-NN is (both outcomes
// are deterministic given the seed).
func TestSamplerGapRejectsMajority(t *testing.T) {
	g, err := gen.NewGrid(1, 2, [][]float64{{0.85, 0.15}, {0.15, 0.85}})
	if err != nil {
		t.Fatal(err)
	}
	p := SamplerProblem{Dist: g, M: 10000, N: 3000, MaxCells: 4, Seed: 11}
	knn, err := SamplerGap(learners.KNN{K: 101}, p, 1e-9)
	if err != nil {
		t.Fatal(err)
	}
	if knn.IsSampler(0) {
		t.Errorf("101-NN majority passed: %v", knn)
	}
	nn, err := SamplerGap(learners.KNN{K: 1}, p, 1e-9)
	if err != nil {
		t.Fatal(err)
	}
	if !nn.IsSampler(0) {
		t.Errorf("1-NN failed: %v", nn)
	}
	if nn.Tolerance != knn.Tolerance || nn.Tolerance != nn.Bias+nn.Spread+nn.Deviation {
		t.Errorf("tolerances %v and %v differ or do not add up", nn, knn)
	}
}

// TestCheckSampler runs the exported check on 1-NN, for which it is claim S4
// (false-alarm probability 1e-10 in total).
func TestCheckSampler(t *testing.T) {
	CheckSampler(t, learners.KNN{K: 1}, SamplerChecks(5), SamplerTrainingSize(5000),
		SamplerEvalPoints(5000), SamplerFalseAlarm(1e-10))
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

// TestSamplerGapBadInput checks that inputs which used to panic (nil
// dereference, division by zero, makeslice) or give a NaN gap are rejected
// by SamplerGap with an error naming the problem.
func TestSamplerGapBadInput(t *testing.T) {
	dist, err := gen.NewSmooth(1, 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	ok := SamplerProblem{Dist: dist, M: 50, N: 50, Seed: 1}
	with := func(d gen.Distribution) SamplerProblem { p := ok; p.Dist = d; return p }
	nn := learners.KNN{K: 1}
	for _, tc := range []struct {
		name    string
		p       SamplerProblem
		learner learners.Learner
		want    string
	}{
		{"Fit returns nil, nil", ok, bqLearner(nil), "nil classifier"},
		{"Fit returns a typed nil", ok, bqLearner((*learners.HistogramClassifier)(nil)), "nil classifier"},
		{"classifier Dim 0", ok, bqLearner(bqShape{0, 2}), "Dim() = 0"},
		{"classifier Classes 0", ok, bqLearner(bqShape{1, 0}), "Classes() = 0"},
		{"typed-nil learner", ok, learners.LearnerFunc(nil), "nil learner"},
		{"typed-nil distribution", with((*gen.Smooth)(nil)), nn, "nil distribution"},
		{"distribution Dim 0", with(bqDist{Distribution: dist, shape: true, d: 0, k: 2}), nn, "Dim() = 0"},
		{"distribution Classes 0", with(bqDist{Distribution: dist, shape: true, d: 1, k: 0}), nn, "Classes() = 0"},
		{"distribution Classes huge", with(bqDist{Distribution: dist, shape: true, d: 1, k: 1 << 40}), nn, "Classes() = 1099511627776"},
		{"NaN posterior", with(bqDist{Distribution: dist, nan: true}), nn, "NaN"},
		{"MaxCells negative", SamplerProblem{Dist: dist, M: 50, N: 50, MaxCells: -1}, nn, "MaxCells = -1"},
		{"MaxCells huge", SamplerProblem{Dist: dist, M: 50, N: 50, MaxCells: 1 << 62}, nn, "MaxCells = 4611686018427387904"},
	} {
		_, err := SamplerGap(tc.learner, tc.p, 1e-3)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.want)
		}
	}
}

// TestCheckSamplerOptionsValidated checks that CheckSampler's options and
// learner are validated before rapid runs (so a bad option fails with a
// message naming it, not with a rapid fail file).
func TestCheckSamplerOptionsValidated(t *testing.T) {
	nn := learners.KNN{K: 1}
	for _, tc := range []struct {
		learner learners.Learner
		opt     SamplerOption
		want    string
	}{
		{nil, nil, "nil learner"},
		{learners.LearnerFunc(nil), nil, "nil learner"},
		{nn, SamplerTrainingSize(1), "SamplerTrainingSize(1)"},
		{nn, SamplerEvalPoints(0), "SamplerEvalPoints(0)"},
		{nn, SamplerMaxCells(-4), "SamplerMaxCells(-4)"},
		{nn, SamplerEps(math.NaN()), "SamplerEps(NaN)"},
		{nn, SamplerEps(math.Inf(1)), "SamplerEps(+Inf)"},
		{nn, SamplerChecks(0), "SamplerChecks(0)"},
		{nn, SamplerFalseAlarm(1), "SamplerFalseAlarm(1)"},
		{nn, SamplerSpec(gen.Spec{MaxDim: -1}), "SamplerSpec"},
	} {
		cfg := samplerConfig{m: 20000, n: 10000, cells: 16, checks: 10, falseAlarm: 1e-6}
		if tc.opt != nil {
			tc.opt(&cfg)
		}
		err := cfg.validate(tc.learner)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.want, err, tc.want)
		}
	}
	cfg := samplerConfig{m: 20000, n: 10000, cells: 16, checks: 10, falseAlarm: 1e-6}
	if err := cfg.validate(nn); err != nil {
		t.Errorf("default options: %v", err)
	}
}
