// Package gen provides distributions over [0,1]^d (or R^d) x {0, ..., k-1} whose
// posterior eta(c|x) = P(y = c | x) is known exactly, the exact and Monte-Carlo
// functionals of that posterior (Bayes risk, sampler risk, best risk in a
// histogram class), seeded sampling on separate random streams, and rapid
// generators that draw whole problems for property tests.
//
// Every claim of the project is checked against these distributions: because
// eta is known, the risk of any classifier h can be measured through eta,
//
//	L(h) = E_x[1 - eta_{h(x)}(x)],
//
// with no label noise in the estimate.
//
// # Families
//
// Each family exists for a reason (see its doc comment for the formulas):
//   - Smooth: a C^1 posterior on [0,1]^d with a proven Lipschitz constant
//     L = strength * pi * freq / 2, for the nearest-neighbour theorems.
//   - Grid: a posterior constant on the r^d cells of [0,1]^d; the Bayes
//     classifier is a histogram, and R* and G have closed forms.
//   - Halfspace: the binary logistic posterior; the Bayes classifier is a
//     halfspace; L = scale ||w|| / 4.
//   - PairSwap: a clean k-class labeling with class-pair noise y -> (y+s) mod k
//     at rate rho, the paper's CIFAR-10 noise in miniature; R* = min(rho,
//     1-rho) and G = 2 rho (1-rho) exactly.
//   - GaussianMixture: isotropic Gaussian classes on R^d with the exact Bayes
//     posterior and L = max ||mu_c - mu_c'|| / (4 sigma^2); unbounded support.
//
// Lipschitz constants are in total variation over classes against the
// Euclidean distance in x:
//
//	1/2 sum_c |eta_c(x) - eta_c(x')| <= L ||x - x'||_2,
//
// which for k = 2 is |eta_1(x) - eta_1(x')| <= L ||x - x'||_2.
//
// # Conventions
//
// Points are row-major []float64 (N x d) and posteriors row-major N x k.
// Labels are ints in [0, k); argmax ties go to the lower class. Grid cells are
// numbered row-major with coordinate 0 slowest, and x_j = 1 lies in the last
// cell (CellOf). Constructors return a *ParamError naming the bad parameter
// (class counts are capped at MaxClasses, grid tables at MaxGridEntries);
// functions panic only on programmer misuse (mismatched lengths, a nil rng,
// a label asked of a vector that has none), as documented. A posterior at an
// x with a NaN or infinite entry is NaN, and so is a risk over rows that are
// not probability vectors. Distributions are immutable and safe for
// concurrent use, and Posterior and SampleX do not allocate.
//
// # Randomness
//
// gen knows nothing of learners or claims. All randomness comes from an
// explicit *rand.Rand (math/rand/v2); nothing here uses a global generator.
// NewStreams derives independent PCG streams for training, unlabeled and
// evaluation data and labels from one seed, so changing one sample size does
// not shift another. The rapid generators (Distributions, Problems) draw only
// structure from integer ranges, never probabilities as rapid floats (which
// rapid biases toward 0, 1 and tiny values), and a uint64 seed for any bulk
// parameters.
package gen
