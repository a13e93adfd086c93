// Package claims encodes each claim of Kaplun, Malach, Nakkiran and
// Shalev-Shwartz, "Knowledge Distillation: Bad Models Can Be Good Role
// Models" (NeurIPS 2022), and of the classical results it rests on, as a
// calibrated property that pgregory.net/rapid checks over randomly drawn
// distributions with a known posterior (package gen), using the learners of
// package learners.
//
// A Claim is a value: an ID (a group letter S, L or D and a number), a
// title, its source, the statement with its inequality, its Kind (exact,
// finite bound or calibrated trend), the property, and the falsifiers that
// the property must reject.
// Each claim lives in its own file and registers itself; All lists them.
//
// Every tolerance comes from a concentration bound in stats.go at a stated
// false-alarm probability delta, and deltas are split (Bonferroni) from one
// budget in budget.go so that a default `go test ./...` fails by chance with
// probability at most 1e-6 in total. Risks are measured through the known
// posterior, L(h) = mean_j [1 - eta_{h(x_j)}(x_j)], on the evaluation points
// themselves, so no Monte-Carlo error enters a comparison with the sampler
// risk or the Bayes risk on the same points.
//
// CheckSampler and CheckGoodTeacher run claims S4 and D1 on a learner of
// your own.
package claims
