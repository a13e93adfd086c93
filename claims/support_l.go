package claims

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// This file holds what the L claims (nearest neighbours and kernel machines
// become samplers) share: the L1 comparison of a learner's risk with the
// sampler risk on the same points and the exact analysis of
// k-nearest-neighbour votes given the training positions. (The Bayes-label
// teacher of the falsifiers is knowsPosterior in support_s.go.)

// samplerBand is the comparison of claim L1: a learner's risk L^ on the
// evaluation points against the sampler risk G^ on the same points, with the
// band |L^ - G^| <= boundary + radius + extra that a sampler satisfies with
// probability at least 1 - delta (boundary: the A^-type term; radius: the
// concentration of L^ over the training labels; extra: a deterministic term
// some claims add, such as L4's predicted disagreement with 1-NN).
type samplerBand struct {
	risk     float64 // L^ of the learner, through eta
	sampler  float64 // G^
	bayes    float64 // R^* on the same points
	boundary float64
	radius   float64
	extra    float64
}

// deviation returns |L^ - G^|.
func (b samplerBand) deviation() float64 { return math.Abs(b.risk - b.sampler) }

// width returns the half-width of the band, boundary + radius + extra.
func (b samplerBand) width() float64 { return b.boundary + b.radius + b.extra }

func (b samplerBand) String() string {
	return fmt.Sprintf("L^ = %.5f, G^ = %.5f, R^* = %.5f, |L^ - G^| = %.5f vs band %.5f (boundary %.5f + radius %.5f + extra %.5f)",
		b.risk, b.sampler, b.bayes, b.deviation(), b.width(), b.boundary, b.radius, b.extra)
}

// prefix returns the first m points of p (nested training sets of claim L2
// and the figure).
func (p points) prefix(m int) points {
	return points{d: p.d, k: p.k, x: p.x[:m*p.d], eta: p.eta[:m*p.k]}
}

// predictRisk fits nothing: it runs h on the evaluation points and returns
// its risk through eta, L^ = (1/N) sum_j (1 - eta_{h(x_j)}(x_j)), with the
// predictions.
func predictRisk(h learners.Classifier, eval points, rng *rand.Rand) (float64, []int, error) {
	pred := make([]int, eval.len())
	if err := h.PredictBatch(eval.x, pred, rng); err != nil {
		return 0, nil, err
	}
	return gen.Risk(eval.eta, eval.k, pred), pred, nil
}

// checkNNSampler is the check of claim L1 for any learner: fit it on the
// training set (train, y), measure its risk on eval and compare it with the
// 1-NN sampler band of the analysis a (for these positions) at delta,
//
//	|L^ - G^| <= A^ + sqrt(ln(2/delta)/2 sum_i c_i^2) + extra.
//
// For the 1-NN learner the band holds with probability at least 1 - delta
// over the labels (see nnAnalysis); a learner that does not reproduce the
// noise falls below it. rng drives a randomized classifier's answers.
func checkNNSampler(learner learners.Learner, train points, y []int, eval points, a nnAnalysis, extra, delta float64, rng *rand.Rand) (samplerBand, error) {
	return measureInBand(learner, train, y, eval, rng, samplerBand{
		sampler:  a.sampler,
		bayes:    a.bayes,
		boundary: a.boundary,
		radius:   BoundedDifferences(a.sumSq, delta),
		extra:    extra,
	})
}

// measureInBand fits learner on (train, y), measures its risk on eval
// through eta (rng drives a randomized classifier's answers) and returns
// band with that risk filled in.
func measureInBand(learner learners.Learner, train points, y []int, eval points, rng *rand.Rand, band samplerBand) (samplerBand, error) {
	h, err := learner.Fit(train.dataset(y))
	if err != nil {
		return samplerBand{}, err
	}
	band.risk, _, err = predictRisk(h, eval, rng)
	if err != nil {
		return samplerBand{}, err
	}
	return band, nil
}

