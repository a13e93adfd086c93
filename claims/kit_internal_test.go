package claims

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
)

// TestClaimDelta checks Check.ClaimDelta: in a claim's property it is the
// claim's delta (= Delta); in a falsifier it is the claim's delta while
// Delta is the falsifier's own share. The claim is not registered, so it
// adds nothing to the budget's counts. Deterministic.
func TestClaimDelta(t *testing.T) {
	var seen []Check
	record := func(c *Check) { seen = append(seen, Check{Delta: c.Delta, ClaimDelta: c.ClaimDelta}) }
	cl := Claim{ID: "X1", Title: "t", Source: "s", Statement: "s", Checks: 5, Assertions: 3, Property: record,
		Falsifiers: []Falsifier{{Name: "f", Checks: 10, Assertions: 2, Property: record}}}
	want := claimDelta(checksFor(5), 3)
	t.Run("claim", func(t *testing.T) { cl.Run(t) })
	for _, c := range seen {
		if c.Delta != want || c.ClaimDelta != want {
			t.Fatalf("claim: Delta %g, ClaimDelta %g, want both %g", c.Delta, c.ClaimDelta, want)
		}
	}
	seen = nil
	t.Run("falsifier", func(t *testing.T) { cl.RunFalsifier(t, cl.Falsifiers[0]) })
	if len(seen) == 0 {
		t.Fatal("the falsifier did not run")
	}
	for _, c := range seen {
		if c.Delta != falsifierDelta(checksFor(10), 2) || c.ClaimDelta != want {
			t.Fatalf("falsifier: Delta %g, ClaimDelta %g, want %g and %g", c.Delta, c.ClaimDelta, falsifierDelta(checksFor(10), 2), want)
		}
	}
}

// latticePoints returns n points on the lattice {0, 1, 2}^d (so distances
// tie often) with random posterior rows over k classes.
func latticePoints(rng *rand.Rand, n, d, k int) points {
	p := points{d: d, k: k, x: make([]float64, n*d), eta: make([]float64, n*k)}
	for i := range p.x {
		p.x[i] = float64(rng.IntN(3))
	}
	for j := range n {
		row := p.posterior(j)
		s := 0.0
		for c := range row {
			row[c] = rng.Float64()
			s += row[c]
		}
		for c := range row {
			row[c] /= s
		}
	}
	return p
}

// TestAnalyseNeighboursBruteForce checks analyseNeighbours against a direct
// computation: the k nearest by a stable sort on (distance, index), so ties
// go to the lower index; the random neighbour's law m_j; G^, R^*, EL_k, A^_k
// and the influences, to a float slack of 1e-12 (sums of at most 40 terms
// in [0, 1]: 40^2 u is about 2e-13). Exact assertions only.
func TestAnalyseNeighboursBruteForce(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d := rapid.IntRange(1, 2).Draw(rt, "d")
		classes := rapid.IntRange(2, 3).Draw(rt, "classes")
		m := rapid.IntRange(1, 25).Draw(rt, "m")
		n := rapid.IntRange(1, 15).Draw(rt, "n")
		k := rapid.IntRange(1, m).Draw(rt, "k")
		rng := rand.New(rand.NewPCG(gen.Seeds().Draw(rt, "seed"), 1))
		train, eval := latticePoints(rng, m, d, classes), latticePoints(rng, n, d, classes)
		a, err := analyseNeighbours(train, eval, k)
		if err != nil {
			rt.Fatal(err)
		}
		const slack = 1e-12
		var g, bayes, el, bd float64
		infl := make([]float64, m)
		for j := range n {
			order := make([]int, m)
			for i := range order {
				order[i] = i
			}
			slices.SortStableFunc(order, func(a, b int) int {
				return cmpThenIndex(sqDistance(eval.row(j), train.row(a)), sqDistance(eval.row(j), train.row(b)), a, b)
			})
			if got := a.neighbours(j); !slices.Equal(got, order[:k]) {
				rt.Fatalf("point %d: neighbours %v, want %v", j, got, order[:k])
			}
			e := eval.posterior(j)
			mix := make([]float64, classes)
			for _, i := range order[:k] {
				for c := range mix {
					mix[c] += train.posterior(i)[c] / float64(k)
				}
				infl[i] += slices.Max(e) - slices.Min(e)
			}
			for c := range mix {
				if math.Abs(mix[c]-a.mix[j*classes+c]) > slack {
					rt.Fatalf("point %d: m_j %v, want %v", j, a.mix[j*classes:(j+1)*classes], mix)
				}
			}
			g += 1 - sumSquares(e)
			bayes += 1 - slices.Max(e)
			el += pointRisk(eval, j, mix)
			bd += tv(e, mix)
		}
		sumSq := 0.0
		for _, v := range infl {
			sumSq += (v / float64(n)) * (v / float64(n))
		}
		nf := float64(n)
		for _, c := range [][3]float64{{a.sampler, g / nf}, {a.bayes, bayes / nf}, {a.expected, el / nf}, {a.boundary, bd / nf}, {a.sumSq, sumSq}} {
			if math.Abs(c[0]-c[1]) > slack {
				rt.Fatalf("analysis %+v disagrees with the direct value %g", c, c[1])
			}
		}
		if math.Abs(a.expected-a.sampler) > a.boundary+slack {
			rt.Fatalf("|EL_k - G^| = %g > A^_k = %g", math.Abs(a.expected-a.sampler), a.boundary)
		}
	})
}

