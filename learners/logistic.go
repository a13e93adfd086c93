package learners

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Settings of the logistic fit: see Logistic.
const (
	// LogisticGradTol is the tolerance of the logistic fit: it stops once
	// the infinity norm of the objective's gradient in its working
	// coordinates (see Logistic) is at most this.
	LogisticGradTol = 1e-10
	// MaxLogisticFeatures is the largest dimension Logistic accepts: each
	// Newton step solves a (d+1) x (d+1) system, 8 (d+1)^2 bytes (134 MB
	// at this size).
	MaxLogisticFeatures = 1 << 12

	logisticIterations = 100 // at most this many Newton steps
	logisticHalvings   = 60  // at most this many step halvings per line search
	logisticArmijo     = 1e-4
)

// LogisticStatus says how a logistic fit ended.
type LogisticStatus int

const (
	// LogisticConverged: the gradient's infinity norm is at most
	// LogisticGradTol, so (w, b) is the minimiser to that tolerance.
	LogisticConverged LogisticStatus = iota + 1
	// LogisticNoFiniteOptimum: the objective has no minimiser. Either every
	// training label is the same (for any L2: the unpenalised intercept
	// runs off to infinity; the fit is w = 0 and b = +1 or -1, predicting
	// that label everywhere), or L2 = 0 and the training points are
	// linearly separable (the fit is the first Newton iterate that
	// separates them, certified by margins larger than their rounding
	// error; every multiple of it has a lower objective, so its norm is
	// arbitrary).
	LogisticNoFiniteOptimum
	// LogisticRoundingFloor: no step along the Newton direction decreases
	// the objective any more, with the gradient still above
	// LogisticGradTol: the minimiser to working precision (GradNorm says
	// how close).
	LogisticRoundingFloor
	// LogisticIterationLimit: 100 Newton steps did not bring the gradient
	// below LogisticGradTol.
	LogisticIterationLimit
)

// String returns "converged", "no finite optimum", "rounding floor" or
// "iteration limit".
func (s LogisticStatus) String() string {
	switch s {
	case LogisticConverged:
		return "converged"
	case LogisticNoFiniteOptimum:
		return "no finite optimum"
	case LogisticRoundingFloor:
		return "rounding floor"
	case LogisticIterationLimit:
		return "iteration limit"
	}
	return fmt.Sprintf("LogisticStatus(%d)", int(s))
}