// Float slacks of the exact identities and inequalities of the L claims.
// Each bounds the rounding of both sides in Higham's standard model (u =
// 2^-53; Accuracy and Stability of Numerical Algorithms, Chapters 2-4): a
// product, quotient or square root errs by at most u relative, and a
// recursive sum of n terms by at most (n-1) u sum_i |x_i|. A mean over n
// evaluation points of per-point terms in [-1, 1], each computed with error
// at most r u, thus errs by at most (n + r) u, and roundingSlack(n, r) =
// 4 (n + r) u + gen.PosteriorTolerance covers up to four such means plus one
// gen.PosteriorTolerance, the largest |sum_c eta_c - 1| of a posterior row
// (and, per gen, far above the error of a computed eta against the exact
// one). Each use below states its r and how many tolerances it needs.

// identitySlack is the slack of an identity (or inequality) between at most
// four means over n points of per-point terms computed with error at most
// r u, whose per-point derivation also assumes that posterior rows sum to 1:
// two rows that sum to 1 only within gen.PosteriorTolerance move the
// per-point terms of the identities used here by at most twice it (for
// R_1^ = G^: 1 - e_0^2 - e_1^2 = 2 p (1-p) - 2 eps (1-p) - eps^2 with
// p = e_0 and e_1 = 1 - p + eps; for |EL - G^| <= A^: by t |sum_c d_c| <=
// 2 t tol with t <= 3/4 the midrange), so it is roundingSlack plus one more
// tolerance.
func identitySlack(n, r int) float64 { return roundingSlack(n, r) + gen.PosteriorTolerance }

// lipschitzSlack is the slack of the exact inequality A^ <= L * D^ over n
// evaluation points in dimension d, where A^ is a mean of per-point TV terms
// computed with error at most r u and D^ the mean distance to a neighbour.
// A^ errs by at most (n + r) u plus gen.PosteriorTolerance (computed against
// exact eta, for which the Lipschitz bound holds). Each distance, sqrt of a
// sum of d rounded squares of rounded differences (learners.Index), has
// relative error at most (d/2 + 3) u, so L * D^ has relative error at most
// (n + d/2 + 4) u. A violation A^ > L D^ + slack needs L D^ < A^ <= 1 +
// (n + r) u, so the relative error costs at most 2 (n + d/2 + 4) u there.
// The total, (3n + r + d + 8) u + gen.PosteriorTolerance, is at most
// roundingSlack(n, r + d) for n >= 2. It does not grow with L: where L D^ is
// large the inequality cannot be violated by rounding.
func lipschitzSlack(n, r, d int) float64 { return roundingSlack(n, r+d) }

// knnAnalysis is the label-free analysis of k-nearest-neighbour teachers on
// fixed training positions: the k nearest training points of each evaluation
// point and, for binary posteriors, the exact law of the majority vote.
//
// Majority vote (binary, odd k). Given positions, the labels of the k
// neighbours of x_j are independent with P(y = 1) = eta_1(X_(l)), so the
// number S_j of ones is Poisson-binomial and P(vote = 1) = P(S_j > k/2)
// exactly. The expected risk is
//
//	E_y L^ = (1/N) sum_j [P(vote_j = 1) eta_0(x_j) + P(vote_j = 0) eta_1(x_j)],
//
// and changing label i moves L^ by at most c_i = (1/N) sum_{j: i in kNN(j)}
// |2 eta_1(x_j) - 1| (the vote at x_j can flip at most, which moves that
// point's risk by |eta_1 - eta_0|), so McDiarmid applies with sum_i c_i^2.
//
// Random neighbour (any number of classes). Answering the label of a
// uniformly random one of the k nearest gives, at x_j, the class law
// m_j = (1/k) sum_l eta(X_(l)), so the expected risk is (1/N) sum_j (1 -
// eta(x_j).m_j) and it differs from G^ by at most
//
//	A^_k = (1/N) sum_j TV(eta(x_j), m_j) <= (1/N) sum_j (1/k) sum_l TV(eta(x_j), eta(X_(l)))
//	     <= L (1/N) sum_j dist_k(x_j),
//
// the boundary term measured at the chosen neighbour, averaged over the
// choice (same argument as nnAnalysis).
type knnAnalysis struct {
	k    int
	n    int       // evaluation points
	ind  []int     // n x k nearest training indices, nearest first
	dist []float64 // their distances

	binary   bool
	exact    bool      // pVote holds exact Poisson-binomial probabilities
	pVote    []float64 // P(vote_j = 1) (exact only)
	wrongUB  []float64 // upper bound on P(vote_j != Bayes label of x_j): exact, or Chernoff
	majority float64   // E_y of the majority risk (exact only)
	majSumSq float64   // sum_i c_i^2 of the majority risk

	rnExpected float64 // E of the random-neighbour risk
	rnBoundary float64 // A^_k
	meanKth    float64 // (1/N) sum_j dist_k(x_j)
	rnPickSq   float64 // sum_j (w_j/N)^2, w_j = max_c eta_c(x_j) - min_c eta_c(x_j)
	rnLabelES  float64 // E over the picks of sum_i c_i(pi)^2
	rnLabelC   float64 // max_i (1/N) sum_{j: i in kNN(j)} w_j

	// colors is the number of colors of a greedy coloring of the
	// dependency graph (evaluation points adjacent when their k-sets share a
	// training point): an upper bound on its fractional chromatic number.
	colors int
}

