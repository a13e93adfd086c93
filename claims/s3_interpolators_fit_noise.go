package claims

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// claimS3 (interpolators fit the noise): on distinct training points, 1-NN,
// the ridgeless Laplace kernel machine, the CART tree grown to purity and
// minimum-norm random ReLU features of width W = 2m have zero training
// error whatever the labels.
//
// 1-NN: the nearest training point of x_i is x_i itself (distance 0, unique
// for distinct points). Kernel machine: the Laplace Gram matrix of distinct
// points is positive definite, so (G) A = Y has a solution with f_c(x_i) =
// Y_ic = +1 for c = y_i and -1 otherwise, and the argmax is y_i; the bandwidth
// is at most the median nearest-neighbour spacing, which keeps G well
// conditioned. Tree: a node is split while it holds two labels, and two
// distinct points differ in some coordinate, so some split exists; every
// split shrinks both children, so growth ends with every leaf holding one
// label (learners.Tree), which it answers at its training points.
//
// Random features: with Phi (m x W) of full row rank, the minimum-norm
// solution beta = Phi^T (Phi Phi^T)^-1 Y has Phi beta = Y exactly. In
// floating point the solve certifies itself: the classifier's Residual r is
// ||Phi beta - Y||_F / ||Y||_F with the training scores computed as Predict
// computes them, ||Y||_F = sqrt(m K), so every training score is within
// r sqrt(m K) of its target, and r sqrt(m K) < 1 leaves the target class 2 -
// 2 r sqrt(m K) > 0 ahead: the tolerance is that bound, and the assertion is
// that the count of training errors is then 0 (it checks the argmax and
// the prediction path against the certified scores). The premise is
// checked before any assertion: a Gram matrix Phi Phi^T that does not
// factorize (rank below m, or condition number above 1e16) or a residual
// that does not certify leaves the case unresolved. Over 300 draws of this
// generator at each of W = 2m and W = 4m, none in dimension >= 2 failed,
// and the largest r sqrt(m K) at W = 2m was 3.1e-6. In dimension 1 the
// kinks anchored at the training points must separate every pair of
// neighbouring points, which they failed to do in 59 (W = 2m) and 26
// (W = 4m) of those draws, all in dimension 1 (Phi rank-deficient), so the
// random-features assertion is made for D >= 2 only.
//
// Exact: the assertions are that the counts of training errors are 0. The
// learners are the implementations under test (c.KNN, c.KernelMachine,
// c.Tree, c.RandomFeatures), so the mutation matrix sees which
// interpolation bugs S3 catches.
var claimS3 = Claim{
	ID:     "S3",
	Title:  "Interpolators fit the noise",
	Source: "Kaplun et al. 2022, Section 5 (interpolating teachers); Cover and Hart 1967",
	Statement: "1-NN, the ridgeless Laplace kernel machine (bandwidth at most the median nearest-neighbour " +
		"spacing), the CART tree grown to purity and minimum-norm random ReLU features of width 2m (dimension >= 2, " +
		"residual certified below 1/sqrt(mK)) have zero training error on distinct points, whatever the label noise.",
	Kind:       Exact,
	Checks:     20,
	Assertions: 4,
	Property: func(c *Check) {
		dist := gen.Distributions(gen.Spec{}).Draw(c.T, "dist")
		m := rapid.IntRange(20, 300).Draw(c.T, "m")
		factor := rapid.SampledFrom([]float64{0.25, 0.5, 1}).Draw(c.T, "bandwidth/spacing")
		st := caseStreams(c)
		train := drawPoints(dist, st.Train, m)
		spacing, err := nnSpacing(train)
		if err != nil {
			c.Fatalf("S3: %v", err)
		}
		if spacing.min == 0 {
			c.Unresolved("duplicate training points")
		}
		ds := train.dataset(train.drawLabels(st.Labels))
		// The random-features premise, before any assertion.
		rf := learners.RandomFeatures{Width: 2 * m, Seed: c.Seed("features")}
		var rfFit learners.Classifier
		if train.d >= 2 {
			rfFit, err = c.RandomFeatures(rf).Fit(ds)
			if errors.Is(err, learners.ErrGramNotFactorized) {
				c.Unresolved("random features: %v", err)
			}
			if err != nil {
				c.Fatalf("S3: %+v: %v", rf, err)
			}
			res, ok := rfFit.(interface{ Residual() float64 })
			if !ok {
				c.Fatalf("S3: the random-features classifier %T reports no residual", rfFit)
			}
			if bound := 1 / math.Sqrt(float64(m*ds.K)); !(res.Residual() < bound) {
				c.Unresolved("random features: residual %.3g does not certify interpolation (< 1/sqrt(mK) = %.3g)", res.Residual(), bound)
			}
		}
		errs, err := trainingErrors(c.KNN(1), ds)
		if err != nil {
			c.Fatalf("S3: 1-NN: %v", err)
		}
		if errs != 0 {
			c.Fatalf("S3: 1-NN has %d training errors on %d distinct points of %v", errs, m, dist)
		}
		km := learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: factor * spacing.median}
		errs, err = trainingErrors(c.KernelMachine(km), ds)
		if err != nil {
			c.Fatalf("S3: %+v: %v", km, err)
		}
		if errs != 0 {
			c.Fatalf("S3: ridgeless Laplace machine (h = %.3g) has %d training errors on %d distinct points of %v", km.Bandwidth, errs, m, dist)
		}
		errs, err = trainingErrors(c.Tree(learners.Tree{}), ds)
		if err != nil {
			c.Fatalf("S3: tree: %v", err)
		}
		if errs != 0 {
			c.Fatalf("S3: the tree grown to purity has %d training errors on %d distinct points of %v", errs, m, dist)
		}
		if rfFit != nil {
			errs, err = predictionErrors(rfFit, ds)
			if err != nil {
				c.Fatalf("S3: %+v: %v", rf, err)
			}
			if errs != 0 {
				c.Fatalf("S3: minimum-norm random features (W = %d) with a certified residual have %d training errors on %d distinct points of %v", rf.Width, errs, m, dist)
			}
		}
		c.Margin(0)
	},
	Falsifiers: []Falsifier{
		{
			// A k-NN majority (K = 3 or 5) votes with K-1 other points. Pick
			// training points whose K-sets are pairwise disjoint (greedily);
			// point i is a training error at least when some label a != y_i
			// gets (K+1)/2 of the K-1 other votes, with probability
			// p_i = sum_c eta_c(x_i) sum_{a != c} P(PoissonBinomial(eta_a(x_l))
			// >= (K+1)/2), independently across the disjoint sets, so
			// P(no training error) <= exp(-sum p_i). The
			// case resolves when that is below c.Delta; noise levels 2..8 and
			// m = 1000 make sum p_i about 10 to 100.
			Name:       "knn-majority",
			Checks:     5,
			Assertions: 1,
			Property: func(c *Check) {
				dist := gen.Distributions(gen.Spec{
					Families: []gen.Family{gen.FamilySmooth, gen.FamilyGrid, gen.FamilyPairSwap},
					MaxDim:   4, MaxClasses: 4, MinNoise: 3, MaxNoise: 8,
				}).Draw(c.T, "dist")
				kNN := rapid.SampledFrom([]int{3, 5}).Draw(c.T, "K")
				st := caseStreams(c)
				train := drawPoints(dist, st.Train, 3000)
				logP, err := knnInterpolationLogChance(train, kNN)
				if err != nil {
					c.Fatalf("S3: %v", err)
				}
				if logP > math.Log(c.Delta) {
					c.Unresolved("P(no training error) <= exp(%.1f), above delta", logP)
				}
				requireTrainingError(c, fmt.Sprintf("the %d-NN majority", kNN), c.KNN(kNN), train.dataset(train.drawLabels(st.Labels)), dist, fmt.Sprintf(" (P <= exp(%.1f))", logP))
			},
		},
		{
			// Kernel ridge with a wide Laplace kernel (h = 10 on the unit
			// cube) and ridge lambda = 100 m smooths the labels into a
			// global vote. kernelRidgeForecast certifies, from eta alone,
			// the label a_i it predicts at each training point whatever the
			// labels (probability >= 1 - delta/2); on that event point i is a
			// training error iff y_i != a_i, independently, so P(no error) <=
			// delta/2 + prod_i eta_{a_i}(x_i). A constant binary posterior
			// eta_1 in {0.2, 0.25, 0.75, 0.8} (Grid with r = 1) gives a mean
			// score margin 2 |2 eta_1 - 1| sum_l s_l against a radius of
			// sqrt(8 ln(4m/delta)) ||k||/lambda, which needs
			// m >~ 8 ln(4m/delta)/(2 eta_1 - 1)^2 ~ 220 at eta_1 = 0.25 (and
			// 340 at 0.3, which is why 0.3 is not drawn); m = 300.
			Name:       "kernel-ridge-large-ridge",
			Checks:     5,
			Assertions: 1,
			Property: func(c *Check) {
				d := rapid.IntRange(1, 3).Draw(c.T, "d")
				eta1 := rapid.SampledFrom([]float64{0.2, 0.25, 0.75, 0.8}).Draw(c.T, "eta1")
				dist, err := gen.NewGrid(d, 1, [][]float64{{1 - eta1, eta1}})
				if err != nil {
					c.Fatalf("S3: %v", err)
				}
				const m = 300
				km := learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 10, Ridge: 100 * m}
				st := caseStreams(c)
				train := drawPoints(dist, st.Train, m)
				forecast, err := kernelRidgeForecast(km.Kernel, km.Bandwidth, km.Ridge, train, train, c.Delta/2)
				if err != nil {
					c.Fatalf("S3: %v", err)
				}
				logP := 0.0
				for i, a := range forecast {
					if a >= 0 {
						logP += math.Log(train.posterior(i)[a])
					}
				}
				if logP > math.Log(c.Delta/2) {
					c.Unresolved("P(no training error) <= delta/2 + exp(%.1f), above delta", logP)
				}
				requireTrainingError(c, fmt.Sprintf("kernel ridge %+v", km), c.KernelMachine(km), train.dataset(train.drawLabels(st.Labels)), dist, "")
			},
		},
		{
			// A regularised tree (MaxDepth 1 to 3, at most 8 leaves) on
			// m = 400 points with a constant binary posterior eta_1 in
			// {0.25, 0.5, 0.75} (Grid with r = 1). treePartitionLogChance
			// bounds P(no training error) by
			// (d (m+1) + 1)^(L-1) pmax^(m-L), at most exp(-63) here
			// (L = 8, d = 3, pmax = 0.75); the case resolves when the
			// bound is below c.Delta.
			Name:       "tree-max-depth",
			Checks:     5,
			Assertions: 1,
			Property: func(c *Check) {
				d := rapid.IntRange(1, 3).Draw(c.T, "d")
				depth := rapid.IntRange(1, 3).Draw(c.T, "MaxDepth")
				eta1 := rapid.SampledFrom([]float64{0.25, 0.5, 0.75}).Draw(c.T, "eta1")
				dist, err := gen.NewGrid(d, 1, [][]float64{{1 - eta1, eta1}})
				if err != nil {
					c.Fatalf("S3: %v", err)
				}
				const m = 400
				logP := treePartitionLogChance(m, d, depth, max(eta1, 1-eta1))
				if logP > math.Log(c.Delta) {
					c.Unresolved("P(no training error) <= exp(%.1f), above delta", logP)
				}
				st := caseStreams(c)
				train := drawPoints(dist, st.Train, m)
				tree := learners.Tree{MaxDepth: depth}
				requireTrainingError(c, fmt.Sprintf("the tree %+v", tree), c.Tree(tree), train.dataset(train.drawLabels(st.Labels)), dist, fmt.Sprintf(" (P <= exp(%.1f))", logP))
			},
		},
		{
			// Regularised random features: width W = m/8 with ridge 1, on
			// m = 400 points with a constant binary posterior eta_1 in
			// {0.4, 0.5, 0.6}. The features are drawn independently of
			// the labels and the prediction is 1[phi(x) . (beta_1 -
			// beta_0) > 0], a homogeneous halfspace in R^W, so
			// halfspaceLogChance bounds P(no training error) by
			// sum_{i<=W} C(m, i) pmax^m, at most exp(-53) here; the case
			// resolves when the bound is below c.Delta. (A large ridge at
			// W >= m has no such certificate: its halfspaces can realise
			// every labeling.)
			Name:       "random-features-narrow-ridge",
			Checks:     5,
			Assertions: 1,
			Property: func(c *Check) {
				d := rapid.IntRange(1, 3).Draw(c.T, "d")
				eta1 := rapid.SampledFrom([]float64{0.4, 0.5, 0.6}).Draw(c.T, "eta1")
				dist, err := gen.NewGrid(d, 1, [][]float64{{1 - eta1, eta1}})
				if err != nil {
					c.Fatalf("S3: %v", err)
				}
				const m = 400
				rf := learners.RandomFeatures{Width: m / 8, Ridge: 1, Seed: c.Seed("features")}
				logP := halfspaceLogChance(m, rf.Width, max(eta1, 1-eta1))
				if logP > math.Log(c.Delta) {
					c.Unresolved("P(no training error) <= exp(%.1f), above delta", logP)
				}
				st := caseStreams(c)
				train := drawPoints(dist, st.Train, m)
				requireTrainingError(c, fmt.Sprintf("random features %+v", rf), c.RandomFeatures(rf), train.dataset(train.drawLabels(st.Labels)), dist, fmt.Sprintf(" (P <= exp(%.1f))", logP))
			},
		},
	},
}

