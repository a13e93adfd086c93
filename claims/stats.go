package claims

import (
	"fmt"
	"math"

	"github.com/rolemodels/rolemodels/gen"

	"gonum.org/v1/gonum/stat/distuv"
)

// This file holds every concentration bound the claims use. Each returns the
// radius of a two-sided interval that holds with probability at least
// 1 - delta; a one-sided use may take delta/2's radius at delta.

// Hoeffding returns the radius eps of Hoeffding's two-sided bound for the
// mean of n independent variables with values in an interval of width
// width:
//
//	P(|mean - E mean| >= eps) <= 2 exp(-2 n eps^2 / width^2) = delta,
//	eps = width sqrt(ln(2/delta) / (2n)).
//
// It is gen.Hoeffding scaled by width, and panics as it does: if n < 1 or
// delta is not in (0, 1); and if width is negative, NaN or infinite.
func Hoeffding(n int, width, delta float64) float64 {
	checkWidth("Hoeffding", width)
	return width * gen.Hoeffding(n, delta)
}

// BoundedDifferences returns the radius of McDiarmid's bounded-differences
// inequality for a function f of independent variables such that changing
// variable i moves f by at most c_i, given sumSq = sum_i c_i^2:
//
//	P(|f - E f| >= eps) <= 2 exp(-2 eps^2 / sum_i c_i^2) = delta,
//	eps = sqrt(ln(2/delta) sum_i c_i^2 / 2).
//
// With all c_i = width/n it is Hoeffding's bound. It panics if sumSq < 0.
func BoundedDifferences(sumSq, delta float64) float64 {
	checkDelta(delta)
	if sumSq < 0 || math.IsNaN(sumSq) {
		panic("claims: BoundedDifferences with a negative sum of squares")
	}
	return math.Sqrt(math.Log(2/delta) * sumSq / 2)
}

// Bernstein returns the radius of Bernstein's two-sided bound for a sum of
// independent centred variables Z_i with |Z_i| <= b and sum_i Var Z_i <= v:
//
//	P(|sum Z_i| >= t) <= 2 exp(-t^2 / (2 (v + b t/3))) = delta,
//	t = b L/3 + sqrt((b L/3)^2 + 2 v L),  L = ln(2/delta),
//
// the positive root of t^2 = 2 L (v + b t/3). Divide by n for a mean. It
// panics if v or b is negative.
func Bernstein(v, b, delta float64) float64 {
	checkDelta(delta)
	if v < 0 || b < 0 || math.IsNaN(v+b) {
		panic("claims: Bernstein with a negative variance or range")
	}
	l := math.Log(2 / delta)
	a := b * l / 3
	return a + math.Sqrt(a*a+2*v*l)
}

// BoundedDifferencesBernstein returns the radius of the Bernstein form of
// the bounded-differences inequality for a function f of independent
// variables Y_1..Y_n: if changing Y_i alone moves f by at most c_i <= b, and
// every function g of Y_i alone with that range has Var g(Y_i) <= v_i, with
// v = sum_i v_i, then
//
//	P(|f - E f| >= t) <= 2 exp(-t^2 / (2 (v + b t/3))) = delta,
//
// the radius of Bernstein(v, b, delta). Proof: the Doob martingale
// differences D_i = E[f | Y_1..Y_i] - E[f | Y_1..Y_{i-1}] are, given
// Y_1..Y_{i-1}, a function of Y_i of range c_i (so |D_i| <= b) and variance
// at most v_i; Freedman's inequality (Freedman 1975; McDiarmid 1998,
// Concentration, Theorem 3.15) bounds each tail by exp(-t^2/(2(v + b t/3))).
// For a label Y ~ p over k classes, Var g(Y) = 1/2 sum_{a,b} p_a p_b
// (g(a) - g(b))^2 <= c^2 (1 - sum_c p_c^2)/2, which is below McDiarmid's
// c^2/4 wherever the label is not near uniform over two classes. It panics
// as Bernstein does.
func BoundedDifferencesBernstein(v, b, delta float64) float64 {
	return Bernstein(v, b, delta)
}