// maxExactVoteK is the largest k for which analyseKNN computes the vote law
// exactly (O(k^2) per point); above it only the Chernoff bound is kept.
const maxExactVoteK = 31

// analyseKNN computes the knnAnalysis of the k nearest training points of
// each evaluation point. The majority part needs a binary posterior and odd
// k (no ties); otherwise only the random-neighbour part is filled.
func analyseKNN(train, eval points, k int) (knnAnalysis, error) {
	if k < 1 || k > train.len() {
		return knnAnalysis{}, fmt.Errorf("claims: k = %d neighbours of %d training points", k, train.len())
	}
	idx, err := learners.NewIndex(train.x, train.d)
	if err != nil {
		return knnAnalysis{}, err
	}
	n := eval.len()
	ka := knnAnalysis{k: k, n: n, ind: make([]int, n*k), dist: make([]float64, n*k)}
	if err := idx.SearchBatch(eval.x, k, ka.ind, ka.dist); err != nil {
		return knnAnalysis{}, err
	}
	ka.binary = eval.k == 2 && k%2 == 1
	ka.exact = ka.binary && k <= maxExactVoteK
	nf := float64(n)
	kf := float64(k)

	mix := make([]float64, eval.k)
	majInfl := make([]float64, train.len())
	rnMean := make([]float64, train.len()) // sum_{j in V_i} w_j
	rnSq := make([]float64, train.len())   // sum_{j in V_i} w_j^2
	p := make([]float64, k)
	law := make([]float64, k+1)
	if ka.binary {
		ka.wrongUB = make([]float64, n)
		if ka.exact {
			ka.pVote = make([]float64, n)
		}
	}
	for j := range n {
		e := eval.posterior(j)
		nb := ka.ind[j*k : (j+1)*k]
		lo, hi := slices.Min(e), slices.Max(e)
		w := hi - lo

		clear(mix)
		for _, i := range nb {
			for c, v := range train.posterior(i) {
				mix[c] += v / kf
			}
			rnMean[i] += w
			rnSq[i] += w * w
		}
		dot := 0.0
		for c, v := range e {
			dot += v * mix[c]
		}
		ka.rnExpected += 1 - dot
		ka.rnBoundary += tv(e, mix)
		ka.meanKth += ka.dist[j*k+k-1]

		if !ka.binary {
			continue
		}
		bayes := gen.BayesLabel(e)
		for _, i := range nb {
			majInfl[i] += math.Abs(e[1] - e[0])
		}
		// Chernoff bound on a wrong majority: the number of votes for the
		// wrong class is Poisson-binomial with mean k*pbar; its upper
		// tail at (k+1)/2 is at most exp(-k KL((k+1)/(2k) || pbar)).
		pbar := 0.0
		for _, i := range nb {
			pbar += 1 - train.posterior(i)[bayes]
		}
		pbar /= kf
		ka.wrongUB[j] = chernoffMajority(k, pbar)
		if !ka.exact {
			continue
		}
		for l, i := range nb {
			p[l] = train.posterior(i)[1]
		}
		p1 := majorityOne(p, law)
		ka.pVote[j] = p1
		ka.majority += p1*e[0] + (1-p1)*e[1]
		if bayes == 1 {
			ka.wrongUB[j] = 1 - p1
		} else {
			ka.wrongUB[j] = p1
		}
	}
	order := make([]int, n)
	for j := range order {
		order[j] = j
	}
	slices.SortFunc(order, func(a, b int) int { return cmpThenIndex(eval.row(a)[0], eval.row(b)[0], a, b) })
	_, ka.colors = greedyColors(ka.ind, k, train.len(), order)
	ka.rnPickSq = samplerSumSq(eval)
	ka.rnExpected /= nf
	ka.rnBoundary /= nf
	ka.meanKth /= nf
	ka.majority /= nf
	for i := range majInfl {
		c := majInfl[i] / nf
		ka.majSumSq += c * c
		// c_i(pi) = (1/N) sum_{j in V_i} w_j [pi_j = i], [pi_j = i] ~ Bernoulli(1/k)
		// independently over j: E c_i^2 = (E c_i)^2 + Var c_i.
		mean := rnMean[i] / (kf * nf)
		variance := rnSq[i] / (nf * nf) / kf * (1 - 1/kf)
		ka.rnLabelES += mean*mean + variance
		ka.rnLabelC = max(ka.rnLabelC, rnMean[i]/nf)
	}
	return ka, nil
}

