package claims

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// This file is the claim author's kit: what a new claim and its falsifiers
// need, so that writing one takes no reading of the other claims. The
// README's "Add a claim" points here, and claims/template_claim_test.go is
// the skeleton to copy. The kit is unexported: a claim is a file of this
// package.
//
// # A case: points with their posterior
//
// Draw the structure of a case with rapid (gen.Distributions(gen.Spec{...}),
// rapid.SampledFrom for sizes) and the bulk data with drawSample, which
// takes one seed from rapid (caseStreams) and returns
//
//	s.train, s.eval  points: positions x (row-major, n x d) and their exact
//	                 posterior eta (n x k); p.row(j), p.posterior(j), p.len()
//	s.y              training labels y_i ~ eta(.|X_i), independent given X
//	s.rng            the stream for a randomized classifier's answers
//
// p.dataset(y) is the learners.Dataset to fit. Lower-level pieces:
// drawPoints (measure.go) draws points from one stream, p.drawLabels labels
// them, p.prefix(m) (support_l.go) takes nested training sets.
//
// # Risks through eta
//
// Every risk is measured through the known posterior on the evaluation
// points, L^ = (1/N) sum_j (1 - eta_{h(x_j)}(x_j)) (gen.Risk), so no
// Monte-Carlo error in x enters a comparison with G^ (gen.SamplerRisk) or
// R^* (gen.BayesRisk) on the same points: fitRisk fits a learner and
// returns that risk (predictRisk, support_l.go, does it for a classifier
// already fitted). Expected risks given the positions are means of
// per-point terms: pointRisk (an answer drawn from a class law),
// bayesPointRisk (the Bayes label), and shareOf mixes two of them over the
// share of the queries that majorityOnShare switches. tv (measure.go) is
// the total-variation distance of two class laws. Learners that know eta:
// knowsPosterior (support_s.go), the oracle sampler or the Bayes
// classifier, each validating its training set and ignoring it.
//
// # Nearest neighbours for any k
//
// analyseNeighbours computes, from positions alone, the k nearest training
// points of every evaluation point (ties to the lower index, as
// learners.Index and every k-NN learner), the class law of a random
// neighbour, its expected risk and its distance to G^ (the boundary term
// A^_k), the influence of each training label, and for binary posteriors
// and odd k the exact law of the majority vote. Its radii (samplerRadius,
// majorityRadius) are the concentration of those learners' risks over the
// labels (and picks) at a given delta. analyseNN (measure.go) is the k = 1
// case, kept as it is for L1; analyseNeighbours(train, eval, 1) agrees
// with it bit for bit (TestAnalyseNeighboursOneIsAnalyseNN).
//
// # Float slacks
//
// An exact identity or inequality between float means gets a slack from
// Higham's standard model (u = 2^-53), never a guessed epsilon:
//
//	roundingSlack(n, r)      (s1_sampler_risk.go) up to four means of n terms, each term with r u error, plus gen.PosteriorTolerance
//	identitySlack(n, r)      (support_l.go) the same plus one more gen.PosteriorTolerance, for identities that assume rows sum to 1
//	lipschitzSlack(n, r, d)  (support_l.go) A^ <= L * mean distance in dimension d
//	floatSlack(n, r)         (support_d.go) 4 (n + r) u, without the posterior tolerance
//
// # Deltas and calibrated assertions
//
// In a claim's property c.Delta is the false-alarm probability of each
// assertion. A falsifier runs the claim's check at the claim's delta,
// c.ClaimDelta, and spends its own c.Delta on the argument that the check
// rejects. Every tolerance comes from a bound of stats.go at that delta.
// A calibrated assertion is
//
//	tol := bound at c.Delta                      // e.g. a.boundary + a.samplerRadius(c.Delta)
//	mdd := Detectable(tol, altRadius)            // altRadius: the alternatives' concentration radius
//	if c.Calibrated(measured, tol, mdd) {        // rejects when measured > tol
//		c.Fatalf("...")                          // one call site per assertion
//	}
//
// and in a falsifier, with the claim's tolerance at c.ClaimDelta, the
// assertion is negated: if !c.Calibrated(measured, tol, mdd) { c.Fatalf }.
// An edge falsifier sits at about 1.5 MDD: pick its strength with
// edgeStrength (support_s_levels.go), switch a learner on a share of the
// queries with majorityOnShare (mutants.go; the share is unitHash(x,
// saltShare) < q), and call c.Unresolved when the expected deviation minus
// the falsifier's own radius at c.Delta does not clear the tolerance.

