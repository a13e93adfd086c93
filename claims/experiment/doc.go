// Package experiment runs the paper's noisy-label experiment in miniature
// on real data (claims section R): 1-NN teachers trained on labels with the
// paper's class-pair noise, test-time ensembles of such teachers, and
// students distilled from them, on the UCI handwritten digits (10 classes)
// and the Wisconsin breast-cancer data (2 classes) kept in testdata/.
//
// # The experiment
//
// Each of S seeded splits (split s draws everything from
// rand.New(rand.NewPCG(seed, s))) divides the data into a labeled training
// part, an unlabeled pool and a clean test part (thirds by default). In
// each class c of the training part exactly round(rho n_c) points, chosen
// uniformly, get the label (y + shift) mod K: the paper's CIFAR-10 noise
// with rho = 0.2, shift = 5, and symmetric noise y -> 1-y for two classes.
// Every method is scored by its accuracy on the clean labels of the test
// part (see Method for the list):
//
//   - the reference, 1-NN on the clean training labels, and the teacher,
//     1-NN on the noisy ones;
//   - 10 pool teachers, 1-NN each on a uniformly random half of the noisy
//     training part (1-NN on the whole part would give identical teachers),
//     and their test-time majority over the first K (ties to the lower
//     class);
//   - students fitted on the pool labeled by the teacher, by a teacher
//     drawn uniformly from the first K pool teachers independently per
//     point (the paper's Figure 1, right), or by the majority of all ten;
//   - the same teacher's labels given to an unrestricted student, 1-NN on
//     the labeled pool, which the theory predicts gains nothing;
//   - the student class fitted directly on the noisy training part (no
//     teacher), a control that shows what the class does by itself.
//
// # The student class
//
// The student is one-vs-rest kernel ridge regression with the Laplace
// kernel, exactly learners.KernelMachine{Kernel: learners.Laplace,
// Bandwidth: h, Ridge: m lambda} on m pool points:
//
//	A = (G + m lambda I)^{-1} Y,   G_ab = exp(-||x_a - x_b|| / h),
//	label(x) = argmax_c sum_a exp(-||x - x_a|| / h) A_ac.
//
// Why this class: it is the kernel machine of the paper's third claim, on
// the other side of the interpolation threshold: with a ridge it is a
// smoother whose prediction averages many labels, so it cannot copy the
// per-point noise a sampler reproduces, while with lambda -> 0 and small h
// it would interpolate like the teacher. The Laplace kernel keeps the Gram
// matrix positive definite where the Gaussian one is numerically singular.
// The bandwidth h (a multiple 1, 2, 4 or 8 of the median nearest-neighbour
// distance of the training part) and lambda (1e-3 or 1e-2) are chosen per
// split by fitting on a random half of the noisy training part and scoring
// on the noisy labels of the other half: no clean label is used. A
// multinomial logistic student would be the other natural choice, but
// learners.Logistic is binary.
//
// # Implementation
//
// All methods of a data set read one matrix of pairwise distances, and all
// students of a split share one Cholesky factorization of G + m lambda I
// (the labelings are right-hand sides), which keeps both data sets x 20+
// splits to a few CPU-seconds. The fast path computes the same functions as
// package learners (KNN{K: 1}, NewMajority, LabelWith, LabelWithPool,
// LabelWithMajority, Distill with KernelMachine); a test checks them point
// by point on one split. Splits run on Config.Workers goroutines, each
// writing only its own entries, so results do not depend on scheduling.
//
// # What the tests assert
//
// With 99.9% Student t-intervals over the splits (paired: each split gives
// one difference, TInterval):
//
//   - the sampler signature: the fraction of the teacher's test errors at
//     (c, c + shift) lies above 1/2; the teacher's accuracy minus its exact
//     expectation over the noise given the split (Result.Predicted, what a
//     perfect sampler of the noisy labels at the teacher's neighbours
//     scores) contains 0; and the teacher's accuracy minus (1 - rho) times
//     the clean 1-NN accuracy reaches into [-tol, tol], with tol from
//     Result.SamplerTolerance (rounding of the flip counts plus rho times
//     the clean 1-NN error);
//   - the test-time majorities of 5 and 10 teachers and the students
//     distilled with a random teacher per example and from the majority
//     beat the single teacher (intervals above 0);
//   - the unrestricted student does not (interval contains 0 or lies
//     below).
//
// WriteReport writes the table, the intervals and two figures
// (ConfusionPlot, AccuracyVsKPlot) for the project's README.
//
// # The neural experiment
//
// RunNeural repeats the experiment with networks on the same splits and
// noisy labels (split s of RunNeural is split s of Run): the teacher is a
// learners.MLP trained to zero training error on the noisy training part;
// the ensemble is Teachers such networks that differ only by their seed
// (initialisation and batch order), the paper's setting; students are a
// regularised MLP (weight decay, early stopping on a fifth of its
// teacher-labeled points) fitted on the pool labeled by one teacher, by a
// random teacher per point, or by the majority; the reference is the
// teacher network on the clean labels, and the 1-NN teacher of Run is
// reported beside. WriteNeuralReport writes neural.md (the table with 95%
// t-intervals and the paired 99.9% t-intervals over splits),
// neural_confusion.svg and neural_accuracy_vs_k.svg; it takes minutes and
// runs only under -experiment.report. The default test runs a reduced
// configuration and asserts what holds by construction: every teacher
// interpolated, the bookkeeping adds up, a split rerun alone gives the same
// numbers, and the splits and the 1-NN row are Run's.
package experiment