func init() { register(claimS3) }

// predictionErrors returns the number of points of ds whose prediction by
// the fitted h differs from their label (a randomized h gets the fixed PCG
// stream of trainingErrors).
func predictionErrors(h learners.Classifier, ds learners.Dataset) (int, error) {
	pred := make([]int, ds.Len())
	if err := h.PredictBatch(ds.X, pred, gen.NewStream(0, streamPredict)); err != nil {
		return 0, err
	}
	n := 0
	for i, y := range ds.Y {
		if pred[i] != y {
			n++
		}
	}
	return n, nil
}

// treePartitionLogChance returns the log of an upper bound on the
// probability that some classification tree of depth at most depth has
// zero training error on m points in dimension d whose labels are drawn
// independently with every class probability at most pmax.
//
// A tree of depth <= depth has at most L = 2^depth leaves and L - 1
// internal nodes; the points an internal node sends left are a prefix of
// the m points sorted by one coordinate, at most d (m + 1) choices, so the
// trees induce at most (d (m + 1) + 1)^(L-1) partitions of the points (the
// +1: the node is a leaf). Fix a partition, which does not depend on the
// labels: a cell of s points is all one label with probability
// sum_c prod_i eta_c(x_i) <= pmax^(s-1) sum_c eta_c(x_1) = pmax^(s-1),
// independently across cells, so all its at most L cells are with
// probability <= pmax^(m-L). A tree with zero training error makes every
// leaf's points one label; the union bound over the partitions gives
//
//	P <= (d (m + 1) + 1)^(L-1) pmax^(m-L).
func treePartitionLogChance(m, d, depth int, pmax float64) float64 {
	l := float64(int(1) << depth)
	return (l-1)*math.Log(float64(d*(m+1)+1)) + (float64(m)-l)*math.Log(pmax)
}