// EmpiricalBernstein returns the radius of the empirical Bernstein bound of
// Maurer and Pontil (2009, Theorem 4) for the mean of n >= 2 i.i.d. variables
// in [0, width], using their sample variance s2 (divisor n-1), two-sided:
//
//	eps = sqrt(2 s2 ln(4/delta) / n) + 7 width ln(4/delta) / (3 (n-1)).
//
// It panics if n < 2, s2 < 0 or width is negative, NaN or infinite.
func EmpiricalBernstein(n int, s2, width, delta float64) float64 {
	checkDelta(delta)
	checkWidth("EmpiricalBernstein", width)
	if n < 2 || s2 < 0 || math.IsNaN(s2) {
		panic("claims: EmpiricalBernstein with n < 2 or a negative variance")
	}
	l := math.Log(4 / delta)
	return math.Sqrt(2*s2*l/float64(n)) + 7*width*l/(3*float64(n-1))
}

// ClopperPearson returns the exact two-sided (1 - delta) confidence interval
// of a binomial proportion after k successes in n trials:
//
//	lo = Beta(k, n-k+1) quantile at delta/2   (0 when k = 0)
//	hi = Beta(k+1, n-k) quantile at 1-delta/2 (1 when k = n).
//
// It panics if n < 1 or k is outside [0, n].
func ClopperPearson(k, n int, delta float64) (lo, hi float64) {
	checkDelta(delta)
	if n < 1 || k < 0 || k > n {
		panic("claims: ClopperPearson with k outside [0, n]")
	}
	lo, hi = 0, 1
	if k > 0 {
		lo = distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(delta / 2)
	}
	if k < n {
		hi = distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(1 - delta/2)
	}
	return lo, hi
}

// PairedDifference returns the mean of a_j - b_j and the Hoeffding radius of
// that mean at delta, for paired values a_j, b_j in [0, width] measured on
// the same points: each difference lies in [-width, width], an interval of
// width 2 width. Pairing cancels whatever the two share, so the interval is
// never wider than two separate ones. It panics on unequal or empty slices,
// and as Hoeffding does.
func PairedDifference(a, b []float64, width, delta float64) (mean, radius float64) {
	if len(a) != len(b) || len(a) == 0 {
		panic("claims: PairedDifference with unequal or empty slices")
	}
	for j := range a {
		mean += a[j] - b[j]
	}
	mean /= float64(len(a))
	return mean, Hoeffding(len(a), 2*width, delta)
}

// PoissonBinomial writes into dst (len(p)+1 entries) the law of the number of
// successes among independent Bernoulli(p_i) trials, by the O(n^2)
// recursion dst_j <- dst_j (1 - p_i) + dst_{j-1} p_i. It panics if
// len(dst) != len(p)+1 or a p_i is not in [0, 1].
func PoissonBinomial(p, dst []float64) {
	if len(dst) != len(p)+1 {
		panic("claims: PoissonBinomial needs len(dst) == len(p)+1")
	}
	for i, pi := range p {
		if !(pi >= 0 && pi <= 1) {
			panic(fmt.Sprintf("claims: PoissonBinomial with p[%d] = %v, want in [0, 1]", i, pi))
		}
	}
	clear(dst)
	dst[0] = 1
	for i, pi := range p {
		for j := i + 1; j >= 1; j-- {
			dst[j] = dst[j]*(1-pi) + dst[j-1]*pi
		}
		dst[0] *= 1 - pi
	}
}

// binomialUpperTail returns P(Bin(n, p) >= k), through the identity
// P(Bin(n, p) >= k) = P(Bin(n, 1-p) <= n-k) and gonum's binomial CDF (a
// regularized incomplete beta function), which keeps small tails accurate
// where 1 - CDF would cancel. It is 1 for k <= 0 and 0 for k > n.
func binomialUpperTail(n, k int, p float64) float64 {
	if k <= 0 {
		return 1
	}
	if k > n {
		return 0
	}
	return distuv.Binomial{N: float64(n), P: 1 - p}.CDF(float64(n - k))
}

// checkWidth panics unless width is finite and >= 0.
func checkWidth(fn string, width float64) {
	if !(width >= 0) || math.IsInf(width, 1) {
		panic(fmt.Sprintf("claims: %s with width %v, want finite and >= 0", fn, width))
	}
}

func checkDelta(delta float64) {
	if !(delta > 0 && delta < 1) {
		panic("claims: delta outside (0, 1)")
	}
}