// chernoffMajority returns an upper bound on the probability that at least
// (k+1)/2 of k independent Bernoulli trials with mean success probability
// pbar succeed: exp(-k KL(a || pbar)) with a = (k+1)/(2k) when pbar < a
// (Hoeffding 1956: the Poisson-binomial moment generating function is at
// most the binomial one with the same mean), else 1.
func chernoffMajority(k int, pbar float64) float64 {
	kf := float64(k)
	a := (kf + 1) / (2 * kf)
	if !(pbar < a) {
		return 1
	}
	if pbar <= 0 {
		return 0
	}
	kl := a*math.Log(a/pbar) + (1-a)*math.Log((1-a)/(1-pbar))
	return math.Exp(-kf * kl)
}

// greedyColors colors the evaluation points in the given order, each with
// the smallest color not used by an earlier point whose k-set (row of ind)
// shares a training point with its own, and returns the coloring and the
// number of colors.
// Any order gives a proper coloring; ordering by position (see analyseKNN)
// keeps the count near the clique number (exactly so in d = 1, where the
// k-sets are intervals).
func greedyColors(ind []int, k, nTrain int, order []int) (color []int, colors int) {
	n := len(ind) / k
	color = make([]int, n)
	holders := make([][]int32, nTrain) // earlier points whose k-set holds i
	stamp := make([]int, 0, 16)        // stamp[c] = j+1 when color c is taken for j
	for _, j := range order {
		for _, i := range ind[j*k : (j+1)*k] {
			for _, jj := range holders[i] {
				stamp[color[jj]] = j + 1
			}
		}
		c := 0
		for c < colors && stamp[c] == j+1 {
			c++
		}
		if c == colors {
			colors++
			stamp = append(stamp, 0)
		}
		color[j] = c
		for _, i := range ind[j*k : (j+1)*k] {
			if h := holders[i]; len(h) == 0 || h[len(h)-1] != int32(j) {
				holders[i] = append(h, int32(j))
			}
		}
	}
	return color, colors
}

// majorityRadius returns r with P(|L^ - E_y L^| > r) <= delta for the
// majority risk, the smaller of two deterministic radii (so the choice
// spends no extra delta):
//   - McDiarmid over the labels, sum_i c_i^2 with c_i = (1/N) sum_{j: i in
//     kNN(j)} w_j;
//   - Janson (2004, Theorem 2.1) over the evaluation points: the risk at x_j
//     lies in an interval of width w_j = |2 eta_1(x_j) - 1| and depends only
//     on the labels of its k-set, so with chi the number of colors of a
//     proper coloring of the dependency graph, P(|sum_j Y_j/N - E| >= t) <=
//     2 exp(-2 t^2 / (chi sum_j (w_j/N)^2)).
//
// McDiarmid's sum grows like k^2/m, Janson's like chi/N with chi about
// 2kN/m + 1: Janson wins when N is not much larger than m.
func (ka knnAnalysis) majorityRadius(delta float64) float64 {
	return min(BoundedDifferences(ka.majSumSq, delta), BoundedDifferences(float64(ka.colors)*ka.rnPickSq, delta))
}

