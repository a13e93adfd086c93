package claims

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimS1 (sampler risk): a randomized classifier that answers each query x
// with a fresh y ~ eta(.|x) has risk exactly G = E[1 - sum_c eta_c(x)^2].
//
// It is an identity about the posterior, checked on the oracle sampler that
// knows eta (no production learner can: S1 checks the measurement that the
// other claims rest on, gen.Risk, gen.SamplerRisk and gen.SampleLabel, not a
// learner; Kind Identity). On N evaluation points the risk measured through
// eta is L^ = (1/N) sum_j (1 - eta_{y_j}(x_j)); over the sampler's own draws
// E L^ = (1/N) sum_j sum_c eta_jc (1 - eta_jc) = G^, G on the same points
// (asserted with float slack only). The N draws are independent and term j
// ranges over an interval of width max_c eta_jc - min_c eta_jc, so McDiarmid
// gives |L^ - G^| <= radius = sqrt(ln(2/delta)/2 sum_j (width_j/N)^2) with
// probability 1 - delta, delta = c.Delta (the calibrated assertion). No
// Monte-Carlo error in x enters: both sides live on the same points.
//
// MDD: a sampler whose expected risk differs from G^ by more than 2 radius
// (and whose risk concentrates as the oracle's does: independent draws per
// query) is rejected with probability at least 1 - delta; at N = 200000
// the radius is at most about 0.0075 (all widths 1), so the MDD is at most
// 0.015 (0.011 at N = 400000).
var claimS1 = Claim{
	ID:     "S1",
	Title:  "A conditional sampler has risk G",
	Source: "Kaplun et al. 2022, Section 3 (the sampler risk); Cover and Hart 1967",
	Statement: "A classifier answering each query with a fresh y ~ eta(.|x) has risk " +
		"E L = G = E[1 - sum_c eta_c^2]; on N points |L^ - G^| <= sqrt(ln(2/delta)/2 sum_j (width_j/N)^2).",
	Kind:       Identity,
	Unit:       "risk",
	Checks:     s1Checks,
	Assertions: s1Assertions,
	Property: func(c *Check) {
		dist := gen.Distributions(gen.Spec{}).Draw(c.T, "dist")
		n := rapid.SampledFrom([]int{200000, 400000}).Draw(c.T, "N")
		st := caseStreams(c)
		eval := drawPoints(dist, st.Eval, n)
		r, err := samplerRiskGap(oracleSampler{dist}, eval, st.Labels, c.Delta)
		if err != nil {
			c.Fatalf("S1: %v", err)
		}
		if math.Abs(r.expected-r.sampler) > r.slack {
			c.Fatalf("S1: E L^ = sum_c eta(1-eta) = %.17g but G^ = %.17g (|diff| > %.3g) on %v", r.expected, r.sampler, r.slack, dist)
		}
		if c.Calibrated(math.Abs(r.risk-r.sampler), r.radius, Detectable(r.radius, r.radius)) {
			c.Fatalf("S1: sampler risk L^ = %.5f but G^ = %.5f: |diff| %.5f > radius %.5f (N = %d, delta = %.3g) on %v",
				r.risk, r.sampler, math.Abs(r.risk-r.sampler), r.radius, n, c.Delta, dist)
		}
	},
	Falsifiers: []Falsifier{{
		// A classifier that answers the Bayes label on a share s of the
		// queries (chosen by a hash of the query) and samples eta elsewhere.
		// Its expected risk is exact given the points, G^ minus
		// (1/N) sum over the share of (g_j - r_j) with g_j, r_j the sampler
		// and Bayes risks at x_j, and its risk varies only through the
		// sampler's draws off the share (a McDiarmid radius at most the
		// oracle's). s is chosen per case (edgeStrength) so that the
		// expected deviation lies between 1 and 2 MDDs (MDD = 2 radius),
		// unresolved when no s <= 1 gets there; the check must then reject,
		// a random event of probability at least 1 - delta. (The Bayes
		// classifier alone is deterministic: its risk is known before it
		// runs, so its rejection would be the resolution condition itself.)
		// Noise levels 2..8 keep G - R* well above the MDD at N = 200000.
		Name:       "edge-bayes-share",
		Checks:     5,
		Assertions: 1,
		Property: func(c *Check) {
			dist := gen.Distributions(gen.Spec{
				Families: []gen.Family{gen.FamilySmooth, gen.FamilyGrid, gen.FamilyPairSwap},
				MaxDim:   4, MaxClasses: 5, MinNoise: 2, MaxNoise: 8,
			}).Draw(c.T, "dist")
			st := caseStreams(c)
			eval := drawPoints(dist, st.Eval, 200000)
			radius := BoundedDifferences(samplerSumSq(eval), c.ClaimDelta)
			mdd := Detectable(radius, radius)
			expected := func(s float64) float64 {
				dev := 0.0
				for j := range eval.len() {
					if unitHash(eval.row(j), saltShare) < s {
						e := eval.posterior(j)
						sq := 0.0
						for _, v := range e {
							sq += v * v
						}
						dev += (1 - sq) - (1 - slices.Max(e))
					}
				}
				return dev / float64(eval.len())
			}
			s, ratio, _, ok := edgeStrength(0.2, 2, []float64{mdd}, func(s float64) []float64 { return []float64{expected(s)} })
			if !ok {
				c.Unresolved("no share s <= 1 puts G^ - L between 1 and 2 MDDs (ratio %.2f at s = %.3f)", ratio, s)
			}
			h := shareClassifier{oracleSampler{dist}, bayesClassifier{dist}, s}
			r, err := samplerRiskGap(h, eval, st.Labels, c.ClaimDelta)
			if err != nil {
				c.Fatalf("S1: %v", err)
			}
			if !c.Calibrated(math.Abs(r.risk-r.sampler), r.radius, mdd) {
				c.Fatalf("S1 accepted the Bayes label on a share %.4f: L^ = %.5f, G^ = %.5f, radius %.5f, expected deviation %.5f = %.2f MDD on %v",
					s, r.risk, r.sampler, r.radius, expected(s), ratio, dist)
			}
		},
	}},
}