// halfspaceLogChance returns the log of an upper bound on the probability
// that a classifier of the form 1[phi(x) . v > 0], phi: R^d -> R^w fixed
// independently of the labels and v in R^w chosen after them, has zero
// training error on m points whose binary labels are drawn independently
// with both class probabilities at most pmax. Homogeneous halfspaces in
// R^w have VC dimension w, so by Sauer's lemma they realise at most
// sum_{i<=w} C(m, i) labelings of the m feature vectors, each drawn with
// probability at most pmax^m:
//
//	P <= sum_{i<=w} C(m, i) pmax^m.
func halfspaceLogChance(m, w int, pmax float64) float64 {
	logC := func(i int) float64 {
		a, _ := math.Lgamma(float64(m + 1))
		b, _ := math.Lgamma(float64(i + 1))
		c, _ := math.Lgamma(float64(m - i + 1))
		return a - b - c
	}
	top := logC(min(w, m/2)) // the largest term, for scaling
	var sum float64
	for i := range min(w, m) + 1 {
		sum += math.Exp(logC(i) - top)
	}
	return top + math.Log(sum) + float64(m)*math.Log(pmax)
}

// requireTrainingError is the assertion of S3's falsifiers: learner,
// fitted on ds drawn from dist, must make a training error (the case has
// already certified that a learner of its kind interpolates with probability
// below delta; bound names that certificate in the failure message). It
// fails c when the fit fails or the learner interpolates.
func requireTrainingError(c *Check, what string, learner learners.Learner, ds learners.Dataset, dist gen.Distribution, bound string) {
	errs, err := trainingErrors(learner, ds)
	if err != nil {
		c.Fatalf("S3: %s: %v", what, err)
	}
	c.Margin(float64(errs))
	if errs == 0 {
		c.Fatalf("S3 accepted %s: no training error on %v%s", what, dist, bound)
	}
}