// sample is one drawn case: training points with labels, evaluation points
// and a stream for the answers of a randomized classifier.
type sample struct {
	train points
	y     []int
	eval  points
	rng   *rand.Rand
}

// drawSample draws one seed with rapid (caseStreams) and from its streams m
// training points (Train), their labels y_i ~ eta(.|X_i) (Labels), n
// evaluation points (Eval); rng is the Labels stream after the labels, for
// a randomized classifier's answers. The same seed gives the same case bit
// for bit, and changing n does not change the training set. It panics as
// gen.SampleX does (m or n negative).
func drawSample(c *Check, dist gen.Distribution, m, n int) sample {
	st := caseStreams(c)
	train := drawPoints(dist, st.Train, m)
	y := train.drawLabels(st.Labels)
	return sample{train: train, y: y, eval: drawPoints(dist, st.Eval, n), rng: st.Labels}
}

// fitRisk fits learner on (train, y), answers the evaluation points (rng
// drives a randomized classifier; it may be nil for a deterministic one)
// and returns the risk through eta,
//
//	L^ = (1/N) sum_j (1 - eta_{h(x_j)}(x_j)).
//
// It returns the learner's error, if any.
func fitRisk(learner learners.Learner, train points, y []int, eval points, rng *rand.Rand) (float64, error) {
	h, err := learner.Fit(train.dataset(y))
	if err != nil {
		return 0, err
	}
	pred := make([]int, eval.len())
	if err := h.PredictBatch(eval.x, pred, rng); err != nil {
		return 0, err
	}
	return gen.Risk(eval.eta, eval.k, pred), nil
}

// neighbourAnalysis is the label-free analysis of k-nearest-neighbour rules
// on fixed training positions: everything a bound on their risk needs,
// computed once per case. With kNN(j) the k nearest training points of
// evaluation point x_j (ties to the lower index), w_j = max_c eta_c(x_j) -
// min_c eta_c(x_j) and m_j = (1/k) sum_{i in kNN(j)} eta(X_i):
//
//	G^    = (1/N) sum_j (1 - sum_c eta_c(x_j)^2)          sampler risk
//	EL_k  = (1/N) sum_j (1 - eta(x_j).m_j)                 expected random-neighbour risk
//	A^_k  = (1/N) sum_j TV(eta(x_j), m_j)                  boundary term, |EL_k - G^| <= A^_k
//	c_i   = (1/N) sum_{j: i in kNN(j)} w_j                 influence of label i
//
// A random neighbour of the k nearest (learners.RandomNeighbour; for k = 2
// this is the 2-NN vote with a fair coin on disagreement) answers class c
// at x_j with probability m_{jc}, hence EL_k; |EL_k - G^| <= A^_k by the
// argument of nnAnalysis with m_j in place of eta(X_NN(j)). Changing label
// i moves the risk at each x_j with i in kNN(j) by at most w_j/N whatever
// the picks, and changing the pick at x_j moves it by at most w_j/N: the
// bounded differences of samplerRadius. A k-NN majority vote depends on
// the same labels with the same influences (its vote at x_j can flip, which
// moves that point's risk by at most w_j/N).
type neighbourAnalysis struct {
	k    int
	ind  []int     // N x k nearest training indices, nearest first, ties to the lower index
	dist []float64 // their distances
	mix  []float64 // N x classes: m_j, the class law of a random neighbour

	sampler  float64 // G^
	bayes    float64 // R^* on the evaluation points
	expected float64 // EL_k
	boundary float64 // A^_k
	meanKth  float64 // (1/N) sum_j distance to the k-th nearest

	sumSq     float64 // sum_i c_i^2
	labelVar  float64 // sum_i c_i^2 (1 - sum_c eta_c(X_i)^2)/2: Freedman's variance of the labels' part
	pickSumSq float64 // sum_j (w_j/N)^2 when k > 1 (the picks' influences), 0 for k = 1
	maxInfl   float64 // max over labels and picks of the influence
}

