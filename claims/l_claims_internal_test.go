package claims

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// Tests of the helpers of the L claims (support_l.go and the L files).

// lTestPoints returns n uniform points of [0,1]^d with posterior eta_1 drawn
// from a fixed grid of values (a toy posterior, no distribution needed).
func lTestPoints(rng *rand.Rand, n, d int) points {
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.Float64()
	}
	eta := make([]float64, 2*n)
	for j := range n {
		p := []float64{0.1, 0.3, 0.5, 0.7, 0.9}[rng.IntN(5)]
		eta[2*j], eta[2*j+1] = 1-p, p
	}
	return points{d: d, k: 2, x: x, eta: eta}
}

// TestAnalyseKNNExactByEnumeration compares the exact majority and
// random-neighbour means of analyseKNN with a brute-force average over all
// 2^m label vectors (and all picks) of a tiny case.
func TestAnalyseKNNExactByEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		d := 1 + trial%2
		train := lTestPoints(rng, 7, d)
		eval := lTestPoints(rng, 5, d)
		for _, k := range []int{1, 3, 5} {
			ka, err := analyseKNN(train, eval, k)
			if err != nil {
				t.Fatal(err)
			}
			m := train.len()
			var maj, rn float64
			for mask := range 1 << m {
				prob := 1.0
				y := make([]int, m)
				for i := range m {
					y[i] = mask >> i & 1
					prob *= train.posterior(i)[y[i]]
				}
				for j := range eval.len() {
					nb := ka.ind[j*k : (j+1)*k]
					ones := 0
					for _, i := range nb {
						ones += y[i]
						rn += prob / float64(k) * (1 - eval.posterior(j)[y[i]]) // pick i
					}
					vote := 0
					if 2*ones > k {
						vote = 1
					}
					maj += prob * (1 - eval.posterior(j)[vote])
				}
			}
			maj /= float64(eval.len())
			rn /= float64(eval.len())
			if math.Abs(maj-ka.majority) > 1e-12 || math.Abs(rn-ka.rnExpected) > 1e-12 {
				t.Errorf("trial %d, k = %d: majority %.15f vs enumeration %.15f; random neighbour %.15f vs %.15f", trial, k, ka.majority, maj, ka.rnExpected, rn)
			}
		}
	}
}

// TestAnalyseKNNMatchesLearners checks that the neighbour sets and the
// majority votes of analyseKNN agree with learners.KNN on drawn labels:
// where the exact vote law is one-hot the learner must follow it.
func TestAnalyseKNNMatchesLearners(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	train := lTestPoints(rng, 300, 2)
	eval := lTestPoints(rng, 200, 2)
	for j := range train.len() { // make the labels deterministic
		p := float64(rng.IntN(2))
		train.eta[2*j], train.eta[2*j+1] = 1-p, p
	}
	ka, err := analyseKNN(train, eval, 5)
	if err != nil {
		t.Fatal(err)
	}
	y := train.drawLabels(rng)
	h, err := learners.KNN{K: 5}.Fit(train.dataset(y))
	if err != nil {
		t.Fatal(err)
	}
	pred := make([]int, eval.len())
	if err := h.PredictBatch(eval.x, pred, nil); err != nil {
		t.Fatal(err)
	}
	for j, p := range ka.pVote {
		if want := int(math.Round(p)); p != 0 && p != 1 || pred[j] != want {
			t.Fatalf("point %d: vote law P(1) = %g, learner predicts %d", j, p, pred[j])
		}
	}
}

