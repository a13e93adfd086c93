package claims

import (
	"fmt"
	"math"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimL2 is claim L2, the Cover-Hart limit as a calibrated trend: as m
// grows the 1-NN risk tends to the sampler risk G, never to R*. On nested
// training sets of sizes m1 < m2 < m3 (100, 1000, 10000, d <= 2) and one set
// of N evaluation points:
//
//   - at every size the L1 band holds, |L^_m - G^| <= A^_m + r_m (McDiarmid at
//     c.Delta, one assertion per size);
//   - the mean NN distance is non-increasing (exact: the sets are nested, so
//     every point's nearest neighbour only gets closer), hence so is the
//     Lipschitz bound L * mean distance on A^;
//   - at m3 the 1-NN risk stays away from R^*: L^_m3 - R^* > (G^ - R^*)/2,
//     resolved when the band at m3 is below (G^ - R^*)/2 (it then follows
//     from the band).
//
// The band's half-width A^_m + r_m is logged at each size, not asserted: it
// usually falls (with sizes 10x apart the radius by about sqrt(10) until N
// dominates, A^ by about 10^(1/d)), but neither term is monotone surely (a
// new training point between two old ones can take evaluation points from
// both cells and raise sum_i c_i^2; on a non-monotone posterior a nearer
// neighbour can have a farther eta), and no probability bound on a rise is
// derived here, so a pass/fail assertion on it would have no false-alarm
// budget.
var claimL2 = Claim{
	ID:     "L2",
	Title:  "Cover-Hart limit: 1-NN risk tends to G, not R*",
	Source: "Cover and Hart 1967; Kaplun et al. 2022, Section 5",
	Statement: "On nested training sets of sizes 100 < 1000 < 10000 (d <= 2): the L1 band holds at each size, " +
		"the mean NN distance is non-increasing, and at the largest m the 1-NN risk is within its band of G^ " +
		"and more than (G^ - R^*)/2 above R^* (the band's half-width, which usually shrinks with m, is logged, not asserted).",
	Kind:       Trend,
	Checks:     l2Checks,
	Assertions: l2Assertions,
	Property:   propertyL2,
	Falsifiers: []Falsifier{
		{Name: "knn-k=sqrt(m)", Checks: 5, Assertions: 1, Property: falsifierL2KNN},
	},
}

func init() { register(claimL2) }

// l2Checks and l2Assertions: the three bands, one per size, are the
// probabilistic assertions (the rest is exact or follows from the band).
const l2Checks, l2Assertions = 20, 3

// l2Delta is the delta at which claim L2's check runs; its falsifier runs
// the same check at the same delta.
func l2Delta() float64 { return claimDelta(checksFor(l2Checks), l2Assertions) }

// l2Sizes are the nested training sizes and l2Eval the evaluation points.
var l2Sizes = []int{100, 1000, 10000}

const l2Eval = 15000

// l2FalsifierEval is the number of evaluation points of the falsifier.
const l2FalsifierEval = 2000

// l2Specs: smooth and grid posteriors, and class-pair noise at rate 0.25 to
// 0.35, in d <= 2, where 10000 training and 15000 evaluation points make the
// band at m3 narrower than (G - R^*)/2 in all of 300 draws measured at
// delta = 1e-11. Low-rate pair noise has labels of influence 1 - 2 rho near
// 1 and G - R^* = rho (1 - 2 rho) small, and rate 0.4 has G - R^* = 0.08:
// both are left out.
var l2Specs = []gen.Spec{
	{Families: []gen.Family{gen.FamilySmooth, gen.FamilyGrid}, MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 3, MinNoise: 1, MaxNoise: 4},
	{Families: []gen.Family{gen.FamilyPairSwap}, MinDim: 1, MaxDim: 2, MinClasses: 2, MaxClasses: 3, MinNoise: 5, MaxNoise: 7},
}

// l2Trend is what the L2 check measures: the L1 band of the learner at each
// nested size and the mean NN distance of each training set.
type l2Trend struct {
	sizes    []int
	bands    []samplerBand
	meanDist []float64
}

// checkCoverHartTrend fits learnerFor(m) on the first m training points
// (labels y[:m]) for each size and measures its L1 band at delta.
func checkCoverHartTrend(learnerFor func(m int) learners.Learner, train points, y []int, eval points, sizes []int, delta float64) (l2Trend, error) {
	t := l2Trend{sizes: sizes}
	for _, m := range sizes {
		sub := train.prefix(m)
		a, err := analyseNN(sub, eval)
		if err != nil {
			return t, err
		}
		b, err := checkNNSampler(learnerFor(m), sub, y[:m], eval, a, 0, delta, nil)
		if err != nil {
			return t, fmt.Errorf("m = %d: %w", m, err)
		}
		t.bands = append(t.bands, b)
		t.meanDist = append(t.meanDist, a.meanDist)
	}
	return t, nil
}

// last returns the band at the largest size.
func (t l2Trend) last() samplerBand { return t.bands[len(t.bands)-1] }

// resolved reports whether the band at the largest size is narrow enough to
// separate the risk from R^*: half-width below (G^ - R^*)/2.
func (t l2Trend) resolved() bool {
	b := t.last()
	return b.width() < (b.sampler-b.bayes)/2
}

// rejects reports whether any assertion of the L2 check fails (the band
// widths are an observation, not an assertion).
func (t l2Trend) rejects() bool {
	for i, b := range t.bands {
		if b.rejects() {
			return true
		}
		if i > 0 && t.meanDist[i] > t.meanDist[i-1] {
			return true
		}
	}
	b := t.last()
	return t.resolved() && b.risk-b.bayes <= (b.sampler-b.bayes)/2
}

func propertyL2(c *Check) {
	spec := rapid.SampledFrom(l2Specs).Draw(c.T, "spec")
	dist := gen.Distributions(spec).Draw(c.T, "dist")
	rng := c.Rand("data")
	train := drawPoints(dist, rng, l2Sizes[len(l2Sizes)-1])
	eval := drawPoints(dist, rng, l2Eval)
	y := train.drawLabels(rng)
	nn := func(int) learners.Learner { return learners.KNN{K: 1} }
	t, err := checkCoverHartTrend(nn, train, y, eval, l2Sizes, c.Delta)
	if err != nil {
		c.Fatalf("%v: %v", dist, err)
	}
	if !t.resolved() {
		b := t.last()
		c.Unresolved("%v: band at m = %d is %.4f, not below (G^ - R^*)/2 = %.4f", dist, l2Sizes[2], b.width(), (b.sampler-b.bayes)/2)
	}
	// Exact: nested sets, so each point's nearest neighbour only gets closer.
	for i := 1; i < len(l2Sizes); i++ {
		if t.meanDist[i] > t.meanDist[i-1] {
			c.Fatalf("%v: mean NN distance rose from %.6g (m = %d) to %.6g (m = %d) on nested sets", dist, t.meanDist[i-1], l2Sizes[i-1], t.meanDist[i], l2Sizes[i])
		}
	}
	// Probabilistic (c.Delta each): the L1 band at each size.
	for i, b := range t.bands {
		c.Margin(b.width() - b.deviation())
		if b.rejects() {
			c.Fatalf("%v, m = %d: 1-NN outside the L1 band: %v", dist, l2Sizes[i], b)
		}
	}
	// Observation, not an assertion (see claimL2): the band's half-width
	// over the sizes.
	widths := make([]float64, len(t.bands))
	for i, b := range t.bands {
		widths[i] = b.width()
	}
	c.Logf("%v: band half-widths %.4f at m = %v", dist, widths, l2Sizes)
	for i := 1; i < len(l2Sizes); i++ {
		if widths[i] >= widths[i-1] {
			c.Logf("%v: band half-width did not shrink from m = %d (%.4f) to m = %d (%.4f)", dist, l2Sizes[i-1], widths[i-1], l2Sizes[i], widths[i])
		}
	}
	// The limit is G, not R^*.
	b := t.last()
	if b.risk-b.bayes <= (b.sampler-b.bayes)/2 {
		c.Fatalf("%v, m = %d: 1-NN risk %.4f is within (G^ - R^*)/2 = %.4f of R^* = %.4f", dist, l2Sizes[2], b.risk, (b.sampler-b.bayes)/2, b.bayes)
	}
}

// falsifierL2KNN: k-NN majority with k = sqrt(m) (odd: 11, 33, 101) is
// consistent, its risk tends to R^*, so the L2 check (at the claim's delta,
// l2Delta) rejects it at m3.
// Sizes: binary class-pair noise in d = 1 at rho in {0.12, 0.15}, and
// l2FalsifierEval evaluation points (k = 101 searches dominate the time).
// With k = 101 a wrong vote has Chernoff probability below 1e-15 away from
// the single band edge, so majorityRiskUpper (safe-set bound at c.Delta)
// puts the majority's risk within about 0.02 of R^*, while the band's lower
// edge at m3 (at l2Delta) sits about 0.06 below G^, and G - R^* >= 0.09.
func falsifierL2KNN(c *Check) {
	rho := rapid.SampledFrom([]float64{0.12, 0.15}).Draw(c.T, "rho")
	dist, err := gen.NewPairSwap(1, 2, 1, rho)
	if err != nil {
		c.Fatalf("NewPairSwap: %v", err)
	}
	rng := c.Rand("data")
	m3 := l2Sizes[len(l2Sizes)-1]
	train := drawPoints(dist, rng, m3)
	eval := drawPoints(dist, rng, l2FalsifierEval)
	k3 := oddAtLeast(math.Sqrt(float64(m3)))
	a, err := analyseNN(train, eval)
	if err != nil {
		c.Fatalf("analyseNN: %v", err)
	}
	ka, err := analyseKNN(train, eval, k3)
	if err != nil {
		c.Fatalf("analyseKNN: %v", err)
	}
	delta := l2Delta()
	lower := a.sampler - a.boundary - BoundedDifferences(a.sumSq, delta)
	if u := ka.majorityRiskUpper(eval, c.Delta); u >= lower {
		c.Unresolved("rho = %v: %d-NN risk bound %.4f not below the band's lower edge %.4f at m = %d", rho, k3, u, lower, m3)
	}
	y := train.drawLabels(rng)
	knn := func(m int) learners.Learner { return learners.KNN{K: oddAtLeast(math.Sqrt(float64(m)))} }
	t, err := checkCoverHartTrend(knn, train, y, eval, l2Sizes, delta)
	if err != nil {
		c.Fatalf("check: %v", err)
	}
	c.Margin(t.last().deviation() - t.last().width())
	if !t.rejects() {
		c.Fatalf("rho = %v: the L2 check did not reject k-NN with k = sqrt(m); band at m3: %v", rho, t.last())
	}
}
