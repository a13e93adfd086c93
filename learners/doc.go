// Package learners provides the teachers and students of knowledge
// distillation: an exact nearest-neighbour index, k-nearest-neighbour
// classifiers (majority vote and the random-neighbour sampler), kernel
// machines (kernel ridge regression and ridgeless interpolation),
// Nadaraya-Watson estimators (plug-in and randomized), students fitted by
// exact empirical risk minimisation over finite classes, a logistic
// halfspace learner, and the distillation procedures that label unlabeled
// points with teachers and fit a student on them.
//
// The paper's other bad models: CART trees grown to purity or limited in
// depth and leaf size (Tree), random forests on bootstrap samples with
// feature subsampling as a majority vote (Forest) and as a random-tree
// sampler (ForestSampler), and random ReLU features with the minimum-norm
// interpolating or the ridge solution (RandomFeatures).
//
// Data are row-major: a Dataset holds n points of dimension D in one flat
// []float64 of length n*D and their integer labels in [0, K). A Learner fits a
// Dataset and returns a Classifier. Classifiers hold no global or shared
// state and are safe for concurrent use; randomized classifiers (samplers)
// draw only from the *rand.Rand passed to Predict, so the same seed gives the
// same answers. Ties between training points are broken by the lower
// training index everywhere.
//
// Bad data (empty or ragged input, NaN or Inf features, labels out of range,
// impossible parameters, a matrix that does not factorize, and for the
// learners built on distances a point of norm above MaxNorm, where squared
// distances could overflow) is reported as an error; a panic means
// programmer misuse of the kind gonum also panics on.
//
// Command is a Learner backed by an external program (a scikit-learn or
// PyTorch model, through learners/python/rolemodels_bridge.py), so that the
// checks reach models trained outside Go; its classifiers share the
// program's process, which Command.Close ends.
//
// learners sees only data: it does not import gen or claims.
package learners