func init() { register(claimS1) }

const s1Checks, s1Assertions = 5, 1

// samplerRisk is S1's measurement of a classifier h on evaluation points.
type samplerRisk struct {
	risk     float64 // L^ = (1/N) sum_j (1 - eta_{h(x_j)}(x_j))
	sampler  float64 // G^ (gen.SamplerRisk)
	expected float64 // (1/N) sum_j sum_c eta_jc (1 - eta_jc): E L^ for a sampler
	radius   float64 // McDiarmid radius over the sampler's N independent draws
	slack    float64 // float rounding allowed between expected and sampler
}

// samplerRiskGap predicts the evaluation points with h (drawing from rng) and
// measures S1's quantities at delta.
func samplerRiskGap(h learners.Classifier, eval points, rng *rand.Rand, delta float64) (samplerRisk, error) {
	pred := make([]int, eval.len())
	if err := h.PredictBatch(eval.x, pred, rng); err != nil {
		return samplerRisk{}, err
	}
	r := samplerRisk{
		risk:    gen.Risk(eval.eta, eval.k, pred),
		sampler: gen.SamplerRisk(eval.eta, eval.k),
		radius:  BoundedDifferences(samplerSumSq(eval), delta),
		slack:   roundingSlack(eval.len(), eval.k),
	}
	for j := 0; j < eval.len(); j++ {
		for _, v := range eval.posterior(j) {
			r.expected += v * (1 - v)
		}
	}
	r.expected /= float64(eval.len())
	return r, nil
}

// samplerSumSq returns sum_j (width_j/N)^2 with width_j = max_c eta_jc -
// min_c eta_jc, the squared influences of the N independent draws on L^.
func samplerSumSq(eval points) float64 {
	n := float64(eval.len())
	s := 0.0
	for j := 0; j < eval.len(); j++ {
		e := eval.posterior(j)
		lo, hi := e[0], e[0]
		for _, v := range e {
			lo, hi = min(lo, v), max(hi, v)
		}
		s += ((hi - lo) / n) * ((hi - lo) / n)
	}
	return s
}

// roundingSlack bounds the difference between two float computations of the
// same mean of N rows of k terms in [0, 1]: a recursive sum of n such terms
// errs by at most (n-1) u sum_i |x_i| <= n^2 u (Higham, Accuracy and
// Stability of Numerical Algorithms, eq. 4.4), so a mean of N rows errs by at
// most (N + k) u and two of them differ by at most 2 (N + k) u; we allow
// 4 (N + k) u, u = 2^-53, plus gen.PosteriorTolerance for rows that sum to 1
// only within validation. About 1e-12 at N = 20000.
func roundingSlack(n, k int) float64 {
	return 4*float64(n+k)*0x1p-53 + gen.PosteriorTolerance
}

// shareClassifier answers as other on the share q of the queries that
// unitHash(x, saltShare) picks (as majorityOnShare does) and as base
// elsewhere; base draws from the rng for every query, in order, so the
// draws off the share are those base would make.
type shareClassifier struct {
	base, other learners.Classifier
	q           float64
}

func (s shareClassifier) Dim() int     { return s.base.Dim() }
func (s shareClassifier) Classes() int { return s.base.Classes() }

func (s shareClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	y := []int{0}
	return y[0], s.PredictBatch(x, y, rng)
}

func (s shareClassifier) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	if rng == nil {
		return errors.New("claims: shareClassifier needs a non-nil *rand.Rand")
	}
	if err := s.base.PredictBatch(x, dst, rng); err != nil {
		return err
	}
	alt := make([]int, len(dst))
	if err := s.other.PredictBatch(x, alt, rng); err != nil {
		return err
	}
	d := s.Dim()
	for j := range dst {
		if unitHash(x[j*d:(j+1)*d], saltShare) < s.q {
			dst[j] = alt[j]
		}
	}
	return nil
}
