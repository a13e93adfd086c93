package experiment

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Interval is a two-sided confidence interval [Lo, Hi] around the sample
// mean Mean.
type Interval struct {
	Mean, Lo, Hi float64
}

// Contains reports whether Lo <= v <= Hi.
func (iv Interval) Contains(v float64) bool { return iv.Lo <= v && v <= iv.Hi }

// String formats the interval as "mean [lo, hi]" with four decimals.
func (iv Interval) String() string {
	return fmt.Sprintf("%.4f [%.4f, %.4f]", iv.Mean, iv.Lo, iv.Hi)
}

// TInterval returns the Student t confidence interval at the given level
// (e.g. 0.999) for the mean of the values v, treated as independent draws
// (one per split):
//
//	mean ± t_{(1+level)/2, S-1} · sd / sqrt(S),
//
// with sd the sample standard deviation (divisor S-1) and t the quantile of
// Student's t with S-1 degrees of freedom (gonum's distuv.StudentsT). It
// panics if len(v) < 2 or level is not in (0, 1).
func TInterval(v []float64, level float64) Interval {
	s := len(v)
	if s < 2 {
		panic("experiment: t interval needs at least 2 values")
	}
	if !(level > 0 && level < 1) {
		panic("experiment: confidence level outside (0, 1)")
	}
	var mean float64
	for _, x := range v {
		mean += x
	}
	mean /= float64(s)
	var ss float64
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(s-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(s - 1)}.Quantile((1 + level) / 2)
	half := t * sd / math.Sqrt(float64(s))
	return Interval{Mean: mean, Lo: mean - half, Hi: mean + half}
}

// Diff returns a - b element by element (paired differences over splits).
// It panics if the lengths differ.
func Diff(a, b []float64) []float64 {
	if len(a) != len(b) {
		panic("experiment: paired values of different lengths")
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = a[i] - b[i]
	}
	return d
}

// Scaled returns c·a element by element.
func Scaled(c float64, a []float64) []float64 {
	d := make([]float64, len(a))
	for i, v := range a {
		d[i] = c * v
	}
	return d
}

// ShiftFractions returns, per split, the fraction of the noisy teacher's
// test errors that sit at (c, (c+Shift) mod K): ShiftErrors[s]/Errors[s]
// (1 for a split with no errors).
func (r *Result) ShiftFractions() []float64 {
	f := make([]float64, len(r.Errors))
	for s, e := range r.Errors {
		f[s] = 1
		if e > 0 {
			f[s] = float64(r.ShiftErrors[s]) / float64(e)
		}
	}
	return f
}

// SamplerTolerance bounds, for every split, the gap between the teacher's
// expected accuracy (Predicted) and (1-rho) times the clean 1-NN accuracy:
//
//	|Predicted_s - (1-rho) clean_s| <= max_c |r_c - rho| + rho (1 - clean_s),
//
// because a test point whose clean nearest neighbour is right is predicted
// right with probability 1 - r_c (and |r_c - rho| <= 1/(2 n_c) by rounding),
// while one whose clean neighbour is wrong is predicted right only if that
// neighbour's label was flipped onto the truth (probability r_c <= rho +
// |r_c - rho|, on at most a fraction 1 - clean_s of the points). It returns
// the largest bound over the splits. The approximation "1-NN on noisy labels
// = sampler of the noisy labels" thus holds up to the 1-NN's own clean error
// and the rounding of the per-class flip counts.
func (r *Result) SamplerTolerance() float64 {
	var tol float64
	rho := r.Config.Noise
	for s, c := range r.Acc[CleanNN] {
		tol = math.Max(tol, r.RoundGap[s]+rho*(1-c))
	}
	return tol
}