// majorityRiskUpper returns U with P(L^_maj > U) <= delta for the k-NN
// majority risk, the smaller of two bounds at delta each (both are computed
// from the positions before the labels are drawn, so taking the smaller is a
// choice of inequality and spends no extra delta):
//   - the exact mean plus the McDiarmid radius (when the vote law is exact);
//   - a safe-set bound: L^ = R^* + (1/N) sum_j |2 eta_1(x_j) - 1| W_j with
//     W_j the indicator of a wrong vote; on the set S of points with the
//     smallest wrong-vote probabilities whose sum is at most delta, all
//     votes are right with probability at least 1 - delta (union bound),
//     so L^ <= R^* + (1/N) sum_{j not in S} |2 eta_1(x_j) - 1|.
//
// The second bound is the one that works for large k, where McDiarmid's
// radius (c_i ~ k/m) is vacuous. It needs a binary analysis.
func (ka knnAnalysis) majorityRiskUpper(eval points, delta float64) float64 {
	u := math.Inf(1)
	if ka.exact {
		u = ka.majority + ka.majorityRadius(delta)
	}
	order := make([]int, ka.n)
	for j := range order {
		order[j] = j
	}
	slices.SortFunc(order, func(a, b int) int { return cmpThenIndex(ka.wrongUB[a], ka.wrongUB[b], a, b) })
	spent := 0.0
	safe := 0.0
	for _, j := range order {
		e := eval.posterior(j)
		safe += min(e[0], e[1])
		if spent+ka.wrongUB[j] <= delta {
			spent += ka.wrongUB[j]
			continue
		}
		safe += math.Abs(e[1] - e[0])
	}
	return min(u, safe/float64(ka.n))
}

// randomNeighbourRadius returns r with P(|L^_rn - E L^_rn| > r) <= delta for
// the risk of the random-neighbour sampler, over its training labels y and
// its picks pi_j (independent, uniform among the k nearest): the smaller of
// two deterministic radii.
//
// Janson: the risk at x_j lies in an interval of width w_j and depends only on
// the labels of its k-set and on pi_j, so the dependency graph of
// majorityRadius applies: chi sum_j (w_j/N)^2.
//
// Two-step McDiarmid: split f - E f = (f - E[f | pi]) + (E[f | pi] - E f),
// each part at delta/3:
//   - E[f | pi] = (1/N) sum_j (1 - eta(x_j).eta(X_pi_j)) moves by at most
//     w_j/N when pi_j changes: sum_j (w_j/N)^2;
//   - given pi, label i moves f by at most c_i(pi) = (1/N) sum_{j: pi_j = i}
//     w_j: S(pi) = sum_i c_i(pi)^2, unknown but at most S^ = E S +
//     McDiarmid(S) with probability 1 - delta/3, since changing pi_j moves S
//     by at most 2 a_j C + 2 a_j^2 <= a_j (2 C + 2/N), a_j = w_j/N and
//     C = max_i (1/N) sum_{j: i in kNN(j)} w_j.
func (ka knnAnalysis) randomNeighbourRadius(delta float64) float64 {
	d3 := delta / 3
	g := 2*ka.rnLabelC + 2/float64(ka.n)
	sBar := ka.rnLabelES + BoundedDifferences(ka.rnPickSq*g*g, d3)
	twoStep := BoundedDifferences(ka.rnPickSq, d3) + BoundedDifferences(sBar, d3)
	return min(twoStep, BoundedDifferences(float64(ka.colors)*ka.rnPickSq, delta))
}

// stoneRisk returns the large-sample risk of the k-NN majority vote (binary,
// odd k) with the posterior frozen at the query point, on the empirical
// measure:
//
//	R_k^ = (1/N) sum_j [p_j + (1 - 2 p_j) P(Bin(k, p_j) > k/2)],  p_j = min(eta_1(x_j), eta_0(x_j)).
//
// R_1^ = G^ (binary), R_k^ is non-increasing in odd k, and R_k^ <= R^* +
// 1/sqrt(k e) (Devroye, Gyorfi and Lugosi 1996, Chapter 5; the bound
// holds pointwise: (1 - 2p) P(Bin(k,p) > k/2) <= 2u exp(-2 k u^2) <=
// 1/sqrt(k e) with u = 1/2 - p, by Hoeffding).
func stoneRisk(eval points, k int) float64 {
	p := make([]float64, k)
	law := make([]float64, k+1)
	s := 0.0
	for j := range eval.len() {
		e := eval.posterior(j)
		pj := min(e[0], e[1])
		for l := range p {
			p[l] = pj
		}
		s += pj + (1-2*pj)*majorityOne(p, law)
	}
	return s / float64(eval.len())
}

