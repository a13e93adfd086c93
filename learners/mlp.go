package learners

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// MLPOptimizer selects the update rule of an MLP fit.
type MLPOptimizer int

const (
	// Adam is the update of Kingma and Ba (2015) with their constants
	// beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8:
	//
	//	m <- beta1 m + (1 - beta1) g,  v <- beta2 v + (1 - beta2) g^2,
	//	theta <- theta - lr (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon).
	Adam MLPOptimizer = iota
	// SGDMomentum is stochastic gradient descent with heavy-ball momentum
	// mu (MLP.Momentum): u <- mu u + g, theta <- theta - lr u.
	SGDMomentum
)

// String returns "adam" or "sgd+momentum".
func (o MLPOptimizer) String() string {
	switch o {
	case Adam:
		return "adam"
	case SGDMomentum:
		return "sgd+momentum"
	}
	return fmt.Sprintf("MLPOptimizer(%d)", int(o))
}

// The constants of Adam (Kingma and Ba's defaults) and the limits of MLP.
const (
	adamBeta1   = 0.9
	adamBeta2   = 0.999
	adamEpsilon = 1e-8

	// MaxMLPParams is the largest number of weights and biases an MLP may
	// have: the fit keeps four float64 copies of them (parameters,
	// gradient, two optimizer moments; a fifth with early stopping), 2 GB
	// at this size.
	MaxMLPParams = 1 << 26

	// Defaults for zero fields of MLP.
	mlpDefaultBatch  = 32
	mlpDefaultEpochs = 1000
	mlpDefaultLRAdam = 1e-3
	mlpDefaultLRSGD  = 1e-2

	// mlpEvalRows is the number of rows of a prediction block.
	mlpEvalRows = 256
)

// MLP is a fully connected network with Layers (1 or 2) hidden ReLU layers
// of Width units and a softmax output over the K classes, fitted by
// minimising the mean cross-entropy plus an L2 penalty on the weights (not
// the biases),
//
//	L(theta) = (1/b) sum_{i in batch} [ log sum_c exp(f_c(z_i)) - f_{y_i}(z_i) ]
//	           + (WeightDecay/2) sum_l ||W_l||_F^2,
//	f(z) = W_L^T relu( ... relu(W_1^T z + b_1) ... ) + b_L,
//
// on minibatches of Batch points with Adam or SGD with momentum. The inputs
// z are the standardised features: each feature is divided by its largest
// magnitude over the training points, centred at its mean and divided by
// its (population) standard deviation (a constant feature is only
// centred), the same map as Logistic's; the map is part of the classifier.
//
// All randomness comes from one stream rand.New(rand.NewPCG(Seed, 0)),
// drawn in this order: the held-out part (if Holdout > 0), the initial
// weights (He initialisation, W_l entries normal with variance 2/fan-in,
// biases 0), then one shuffle of the fitting points per epoch, which cuts
// them into consecutive batches (the last may be smaller). Two fits with
// the same Seed and data are identical; two seeds differ only in the
// initialisation and the batch order, the setting of the paper's
// ensembles.
//
// Stopping. Without a held-out part the fit stops at the end of the first
// epoch after which every training point is classified correctly (the
// network interpolates), or after MaxEpochs epochs. With Holdout = h > 0, a
// part of round(h n) points (at least 1, leaving at least 1) is held out
// and the rest fitted; after each epoch the error on the held-out labels is
// measured, and the fit stops once Patience epochs have passed without a
// strictly lower held-out error (or after MaxEpochs), returning the
// weights of the epoch with the lowest one (the first such epoch). This is
// the regularised student; without Holdout and WeightDecay the same type
// is the interpolating teacher. The classifier reports Epochs, TrainError
// and Interpolated.
//
// The fit costs O(Epochs n W (d + W + K)) time, with the matrix products
// done by gonum's blas64 (pure Go unless built with the openblas tag).
// Predictions are argmax_c f_c(z), ties to the lower class.
//
// Fit returns an error if the Dataset is invalid, if Width < 1, Layers is
// not 0, 1 or 2, Batch, MaxEpochs or Patience is negative, LearningRate,
// Momentum, WeightDecay or Holdout is NaN, infinite or out of range
// (LearningRate > 0 or 0 for the default, 0 <= Momentum < 1, WeightDecay >=
// 0, 0 <= Holdout < 1), Holdout > 0 with fewer than 2 points, the network
// has more than MaxMLPParams parameters, or the loss becomes non-finite
// (the learning rate is too large for the data). It never panics on data.
type MLP struct {
	// Width is the number of units W of each hidden layer, W >= 1.
	Width int
	// Layers is the number of hidden layers, 1 or 2 (0 means 1).
	Layers int
	// Batch is the minibatch size (0 means 32; larger than the number of
	// fitting points means full batch).
	Batch int
	// MaxEpochs caps the number of passes over the data (0 means 1000).
	MaxEpochs int
	// Optimizer is Adam (the zero value) or SGDMomentum.
	Optimizer MLPOptimizer
	// LearningRate is the step size (0 means 1e-3 for Adam, 1e-2 for SGD).
	LearningRate float64
	// Momentum is the heavy-ball coefficient of SGDMomentum, in [0, 1).
	Momentum float64
	// WeightDecay is the L2 penalty coefficient on the weights, >= 0.
	WeightDecay float64
	// Holdout is the fraction of the training points held out for early
	// stopping, in [0, 1); 0 trains to interpolation.
	Holdout float64
	// Patience is the number of epochs without a lower held-out error
	// after which early stopping ends the fit (0 means 10).
	Patience int
	// Seed seeds the initialisation, the held-out part and the batch order.
	Seed uint64
}

