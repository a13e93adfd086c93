package learners

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/rolemodels/rolemodels/learners/internal/kernels"
)

// Limits of RandomFeatures: the training set (the m x m Gram matrix of the
// features, 8 m^2 bytes, as for KernelMachine), the width, and the feature
// matrix (8 m W bytes: 2 GiB at the bound).
const (
	MaxRandomFeaturesPoints = MaxKernelMachinePoints
	MaxRandomFeaturesWidth  = 1 << 20
	maxRandomFeaturesCells  = 1 << 28
)

// RandomFeatures is least squares on random ReLU features, used as a
// classifier: the random-features model of a two-layer network whose first
// layer is drawn and frozen and whose second layer is fitted.
//
// Features: W = Width units, unit j with weights w_j ~ N(0, I_D / D) and a
// kink hyperplane through a training point x_{r_j}, r_j uniform on the m
// training points, all drawn in order (w_1, ..., w_W, then r_1, ..., r_W)
// from rand.NewPCG(Seed, 0):
//
//	phi_j(x) = max(0, w_j . (x - x_{r_j})) / sqrt(W)
//
// (the bias b_j = -w_j . x_{r_j}). Anchoring the kinks in the data is what
// lets W of order m features separate m points: with data-independent
// biases N(0, 1) on [0,1]^3 most units were active on all points or on
// none, and Phi had rank below m at W = 2m. The 1/sqrt(W) scale keeps
// phi(x) . phi(x') of order 1 whatever W. With
// the training points' features Phi (m x W) and the one-vs-rest targets
// Y_ic = +1 if y_i = c and -1 otherwise (m x K, as KernelMachine), Fit
// solves the m x m system
//
//	(Phi Phi^T + Ridge*I) A = Y,  beta = Phi^T A  (W x K),
//
// and the classifier answers h(x) = argmax_c phi(x) . beta_c, ties to the
// lower class. With Ridge > 0 this is ridge regression, beta =
// (Phi^T Phi + Ridge*I)^-1 Phi^T Y. With Ridge = 0 it is the minimum-norm
// interpolating solution, beta = Phi^+ Y: when W >= m and Phi has full row
// rank (distinct points, almost surely over the draws), Phi beta = Y, so
// the model interpolates its training labels whatever they are; Residual
// reports how exactly. Ridge = 0 with W < m is rejected (Phi Phi^T is then
// singular). Near W = m (the interpolation threshold of double descent)
// Phi Phi^T is badly conditioned: at m = 300 on [0,1]^2, W = m failed the
// condition test and W = 2m left a relative residual of about 1e-10.
//
// The Gram matrix Phi Phi^T is computed with the packed register-blocked
// kernels of the Cholesky path (kernels.SubMul) on all cores, and the
// system is solved by the dense path of KernelMachine (its own blocked
// Cholesky from m = 256 where available, gonum's mat.Cholesky otherwise),
// with LAPACK's condition estimate. The cost is O(m W D) for the features,
// m^2 W for the Gram matrix, m^3/3 for the factorization, 8 m (m + W)
// bytes.
//
// Fit returns an error if the Dataset is invalid or has a point of norm
// above MaxNorm; if Width is outside [1, MaxRandomFeaturesWidth], Ridge is
// negative, NaN or Inf, or Ridge = 0 and Width < m; if m exceeds
// MaxRandomFeaturesPoints or m W, D W or K W exceeds 2^28; and an error wrapping
// ErrGramNotFactorized if Phi Phi^T + Ridge*I is not numerically positive
// definite (Cholesky fails, or its condition number estimate exceeds
// mat.ConditionTolerance, 1e16), as for duplicate training points without
// a ridge or features so large that the Gram matrix overflows (rescale the
// data).
type RandomFeatures struct {
	// Width is the number of features W >= 1.
	Width int
	// Ridge is the ridge lambda >= 0; 0 is the minimum-norm interpolant.
	Ridge float64
	// Seed selects the features.
	Seed uint64
}