// TestGreedyColorsProper checks that the coloring is proper (points whose
// k-sets share a training point differ in color) and uses at least as many
// colors as the largest set of points sharing one training point.
func TestGreedyColorsProper(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 50 {
		n, m, k := 1+rng.IntN(60), 3+rng.IntN(20), 1+rng.IntN(3)
		ind := make([]int, n*k)
		for j := range n {
			perm := rng.Perm(m)
			copy(ind[j*k:(j+1)*k], perm[:k])
		}
		order := rng.Perm(n)
		color, colors := greedyColors(ind, k, m, order)
		holders := make([][]int, m)
		for j := range n {
			for _, i := range ind[j*k : (j+1)*k] {
				holders[i] = append(holders[i], j)
			}
		}
		clique := 0
		for _, h := range holders {
			clique = max(clique, len(h))
			for a := range h {
				for b := range a {
					if color[h[a]] == color[h[b]] {
						t.Fatalf("trial %d: points %d and %d share training point and color %d", trial, h[a], h[b], color[h[a]])
					}
				}
			}
		}
		if colors < clique || slices.Max(color) != colors-1 {
			t.Fatalf("trial %d: %d colors (max color %d) for a clique of %d", trial, colors, slices.Max(color), clique)
		}
	}
}

// TestChernoffMajorityBoundsTail checks the Chernoff bound against the exact
// binomial tail P(Bin(k, p) >= (k+1)/2).
func TestChernoffMajorityBoundsTail(t *testing.T) {
	for _, k := range []int{1, 3, 7, 15, 31, 101} {
		for _, p := range []float64{0, 0.01, 0.1, 0.25, 0.4, 0.49, 0.5, 0.6} {
			ps := make([]float64, k)
			for i := range ps {
				ps[i] = p
			}
			law := make([]float64, k+1)
			PoissonBinomial(ps, law)
			tail := 0.0
			for s := (k + 1) / 2; s <= k; s++ {
				tail += law[s]
			}
			if b := chernoffMajority(k, p); b < tail-1e-15 || b > 1 {
				t.Errorf("k = %d, p = %v: Chernoff bound %g below the exact tail %g", k, p, b, tail)
			}
		}
	}
}

// TestStoneRisk checks R_1 = G, monotonicity in odd k and Stone's bound on
// a grid of posteriors.
func TestStoneRisk(t *testing.T) {
	var eta []float64
	for i := 0; i <= 100; i++ {
		p := float64(i) / 100
		eta = append(eta, 1-p, p)
	}
	eval := points{d: 1, k: 2, x: make([]float64, 101), eta: eta}
	if r1, g := stoneRisk(eval, 1), gen.SamplerRisk(eta, 2); math.Abs(r1-g) > 1e-14 {
		t.Errorf("R_1 = %v, G = %v", r1, g)
	}
	prev := 1.0
	for k := 1; k <= 41; k += 2 {
		r := stoneRisk(eval, k)
		if r > prev+1e-15 {
			t.Errorf("R_%d = %v exceeds R_%d = %v", k, r, k-2, prev)
		}
		if bound := gen.BayesRisk(eta, 2) + 1/math.Sqrt(float64(k)*math.E); r > bound {
			t.Errorf("R_%d = %v exceeds R* + 1/sqrt(k e) = %v", k, r, bound)
		}
		prev = r
	}
}

// TestMajorityRiskUpperSafeSet checks the safe-set bound on a case where
// every vote is certain: the bound is the risk of the Bayes votes.
func TestMajorityRiskUpperSafeSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	train := lTestPoints(rng, 400, 1)
	eval := lTestPoints(rng, 100, 1)
	for _, p := range []points{train, eval} {
		for j := range p.len() {
			v := 0.0
			if p.x[j] > 0.5 {
				v = 1
			}
			p.eta[2*j], p.eta[2*j+1] = 1-v, v
		}
	}
	ka, err := analyseKNN(train, eval, 3)
	if err != nil {
		t.Fatal(err)
	}
	u := ka.majorityRiskUpper(eval, 1e-9)
	// Only points whose 3 neighbours straddle 0.5 can err; each then costs 1.
	straddle := 0
	for j := range eval.len() {
		for _, i := range ka.ind[j*3 : j*3+3] {
			if (train.x[i] > 0.5) != (eval.x[j] > 0.5) {
				straddle++
				break
			}
		}
	}
	if want := float64(straddle) / float64(eval.len()); u > want+1e-15 {
		t.Errorf("safe-set bound %v, want at most %v", u, want)
	}
}