// withDefaults returns l with zero fields replaced by their defaults and
// checks the parameters (not the data).
func (l MLP) withDefaults() (MLP, error) {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case l.Width < 1:
		return l, fmt.Errorf("learners: MLP width %d, want >= 1", l.Width)
	case l.Layers < 0 || l.Layers > 2:
		return l, fmt.Errorf("learners: MLP with %d hidden layers, want 1 or 2", l.Layers)
	case l.Batch < 0:
		return l, fmt.Errorf("learners: MLP batch size %d, want >= 1 (or 0 for the default)", l.Batch)
	case l.MaxEpochs < 0:
		return l, fmt.Errorf("learners: MLP epoch cap %d, want >= 1 (or 0 for the default)", l.MaxEpochs)
	case l.Patience < 0:
		return l, fmt.Errorf("learners: MLP patience %d, want >= 1 (or 0 for the default)", l.Patience)
	case l.Optimizer != Adam && l.Optimizer != SGDMomentum:
		return l, fmt.Errorf("learners: unknown MLP optimizer %v", l.Optimizer)
	case bad(l.LearningRate) || l.LearningRate < 0:
		return l, fmt.Errorf("learners: MLP learning rate %v, want finite and > 0 (or 0 for the default)", l.LearningRate)
	case bad(l.Momentum) || l.Momentum < 0 || l.Momentum >= 1:
		return l, fmt.Errorf("learners: MLP momentum %v, want in [0, 1)", l.Momentum)
	case bad(l.WeightDecay) || l.WeightDecay < 0:
		return l, fmt.Errorf("learners: MLP weight decay %v, want finite and >= 0", l.WeightDecay)
	case bad(l.Holdout) || l.Holdout < 0 || l.Holdout >= 1:
		return l, fmt.Errorf("learners: MLP held-out fraction %v, want in [0, 1)", l.Holdout)
	}
	if l.Layers == 0 {
		l.Layers = 1
	}
	if l.Batch == 0 {
		l.Batch = mlpDefaultBatch
	}
	if l.MaxEpochs == 0 {
		l.MaxEpochs = mlpDefaultEpochs
	}
	if l.Patience == 0 {
		l.Patience = 10
	}
	if l.LearningRate == 0 {
		l.LearningRate = mlpDefaultLRAdam
		if l.Optimizer == SGDMomentum {
			l.LearningRate = mlpDefaultLRSGD
		}
	}
	return l, nil
}

// Fit trains the network described at MLP on train and returns an
// *MLPClassifier. It does not retain train's slices.
func (l MLP) Fit(train Dataset) (Classifier, error) {
	l, err := l.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := train.Validate(); err != nil {
		return nil, err
	}
	n, d := train.Len(), train.D
	if l.Holdout > 0 && n < 2 {
		return nil, fmt.Errorf("learners: MLP early stopping needs at least 2 training points, got %d", n)
	}
	sizes := []int{d}
	for range l.Layers {
		sizes = append(sizes, l.Width)
	}
	sizes = append(sizes, train.K)
	// Count parameters in float64 so that huge sizes cannot overflow int.
	var count float64
	for i := range len(sizes) - 1 {
		count += float64(sizes[i]+1) * float64(sizes[i+1])
	}
	if count > MaxMLPParams {
		return nil, fmt.Errorf("learners: MLP with %.0f parameters (d = %d, width %d, %d layers, K = %d), at most MaxMLPParams = %d", count, d, l.Width, l.Layers, train.K, MaxMLPParams)
	}

	c := &MLPClassifier{d: d, k: train.K, scales: make([]logisticScale, d)}
	for j := range c.scales {
		c.scales[j] = standardise(train, j)
	}
	z := make([]float64, n*d)
	c.standardiseRows(train.X, z)
	if err := CheckPoints(z, d); err != nil {
		return nil, fmt.Errorf("learners: MLP standardised features: %w (a feature's spread is too small)", err)
	}

	rng := rand.New(rand.NewPCG(l.Seed, 0))
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	fitIdx, holdIdx := order, []int(nil)
	if l.Holdout > 0 {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		h := min(max(int(math.Round(l.Holdout*float64(n))), 1), n-1)
		fitIdx, holdIdx = order[h:], order[:h]
		slices.Sort(fitIdx)
		slices.Sort(holdIdx)
	}
	c.net = newMLPNet(sizes)
	c.net.init(rng)
	if err := c.train(l, z, train.Y, fitIdx, holdIdx, rng); err != nil {
		return nil, err
	}
	return c, nil
}