// validate returns an error for bad parameters given m training points.
func (l RandomFeatures) validate(m, d, k int) error {
	if l.Width < 1 || l.Width > MaxRandomFeaturesWidth {
		return fmt.Errorf("learners: random features of width %d, want 1 <= Width <= %d", l.Width, MaxRandomFeaturesWidth)
	}
	if !(l.Ridge >= 0) || math.IsInf(l.Ridge, 1) {
		return fmt.Errorf("learners: random features ridge %v, want >= 0 and finite", l.Ridge)
	}
	if m > MaxRandomFeaturesPoints {
		return fmt.Errorf("learners: random features with %d training points, at most %d supported", m, MaxRandomFeaturesPoints)
	}
	if l.Ridge == 0 && l.Width < m {
		return fmt.Errorf("learners: ridgeless random features need Width >= m to interpolate (Width = %d, m = %d): Phi Phi^T is singular; widen or use a ridge", l.Width, m)
	}
	if m*l.Width > maxRandomFeaturesCells || d*l.Width > maxRandomFeaturesCells || k*l.Width > maxRandomFeaturesCells {
		return fmt.Errorf("learners: random features with %d points of dimension %d, %d classes and width %d exceed %d cells in a matrix", m, d, k, l.Width, maxRandomFeaturesCells)
	}
	return nil
}

// Fit validates train and the parameters, draws the features, solves for
// beta and returns a *RandomFeaturesClassifier; see RandomFeatures for the
// errors.
func (l RandomFeatures) Fit(train Dataset) (Classifier, error) {
	if err := checkNearData(train); err != nil {
		return nil, err
	}
	m, d, k, w := train.Len(), train.D, train.K, l.Width
	if err := l.validate(m, d, k); err != nil {
		return nil, err
	}
	c := &RandomFeaturesClassifier{d: d, k: k, w: w, ridge: l.Ridge}
	c.weights, c.bias = drawReLUFeatures(train, w, l.Seed)
	// phiT is Phi^T, W x m row-major: feature j of point i at j*m + i.
	phiT := make([]float64, w*m)
	scale := 1 / math.Sqrt(float64(w))
	forBlocks(w, min(w, runtime.GOMAXPROCS(0)), func(_, j int) {
		wj, row := c.weights[j*d:(j+1)*d], phiT[j*m:(j+1)*m]
		for i := range m {
			row[i] = max(0, preActivation(wj, train.Row(i), c.bias[j])) * scale
		}
	})
	g, lda, norm1 := featureGram(phiT, w, m, l.Ridge)
	y := oneVsRest(train.Y, k)
	a, err := choleskySolveUpper(g, m, lda, norm1, y, k)
	if err != nil {
		detail := err.Error()
		var cond mat.Condition
		if errors.As(err, &cond) {
			detail = fmt.Sprintf("Phi Phi^T + ridge*I has condition number %.3g, above %g", float64(cond), mat.ConditionTolerance)
		}
		return nil, fmt.Errorf("%w: random features (m = %d, width %d, ridge %g): %s; distinct points, a larger width or a ridge help", ErrGramNotFactorized, m, w, l.Ridge, detail)
	}
	for i, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: random features: coefficient %d of class %d is %v", ErrGramNotFactorized, i/k, i%k, v)
		}
	}
	// beta = Phi^T A, stored scaled by 1/sqrt(W) so that a score is
	// sum_j max(0, w_j . x + b_j) beta_jc.
	c.beta = make([]float64, w*k)
	forBlocks(w, min(w, runtime.GOMAXPROCS(0)), func(_, j int) {
		row, bj := phiT[j*m:(j+1)*m], c.beta[j*k:(j+1)*k]
		for i, p := range row {
			if p != 0 {
				kernels.Axpy(p*scale, a[i*k:(i+1)*k], bj)
			}
		}
	})
	// Residual of the system, from the training scores computed as
	// Predict computes them: Phi beta + ridge*A - Y.
	var rr float64
	s := make([]float64, k)
	for i := range m {
		c.scores(train.Row(i), s)
		for cl, v := range s {
			u := v + l.Ridge*a[i*k+cl] - y[i*k+cl]
			rr += u * u
		}
	}
	c.residual = math.Sqrt(rr) / math.Sqrt(float64(len(y)))
	if math.IsNaN(c.residual) || math.IsInf(c.residual, 0) {
		return nil, fmt.Errorf("%w: random features: residual %v", ErrGramNotFactorized, c.residual)
	}
	return c, nil
}

// drawReLUFeatures draws the W x D weights (N(0, 1/D) entries, row by
// row) and then the anchors r_j (uniform on the training points) from
// rand.NewPCG(seed, 0), and returns the weights and the biases
// b_j = -w_j . x_{r_j}.
func drawReLUFeatures(train Dataset, w int, seed uint64) (weights, bias []float64) {
	d := train.D
	rng := rand.New(rand.NewPCG(seed, 0))
	weights = make([]float64, w*d)
	sd := 1 / math.Sqrt(float64(d))
	for i := range weights {
		weights[i] = rng.NormFloat64() * sd
	}
	bias = make([]float64, w)
	for j := range bias {
		bias[j] = -preActivation(weights[j*d:(j+1)*d], train.Row(rng.IntN(train.Len())), 0)
	}
	return weights, bias
}