// TestRandomNeighbourRadiusCoversSimulation draws labels and picks many
// times on one configuration and checks that the random neighbour's risk
// stays within the radius at delta = 0.01 (the radius is far from tight, so
// not one of 200 draws may leave it).
func TestRandomNeighbourRadiusCoversSimulation(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	train := lTestPoints(rng, 500, 2)
	eval := lTestPoints(rng, 400, 2)
	ka, err := analyseKNN(train, eval, 5)
	if err != nil {
		t.Fatal(err)
	}
	r := ka.randomNeighbourRadius(0.01)
	for range 200 {
		y := train.drawLabels(rng)
		h, err := learners.RandomNeighbour{K: 5}.Fit(train.dataset(y))
		if err != nil {
			t.Fatal(err)
		}
		risk, _, err := predictRisk(h, eval, rng)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(risk-ka.rnExpected) > r {
			t.Fatalf("random-neighbour risk %v outside %v +- %v", risk, ka.rnExpected, r)
		}
	}
}

// TestKernelRegimeNeumannBound solves G A = Y exactly for small Laplace and
// Gaussian Gram matrices and checks |A - Y|_max <= eps of the regime.
func TestKernelRegimeNeumannBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 20 {
		train := lTestPoints(rng, 40, 1+trial%3)
		sp, err := nnSpacing(train)
		if err != nil {
			t.Fatal(err)
		}
		for _, kern := range []learners.Kernel{learners.Laplace, learners.Gaussian} {
			kr, err := newKernelRegime(kern, sp.min/2, train)
			if err != nil {
				t.Fatal(err)
			}
			m := train.len()
			g := mat.NewSymDense(m, nil)
			for i := range m {
				for l := i; l < m; l++ {
					g.SetSym(i, l, math.Exp(-kernelScore(kern, math.Sqrt(sqDistance(train.row(i), train.row(l))), kr.h)))
				}
			}
			y := mat.NewVecDense(m, nil)
			for i := range m {
				y.SetVec(i, float64(2*rng.IntN(2)-1))
			}
			var chol mat.Cholesky
			if !chol.Factorize(g) {
				t.Fatalf("trial %d: Gram matrix did not factorize", trial)
			}
			var a mat.VecDense
			if err := chol.SolveVecTo(&a, y); err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for i := range m {
				worst = max(worst, math.Abs(a.AtVec(i)-y.AtVec(i)))
			}
			if worst > kr.eps+1e-12 {
				t.Errorf("trial %d, %v: |A - Y|_max = %g exceeds eps = %g (e = %g)", trial, kern, worst, kr.eps, kr.rowSum)
			}
		}
	}
}

// TestMajorityError checks P_n and TV_n against small cases and Le Cam's
// inequality.
func TestMajorityError(t *testing.T) {
	const gamma = 0.1
	if p, tv := majorityError(0, gamma); p != 0.5 || tv != 0 {
		t.Errorf("n = 0: P = %v, TV = %v", p, tv)
	}
	if p, tv := majorityError(1, gamma); math.Abs(p-(0.5-gamma)) > 1e-15 || math.Abs(tv-2*gamma) > 1e-15 {
		t.Errorf("n = 1: P = %v (want %v), TV = %v (want %v)", p, 0.5-gamma, tv, 2*gamma)
	}
	// n = 2: wrong with both labels wrong, half the time on a tie.
	q := 0.5 - gamma
	if p, _ := majorityError(2, gamma); math.Abs(p-(q*q+q*(1-q))) > 1e-15 {
		t.Errorf("n = 2: P = %v, want %v", p, q*q+q*(1-q))
	}
	prev := 0.5
	for n := 1; n <= 200; n++ {
		p, tv := majorityError(n, gamma)
		if p < (1-tv)/2-1e-12 {
			t.Errorf("n = %d: P = %v below (1 - TV)/2 = %v", n, p, (1-tv)/2)
		}
		if p > prev+1e-12 && n%2 == 1 {
			t.Errorf("n = %d: P = %v rose from %v", n, p, prev)
		}
		prev = p
	}
}