// cmpThenIndex orders by the floats a, b (no NaN here), then by the
// indices i, j: a total order, so an unstable sort is deterministic.
func cmpThenIndex(a, b float64, i, j int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return i - j
}

// oddAtLeast returns the smallest odd integer >= v (v >= 1).
func oddAtLeast(v float64) int {
	k := int(math.Ceil(v))
	if k%2 == 0 {
		k++
	}
	return max(1, k)
}

// ---------------------------------------------------------------------------
// Conformance: a learner's measured risk against its exact conditional mean
// given the positions.
//
// Every L check compares the mean risk of the production learner, fitted on
// R label sets drawn at the same training positions, with the exact mean
// that the theorem's learner has given the positions (no bias term), and
// rejects when the two differ by more than a concentration radius at the
// claim's delta. The risk is measured through eta on N evaluation points,
// L^ = (1/N) sum_j (1 - eta_{h(x_j)}(x_j)), in the unit "risk".
//
// Additive learners (1-NN, the look-up sampler, a kernel machine off its
// near-ties). The 1-NN risk is a sum over training points, L^ = sum_i
// g_i(y_i) with g_ic = (1/N) sum_{j: NN(j)=i} (1 - eta_c(x_j)). On R
// stratified label sets (stratifiedLabels) the mean risk is
//
//	Lbar = sum_i f_i(V_i),  f_i(V) = (1/R) sum_c C_ic(V) g_ic,
//
// a sum of independent terms, one per training point (C_ic the counts of
// point i's R stratified draws, a function of V_i alone), with E f_i =
// sum_c eta_c(X_i) g_ic exactly, and the exact variance and range of each
// term computed from the pieces of strataPieces. Bernstein's inequality
// (independent terms) then gives |Lbar - E Lbar| <= Bernstein(sum_i Var
// f_i, max_i max_V |f_i - E f_i|, delta). The stratification makes each
// term's variance fall like 1/R^2 rather than 1/R.
//
// Random neighbour of the K nearest (claim L7). Given the labels, its mean
// risk averaged over its picks is additive with the table of riskTable on
// the K nearest indices, so E[Lbar | labels] = sum_i f_i(V_i) as above. The
// answers' own draws (a pick per query and label set, and whatever else a
// variant draws there, independent of the labels and across queries and
// sets) add the centred terms Z_tj = (risk of the answer at (t, j) - its
// mean given the labels)/(R N). Revealing the labels first and then the
// draws, the Doob martingale of Lbar has the differences f_i - E f_i and
// then Z_tj. Given the labels the risk of an answer at x_j lies in an
// interval of width w_j = max_c eta_c(x_j) - min_c eta_c(x_j), so |Z_tj| <=
// w_j/(R N) and Var(Z_tj | labels) <= w_j^2/(4 (R N)^2) (Popoviciu). The
// predictable variance V = sum_i Var f_i + sum_{t,j} Var(Z_tj | labels) is
// known once the labels are drawn, before the answers: Freedman's
// inequality at the realized V (FreedmanRadius, with the label-free bound
// as its largest level) bounds |Lbar - E Lbar| (pickedSpread). Where the
// neighbours' labels agree the pick moves nothing, so the realized V of
// the picks is about the share 1 - eta(X_(1)).eta(X_(2)) of disagreements
// times the bound.