// Logistic is L2-regularised logistic regression, a binary (K == 2) halfspace
// learner. With labels y_i in {0, 1} mapped to s_i = 2y_i - 1, Fit minimises
//
//	f(w, b) = (1/n) sum_i log(1 + exp(-s_i (w.x_i + b))) + (L2/2) ||w||^2
//
// (the intercept b is not penalised) by Newton's method, starting at w = 0,
// b = 0. The fitted classifier predicts 1 if w.x + b > 0 and 0 otherwise
// (ties go to class 0).
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
// b = c - sum_j v_j m_j/sd_j. Newton's method works on (u, c) with
// u_j = v_j sqrt(1 + L2/sd_j^2), which keeps the problem well scaled
// however large L2 is; a coordinate whose penalty L2/sd_j^2 overflows is
// held at v_j = 0 (its minimiser to working precision). The log-loss is
// evaluated in the stable form log(1 + exp(-t)) = max(-t, 0) + log1p(exp(-|t|)).
//
// Each Newton step solves H p = -g with the exact Hessian H (a Cholesky
// factorization; a singular H, from a constant feature or collinear
// features with L2 = 0, gets the smallest multiple of the identity added
// that makes it factorize) and backtracks from the full step until the
// objective decreases by at least 1e-4 of the linear prediction (or, at the
// full step, does not increase while the predicted decrease is below the
// objective's rounding). Newton's method converges quadratically near the
// minimiser, so it reaches the tolerance in a few dozen steps where a
// first-order method stalls: on the raw (unstandardised) breast-cancer
// features, L-BFGS stopped at 500 iterations up to 0.14% above the
// optimum. The fit stops when the infinity norm of the gradient in (u, c)
// is at most LogisticGradTol = 1e-10, when no finite minimiser exists (see
// LogisticNoFiniteOptimum), when the line search can make no progress, or
// after 100 steps; Status says which and GradNorm reports the final
// gradient. Since the tolerance applies to u, w is accurate in absolute
// rather than relative terms when L2/sd_j^2 is huge (w is then about zero
// anyway). With L2 = 0, data that are only quasi-separable (a hyperplane
// with every point on its correct closed side and some on it) have no
// finite minimiser either; that case is not detected: the fit stops where
// the gradient falls below the tolerance, with a correspondingly large w.
// A step costs O(n d^2 + d^3) time and O((n + d) d) memory.
//
// Fit returns an error if L2 is negative, NaN or Inf, if the Dataset is
// invalid, if K != 2, if d > MaxLogisticFeatures, if the point reached is
// not finite, or if the weights overflow when mapped back to the original
// coordinates (a feature whose standard deviation is subnormal can cause
// this). It never panics on data.
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
	if train.D > MaxLogisticFeatures {
		return nil, fmt.Errorf("learners: logistic regression with d = %d features, at most MaxLogisticFeatures = %d", train.D, MaxLogisticFeatures)
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
	if y0 := train.Y[0]; !slices.ContainsFunc(train.Y, func(y int) bool { return y != y0 }) {
		// One class: the intercept's infimum is at infinity.
		return &LogisticClassifier{d: d, w: make([]float64, d), b: float64(2*y0 - 1), status: LogisticNoFiniteOptimum}, nil
	}
	scales := make([]logisticScale, d)
	for j := range scales {
		scales[j] = standardise(train, j)
	}
	// lambda_j = L2/sd_j^2 is the penalty on v_j. The optimiser works on
	// u_j = q_j v_j with q_j = sqrt(1 + lambda_j), which gives the penalty
	// the coefficient mu_j = lambda_j/(1 + lambda_j) <= 1 and keeps the
	// problem well scaled however large L2 is. A coordinate whose
	// lambda_j overflows is held at v_j = 0 by zeroing its column of z.
	p := d + 1
	q := make([]float64, d)
	mu := make([]float64, p) // mu[d] = 0: the intercept is not penalised
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
	lp := &logisticProblem{n: n, p: p, z: make([]float64, n*p), sign: make([]float64, n), mu: mu}
	for i := range n {
		for j, sc := range scales {
			if !math.IsInf(q[j], 1) {
				lp.z[i*p+j] = (train.X[i*d+j]/sc.a - sc.shift) / sc.s / q[j]
			}
		}
		lp.z[i*p+d] = 1
		lp.sign[i] = float64(2*train.Y[i] - 1)
	}
	// back maps theta to (w, b) in the original coordinates.
	back := func(theta []float64) *LogisticClassifier {
		c := &LogisticClassifier{d: d, w: make([]float64, d), b: theta[d]}
		for j, sc := range scales {
			if theta[j] == 0 {
				continue
			}
			vs := theta[j] / q[j] / sc.s
			c.w[j] = vs / sc.a
			c.b -= vs * sc.shift
		}
		return c
	}
	var separated func(theta []float64) bool
	if l2 == 0 {
		// Separation certified on z can still be lost in the map back to
		// (w, b) when a margin is near its rounding: the fit stops only
		// when the classifier it returns, evaluated as Predict evaluates
		// it, labels every training point correctly.
		separated = func(theta []float64) bool {
			c := back(theta)
			for i := range n {
				if c.label(train.X[i*d:(i+1)*d]) != train.Y[i] {
					return false
				}
			}
			return true
		}
	}
	theta, gnorm, status := lp.newton(separated)
	for _, v := range theta {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("learners: logistic fit reached a non-finite point (%v)", status)
		}
	}
	c := back(theta)
	c.status, c.gradNorm = status, gnorm
	for _, v := range append(slices.Clone(c.w), c.b) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errLogisticOverflow
		}
	}
	return c, nil
}