// TestMajorityErrorSlackCoversRounding recomputes P_n and TV_n of
// majorityError in 256-bit arithmetic for the float p = 1/2 + gamma and checks
// that the float results stay within the errors majorityErrorSlack and
// pinskerSlack are derived from: (5n/2 + 1) u for P_n, (3n + 1) u for TV_n.
func TestMajorityErrorSlackCoversRounding(t *testing.T) {
	const u = 0x1p-53
	for _, gamma := range []float64{0.01, 0.04, 0.15, 0.2} {
		for _, n := range []int{1, 2, 7, 30, 31, 80, 200} {
			pw, tvn := majorityError(n, gamma)
			p := big.NewFloat(0.5 + gamma).SetPrec(256)
			q := new(big.Float).SetPrec(256).Sub(big.NewFloat(1), p)
			law := make([]*big.Float, n+1)
			for s := range law {
				law[s] = new(big.Float).SetPrec(256)
			}
			law[0].SetInt64(1)
			for i := range n {
				for s := i + 1; s >= 1; s-- {
					a := new(big.Float).SetPrec(256).Mul(law[s], q)
					law[s].Add(a, new(big.Float).SetPrec(256).Mul(law[s-1], p))
				}
				law[0].Mul(law[0], q)
			}
			exactP, exactTV := new(big.Float).SetPrec(256), new(big.Float).SetPrec(256)
			half := big.NewFloat(0.5)
			for s, v := range law {
				switch {
				case 2*s < n:
					exactP.Add(exactP, v)
				case 2*s == n:
					exactP.Add(exactP, new(big.Float).SetPrec(256).Mul(v, half))
				}
				d := new(big.Float).SetPrec(256).Sub(v, law[n-s])
				exactTV.Add(exactTV, d.Abs(d))
			}
			exactTV.Mul(exactTV, half)
			ep, _ := exactP.Float64()
			et, _ := exactTV.Float64()
			if d := math.Abs(pw - ep); d > (2.5*float64(n)+1)*u {
				t.Errorf("gamma = %v, n = %d: P_n off by %.3g, bound %.3g", gamma, n, d, (2.5*float64(n)+1)*u)
			}
			if d := math.Abs(tvn - et); d > float64(3*n+1)*u {
				t.Errorf("gamma = %v, n = %d: TV_n off by %.3g, bound %.3g", gamma, n, d, float64(3*n+1)*u)
			}
		}
	}
}

// TestLookupLearners checks the look-up sampler and the majority learner on
// a hand-made sample.
func TestLookupLearners(t *testing.T) {
	dom := &finiteDomain{gamma: 0.1, sign: []int8{1, -1, 1, 1}}
	at := func(i int) float64 { return (float64(i) + 0.5) / 4 }
	ds := learners.Dataset{X: []float64{at(0), at(0), at(0), at(1), at(2), at(2)}, D: 1, Y: []int{1, 0, 0, 1, 0, 1}, K: 2}
	rng := rand.New(rand.NewPCG(13, 14))
	look, err := lookupLearner(dom, false).Fit(ds)
	if err != nil {
		t.Fatal(err)
	}
	maj, err := lookupLearner(dom, true).Fit(ds)
	if err != nil {
		t.Fatal(err)
	}
	all := dom.all()
	got := make([]int, 4)
	if err := look.PredictBatch(all.x, got, nil); err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 1, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("look-up answers %v, want %v (first labels, 0 when unseen)", got, want)
	}
	if err := maj.PredictBatch(all.x[:2], got[:2], rng); err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1}; !slices.Equal(got[:2], want) {
		t.Errorf("majority answers %v, want %v", got[:2], want)
	}
	if m := coverageSamples(1000, 1e-9); m != int(math.Ceil(1000*(math.Log(1000)+math.Log(1e9)))) {
		t.Errorf("coverageSamples = %d", m)
	}
	if p := (points{d: 1, k: 2, x: []float64{at(1)}, eta: make([]float64, 2)}); true {
		dom.Posterior(p.x, p.eta)
		if p.eta[1] != 0.4 {
			t.Errorf("eta_1 at point 1 = %v, want 0.4", p.eta[1])
		}
	}
}

