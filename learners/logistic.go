package learners

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/optimize"
)

// Settings of the logistic fit: see Logistic.
const (
	logisticGradTol    = 1e-10 // stop when the gradient's infinity norm is below this
	logisticIterations = 500   // at most this many L-BFGS iterations
	logisticStall      = 20    // iterations without significant decrease that count as a stall
	logisticStallRel   = 1e-12 // a decrease is significant if above logisticStallRel*|f| + logisticStallAbs
	logisticStallAbs   = 1e-15
	logisticEvals      = 50 * logisticIterations // safety cap on objective evaluations
)

// Logistic is L2-regularised logistic regression, a binary (K == 2) halfspace
// learner. With labels y_i in {0, 1} mapped to s_i = 2y_i - 1, Fit minimises
//
//	f(w, b) = (1/n) sum_i log(1 + exp(-s_i (w.x_i + b))) + (L2/2) ||w||^2
//
// (the intercept b is not penalised) with L-BFGS from gonum/optimize,
// starting at w = 0, b = 0. The fitted classifier predicts 1 if
// w.x + b > 0 and 0 otherwise (ties go to class 0).
//
// The minimisation runs in standardised coordinates z_j = (x_j - m_j)/sd_j,
// where m_j and sd_j are the mean and the (population) standard deviation
// of feature j over the training set, computed after dividing the feature
// by its largest magnitude so that nothing overflows; a constant feature
// gets m_j = its value and scale sd_j = 1. This is an exact change of
// variables: with v_j = w_j sd_j and c = b + sum_j w_j m_j the objective is
//
//	(1/n) sum_i log(1 + exp(-s_i (v.z_i + c))) + (L2/2) sum_j (v_j/sd_j)^2,
//
// and its minimiser is mapped back to w_j = v_j/sd_j and
// b = c - sum_j v_j m_j/sd_j. L-BFGS runs on (u, c) with
// u_j = v_j sqrt(1 + L2/sd_j^2), which keeps the problem well conditioned
// however large L2 is; a coordinate whose penalty L2/sd_j^2 overflows is
// held at v_j = 0 (its minimiser to working precision). The log-loss is
// evaluated in the stable form log(1 + exp(-t)) = max(-t, 0) + log1p(exp(-|t|)).
//
// The optimiser stops when the infinity norm of the gradient in (u, c)
// falls below 1e-10, when the objective stalls (no decrease by more than
// 1e-12 |f| + 1e-15 over 20 iterations), after 500 iterations (or 25000
// objective evaluations), or when the line search can make no more
// progress. On every stop Fit returns the point with the lowest objective
// evaluated; LogisticClassifier.Status reports why the optimiser stopped.
// Since the tolerance applies to u, w is accurate in absolute rather than
// relative terms when L2/sd_j^2 is huge (w is then about zero anyway).
//
// Fit returns an error if L2 is negative, NaN or Inf, if the Dataset is
// invalid, if K != 2, if the best point reached is not finite, or if the
// weights overflow when mapped back to the original coordinates (a feature
// whose standard deviation is subnormal can cause this). It never panics
// on data.
type Logistic struct {
	L2 float64 // ridge penalty on the weights w (not on b), L2 >= 0
}

// Fit returns the regularised logistic regression fit, a
// *LogisticClassifier. See Logistic for the objective and the errors.
func (l Logistic) Fit(train Dataset) (Classifier, error) {
	if math.IsNaN(l.L2) || math.IsInf(l.L2, 0) || l.L2 < 0 {
		return nil, fmt.Errorf("learners: logistic penalty L2 = %v, want finite and >= 0", l.L2)
	}
	if err := train.Validate(); err != nil {
		return nil, err
	}
	if train.K != 2 {
		return nil, fmt.Errorf("learners: logistic regression needs K = 2 classes, got %d", train.K)
	}
	return fitLogistic(train, l.L2)
}

// logisticScale is the standardisation of one feature:
// z = (x/a - shift)/s, so the mean is a*shift and the scale a*s.
type logisticScale struct {
	a, shift, s float64
}