// riskTable returns g (m x k): g_ic = (1/(K N)) sum_{j: i in KNN(j)} (1 -
// eta_c(x_j)) over the evaluation points j with keep(j) (nil: all), for the
// K nearest training indices nn of eval (N x K row-major, K = len(nn)/N: 1
// for the 1-NN rule; all zero when N = 0). The expected risk of a random
// neighbour of the K nearest over its picks, given the labels y, is then
// sum_i g_{i y_i}. It panics if len(nn) is not a multiple of N.
func riskTable(train, eval points, nn []int, keep func(j int) bool) []float64 {
	n, k := eval.len(), eval.k
	g := make([]float64, train.len()*k)
	if n == 0 {
		return g
	}
	if len(nn)%n != 0 {
		panic(fmt.Sprintf("claims: riskTable with %d neighbour indices for %d evaluation points", len(nn), n))
	}
	kk := len(nn) / n
	nk := float64(n) * float64(kk)
	for j := range n {
		if keep != nil && !keep(j) {
			continue
		}
		for _, i := range nn[j*kk : (j+1)*kk] {
			for c, v := range eval.posterior(j) {
				g[i*k+c] += (1 - v) / nk
			}
		}
	}
	return g
}

// additiveSpread is the law of Lbar = sum_i f_i(V_i) for a risk table g on
// R stratified label sets: its exact mean, the sum of the terms' variances
// and the largest deviation of a term from its mean.
type additiveSpread struct {
	mean, v, b float64
}

// radius returns Bernstein's two-sided radius of Lbar at delta.
func (s additiveSpread) radius(delta float64) float64 { return Bernstein(s.v, s.b, delta) }

// pickedSpread is the law of the mean risk over R stratified label sets of
// a learner whose answers are random given the labels (the random
// neighbour's picks, the comment above): the labels' part, the realized
// predictable variance of the answers given the labels, its label-free
// bound and the largest martingale difference.
type pickedSpread struct {
	labels   additiveSpread
	picks    float64 // sum_{t,j} Var(1 - eta_C(x_j) | labels)/(R N)^2, C the answer at (t, j)
	picksMax float64 // sum_{t,j} (w_j/(R N))^2/4 over the random answers: picks <= picksMax
	b        float64 // max(labels.b, max_j w_j/(R N))
}

// newPickedSpread returns the pickedSpread of a learner on the label sets
// (R = len(sets), each of train's length): labels is the spread of its
// expected risk given the labels (spreadOf); at the evaluation points j with
// random(j) (which must not depend on the labels) law(j, y, dst) writes
// into dst (k entries, zeroed) the class law of its answer at x_j given the
// label set y, and elsewhere its answer is deterministic given the labels
// (random nil: random at every point).
func newPickedSpread(labels additiveSpread, eval points, sets [][]int, random func(j int) bool, law func(j int, y []int, dst []float64)) pickedSpread {
	s := pickedSpread{labels: labels, b: labels.b}
	n, k := eval.len(), eval.k
	rn := float64(len(sets)) * float64(n)
	dst := make([]float64, k)
	for j := range n {
		if random != nil && !random(j) {
			continue
		}
		e := eval.posterior(j)
		w := (slices.Max(e) - slices.Min(e)) / rn
		s.picksMax += float64(len(sets)) * w * w / 4
		s.b = max(s.b, w)
		for _, y := range sets {
			clear(dst)
			law(j, y, dst)
			mean := 0.0
			for c, p := range dst {
				mean += p * e[c]
			}
			v := 0.0
			for c, p := range dst {
				v += p * (e[c] - mean) * (e[c] - mean)
			}
			s.picks += v / (rn * rn)
		}
	}
	return s
}

// radius returns FreedmanRadius at delta of the mean risk, at the realized
// predictable variance labels.v + picks, inflated by 1e-9 relative (far
// above the rounding of its sums of m and R N non-negative terms, each
// computed to a few u: about (m + R N) u relative), with the label-free
// bound labels.v + picksMax as its largest level (each realized term is at
// most its bound by Popoviciu's inequality; the min absorbs the
// inflation). It is 0 when no term can move (b = 0).
func (s pickedSpread) radius(delta float64) float64 {
	if s.b == 0 {
		return 0
	}
	vmax := s.labels.v + s.picksMax
	return FreedmanRadius(min(vmax, (s.labels.v+s.picks)*(1+1e-9)), s.b, vmax, delta)
}