// Detectable returns the certified minimal detectable deviation (MDD) of a
// check that rejects when |S - ref| > tol, against an alternative whose
// statistic S lies within altRadius of its own mean E S with probability at
// least 1 - delta: if |E S - ref| > tol + altRadius then
//
//	|S - ref| >= |E S - ref| - |S - E S| > tol + altRadius - altRadius = tol
//
// with probability at least 1 - delta, so the check rejects. The MDD is
// tol + altRadius, in the units of S. A one-sided check (reject when
// S - ref > tol) has the same MDD for deviations in its direction.
//
// altRadius is a statement about the alternatives the MDD covers; the
// claims use the concentration radius of the production learner's
// statistic, widened where a mutant adds randomness of its own (an
// independent draw per query moves a mean over N points by at most w_j/N
// per point, which enters McDiarmid's sum as sum_j (w_j/N)^2). It panics if
// tol or altRadius is negative or NaN.
func Detectable(tol, altRadius float64) float64 {
	if !(tol >= 0 && altRadius >= 0) {
		panic(fmt.Sprintf("claims: Detectable with tolerance %v and radius %v, want >= 0", tol, altRadius))
	}
	return tol + altRadius
}

// ColouredBernstein returns the radius of Janson's Bernstein-type bound for
// a sum S of partly dependent variables X_j (Janson 2004, Random Structures
// and Algorithms 24, Theorem 2.3): if the X_j have a dependency graph whose
// vertices can be covered by chi independent sets (a proper colouring with
// chi colours, an upper bound on the fractional chromatic number), each
// |X_j - E X_j| <= b and sum_j Var X_j <= v, then for each tail
//
//	P(S - E S >= t) <= exp(-8 t^2 / (25 chi (v + b t/3))),
//
// so the two-sided radius at delta solves t^2 = (25/8) chi L (v + b t/3),
// L = ln(2/delta): Bernstein's radius with v and b scaled by 25 chi/16. With
// chi = 1 (independent terms) it is Bernstein's bound widened by 25/16 in
// variance, so Bernstein itself is used then. It panics if chi < 1 and as
// Bernstein does.
func ColouredBernstein(chi int, v, b, delta float64) float64 {
	if chi < 1 {
		panic(fmt.Sprintf("claims: ColouredBernstein with %d colours, want >= 1", chi))
	}
	if chi == 1 {
		return Bernstein(v, b, delta)
	}
	s := 25 * float64(chi) / 16
	return Bernstein(s*v, s*b, delta)
}

// freedmanRatio is the ratio of FreedmanRadius's geometric grid of
// variance levels: a realized variance is rounded up by at most this factor
// (at most sqrt(1.25) on the radius), and the grid's levels cost a union
// bound ln(levels) in the exponent.
const freedmanRatio = 1.25

// FreedmanRadius returns the radius of Freedman's inequality for a
// martingale S = sum_i D_i whose differences satisfy |D_i| <= b and whose
// predictable quadratic variation V = sum_i Var(D_i | F_{i-1}) is at most
// vmax, evaluated at the realized V = v:
//
//	P(|S| >= t, V <= u) <= 2 exp(-t^2 / (2 (u + b t/3)))   (Freedman 1975),
//
// applied on the grid u_j = b^2 freedmanRatio^j, j = 0..J-1, J = 1 +
// ceil(log_1.25(vmax/b^2)) (so u_{J-1} >= vmax >= V), each level at
// delta/J: with probability at least 1 - delta, |S| < Bernstein(u_j, b,
// delta/J) for the smallest u_j >= max(V, b^2). The radius adapts to the
// variance the martingale actually accumulated, at the price of ln J in
// the exponent. It panics if b <= 0, v or vmax is negative or NaN, or v >
// vmax.
func FreedmanRadius(v, b, vmax, delta float64) float64 {
	checkDelta(delta)
	if !(b > 0) || !(v >= 0) || !(vmax >= v) || math.IsInf(vmax, 1) {
		panic(fmt.Sprintf("claims: FreedmanRadius with v = %v, b = %v, vmax = %v", v, b, vmax))
	}
	floor := b * b
	levels := 1
	if vmax > floor {
		levels += int(math.Ceil(math.Log(vmax/floor) / math.Log(freedmanRatio)))
	}
	u := floor
	for u < v {
		u *= freedmanRatio
	}
	return Bernstein(u, b, delta/float64(levels))
}