// standardise returns the standardisation of feature j of the valid
// dataset train.
func standardise(train Dataset, j int) logisticScale {
	n, d := train.Len(), train.D
	x0 := train.X[j]
	a := 0.0
	constant := true
	for i := range n {
		v := train.X[i*d+j]
		if v != x0 {
			constant = false
		}
		a = max(a, math.Abs(v))
	}
	if constant {
		return logisticScale{a: 1, shift: x0, s: 1}
	}
	// Every x/a is in [-1, 1], so neither sum below overflows.
	sum := 0.0
	for i := range n {
		sum += train.X[i*d+j] / a
	}
	mean := sum / float64(n)
	ss := 0.0
	for i := range n {
		r := train.X[i*d+j]/a - mean
		ss += r * r
	}
	s := math.Sqrt(ss / float64(n))
	if s == 0 || math.IsNaN(s) {
		s = 1
	}
	return logisticScale{a: a, shift: mean, s: s}
}

// logLoss returns log(1 + exp(-t)) and its derivative -1/(1 + exp(t)),
// both computed without overflow.
func logLoss(t float64) (loss, deriv float64) {
	e := math.Exp(-math.Abs(t))
	loss = math.Max(-t, 0) + math.Log1p(e)
	if t >= 0 {
		deriv = -e / (1 + e)
	} else {
		deriv = -1 / (1 + e)
	}
	return loss, deriv
}

// fitLogistic runs the fit described at Logistic on valid binary data.
func fitLogistic(train Dataset, l2 float64) (*LogisticClassifier, error) {
	n, d := train.Len(), train.D
	scales := make([]logisticScale, d)
	for j := range scales {
		scales[j] = standardise(train, j)
	}
	// lambda_j = L2/sd_j^2 is the penalty on v_j. The optimiser works on
	// u_j = q_j v_j with q_j = sqrt(1 + lambda_j), which gives the penalty
	// the coefficient mu_j = lambda_j/(1 + lambda_j) <= 1 and keeps the
	// problem well conditioned however large L2 is. A coordinate whose
	// lambda_j overflows is held at v_j = 0 by zeroing its column of z.
	q := make([]float64, d)
	mu := make([]float64, d)
	for j, sc := range scales {
		q[j] = 1
		if l2 == 0 {
			continue
		}
		r := 1 / sc.s / sc.a // 1/sd_j, possibly +Inf
		lambda := l2 * r * r
		if math.IsInf(lambda, 1) {
			q[j] = math.Inf(1)
			continue
		}
		q[j] = math.Sqrt(1 + lambda)
		mu[j] = lambda / (1 + lambda)
	}
	z := make([]float64, n*d)
	for i := range n {
		for j, sc := range scales {
			if !math.IsInf(q[j], 1) {
				z[i*d+j] = (train.X[i*d+j]/sc.a - sc.shift) / sc.s / q[j]
			}
		}
	}
	sign := make([]float64, n)
	for i, y := range train.Y {
		sign[i] = float64(2*y - 1)
	}

	// theta = (u_0, ..., u_{d-1}, c) in standardised coordinates.
	margin := func(theta []float64, i int) float64 {
		t := theta[d]
		for j, zj := range z[i*d : (i+1)*d] {
			t += theta[j] * zj
		}
		return sign[i] * t
	}
	penalty := func(theta []float64) float64 {
		p := 0.0
		for j, v := range theta[:d] {
			p += mu[j] / 2 * v * v
		}
		return p
	}
	best := make([]float64, d+1)
	bestF := math.Inf(1)
	objective := func(theta []float64) float64 {
		f := 0.0
		for i := range n {
			loss, _ := logLoss(margin(theta, i))
			f += loss
		}
		f = f/float64(n) + penalty(theta)
		if math.IsNaN(f) {
			f = math.Inf(1)
		}
		if f < bestF {
			bestF = f
			copy(best, theta)
		}
		return f
	}
	gradient := func(grad, theta []float64) {
		clear(grad)
		for i := range n {
			_, g := logLoss(margin(theta, i))
			g *= sign[i] / float64(n)
			for j, zj := range z[i*d : (i+1)*d] {
				grad[j] += g * zj
			}
			grad[d] += g
		}
		for j, v := range theta[:d] {
			grad[j] += mu[j] * v
		}
	}

	problem := optimize.Problem{Func: objective, Grad: gradient}
	settings := &optimize.Settings{
		GradientThreshold: logisticGradTol,
		Converger: &optimize.FunctionConverge{
			Absolute:   logisticStallAbs,
			Relative:   logisticStallRel,
			Iterations: logisticStall,
		},
		MajorIterations: logisticIterations,
		FuncEvaluations: logisticEvals,
	}
	status := "NotRun"
	res, err := optimize.Minimize(problem, make([]float64, d+1), settings, &optimize.LBFGS{})
	if res != nil {
		status = res.Status.String()
	}
	if err != nil {
		status += ": " + err.Error()
	}
	if math.IsInf(bestF, 1) {
		return nil, fmt.Errorf("learners: logistic fit found no finite objective value (%s)", status)
	}
	for _, v := range best {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("learners: logistic fit reached a non-finite point (%s)", status)
		}
	}

	c := &LogisticClassifier{d: d, w: make([]float64, d), b: best[d], status: status}
	for j, sc := range scales {
		if best[j] == 0 {
			continue
		}
		vs := best[j] / q[j] / sc.s
		c.w[j] = vs / sc.a
		c.b -= vs * sc.shift
	}
	for _, v := range append(slices.Clone(c.w), c.b) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errLogisticOverflow
		}
	}
	return c, nil
}