// analyseNeighbours returns the neighbourAnalysis of the k nearest training
// points of each evaluation point. It returns an error if k < 1, k exceeds
// the number of training points, or learners.NewIndex or SearchBatch
// rejects the points.
func analyseNeighbours(train, eval points, k int) (neighbourAnalysis, error) {
	if k < 1 || k > train.len() {
		return neighbourAnalysis{}, fmt.Errorf("claims: analyseNeighbours with k = %d for %d training points", k, train.len())
	}
	idx, err := learners.NewIndex(train.x, train.d)
	if err != nil {
		return neighbourAnalysis{}, err
	}
	n, classes := eval.len(), eval.k
	a := neighbourAnalysis{k: k, ind: make([]int, n*k), dist: make([]float64, n*k), mix: make([]float64, n*classes)}
	if err := idx.SearchBatch(eval.x, k, a.ind, a.dist); err != nil {
		return neighbourAnalysis{}, err
	}
	nf, kf := float64(n), float64(k)
	infl := make([]float64, train.len())
	for j := range n {
		e := eval.posterior(j)
		mix := a.mix[j*classes : (j+1)*classes]
		for _, i := range a.ind[j*k : (j+1)*k] {
			for c, v := range train.posterior(i) {
				mix[c] += v / kf
			}
		}
		lo, hi, sq, dot := e[0], e[0], 0.0, 0.0
		for c, v := range e {
			lo, hi = min(lo, v), max(hi, v)
			sq += v * v
			dot += v * mix[c]
		}
		a.sampler += 1 - sq
		a.bayes += 1 - hi
		a.expected += 1 - dot
		a.boundary += tv(e, mix)
		a.meanKth += a.dist[j*k+k-1]
		for _, i := range a.ind[j*k : (j+1)*k] {
			infl[i] += hi - lo
		}
		if k > 1 {
			w := (hi - lo) / nf
			a.pickSumSq += w * w
			a.maxInfl = max(a.maxInfl, w)
		}
	}
	a.sampler /= nf
	a.bayes /= nf
	a.expected /= nf
	a.boundary /= nf
	a.meanKth /= nf
	for i, v := range infl {
		ci := v / nf
		a.sumSq += ci * ci
		a.labelVar += ci * ci * max(0, 1-sumSquares(train.posterior(i))) / 2
		a.maxInfl = max(a.maxInfl, ci)
	}
	return a, nil
}

// sumSquares returns sum_c p_c^2.
func sumSquares(p []float64) float64 {
	s := 0.0
	for _, v := range p {
		s += v * v
	}
	return s
}

// neighbours returns the k nearest training indices of evaluation point j,
// nearest first.
func (a neighbourAnalysis) neighbours(j int) []int { return a.ind[j*a.k : (j+1)*a.k] }