// trainingErrors fits learner on ds and returns the number of training
// points whose prediction differs from their label. A randomized classifier
// gets a fixed PCG stream, so the count is reproducible.
func trainingErrors(learner learners.Learner, ds learners.Dataset) (int, error) {
	h, err := learner.Fit(ds)
	if err != nil {
		return 0, err
	}
	pred := make([]int, ds.Len())
	if err := h.PredictBatch(ds.X, pred, gen.NewStream(0, streamPredict)); err != nil {
		return 0, err
	}
	n := 0
	for i, y := range ds.Y {
		if pred[i] != y {
			n++
		}
	}
	return n, nil
}

// spacingStats are the nearest-neighbour distances among training points.
type spacingStats struct{ min, median float64 }

// nnSpacing returns the smallest and the median distance from a training
// point to its nearest other training point.
func nnSpacing(train points) (spacingStats, error) {
	n := train.len()
	if n < 2 {
		return spacingStats{}, fmt.Errorf("claims: spacing of %d points", n)
	}
	idx, err := learners.NewIndex(train.x, train.d)
	if err != nil {
		return spacingStats{}, err
	}
	ind := make([]int, 2*n)
	dist := make([]float64, 2*n)
	if err := idx.SearchBatch(train.x, 2, ind, dist); err != nil {
		return spacingStats{}, err
	}
	nearest := make([]float64, n)
	for i := range nearest {
		// The first neighbour is the point itself unless it has a
		// duplicate of lower index; either way the second distance is the
		// distance to the nearest other point (0 for a duplicate).
		nearest[i] = dist[2*i+1]
		if ind[2*i] != i {
			nearest[i] = dist[2*i]
		}
	}
	slices.Sort(nearest)
	return spacingStats{min: nearest[0], median: nearest[n/2]}, nil
}