// errLogisticOverflow is returned when the fitted halfspace is not
// representable in the original coordinates.
var errLogisticOverflow = errors.New("learners: logistic weights overflow in the original coordinates (feature scale too small)")

// LogisticClassifier is a halfspace on R^d: it predicts 1 if w.x + b > 0
// and 0 otherwise (ties go to class 0), where w = Weights() and b = Bias().
// It is returned by Logistic.Fit.
type LogisticClassifier struct {
	d      int
	w      []float64
	b      float64
	status string
}

// Dim returns the input dimension.
func (c *LogisticClassifier) Dim() int { return c.d }

// Classes returns the number of classes, 2.
func (c *LogisticClassifier) Classes() int { return 2 }

// Weights returns a copy of the weight vector w in the original coordinates.
func (c *LogisticClassifier) Weights() []float64 { return slices.Clone(c.w) }

// Bias returns the intercept b in the original coordinates.
func (c *LogisticClassifier) Bias() float64 { return c.b }

// Status returns the optimiser's termination status (an
// optimize.Status name such as "GradientThreshold", "FunctionConvergence"
// or "IterationLimit"), followed by ": " and the optimiser's error when it
// stopped on one, such as a line search that made no progress.
func (c *LogisticClassifier) Status() string { return c.status }

// label returns 1 if w.x + b > 0 and 0 otherwise. If the sum overflows it
// is recomputed with every term scaled by 2^-1080 (each factor by 2^-540),
// which keeps its sign.
func (c *LogisticClassifier) label(x []float64) int {
	s := c.b
	for j, v := range x {
		s += c.w[j] * v
	}
	if math.IsNaN(s) || math.IsInf(s, 0) {
		s = math.Ldexp(c.b, -1080)
		for j, v := range x {
			s += math.Ldexp(c.w[j], -540) * math.Ldexp(v, -540)
		}
	}
	if s > 0 {
		return 1
	}
	return 0
}

// Predict returns 1 if w.x + b > 0 and 0 otherwise. It ignores rng and
// returns an error if x has the wrong length or a non-finite entry.
func (c *LogisticClassifier) Predict(x []float64, _ *rand.Rand) (int, error) {
	if err := checkQuery(x, c.d); err != nil {
		return 0, err
	}
	return c.label(x), nil
}

// PredictBatch writes the label of each row of x into dst. It ignores rng
// and returns an error on ragged or non-finite input or a length mismatch.
func (c *LogisticClassifier) PredictBatch(x []float64, dst []int, _ *rand.Rand) error {
	if err := checkBatch(x, c.d, dst); err != nil {
		return err
	}
	for i := range dst {
		dst[i] = c.label(x[i*c.d : (i+1)*c.d])
	}
	return nil
}