// logisticProblem is the objective of Logistic in its working coordinates
// theta = (u, c):
//
//	F(theta) = (1/n) sum_i log(1 + exp(-m_i)) + sum_j (mu_j/2) theta_j^2,
//	m_i = s_i z_i.theta,
//
// with the rows z_i (n x p, row-major, the last entry 1 for the intercept).
type logisticProblem struct {
	n, p int
	z    []float64
	sign []float64
	mu   []float64
}

// value returns F(theta) and writes the margins m_i into m.
func (lp *logisticProblem) value(theta, m []float64) float64 {
	p := lp.p
	f := 0.0
	for i := range lp.n {
		t := 0.0
		for j, zj := range lp.z[i*p : (i+1)*p] {
			t += theta[j] * zj
		}
		m[i] = lp.sign[i] * t
		loss, _ := logLoss(m[i])
		f += loss
	}
	f /= float64(lp.n)
	for j, v := range theta {
		f += lp.mu[j] / 2 * v * v
	}
	return f
}

// gradHess writes the gradient of F at theta (margins m) into g and the
// Hessian's upper triangle into h (p x p, row-major), using a (n x p) as
// scratch, and returns ||g||_inf:
//
//	g = (1/n) sum_i l'(m_i) s_i z_i + mu theta,
//	H = (1/n) sum_i l''(m_i) z_i z_i^T + diag(mu),
//
// with l'(m) = -1/(1 + e^m) and l”(m) = e^-|m| / (1 + e^-|m|)^2.
func (lp *logisticProblem) gradHess(theta, m, g, h, a []float64) float64 {
	n, p := lp.n, lp.p
	clear(g)
	for i := range n {
		_, dl := logLoss(m[i])
		dl *= lp.sign[i] / float64(n)
		e := math.Exp(-math.Abs(m[i]))
		w := math.Sqrt(e/float64(n)) / (1 + e)
		zi, ai := lp.z[i*p:(i+1)*p], a[i*p:(i+1)*p]
		for j, zj := range zi {
			g[j] += dl * zj
			ai[j] = w * zj
		}
	}
	gnorm := 0.0
	for j, v := range theta {
		g[j] += lp.mu[j] * v
		gnorm = max(gnorm, math.Abs(g[j]))
	}
	blas64.Syrk(blas.Trans, 1, blas64.General{Rows: n, Cols: p, Stride: p, Data: a}, 0,
		blas64.Symmetric{Uplo: blas.Upper, N: p, Stride: p, Data: h})
	for j := range p {
		h[j*p+j] += lp.mu[j]
	}
	return gnorm
}

// separates reports whether every margin m_i at theta is positive by more
// than its rounding error, (p+2) 2^-53 sum_j |z_ij theta_j|: then the
// points are linearly separable and, without a penalty, F decreases along
// t theta for ever.
func (lp *logisticProblem) separates(theta, m []float64) bool {
	p := lp.p
	for i := range lp.n {
		if !(m[i] > 0) {
			return false
		}
	}
	slack := float64(p+2) * 0x1p-53
	for i := range lp.n {
		s := 0.0
		for j, zj := range lp.z[i*p : (i+1)*p] {
			s += math.Abs(theta[j] * zj)
		}
		if !(m[i] > slack*s) {
			return false
		}
	}
	return true
}

// newtonStep solves H step = -g for the Hessian h (upper triangle, p x p)
// by Cholesky, adding tau I with the smallest tau = 1e-14 (1 + max_j H_jj)
// 100^t, t = 0, 1, ..., that factorizes and gives a finite descent step
// when H alone does not. It reports false if none does.
func newtonStep(h, g, step []float64, p int) bool {
	sym := mat.NewSymDense(p, h)
	var chol mat.Cholesky
	var x mat.VecDense
	rhs := mat.NewVecDense(p, nil)
	for j, v := range g {
		rhs.SetVec(j, -v)
	}
	diag := make([]float64, p)
	for j := range diag {
		diag[j] = h[j*p+j]
	}
	tau := 0.0
	for range 12 {
		if chol.Factorize(sym) {
			_ = chol.SolveVecTo(&x, rhs) // a poor condition is caught below
			ok, slope := true, 0.0
			for j := range p {
				step[j] = x.AtVec(j)
				ok = ok && !math.IsNaN(step[j]) && !math.IsInf(step[j], 0)
				slope += step[j] * g[j]
			}
			if ok && slope < 0 {
				return true
			}
		}
		if tau == 0 {
			tau = 1e-14 * (1 + slices.Max(diag))
		} else {
			tau *= 100
		}
		for j := range p {
			sym.SetSym(j, j, diag[j]+tau)
		}
	}
	return false
}