// TestAnalyseNeighboursOneIsAnalyseNN checks that k = 1 reproduces
// analyseNN bit for bit (same sums in the same order). Deterministic.
func TestAnalyseNeighboursOneIsAnalyseNN(t *testing.T) {
	dist, err := gen.NewSmooth(2, 3, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	train, eval := drawPoints(dist, rng, 500), drawPoints(dist, rng, 300)
	a, err := analyseNeighbours(train, eval, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := analyseNN(train, eval)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.ind, b.nn) || !slices.Equal(a.dist, b.dist) || a.sampler != b.sampler || a.bayes != b.bayes ||
		a.expected != b.expected || a.boundary != b.boundary || a.meanKth != b.meanDist || a.sumSq != b.sumSq || a.pickSumSq != 0 {
		t.Errorf("k = 1: %+v\ndiffers from analyseNN %+v", a, b)
	}
}

// TestTwoNNFairCoinIsRandomNeighbour checks the identity behind claim L7 by
// enumeration: the 2-NN vote with a fair coin on disagreement answers c with
// probability p_c q_c + (p_c (1 - q_c) + q_c (1 - p_c))/2 = (p_c + q_c)/2
// for neighbour laws p, q. Exact up to 4 u.
func TestTwoNNFairCoinIsRandomNeighbour(t *testing.T) {
	p, q := []float64{0.1, 0.6, 0.3}, []float64{0.5, 0.25, 0.25}
	for c := range p {
		vote := 0.0
		for a := range p {
			for b := range q {
				switch {
				case a == c && b == c:
					vote += p[a] * q[b]
				case a == c || b == c:
					vote += p[a] * q[b] / 2
				}
			}
		}
		if math.Abs(vote-(p[c]+q[c])/2) > 4*0x1p-53 {
			t.Errorf("class %d: the fair-coin vote answers with probability %g, want %g", c, vote, (p[c]+q[c])/2)
		}
	}
}

// TestTwoNNPickedSpread checks the pieces of claim L7's tolerance on small
// lattice cases: the additive table on the 2 nearest has mean EL (to
// 1e-12); the coins' realized variance equals the direct sum over sets and
// points of (eta_a(x_j) - eta_b(x_j))^2/(4 (R N)^2) and stays within its
// label-free bound; and its average over 4000 label draws (seeded, so
// deterministic) is within 3% of l7Case.expectedCoins. Exact assertions
// only, bar the seeded average.
func TestTwoNNPickedSpread(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const r = 4
	train, eval := latticePoints(rng, 40, 2, 3), latticePoints(rng, 30, 2, 3)
	a, err := analyseNeighbours(train, eval, 2)
	if err != nil {
		t.Fatal(err)
	}
	g := riskTable(train, eval, a.ind, nil)
	if s := spreadOf(train, g, r); math.Abs(s.mean-a.expected) > 1e-12 {
		t.Errorf("additive mean %.15f, EL = %.15f", s.mean, a.expected)
	}
	lc := l7Case{train: train, eval: eval, a: a}
	rn := float64(r * eval.len())
	mean := 0.0
	const draws = 4000
	for range draws {
		lc.labels = stratifiedLabels(train, r, rng)
		s := newPickedSpread(additiveSpread{}, eval, lc.labels, nil, lc.twoNNLaw)
		want := 0.0
		for _, y := range lc.labels {
			for j := range eval.len() {
				e, nb := eval.posterior(j), a.neighbours(j)
				d := e[y[nb[0]]] - e[y[nb[1]]]
				want += d * d / 4 / (rn * rn)
			}
		}
		if math.Abs(s.picks-want) > 1e-12*want || s.picks > s.picksMax {
			t.Fatalf("realized coin variance %g, direct %g, bound %g", s.picks, want, s.picksMax)
		}
		mean += s.picks / draws
	}
	if e := lc.expectedCoins(); math.Abs(mean-e) > 0.03*e {
		t.Errorf("mean realized coin variance %g over %d draws, expectedCoins %g", mean, draws, e)
	}
}

// TestNeighbourMajorityEnumeration checks majority against the enumeration
// of the 2^k label configurations of the k neighbours (binary, k = 3, 5),
// to 1e-12. Exact assertions only.
func TestNeighbourMajorityEnumeration(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{3, 5} {
		train, eval := latticePoints(rng, 30, 2, 2), latticePoints(rng, 20, 2, 2)
		a, err := analyseNeighbours(train, eval, k)
		if err != nil {
			t.Fatal(err)
		}
		vote, expected, err := a.majority(train, eval)
		if err != nil {
			t.Fatal(err)
		}
		want := 0.0
		for j := range eval.len() {
			p1 := 0.0
			for mask := range 1 << k {
				pr, ones := 1.0, 0
				for l, i := range a.neighbours(j) {
					if mask>>l&1 == 1 {
						pr *= train.posterior(i)[1]
						ones++
					} else {
						pr *= train.posterior(i)[0]
					}
				}
				if 2*ones > k {
					p1 += pr
				}
			}
			if math.Abs(vote[j]-p1) > 1e-12 {
				t.Fatalf("k = %d, point %d: P(vote = 1) = %g, want %g", k, j, vote[j], p1)
			}
			want += p1*eval.posterior(j)[0] + (1-p1)*eval.posterior(j)[1]
		}
		if math.Abs(expected-want/float64(eval.len())) > 1e-12 {
			t.Errorf("k = %d: expected majority risk %g, want %g", k, expected, want/float64(eval.len()))
		}
	}
	a, _ := analyseNeighbours(latticePoints(rng, 5, 1, 3), latticePoints(rng, 5, 1, 3), 3)
	if _, _, err := a.majority(points{k: 3}, points{k: 3}); err == nil {
		t.Error("majority accepted three classes")
	}
	if _, err := analyseNeighbours(latticePoints(rng, 5, 1, 2), latticePoints(rng, 5, 1, 2), 6); err == nil {
		t.Error("analyseNeighbours accepted k > m")
	}
}