// MLPClassifier is a trained MLP (see MLP): it predicts the class of the
// largest output, ties to the lower class. It is returned by MLP.Fit.
type MLPClassifier struct {
	d, k   int
	scales []logisticScale
	net    *mlpNet

	epochs, bestEpoch int
	trainErr, holdErr float64
	fitted, held      int
}

// Dim returns the input dimension.
func (c *MLPClassifier) Dim() int { return c.d }

// Classes returns the number of classes K.
func (c *MLPClassifier) Classes() int { return c.k }

// Epochs returns the number of epochs the fit ran.
func (c *MLPClassifier) Epochs() int { return c.epochs }

// BestEpoch returns the epoch whose weights the classifier holds: Epochs
// without early stopping, the epoch of the lowest held-out error with it.
func (c *MLPClassifier) BestEpoch() int { return c.bestEpoch }

// TrainError returns the fraction of the fitted training points (all of
// them without a held-out part) that the classifier misclassifies.
func (c *MLPClassifier) TrainError() float64 { return c.trainErr }

// Interpolated reports whether the classifier labels every fitted training
// point correctly (TrainError() == 0).
func (c *MLPClassifier) Interpolated() bool { return c.trainErr == 0 }

// HoldoutError returns the error on the held-out labels of the weights
// kept (0 without a held-out part).
func (c *MLPClassifier) HoldoutError() float64 { return c.holdErr }

// Sizes returns the layer sizes d, W, (W,) K.
func (c *MLPClassifier) Sizes() []int { return slices.Clone(c.net.sizes) }

// standardiseRows writes the standardised rows of x into z.
func (c *MLPClassifier) standardiseRows(x, z []float64) {
	for i, v := range x {
		sc := c.scales[i%c.d]
		z[i] = (v/sc.a - sc.shift) / sc.s
	}
}

// Predict returns the class of the largest output at x, ties to the lower
// class. It ignores rng and returns an error if x has the wrong length or a
// non-finite entry.
func (c *MLPClassifier) Predict(x []float64, _ *rand.Rand) (int, error) {
	if err := checkQuery(x, c.d); err != nil {
		return 0, err
	}
	var dst [1]int
	c.predictRows(x, dst[:])
	return dst[0], nil
}

// PredictBatch writes the label of each row of x into dst, processing the
// rows in blocks of 256 with scratch allocated once per call. It ignores
// rng and returns an error on ragged or non-finite input or a length
// mismatch.
func (c *MLPClassifier) PredictBatch(x []float64, dst []int, _ *rand.Rand) error {
	if err := checkBatch(x, c.d, dst); err != nil {
		return err
	}
	c.predictRows(x, dst)
	return nil
}

// Scores writes the network's outputs f(z) (logits, before the softmax) at
// the rows of x into dst (len(dst) == K times the number of rows). It
// returns an error like PredictBatch.
func (c *MLPClassifier) Scores(x, dst []float64) error {
	if err := CheckPoints(x, c.d); err != nil {
		return err
	}
	if rows := len(x) / c.d; len(dst) != rows*c.k {
		return fmt.Errorf("learners: %d query rows need len(dst) = %d, got %d", rows, rows*c.k, len(dst))
	}
	rows := len(x) / c.d
	w := newMLPWork(c.net.sizes, min(rows, mlpEvalRows))
	z := make([]float64, min(rows, mlpEvalRows)*c.d)
	for r0 := 0; r0 < rows; r0 += mlpEvalRows {
		r1 := min(r0+mlpEvalRows, rows)
		c.standardiseRows(x[r0*c.d:r1*c.d], z[:(r1-r0)*c.d])
		out := c.net.forward(c.net.params, z[:(r1-r0)*c.d], r1-r0, w)
		copy(dst[r0*c.k:r1*c.k], out)
	}
	return nil
}

// predictRows labels the valid rows of x into dst.
func (c *MLPClassifier) predictRows(x []float64, dst []int) {
	rows := len(dst)
	block := min(rows, mlpEvalRows)
	w := newMLPWork(c.net.sizes, block)
	z := make([]float64, block*c.d)
	for r0 := 0; r0 < rows; r0 += mlpEvalRows {
		r1 := min(r0+mlpEvalRows, rows)
		zb := z[:(r1-r0)*c.d]
		c.standardiseRows(x[r0*c.d:r1*c.d], zb)
		out := c.net.forward(c.net.params, zb, r1-r0, w)
		for i := range r1 - r0 {
			dst[r0+i], _ = argmaxLow(out[i*c.k : (i+1)*c.k])
		}
	}
}