// newton minimises F from theta = 0 (see Logistic) and returns the point
// reached, the infinity norm of its gradient and how it stopped. With
// separated non-nil (L2 = 0), it stops as soon as an iterate separates the
// data with margins above their rounding and separated(theta) holds.
func (lp *logisticProblem) newton(separated func(theta []float64) bool) (theta []float64, gnorm float64, status LogisticStatus) {
	n, p := lp.n, lp.p
	theta = make([]float64, p)
	trial := make([]float64, p)
	m, mt := make([]float64, n), make([]float64, n)
	g, step := make([]float64, p), make([]float64, p)
	h, a := make([]float64, p*p), make([]float64, n*p)
	f := lp.value(theta, m)
	for it := 0; ; it++ {
		gnorm = lp.gradHess(theta, m, g, h, a)
		switch {
		case gnorm <= LogisticGradTol:
			return theta, gnorm, LogisticConverged
		case separated != nil && lp.separates(theta, m) && separated(theta):
			return theta, gnorm, LogisticNoFiniteOptimum
		case it == logisticIterations:
			return theta, gnorm, LogisticIterationLimit
		case !newtonStep(h, g, step, p):
			return theta, gnorm, LogisticRoundingFloor
		}
		slope := 0.0 // g.step < 0, minus twice the predicted decrease
		for j := range p {
			slope += g[j] * step[j]
		}
		// The rounding of F: about 2^-52 per term of its sums, each term
		// at most f (the losses are positive) or f + 1 in magnitude.
		floor := -slope <= 4*float64(n+p)*0x1p-53*(math.Abs(f)+1)
		accepted := false
		alpha := 1.0
		for range logisticHalvings {
			for j := range p {
				trial[j] = theta[j] + alpha*step[j]
			}
			ft := lp.value(trial, mt)
			if ft <= f+logisticArmijo*alpha*slope || (alpha == 1 && floor && ft <= f) {
				theta, trial = trial, theta
				m, mt = mt, m
				f, accepted = ft, true
				break
			}
			alpha /= 2
		}
		if !accepted {
			return theta, gnorm, LogisticRoundingFloor
		}
	}
}

// errLogisticOverflow is returned when the fitted halfspace is not
// representable in the original coordinates.
var errLogisticOverflow = errors.New("learners: logistic weights overflow in the original coordinates (feature scale too small)")

// LogisticClassifier is a halfspace on R^d: it predicts 1 if w.x + b > 0
// and 0 otherwise (ties go to class 0), where w = Weights() and b = Bias().
// It is returned by Logistic.Fit.
type LogisticClassifier struct {
	d        int
	w        []float64
	b        float64
	status   LogisticStatus
	gradNorm float64
}

// Dim returns the input dimension.
func (c *LogisticClassifier) Dim() int { return c.d }

// Classes returns the number of classes, 2.
func (c *LogisticClassifier) Classes() int { return 2 }

// Weights returns a copy of the weight vector w in the original coordinates.
func (c *LogisticClassifier) Weights() []float64 { return slices.Clone(c.w) }

// Bias returns the intercept b in the original coordinates.
func (c *LogisticClassifier) Bias() float64 { return c.b }

// Status returns how the fit ended (see LogisticStatus).
func (c *LogisticClassifier) Status() LogisticStatus { return c.status }

// GradNorm returns the infinity norm of the objective's gradient at the
// fit, in the working coordinates (u, c) of Logistic: at most
// LogisticGradTol when Status is LogisticConverged. It is 0 for the fit of
// one class, which has no gradient to speak of.
func (c *LogisticClassifier) GradNorm() float64 { return c.gradNorm }

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