// featureGramBlock is the depth of one pass of featureGram over the
// features: the panels of one pass take 8 (m + 6) 256 bytes.
const featureGramBlock = 256

// featureGram returns the upper triangle (with the diagonal) of
// G = Phi Phi^T + ridge*I for the W x m row-major phiT = Phi^T, in an
// m x m row-major matrix of stride lda = m (the strict lower triangle is
// not set, except within the 6 x 16 blocks that straddle the diagonal),
// and ||G||_1. It packs featureGramBlock features at a time into panels
// (kernels.PackA, PackB) and accumulates G's blocks of 6 rows by 16 columns
// with kernels.SubMul, the rows of blocks split over up to GOMAXPROCS
// goroutines; every entry is summed in the same order whichever goroutine
// computes it.
func featureGram(phiT []float64, w, m int, ridge float64) (g []float64, lda int, norm1 float64) {
	const mr, nr = kernels.MR, kernels.NR
	g = make([]float64, m*m)
	lda = m
	rowPanels := (m + mr - 1) / mr
	colPanels := (m + nr - 1) / nr
	workers := 1
	if m >= 256 {
		workers = runtime.GOMAXPROCS(0)
	}
	aps := make([][]float64, workers)
	tmps := make([][]float64, workers)
	for i := range workers {
		aps[i] = make([]float64, featureGramBlock*mr)
		tmps[i] = make([]float64, mr*nr)
	}
	bps := make([]float64, colPanels*featureGramBlock*nr)
	for p0 := 0; p0 < w; p0 += featureGramBlock {
		kc := min(featureGramBlock, w-p0)
		sub := phiT[p0*m:]
		for s := range colPanels {
			kernels.PackB(bps[s*kc*nr:(s+1)*kc*nr], sub, m, kc, s*nr, min(nr, m-s*nr))
		}
		forBlocks(rowPanels, workers, func(wk, s int) {
			i0 := s * mr
			rows := min(mr, m-i0)
			ap, tmp := aps[wk][:kc*mr], tmps[wk]
			kernels.PackA(ap, sub, m, kc, i0, rows)
			for t := i0 / nr; t < colPanels; t++ {
				j0 := t * nr
				cols := min(nr, m-j0)
				clear(tmp)
				kernels.SubMul(tmp, nr, ap, bps[t*kc*nr:(t+1)*kc*nr], kc)
				for r := range rows {
					gr := g[(i0+r)*lda+j0 : (i0+r)*lda+j0+cols]
					for c := range gr {
						gr[c] -= tmp[r*nr+c]
					}
				}
			}
		})
	}
	// ||G||_1 from the upper triangle: the entries are sums of products of
	// non-negative features, so no absolute values are needed.
	sums := make([]float64, m)
	for i := range m {
		g[i*lda+i] += ridge
		sums[i] += g[i*lda+i]
		for j := i + 1; j < m; j++ {
			v := g[i*lda+j]
			sums[i] += v
			sums[j] += v
		}
	}
	for _, v := range sums {
		norm1 = max(norm1, v)
	}
	return g, lda, norm1
}

// choleskySolveUpper solves G X = Y for the symmetric positive definite
// n x n G whose upper triangle (with the diagonal) is in the row-major g
// (stride lda), norm1 = ||G||_1, and the n x k row-major Y. It is the
// factorization and solve of denseCholeskySolve without its residual
// product: where useOwnCholesky(n), cholFactorize over g's upper triangle
// in place, the condition estimate cholRcond and cholSolve; otherwise
// gonum's mat.Cholesky on a copy of the upper triangle. It returns
// errNotPositiveDefinite if the factorization fails and a mat.Condition
// error (with X) if the condition number estimate exceeds
// mat.ConditionTolerance.
func choleskySolveUpper(g []float64, n, lda int, norm1 float64, y []float64, k int) ([]float64, error) {
	if !useOwnCholesky(n) {
		sym := mat.NewSymDense(n, nil)
		for i := range n {
			for j := i; j < n; j++ {
				sym.SetSym(i, j, g[i*lda+j])
			}
		}
		var chol mat.Cholesky
		if ok := chol.Factorize(sym); !ok {
			return nil, errNotPositiveDefinite
		}
		var dst mat.Dense
		err := chol.SolveTo(&dst, mat.NewDense(n, k, slices.Clone(y)))
		return dst.RawMatrix().Data, err
	}
	if !cholFactorize(g, n, lda) {
		return nil, errNotPositiveDefinite
	}
	var rcond float64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rcond = cholRcond(g, n, lda, norm1)
	}()
	x := slices.Clone(y)
	cholSolve(g, n, lda, x, k)
	wg.Wait()
	if cond := 1 / rcond; cond > mat.ConditionTolerance {
		return x, mat.Condition(cond)
	}
	return x, nil
}

