package claims

import (
	"math"
	"math/rand/v2"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimS1 (sampler risk): a randomized classifier that answers each query x
// with a fresh y ~ eta(.|x) has risk exactly G = E[1 - sum_c eta_c(x)^2].
//
// On N evaluation points its risk measured through eta is
// L^ = (1/N) sum_j (1 - eta_{y_j}(x_j)); over the sampler's own draws
// E L^ = (1/N) sum_j sum_c eta_jc (1 - eta_jc) = G^, G on the same points
// (an identity, asserted with float slack only). The N draws are independent
// and term j ranges over an interval of width max_c eta_jc - min_c eta_jc, so
// McDiarmid gives |L^ - G^| <= sqrt(ln(2/delta)/2 sum_j (width_j/N)^2) with
// probability 1 - delta, delta = c.Delta. No Monte-Carlo error in x enters:
// both sides live on the same points.
var claimS1 = Claim{
	ID:     "S1",
	Title:  "A conditional sampler has risk G",
	Source: "Kaplun et al. 2022, Section 3 (the sampler risk); Cover and Hart 1967",
	Statement: "A classifier answering each query with a fresh y ~ eta(.|x) has risk " +
		"E L = G = E[1 - sum_c eta_c^2]; on N points |L^ - G^| <= sqrt(ln(2/delta)/2 sum_j (width_j/N)^2).",
	Kind:       Exact,
	Checks:     s1Checks,
	Assertions: s1Assertions,
	Property: func(c *Check) {
		dist := gen.Distributions(gen.Spec{}).Draw(c.T, "dist")
		n := rapid.SampledFrom([]int{1000, 5000, 20000}).Draw(c.T, "N")
		st := caseStreams(c)
		eval := drawPoints(dist, st.Eval, n)
		r, err := samplerRiskGap(oracleSampler{dist}, eval, st.Labels, c.Delta)
		if err != nil {
			c.Fatalf("S1: %v", err)
		}
		if math.Abs(r.expected-r.sampler) > r.slack {
			c.Fatalf("S1: E L^ = sum_c eta(1-eta) = %.17g but G^ = %.17g (|diff| > %.3g) on %v", r.expected, r.sampler, r.slack, dist)
		}
		c.Margin(r.radius - math.Abs(r.risk-r.sampler))
		if math.Abs(r.risk-r.sampler) > r.radius {
			c.Fatalf("S1: sampler risk L^ = %.5f but G^ = %.5f: |diff| %.5f > radius %.5f (N = %d, delta = %.3g) on %v",
				r.risk, r.sampler, math.Abs(r.risk-r.sampler), r.radius, n, c.Delta, dist)
		}
	},
	Falsifiers: []Falsifier{{
		// The Bayes classifier is deterministic, so its L^ is R^* exactly and
		// the check (at the claim's delta) rejects it iff G^ - R^* > radius:
		// decided from eta before predicting, so rejection is certain. Noise levels 2..8 keep eta off one-hot (G - R* >= 0.02
		// or so), and N = 20000 gives a radius below 0.02 at delta ~ 1e-9.
		Name:       "bayes-classifier",
		Checks:     5,
		Assertions: 1,
		Property: func(c *Check) {
			dist := gen.Distributions(gen.Spec{
				Families: []gen.Family{gen.FamilySmooth, gen.FamilyGrid, gen.FamilyPairSwap},
				MaxDim:   4, MaxClasses: 5, MinNoise: 2, MaxNoise: 8,
			}).Draw(c.T, "dist")
			st := caseStreams(c)
			eval := drawPoints(dist, st.Eval, 20000)
			bayes := gen.BayesRisk(eval.eta, eval.k)
			sampler := gen.SamplerRisk(eval.eta, eval.k)
			radius := BoundedDifferences(samplerSumSq(eval), s1Delta())
			if sampler-bayes <= radius {
				c.Unresolved("G^ - R^* = %.4f within the radius %.4f", sampler-bayes, radius)
			}
			r, err := samplerRiskGap(bayesClassifier{dist}, eval, st.Labels, s1Delta())
			if err != nil {
				c.Fatalf("S1: %v", err)
			}
			c.Margin(math.Abs(r.risk-r.sampler) - r.radius)
			if math.Abs(r.risk-r.sampler) <= r.radius {
				c.Fatalf("S1 accepted the Bayes classifier: L^ = %.5f, G^ = %.5f, radius %.5f on %v", r.risk, r.sampler, r.radius, dist)
			}
		},
	}},
}

func init() { register(claimS1) }

const s1Checks, s1Assertions = 20, 2

// s1Delta is the delta at which claim S1's check runs (its falsifier runs
// the same check, at the same delta).
func s1Delta() float64 { return claimDelta(checksFor(s1Checks), s1Assertions) }

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