// spreadOf returns the additiveSpread of the table g (m x k) over the
// training points train on r stratified label sets. Rows of g that are all
// zero (no evaluation point in the cell) contribute nothing.
func spreadOf(train points, g []float64, r int) additiveSpread {
	k := train.k
	var s additiveSpread
	for i := range train.len() {
		gi := g[i*k : (i+1)*k]
		if slices.Max(gi) == 0 {
			continue
		}
		eta := train.posterior(i)
		mean := 0.0
		for c, v := range eta {
			mean += v * gi[c]
		}
		s.mean += mean
		lens, counts := strataPieces(eta, r)
		for a, w := range lens {
			f := 0.0
			for c, n := range counts[a] {
				f += n * gi[c]
			}
			f /= float64(r)
			s.v += w * (f - mean) * (f - mean)
			s.b = max(s.b, math.Abs(f-mean))
		}
	}
	return s
}

// riskConformance is one calibrated conformance assertion: the measured mean
// risk against the exact expected one, rejecting when |measured - expected|
// > tol; mdd is its certified MDD (Detectable(tol, altRadius)).
type riskConformance struct {
	what               string
	measured, expected float64
	tol, mdd           float64
}

func (r riskConformance) deviation() float64 { return math.Abs(r.measured - r.expected) }

// record passes the assertion to c.Calibrated and returns whether it
// rejects.
func (r riskConformance) record(c *Check) bool { return c.Calibrated(r.deviation(), r.tol, r.mdd) }

func (r riskConformance) String() string {
	return fmt.Sprintf("%s: measured %.6f vs exact %.6f: |diff| = %.6f, tolerance %.6f (MDD %.4f)",
		r.what, r.measured, r.expected, r.deviation(), r.tol, r.mdd)
}

// meanRisk fits learner on each label set and returns the mean of its risks
// on eval (rng drives a randomized classifier's answers).
func meanRisk(learner learners.Learner, train points, labels [][]int, eval points, rng *rand.Rand) (float64, error) {
	s := 0.0
	for _, y := range labels {
		h, err := learner.Fit(train.dataset(y))
		if err != nil {
			return 0, err
		}
		risk, _, err := predictRisk(h, eval, rng)
		if err != nil {
			return 0, err
		}
		s += risk
	}
	return s / float64(len(labels)), nil
}

// shareDeviation returns, for a learner that answers as another on the
// share q of the queries picked by majorityOnShare (unitHash with saltShare
// below q), the exact change of its expected risk, sum_{j: u_j < q} dev[j],
// as a function of q, and the q in (0, 1] at which |change| first reaches
// target (ok false if even q = 1 does not). dev must have one sign.
func shareDeviation(eval points, dev []float64, target float64) (q, change float64, ok bool) {
	u := make([]float64, eval.len())
	order := make([]int, eval.len())
	for j := range u {
		u[j] = unitHash(eval.row(j), saltShare)
		order[j] = j
	}
	slices.SortFunc(order, func(a, b int) int { return cmpThenIndex(u[a], u[b], a, b) })
	for _, j := range order {
		change += dev[j]
		if math.Abs(change) >= target {
			return math.Nextafter(u[j], 2), change, true
		}
	}
	return 1, change, false
}

// nnBayesDeviation returns dev[j] = ((1 - max_c eta_c(x_j)) - (1 -
// eta(x_j).eta(X_NN(j))))/N: the change of the expected 1-NN risk when x_j
// answers the Bayes label instead (never positive).
func nnBayesDeviation(train, eval points, nn []int) []float64 {
	dev := make([]float64, eval.len())
	nf := float64(eval.len())
	for j, i := range nn {
		e, t := eval.posterior(j), train.posterior(i)
		dot := 0.0
		for c, v := range e {
			dot += v * t[c]
		}
		dev[j] = min(0, dot-slices.Max(e)) / nf
	}
	return dev
}

// riskSlack is the float slack of comparing a mean risk measured over r
// label sets on n evaluation points with an exact mean computed from eta
// (k classes): each per-point term of either side errs by at most (k + 2) u
// and each mean by (n + r) u more, so roundingSlack(n, r + k + 2) covers
// both sides (and the rows of eta summing to 1 only within
// gen.PosteriorTolerance). It matters where the stratified design makes
// the radius 0 (r eta_c integer at every point: the mean risk is then
// deterministic given the positions).
func riskSlack(n, r, k int) float64 { return roundingSlack(n, r+k+2) }