// TestFigureNNRisk checks that the figure is written as an SVG.
func TestFigureNNRisk(t *testing.T) {
	if testing.Short() {
		t.Skip("the figure fits 9 training sizes on 20000 evaluation points")
	}
	path := filepath.Join(t.TempDir(), "nn_risk_vs_m.svg")
	if err := figureNNRisk(rand.New(rand.NewPCG(2022, 0)), path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, "<svg") || !strings.Contains(s, "1-NN risk") {
		t.Errorf("%s is not the expected SVG (%d bytes)", path, len(b))
	}
}

// TestSpreadOfMatchesIntegration checks spreadOf's exact mean, variance and
// range of the stratified mean risk against a fine midpoint integration over
// each training point's V (the counts of its r draws depend on V alone).
func TestSpreadOfMatchesIntegration(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 10 {
		k := 2 + trial%3
		m := 5
		train := points{d: 1, k: k, x: make([]float64, m), eta: make([]float64, m*k)}
		g := make([]float64, m*k)
		for i := range m {
			s := 0.0
			for c := range k {
				v := rng.Float64()
				train.eta[i*k+c] = v
				s += v
				g[i*k+c] = rng.Float64() / 10
			}
			for c := range k {
				train.eta[i*k+c] /= s
			}
		}
		for _, r := range []int{1, 3, 16} {
			got := spreadOf(train, g, r)
			const grid = 200000
			var mean, v, b float64
			for i := range m {
				eta := train.posterior(i)
				mi, vi := 0.0, 0.0
				fs := make([]float64, grid)
				for a := range grid {
					u := (float64(a) + 0.5) / grid
					f := 0.0
					for tt := range r {
						f += g[i*k+gen.LabelAt(eta, (float64(tt)+u)/float64(r))]
					}
					fs[a] = f / float64(r)
					mi += fs[a] / grid
				}
				for _, f := range fs {
					vi += (f - mi) * (f - mi) / grid
					b = max(b, math.Abs(f-mi))
				}
				mean += mi
				v += vi
			}
			if math.Abs(got.mean-mean) > 1e-5 || math.Abs(got.v-v) > 1e-5*max(v, 1e-3) || math.Abs(got.b-b) > 1e-3*max(b, 1e-3) {
				t.Errorf("trial %d, r = %d: spreadOf = %+v, integration mean %.8f, v %.3g, b %.6f", trial, r, got, mean, v, b)
			}
		}
	}
}

// TestShareDeviation checks that shareDeviation returns the smallest share
// whose summed deviation reaches the target, consistent with unitHash.
func TestShareDeviation(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	eval := lTestPoints(rng, 500, 2)
	dev := make([]float64, eval.len())
	for j := range dev {
		dev[j] = -rng.Float64() / float64(eval.len())
	}
	q, change, ok := shareDeviation(eval, dev, 0.1)
	if !ok {
		t.Fatal("target 0.1 not reached")
	}
	sum, worst := 0.0, 0.0
	for j, d := range dev {
		if unitHash(eval.row(j), saltShare) < q {
			sum += d
			worst = max(worst, -d)
		}
	}
	if math.Abs(sum-change) > 1e-12 || -sum < 0.1 || -sum-worst >= 0.1 {
		t.Errorf("q = %v: share sums to %v (reported %v), last term %v: not the smallest share reaching 0.1", q, sum, change, worst)
	}
	if _, _, ok := shareDeviation(eval, dev, 10); ok {
		t.Error("target 10 reported reached")
	}
}
