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
// gen knows nothing of learners or claims. All randomness comes from an
// explicit *rand.Rand (math/rand/v2); nothing here uses a global generator.
package gen