// knnInterpolationLogChance returns the log of an upper bound on the
// probability that the k-NN majority (kNN >= 3, odd) has zero training error
// on the positions train, over labels y_i ~ eta(.|x_i) drawn independently.
// It selects training points whose kNN-sets (the point and its kNN-1 nearest
// others) are pairwise disjoint, greedily in index order. Point i is
// misclassified at least when some label a != y_i gets (kNN+1)/2 of the
// kNN-1 other votes (a strict majority of all kNN); these events are
// disjoint over a, so their probability is
//
//	p_i = sum_c eta_c(x_i) sum_{a != c} P(sum_l 1[y_l = a] >= (kNN+1)/2),
//
// each term an exact Poisson-binomial tail (PoissonBinomial). The events of
// the selected points are independent, so
// P(no error) <= prod (1 - p_i) <= exp(-sum p_i).
func knnInterpolationLogChance(train points, kNN int) (float64, error) {
	if kNN < 3 || kNN%2 == 0 {
		return 0, fmt.Errorf("claims: knnInterpolationLogChance needs an odd K >= 3, got %d", kNN)
	}
	n := train.len()
	idx, err := learners.NewIndex(train.x, train.d)
	if err != nil {
		return 0, err
	}
	ind := make([]int, kNN*n)
	dist := make([]float64, kNN*n)
	if err := idx.SearchBatch(train.x, kNN, ind, dist); err != nil {
		return 0, err
	}
	used := make([]bool, n)
	rates := make([]float64, kNN-1)
	law := make([]float64, kNN)
	tail := make([]float64, train.k) // P(label a wins a strict majority among the others)
	sum := 0.0
next:
	for i := 0; i < n; i++ {
		set := ind[i*kNN : (i+1)*kNN]
		if set[0] != i || dist[i*kNN+1] == 0 {
			continue // duplicates: skip the point
		}
		for _, l := range set {
			if used[l] {
				continue next
			}
		}
		for _, l := range set {
			used[l] = true
		}
		for a := range tail {
			for r, l := range set[1:] {
				rates[r] = train.posterior(l)[a]
			}
			PoissonBinomial(rates, law)
			tail[a] = 0
			for v := (kNN + 1) / 2; v < kNN; v++ {
				tail[a] += law[v]
			}
		}
		p := 0.0
		for y, ey := range train.posterior(i) {
			for a, t := range tail {
				if a != y {
					p += ey * t
				}
			}
		}
		sum += p
	}
	return -sum, nil
}