// RandomFeaturesClassifier is a fitted RandomFeatures. It is immutable and
// safe for concurrent use; it ignores rng.
type RandomFeaturesClassifier struct {
	weights  []float64 // W x d
	bias     []float64 // W
	beta     []float64 // W x K, scaled by 1/sqrt(W)
	d, k, w  int
	ridge    float64
	residual float64
}

// Dim returns the input dimension.
func (c *RandomFeaturesClassifier) Dim() int { return c.d }

// Classes returns the number of classes K.
func (c *RandomFeaturesClassifier) Classes() int { return c.k }

// Width returns the number of features W.
func (c *RandomFeaturesClassifier) Width() int { return c.w }

// Residual returns the relative residual of the solve,
//
//	||Phi beta + Ridge*A - Y||_F / ||Y||_F,  ||Y||_F = sqrt(m K),
//
// with the training scores Phi beta computed exactly as Predict computes
// scores. With Ridge = 0 it bounds the training fit: every training score
// is within Residual sqrt(m K) of its target +-1, so Residual < 1/sqrt(m K)
// implies zero training error (the target's class leads every other by 2).
func (c *RandomFeaturesClassifier) Residual() float64 { return c.residual }

// Scores writes f_c(x) = phi(x) . beta_c for each class c into dst
// (len(dst) == Classes()). It returns an error if x has the wrong length, a
// non-finite entry or a norm above MaxNorm, or len(dst) is not Classes().
func (c *RandomFeaturesClassifier) Scores(x, dst []float64) error {
	if err := checkNearQuery(x, c.d); err != nil {
		return err
	}
	if len(dst) != c.k {
		return fmt.Errorf("learners: len(dst) = %d, want %d classes", len(dst), c.k)
	}
	c.scores(x, dst)
	return nil
}

// scores sets s[c] = sum_j max(0, w_j . x + b_j) beta_jc (beta scaled).
func (c *RandomFeaturesClassifier) scores(x, s []float64) {
	clear(s)
	d, k := c.d, c.k
	for j := range c.w {
		a := preActivation(c.weights[j*d:(j+1)*d], x, c.bias[j])
		if a > 0 {
			kernels.Axpy(a, c.beta[j*k:(j+1)*k], s)
		}
	}
}

// Predict returns argmax_c f_c(x), ties to the lower class. rng is ignored.
// It returns an error if x has the wrong length, a non-finite entry or a
// norm above MaxNorm.
func (c *RandomFeaturesClassifier) Predict(x []float64, _ *rand.Rand) (int, error) {
	if err := checkNearQuery(x, c.d); err != nil {
		return 0, err
	}
	var buf [16]float64
	s := classScratch(&buf, c.k)
	c.scores(x, s)
	best, _ := argmaxLow(s)
	return best, nil
}

// PredictBatch writes Predict of each row of x into dst. rng is ignored. It
// returns an error on ragged input, a length mismatch, a non-finite entry
// or a row of norm above MaxNorm.
func (c *RandomFeaturesClassifier) PredictBatch(x []float64, dst []int, _ *rand.Rand) error {
	if err := checkNearBatch(x, c.d, dst); err != nil {
		return err
	}
	s := make([]float64, c.k)
	for r := range dst {
		c.scores(x[r*c.d:(r+1)*c.d], s)
		dst[r], _ = argmaxLow(s)
	}
	return nil
}

// preActivation returns b + w . x, summed in coordinate order (the
// dimensions are small: a call to an assembly dot product cost more than
// the sum at D = 2).
func preActivation(w, x []float64, b float64) float64 {
	x = x[:len(w)]
	var s float64
	for f, v := range w {
		s += v * x[f]
	}
	return s + b
}