// samplerRadius returns r with P(|L^ - EL_k| > r) <= delta for the risk L^
// of the random neighbour of the k nearest, over its training labels and
// its picks (all independent given the positions): the smaller of
//
//	McDiarmid:  sqrt(ln(2/delta)/2 (sum_i c_i^2 + sum_j (w_j/N)^2))
//	Freedman:   Bernstein(v, b, delta), v = sum_i c_i^2 (1 - sum_c eta_c(X_i)^2)/2 + sum_j (w_j/N)^2/4
//
// with b the largest influence (BoundedDifferencesBernstein: a function of
// a label with law p and range c has variance at most c^2 (1 - sum p^2)/2,
// a function of a pick with range r at most r^2/4). Both radii are fixed by
// the positions before the labels are drawn, so taking the smaller is a
// choice of inequality and spends no extra delta. For k = 1 there are no
// picks and it is the radius of the 1-NN rule. It panics as
// BoundedDifferences does (delta outside (0, 1)).
func (a neighbourAnalysis) samplerRadius(delta float64) float64 {
	mcd := BoundedDifferences(a.sumSq+a.pickSumSq, delta)
	return min(mcd, BoundedDifferencesBernstein(a.labelVar+a.pickSumSq/4, a.maxInfl, delta))
}

// majorityRadius returns r with P(|L^ - E L^| > r) <= delta for the risk of
// the k-NN majority vote over its training labels: samplerRadius without
// the picks' terms (a majority draws none).
func (a neighbourAnalysis) majorityRadius(delta float64) float64 {
	return min(BoundedDifferences(a.sumSq, delta), BoundedDifferencesBernstein(a.labelVar, a.maxInfl, delta))
}

// majority returns the exact law of the k-NN majority vote for a binary
// posterior and odd k: vote[j] = P(vote at x_j = 1), the Poisson-binomial
// probability that more than k/2 of the k neighbours' independent labels are
// 1 (P(y_i = 1) = eta_1(X_i)), and its expected risk
//
//	E L^_maj = (1/N) sum_j [vote_j eta_0(x_j) + (1 - vote_j) eta_1(x_j)].
//
// train must be the training points the analysis was made on. It returns an
// error for more than two classes or an even k (a vote could tie).
func (a neighbourAnalysis) majority(train, eval points) (vote []float64, expected float64, err error) {
	if eval.k != 2 || a.k%2 == 0 {
		return nil, 0, fmt.Errorf("claims: majority needs two classes and an odd k, have %d classes and k = %d", eval.k, a.k)
	}
	n := eval.len()
	vote = make([]float64, n)
	p := make([]float64, a.k)
	law := make([]float64, a.k+1)
	for j := range n {
		for l, i := range a.neighbours(j) {
			p[l] = min(1, max(0, train.posterior(i)[1]))
		}
		PoissonBinomial(p, law)
		vote[j] = sumFloats(law[a.k/2+1:])
		e := eval.posterior(j)
		expected += vote[j]*e[0] + (1-vote[j])*e[1]
	}
	return vote, expected / float64(n), nil
}

// sumFloats returns the sum of v.
func sumFloats(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// shareOf returns the mean over the evaluation points of f(j) on the share q
// of them that majorityOnShare and shareClassifier switch (unitHash(x_j,
// saltShare) < q) and of g(j) elsewhere: the expected risk of a learner
// that answers as one rule on the share and as another off it, given the
// per-point expected risks f and g of the two rules.
func shareOf(eval points, q float64, f, g func(j int) float64) float64 {
	s := 0.0
	for j := range eval.len() {
		if unitHash(eval.row(j), saltShare) < q {
			s += f(j)
		} else {
			s += g(j)
		}
	}
	return s / float64(eval.len())
}

// pointRisk returns 1 - eta(x_j).q, the expected risk at evaluation point j
// of an answer drawn from the class law q.
func pointRisk(eval points, j int, q []float64) float64 {
	e := eval.posterior(j)
	dot := 0.0
	for c, v := range e {
		dot += v * q[c]
	}
	return 1 - dot
}

// bayesPointRisk returns 1 - max_c eta_c(x_j), the risk at evaluation point
// j of the Bayes label.
func bayesPointRisk(eval points, j int) float64 { return 1 - slices.Max(eval.posterior(j)) }
