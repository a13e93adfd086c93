package claims

import (
	"fmt"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimS5 (the confusion matrix reproduces the noise, the paper's Figure 1,
// left): under class-pair noise y -> (y + s) mod k at rate rho over a clean
// labeling (gen.PairSwap), a 1-NN teacher's matrix of (clean label,
// prediction) on fresh points, normalised by row, is the noise matrix: 1-rho
// on the diagonal, rho at (c, c+s).
//
// This is S4's statistic (support_s_levels.go) with two fixed levels: one
// cell (the overall class rates) and the clean-label partition, on whose
// band c the posterior is the noise row, so row c's TV to the noise matrix
// is the cell's gap and the weighted sum is T. Three assertions per check,
// as in S4: exact, the bias b of the clean-label level is at most the
// boundary mass (the fraction of evaluation points whose nearest training
// point has a different clean label: two noise rows are at TV <= 1);
// calibrated, the claim (band), the first teacher's T <= b + spread + radius
// at both levels; calibrated, conformance, the mean answers of R =
// s5Replicates teachers on stratified label sets (stratifiedLabels: each
// set i.i.d.) at the same positions are within spread + radius of their
// exact mean given the positions. Each level at delta/2, delta = c.Delta;
// the bounds are S4's (Jensen with the exact variances, Freedman-Bernstein
// over the per-point draws).
//
// MDD (as S4's: learners whose mean answers depend on each training point's
// draws as 1-NN's do): the smallest over the levels and assertions, the
// conformance check at one of the two levels, dominated by the stratified
// label noise. The counts of a point's R draws are floor(R rho) or
// ceil(R rho), so the noise vanishes where R rho is an integer (R = 16,
// rho = 0.25) and is largest near R rho = n + 1/2. At the default sizes
// (m = N = 25000, R = 16) it measured a median of 0.0040 and a worst of
// 0.0050 on d <= 2 (the same over d <= 3, 60 cases), against 0.19 and 0.48
// for the former single-teacher check at m <= 20000.
var claimS5 = Claim{
	ID:     "S5",
	Title:  "A 1-NN teacher's confusion matrix reproduces the label noise",
	Source: "Kaplun et al. 2022, Section 5 and Figure 1 (left): CIFAR-10 with y -> (y+5) mod 10 at 20%",
	Statement: "Under pair-swap noise at rate rho, the row-normalised (clean label, 1-NN prediction) matrix is the " +
		"noise matrix (1-rho diagonal, rho at (c, c+s)) within the boundary mass plus label concentration " +
		"(S4's band with the clean-label partition), and the mean of R teachers on stratified label sets is within label concentration of its exact mean.",
	Kind:       FiniteBound,
	Unit:       "total variation",
	Checks:     s5Checks,
	Assertions: s5Assertions,
	Property: func(c *Check) {
		ps := gen.Distributions(gen.Spec{Families: []gen.Family{gen.FamilyPairSwap}, MaxDim: 3}).Draw(c.T, "dist").(*gen.PairSwap)
		sc, err := newS5Case(ps, s5M, s5N, c.Seed("seed"))
		if err != nil {
			c.Fatalf("S5: %v", err)
		}
		mass := boundaryMass(ps, sc)
		if b := sc.an.bias[1]; b > mass+roundingSlack(sc.eval.len(), ps.Classes()) {
			c.Fatalf("S5: bias %.17g exceeds the boundary mass %.17g on %v", b, mass, ps)
		}
		answers, err := sc.replicates(c.KNN(1), s5Replicates)
		if err != nil {
			c.Fatalf("S5: 1-NN: %v", err)
		}
		run := sc.calibrate(answers, c.Delta)
		if l := recordLevels(c, run.band); l >= 0 {
			c.Fatalf("S5: confusion matrix off the noise matrix on %v (boundary mass %.4f; diagonal %v): %s",
				ps, mass, diagonal(ps, sc, answers[0]), sc.levelFailure(run, band, l))
		}
		if l := recordLevels(c, run.conf); l >= 0 {
			c.Fatalf("S5: the mean confusion matrix of %d 1-NN teachers is off its exact mean on %v (diagonal %v): %s",
				s5Replicates, ps, diagonal(ps, sc, answers[0]), sc.levelFailure(run, conformance, l))
		}
		c.Logf("S5: MDD %.4f at %s on %v", run.conf[smallestMDD(run.conf)].mdd, sc.an.lv.names[smallestMDD(run.conf)], ps)
	},
	Falsifiers: []Falsifier{
		{
			// The 101-NN majority predicts the clean label wherever its 2K
			// candidate neighbours lie in the query's clean band (d = 1,
			// bands of width 1/k): the wrong label then needs at least 51 of
			// 101 votes at rate rho = 0.15, probability
			// P(Bin(101, 0.85) <= 50) < 1e-16 (majorityForecast1D, union
			// over points). Its rows are then e_c, at TV rho from the noise
			// rows, minus at most the unforecast fraction (about
			// k 2K/m = 0.03 for k = 3): T >= 0.12 at the clean-label level
			// against a 1-NN band tolerance near 0.06 at m = 20000,
			// N = 4000. Resolved iff a level's lower bound exceeds its
			// tolerance and the union of forecast failures is below c.Delta.
			Name:       "knn-majority-k=101",
			Checks:     5,
			Assertions: 1,
			Property: func(c *Check) {
				const kNN = 101
				k := rapid.IntRange(2, 3).Draw(c.T, "k")
				const rho = 0.15
				ps, err := gen.NewPairSwap(1, k, rapid.IntRange(1, k-1).Draw(c.T, "shift"), rho)
				if err != nil {
					c.Fatalf("S5: %v", err)
				}
				sc, err := newS5Case(ps, 20000, 4000, c.Seed("seed"))
				if err != nil {
					c.Fatalf("S5: %v", err)
				}
				forecast, fail := majorityForecast1D(sc.train, sc.eval, kNN, ps.CleanLabel)
				lower := forecastLowerBounds(sc, forecast)
				if fail > c.Delta || !exceedsSome(lower, tolerances(sc.an.checks(band, sc.counts(), 1, false, c.ClaimDelta, 0))) {
					c.Unresolved("T >= %.4f by level, failure %.3g", lower, fail)
				}
				bandMustReject(c, "S5", sc, fmt.Sprintf("the %d-NN majority", kNN), c.KNN(kNN), lower, c.ClaimDelta,
					func(pred []int) string { return "diagonal " + diagonal(ps, sc, pred) })
			},
		},
		{
			// The edge falsifier: a 1-NN teacher whose answer is replaced by
			// a uniform random class on a share q of the queries
			// (flipAnswers; the share and the class from hashes of the query,
			// independent of the labels), at the claim's sizes on pair-swap
			// posteriors with d <= 2. Its mean answer at a flipped point is
			// the hashed class itself, so its expected conformance gap at
			// both levels is exact given the positions (flipDeviation); q is
			// chosen per case (edgeStrength) so that the larger ratio of a
			// level's expected gap to its MDD lies in (1, 2]. The
			// conformance check of R = s5Replicates teachers must reject: a
			// random event of probability at least 1 - delta/2.
			Name:       "edge-flip",
			Checks:     5,
			Assertions: 1,
			Property: func(c *Check) {
				ps := gen.Distributions(gen.Spec{Families: []gen.Family{gen.FamilyPairSwap}, MaxDim: 2}).Draw(c.T, "dist").(*gen.PairSwap)
				sc, err := newS5Case(ps, s5M, s5N, c.Seed("seed"))
				if err != nil {
					c.Fatalf("S5: %v", err)
				}
				edgeFalsifier(c, "S5", sc, s5Replicates, c.ClaimDelta, 0.02, "1-NN flipping a share of its answers",
					sc.flipDeviation, func(q float64) learners.Learner { return flipAnswers(c.KNN(1), q) })
			},
		},
	},
}

func init() { register(claimS5) }

// The default sizes of claim S5 and of its edge falsifier (see S4's).
const (
	s5M, s5N, s5Replicates = 25000, 25000, 16
	s5Checks, s5Assertions = 5, 2
)

// newS5Case is a samplerCase on ps with m training points, n evaluation
// points and two fixed levels: one cell, and the clean-label partition.
func newS5Case(ps *gen.PairSwap, m, n int, seed uint64) (*samplerCase, error) {
	sc, err := newSamplerCase(ps, m, n, seed)
	if err != nil {
		return nil, err
	}
	sc.setLevels(fixedLevels("the clean-label partition", sc.eval, wholeSpace, cleanLabelPartition(ps)), s5Replicates)
	return sc, nil
}

// boundaryMass is the fraction of evaluation points whose nearest training
// point has a different clean label.
func boundaryMass(ps *gen.PairSwap, sc *samplerCase) float64 {
	n := 0
	for j, i := range sc.nn {
		if ps.CleanLabel(sc.eval.row(j)) != ps.CleanLabel(sc.train.row(i)) {
			n++
		}
	}
	return float64(n) / float64(len(sc.nn))
}

// diagonal formats the diagonal of the row-normalised (clean, predicted)
// matrix of the answers pred next to 1 - rho, for failure messages.
func diagonal(ps *gen.PairSwap, sc *samplerCase, pred []int) string {
	k := ps.Classes()
	hit := make([]int, k)
	count := make([]int, k)
	for j, y := range pred {
		c := ps.CleanLabel(sc.eval.row(j))
		count[c]++
		if y == c {
			hit[c]++
		}
	}
	out := make([]float64, k)
	for b := range out {
		if count[b] > 0 {
			out[b] = float64(hit[b]) / float64(count[b])
		}
	}
	return fmt.Sprintf("%.3f (1 - rho = %.3f)", out, 1-ps.Rate())
}
