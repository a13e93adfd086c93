package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Hoeffding returns the two-sided Hoeffding half-width for the mean of n
// independent variables with values in an interval of length 1:
//
//	eps = sqrt(ln(2/delta) / (2n)),
//
// so P(|mean - E mean| > eps) <= delta. Scale eps by the range for variables in
// a longer or shorter interval. It panics if n < 1 or delta is not in (0, 1).
func Hoeffding(n int, delta float64) float64 {
	if n < 1 || !(delta > 0 && delta < 1) {
		panic(fmt.Sprintf("gen: Hoeffding: need n >= 1 and delta in (0, 1), got n = %d, delta = %v", n, delta))
	}
	return math.Sqrt(math.Log(2/delta) / (2 * float64(n)))
}

// Interval is a two-sided confidence interval for a mean: Lo = Mean - Eps and
// Hi = Mean + Eps, clipped to [0, 1].
type Interval struct {
	Mean, Lo, Hi float64
	Eps          float64 // half-width before clipping
}

// Contains reports whether Lo <= v <= Hi.
func (iv Interval) Contains(v float64) bool { return iv.Lo <= v && v <= iv.Hi }

func newInterval(mean, eps float64) Interval {
	return Interval{Mean: mean, Lo: math.Max(0, mean-eps), Hi: math.Min(1, mean+eps), Eps: eps}
}

// Estimates holds Monte-Carlo estimates of a distribution's Bayes risk R* and
// sampler risk G, each with a Hoeffding interval at level Delta computed from N
// draws.
type Estimates struct {
	Bayes, Sampler Interval
	N              int
	Delta          float64
}

// EstimateRisks draws n points x_j from dist with rng and returns
//
//	R^ = (1/n) sum_j (1 - max_c eta_c(x_j)),  G^ = (1/n) sum_j (1 - sum_c eta_c(x_j)^2),
//
// each with the two-sided Hoeffding interval at delta. Both summands lie in
// [0, 1 - 1/k], so the half-width is
//
//	eps = (1 - 1/k) sqrt(ln(2/delta) / (2n)),
//
// and P(R* not in Bayes) <= delta, P(G not in Sampler) <= delta separately
// (2 delta jointly). It panics if n < 1, delta is not in (0, 1) or rng is nil.
func EstimateRisks(dist Distribution, rng *rand.Rand, n int, delta float64) Estimates {
	if rng == nil {
		panic("gen: EstimateRisks: nil rng")
	}
	if n < 1 || !(delta > 0 && delta < 1) {
		panic(fmt.Sprintf("gen: EstimateRisks: need n >= 1 and delta in (0, 1), got n = %d, delta = %v", n, delta))
	}
	eps := Hoeffding(n, delta)
	d, k := dist.Dim(), dist.Classes()
	x := make([]float64, d)
	eta := make([]float64, k)
	var sb, sg float64
	for j := 0; j < n; j++ {
		dist.SampleX(rng, x)
		dist.Posterior(x, eta)
		m, q := 0.0, 0.0
		for _, v := range eta {
			m = math.Max(m, v)
			q += v * v
		}
		sb += 1 - m
		sg += 1 - q
	}
	eps *= 1 - 1/float64(k)
	return Estimates{
		Bayes:   newInterval(sb/float64(n), eps),
		Sampler: newInterval(sg/float64(n), eps),
		N:       n,
		Delta:   delta,
	}
}
