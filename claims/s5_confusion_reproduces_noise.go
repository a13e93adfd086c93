package claims

import (
	"fmt"
	"math/rand/v2"

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
// This is S4's statistic with the partition "clean label": on the band of
// clean class c the posterior is the noise row, so row c's TV to the noise
// matrix is gap_c and the weighted sum is T. The bound is S4's
// (nnCalibrationBound) at delta = c.Delta, per row at delta/k; its bias b is
// at most the boundary mass, the fraction of evaluation points whose nearest
// training point has a different clean label (two noise rows are at TV <= 1),
// which is asserted exactly.
var claimS5 = Claim{
	ID:     "S5",
	Title:  "A 1-NN teacher's confusion matrix reproduces the label noise",
	Source: "Kaplun et al. 2022, Section 5 and Figure 1 (left): CIFAR-10 with y -> (y+5) mod 10 at 20%",
	Statement: "Under pair-swap noise at rate rho, the row-normalised (clean label, 1-NN prediction) matrix is the " +
		"noise matrix (1-rho diagonal, rho at (c, c+s)) within the boundary mass plus label concentration " +
		"(S4's bound with clean-label cells), weighted over rows and per row.",
	Kind:       FiniteBound,
	Checks:     s5Checks,
	Assertions: s5Assertions,
	Property: func(c *Check) {
		ps := gen.Distributions(gen.Spec{Families: []gen.Family{gen.FamilyPairSwap}, MaxDim: 3}).Draw(c.T, "dist").(*gen.PairSwap)
		m := rapid.SampledFrom([]int{2000, 5000, 20000}).Draw(c.T, "m")
		sc, err := newS5Case(ps, m, 10000, c.Seed("seed"))
		if err != nil {
			c.Fatalf("S5: %v", err)
		}
		mass := boundaryMass(ps, sc)
		if sc.bound.bias > mass+roundingSlack(sc.eval.len(), ps.Classes()) {
			c.Fatalf("S5: bias %.17g exceeds the boundary mass %.17g on %v", sc.bound.bias, mass, ps)
		}
		cal, err := sc.run(learners.KNN{K: 1})
		if err != nil {
			c.Fatalf("S5: %v", err)
		}
		v := sc.verdict(cal, c.Delta)
		c.Margin(v.tolerance - v.gap)
		if !v.weightedOK() {
			c.Fatalf("S5: confusion matrix off the noise matrix by T = %.4f > %.4f (boundary mass %.4f) on %v, m = %d; diagonal %v",
				v.gap, v.tolerance, mass, ps, m, diagonal(ps, sc, cal))
		}
		c.Margin(v.worstTolerance - v.worstGap)
		if !v.cellsOK() {
			c.Fatalf("S5: row %d off the noise row by %.4f > %.4f on %v, m = %d; diagonal %v",
				v.worstCell, v.worstGap, v.worstTolerance, ps, m, diagonal(ps, sc, cal))
		}
	},
	Falsifiers: []Falsifier{{
		// The 101-NN majority predicts the clean label wherever its 2K
		// candidate neighbours lie in the query's clean band (d = 1, bands of
		// width 1/k): the wrong label then needs at least 51 of 101 votes at
		// rate rho = 0.15, probability P(Bin(101, 0.85) <= 50) < 1e-16
		// (majorityForecast1D, union over points). Its rows are then e_c, at
		// TV rho from the noise rows, minus at most the unforecast fraction
		// (about k 2K/m = 0.03 for k = 3): T >= 0.11 against a 1-NN
		// tolerance near 0.07 at m = 20000, N = 4000. rho = 0.2 would need
		// K >= 150 for the union bound, at 1.5 times the cost.
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
			lower, unforecast := forecastGapLowerBound(sc.eval, sc.cell, sc.part.cells, forecast)
			tol := sc.bound.total(s5Delta())
			if fail > c.Delta || lower <= tol {
				c.Unresolved("T >= %.4f (%.3f unforecast), tolerance %.4f, failure %.3g", lower, unforecast, tol, fail)
			}
			cal, err := sc.run(learners.KNN{K: kNN})
			if err != nil {
				c.Fatalf("S5: %v", err)
			}
			v := sc.verdict(cal, s5Delta())
			c.Margin(v.gap - v.tolerance)
			if v.weightedOK() && v.cellsOK() {
				c.Fatalf("S5 accepted the %d-NN majority: T = %.4f <= %.4f (guaranteed >= %.4f) on %v; diagonal %v",
					kNN, v.gap, v.tolerance, lower, ps, diagonal(ps, sc, cal))
			}
		},
	}},
}

func init() { register(claimS5) }

const s5Checks, s5Assertions = 10, 3

// s5Delta is the delta at which claim S5's check runs.
func s5Delta() float64 { return claimDelta(checksFor(s5Checks), s5Assertions) }

// newS5Case is a samplerCase on ps with m training points, n evaluation
// points and the clean-label partition.
func newS5Case(ps *gen.PairSwap, m, n int, seed uint64) (*samplerCase, error) {
	return newSamplerCase(ps, m, n, seed, func(*rand.Rand) partition { return cleanLabelPartition(ps) })
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
// matrix next to 1 - rho, for failure messages.
func diagonal(ps *gen.PairSwap, sc *samplerCase, cal calibration) string {
	k := ps.Classes()
	hit := make([]int, k)
	for j, y := range cal.pred {
		if y == sc.cell[j] {
			hit[y]++
		}
	}
	out := make([]float64, k)
	for b := range out {
		if cal.count[b] > 0 {
			out[b] = float64(hit[b]) / float64(cal.count[b])
		}
	}
	return fmt.Sprintf("%.3f (1 - rho = %.3f)", out, 1-ps.Rate())
}
