package claims

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// SamplerProblem is one case of the sampler check: a distribution with a
// known posterior, the number of training labels M, the number of
// evaluation points N, the largest number of cells of the finest level
// (0: as fine as the data resolve), the seed of all bulk data (gen.NewStreams:
// training positions, labels and evaluation points each on their own
// stream) and the seed of the hidden partition and of the contract
// cross-checks. CheckSampler draws PartitionSeed after the learner is
// fitted, independently of Seed.
type SamplerProblem struct {
	Dist          gen.Distribution
	M, N          int
	MaxCells      int
	Seed          uint64
	PartitionSeed uint64
}

// SamplerLevel is the calibration check at one level of the hidden
// partition. All quantities are total-variation gaps in [0, 1]:
//
//	Gap = (1/N) sum_B 1/2 sum_c | #{j in B: h(x_j) = c} - sum_{j in B} eta_c(x_j) |
//
// over the Cells cells B of the level (the Form-B calibration gap), and
// Tolerance = Bias + Spread + Deviation + eps, the level that a 1-NN teacher
// trained on the same positions provably stays under with probability at
// least 1 - delta/levels over its labels: Bias is the within-cell bias of
// the nearest neighbours' posteriors (exact, at most Boundary = A^), Spread
// bounds the mean label fluctuation (Jensen with the exact variances) and
// Deviation is the Freedman-Bernstein radius with the Voronoi shares as
// influences. MDD = Tolerance + Deviation is the level's certified minimal
// detectable deviation: a learner whose expected gap at this level exceeds
// it, and whose gap concentrates as 1-NN's does, is rejected with
// probability at least 1 - delta/levels.
type SamplerLevel struct {
	Level, Cells                 int
	Gap, Tolerance               float64
	Bias, Spread, Deviation, MDD float64
}

// SamplerCell is one cell of the level that decided, for a failure message:
// its share of the evaluation points, the mean of its points, the
// learner's answer rates against the cell's mean posterior, and its excess
// (its part of the gap beyond its own bias and spread; the excesses of a
// level add up to Gap - Bias - Spread).
type SamplerCell struct {
	Cell      int
	Share     float64
	Centroid  []float64
	Rates     []float64
	Posterior []float64
	Excess    float64
}

// SamplerReport is what SamplerGap measured on one problem: the
// calibration check at every level of a random halfspace tree drawn from
// PartitionSeed (levels 0..depth with 2^level cells, nested, as fine as the
// data resolve: 2^depth <= min(M, N)/256, at most MaxCells), the verdict
// unioned over the levels at delta (each level at delta / levels), and the
// contract cross-checks.
//
// Gap, Tolerance, Bias, Spread, Deviation, Level, Cells are those of the
// level that decided: the level with the smallest margin Tolerance - Gap
// (the largest excess when the learner fails). MDD is the smallest level
// MDD and MDDLevel its level (level 0, the overall class rates, unless a
// finer level is sharper). WorstCells are the cells of the deciding level
// with the largest excess. Randomized says that the classifier rejected a
// nil rng (the learners.Classifier contract of a randomized classifier):
// its fresh per-query draws then widen Spread and Deviation. Contract, if
// not empty, says how the classifier broke the learners.Classifier
// contract (Predict against PredictBatch on the same points and rng, or,
// for a deterministic classifier, the answers' invariance to the order and
// batching of the queries); the calibration is then not measured.
type SamplerReport struct {
	Gap, Tolerance          float64
	Bias, Spread, Deviation float64
	Boundary                float64
	Level, Cells            int
	Partition               string
	MDD                     float64
	MDDLevel                int
	Levels                  []SamplerLevel
	WorstCells              []SamplerCell
	Randomized              bool
	Contract                string
}

// IsSampler reports whether the learner passed the sampler check with
// slack eps: no contract violation and Gap <= Tolerance + eps at every
// level (the Tolerance of SamplerGap's levels includes no eps).
func (r SamplerReport) IsSampler(eps float64) bool {
	if r.Contract != "" {
		return false
	}
	for _, l := range r.Levels {
		if l.Gap > l.Tolerance+eps {
			return false
		}
	}
	return true
}

// String gives the verdict line at eps = 0.
func (r SamplerReport) String() string {
	if r.Contract != "" {
		return "contract broken: " + r.Contract + ": not a sampler"
	}
	verdict, op := "sampler", "<="
	if !r.IsSampler(0) {
		verdict, op = "not a sampler", ">"
	}
	return fmt.Sprintf("gap %.3f %s tolerance %.3f at level %d (%d cells), MDD %.3f (level %d): %s",
		r.Gap, op, r.Tolerance, r.Level, r.Cells, r.MDD, r.MDDLevel, verdict)
}

// SamplerGap trains learner on p.M labels drawn from p.Dist, predicts p.N
// fresh evaluation points, cross-checks the classifier's contract and
// returns its calibration gap at every level of a hidden random halfspace
// tree against the 1-NN tolerance at false-alarm probability delta (see
// SamplerReport). It is the measurement behind CheckSampler and claim S4,
// for use outside a test; CheckSampler(t, learner) fails exactly when
// SamplerGap's report says !IsSampler(eps) on one of its cases.
//
// It returns an error if the learner or p.Dist is nil (also a typed nil),
// p.Dist has Dim() < 1 or Classes() outside [2, learners.MaxClasses] or a
// posterior at a drawn point that is not a probability vector, p.M < 2 or
// p.N < 1, p.MaxCells is negative or above gen.MaxGridCells, delta is not in
// (0, 1), or the learner fails to fit, returns a nil classifier or one of
// the wrong Dim or Classes, fails to predict or predicts a label outside
// [0, k).
func SamplerGap(learner learners.Learner, p SamplerProblem, delta float64) (SamplerReport, error) {
	return samplerGap(learner, p, delta, 0, func() uint64 { return p.PartitionSeed })
}

// samplerGap is SamplerGap with slack eps on each level's tolerance and the
// partition seed given by a function called after the learner is fitted.
func samplerGap(learner learners.Learner, p SamplerProblem, delta, eps float64, partitionSeed func() uint64) (SamplerReport, error) {
	switch {
	case isNil(p.Dist):
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: nil distribution (%T)", p.Dist)
	case p.M < 2 || p.N < 1:
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: need M >= 2 and N >= 1, got M = %d, N = %d", p.M, p.N)
	case p.MaxCells < 0 || p.MaxCells > gen.MaxGridCells:
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: MaxCells = %d, want 0 (as fine as the data resolve) or in [1, gen.MaxGridCells = %d]", p.MaxCells, gen.MaxGridCells)
	case !(delta > 0 && delta < 1):
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: delta %v not in (0, 1)", delta)
	case isNil(learner):
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: nil learner (%T)", learner)
	}
	if err := checkShape("SamplerGap", p.Dist, p.Dist.Dim(), p.Dist.Classes()); err != nil {
		return SamplerReport{}, err
	}
	sc, err := newSamplerCase(p.Dist, p.M, p.N, p.Seed)
	if err != nil {
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: %v: %w", p.Dist, err)
	}
	for _, pts := range []struct {
		name string
		p    points
	}{{"training", sc.train}, {"evaluation", sc.eval}} {
		if err := gen.ValidatePosteriorMatrix(pts.p.eta, pts.p.k); err != nil {
			return SamplerReport{}, fmt.Errorf("claims: SamplerGap: posterior of %v at a %s point: %w", p.Dist, pts.name, err)
		}
	}
	h, err := sc.fit(checkedLearner{learner})
	if err != nil {
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: %s: %w", learnerName(learner), err)
	}
	pred, err := sc.answer(h)
	if err != nil {
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: %s: %w", learnerName(learner), err)
	}
	pseed := partitionSeed()
	contract, randomized, err := contractCheck(h, sc.eval, pred, pseed)
	if err != nil {
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: %s: %w", learnerName(learner), err)
	}
	if contract != "" {
		return SamplerReport{Contract: contract, Randomized: randomized}, nil
	}
	sc.hiddenTree(pseed, p.MaxCells, 1)
	answers := newCellSums(sc.an.lv, sc.eval.k)
	answers.addAnswers(sc.an.lv, sc.eval.k, pred)
	lcs := sc.an.checks(band, answers, 1, randomized, delta, 0)
	r := SamplerReport{Boundary: sc.an.border, Partition: sc.an.lv.name, Randomized: randomized}
	for _, lc := range lcs {
		r.Levels = append(r.Levels, SamplerLevel{Level: lc.level, Cells: lc.cells, Gap: lc.gap, Tolerance: lc.tolerance,
			Bias: lc.bias, Spread: lc.spread, Deviation: lc.radius, MDD: lc.mdd})
	}
	// The deciding level is judged at the caller's slack eps.
	withEps := slices.Clone(lcs)
	for i := range withEps {
		withEps[i].tolerance += eps
	}
	d := lcs[deciding(withEps)]
	r.Gap, r.Tolerance, r.Bias, r.Spread, r.Deviation = d.gap, d.tolerance, d.bias, d.spread, d.radius
	r.Level, r.Cells = d.level, d.cells
	best := lcs[smallestMDD(lcs)]
	r.MDD, r.MDDLevel = best.mdd, best.level
	for _, ce := range sc.an.worstCells(band, answers, 1, randomized, sc.eval, d.level, 3) {
		r.WorstCells = append(r.WorstCells, SamplerCell{Cell: ce.cell, Share: ce.share, Centroid: ce.centroid,
			Rates: ce.rates, Posterior: ce.ref, Excess: ce.excess})
	}
	return r, nil
}

// contractSubset is the number of hidden evaluation points on which
// contractCheck cross-checks a classifier.
const contractSubset = 512

// contractCheck cross-checks the classifier h on contractSubset evaluation
// points drawn (with replacement) from seed's contract stream, given pred,
// its PredictBatch answers at all evaluation points. It first asks
// PredictBatch to answer with a nil rng: by the learners.Classifier
// contract a randomized classifier returns an error (a panic counts as
// one), and a deterministic one ignores rng. Then, exactly:
//
//   - deterministic: the answers with a nil rng equal pred at the same
//     points (another batch, another rng), a permuted batch gets the
//     permuted answers, and Predict(row, nil) equals them point by point;
//   - randomized: Predict row by row from one rng equals PredictBatch from
//     another rng on the same seed (the contract: a batch consumes rng row
//     by row, in order), and so does the batch split in two calls sharing
//     one rng.
//
// Invariance of a randomized classifier's law to the order of the queries
// is not checked exactly (its draws depend on the order by contract); an
// answer that depends on a query's position in the batch is measured as
// miscalibration, since the evaluation points are i.i.d. It returns the
// first violation found ("" if none), whether h is randomized, and an error
// only if PredictBatch fails with a valid rng.
func contractCheck(h learners.Classifier, eval points, pred []int, seed uint64) (violation string, randomized bool, err error) {
	rng := gen.NewStream(seed, streamContract)
	n, d := min(contractSubset, eval.len()), eval.d
	idx := make([]int, n)
	x := make([]float64, n*d)
	for i := range idx {
		idx[i] = rng.IntN(eval.len())
		copy(x[i*d:(i+1)*d], eval.row(idx[i]))
	}
	got := make([]int, n)
	randomized = safePredictBatch(h, x, got, nil) != nil
	mismatch := func(what string, want, have []int, wantName, haveName string) string {
		bad, first := 0, -1
		for i := range want {
			if want[i] != have[i] {
				if first < 0 {
					first = i
				}
				bad++
			}
		}
		if bad == 0 {
			return ""
		}
		return fmt.Sprintf("%s: they disagree at %d of %d hidden evaluation points (first at x = %.4g: %s %d, %s %d)",
			what, bad, n, x[first*d:(first+1)*d], wantName, want[first], haveName, have[first])
	}
	single := func(r *rand.Rand) ([]int, string) {
		out := make([]int, n)
		for i := range out {
			c, err := h.Predict(x[i*d:(i+1)*d], r)
			if err != nil {
				return nil, fmt.Sprintf("Predict failed at x = %.4g where PredictBatch answered: %v", x[i*d:(i+1)*d], err)
			}
			out[i] = c
		}
		return out, ""
	}
	if !randomized {
		at := make([]int, n)
		for i, j := range idx {
			at[i] = pred[j]
		}
		if v := mismatch("PredictBatch accepts a nil rng, so by the learners.Classifier contract it is deterministic and ignores rng, "+
			"but its answers in a batch of hidden points with a nil rng differ from its answers at the same points in the full batch with an rng",
			at, got, "full batch", "hidden batch"); v != "" {
			return v, false, nil
		}
		perm := rng.Perm(n)
		px := make([]float64, n*d)
		for i, p := range perm {
			copy(px[i*d:(i+1)*d], x[p*d:(p+1)*d])
		}
		pgot := make([]int, n)
		if err := safePredictBatch(h, px, pgot, nil); err != nil {
			return "PredictBatch with a nil rng failed on a permuted batch after answering it in order: " + err.Error(), false, nil
		}
		want := make([]int, n)
		for i, p := range perm {
			want[i] = got[p]
		}
		if v := mismatch("a deterministic classifier's answers depend on the order of the queries (a permuted batch did not get the permuted answers)",
			want, pgot, "in order", "permuted"); v != "" {
			return v, false, nil
		}
		s, msg := single(nil)
		if msg != "" {
			return msg, false, nil
		}
		return mismatch("Predict and PredictBatch disagree (nil rng)", got, s, "PredictBatch", "Predict"), false, nil
	}
	s := rng.Uint64()
	if err := h.PredictBatch(x, got, gen.NewStream(s, streamPredict)); err != nil {
		return "", true, fmt.Errorf("predict a batch of %d points: %w", n, err)
	}
	one, msg := single(gen.NewStream(s, streamPredict))
	if msg != "" {
		return msg, true, nil
	}
	if v := mismatch("Predict and PredictBatch disagree with the same rng seed (the contract: a batch draws from rng row by row, in order, as single predictions do)",
		got, one, "PredictBatch", "Predict"); v != "" {
		return v, true, nil
	}
	split := make([]int, n)
	r := gen.NewStream(s, streamPredict)
	h1, h2 := split[:n/2], split[n/2:]
	if len(h1) > 0 {
		if err := h.PredictBatch(x[:len(h1)*d], h1, r); err != nil {
			return "", true, fmt.Errorf("predict a batch of %d points: %w", len(h1), err)
		}
	}
	if err := h.PredictBatch(x[len(h1)*d:], h2, r); err != nil {
		return "", true, fmt.Errorf("predict a batch of %d points: %w", len(h2), err)
	}
	return mismatch("a batch split in two calls sharing one rng differs from the whole batch from the same seed",
		got, split, "whole", "split"), true, nil
}

// safePredictBatch calls h.PredictBatch and turns a panic into an error (a
// randomized classifier that dereferences a nil rng instead of returning
// the error its contract asks for).
func safePredictBatch(h learners.Classifier, x []float64, dst []int, rng *rand.Rand) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("PredictBatch panicked: %v", p)
		}
	}()
	return h.PredictBatch(x, dst, rng)
}

// learnerName names a learner in messages: its String method if it has
// one, else its type.
func learnerName(l learners.Learner) string {
	if s, ok := l.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", l)
}

// SamplerOption configures CheckSampler.
type SamplerOption func(*samplerConfig)

type samplerConfig struct {
	m, n, cells, checks int
	eps, falseAlarm     float64
	spec                gen.Spec
	quiet               bool // no rapid fail files (this package's tests of failures)
}

// Defaults of CheckSampler: sizes that give a deterministic learner a
// certified level-0 MDD below 0.02 on the default 1- and 2-dimensional
// families (measured: median 0.0167, worst 0.0186 over 20 cases; the label
// noise of the M training labels dominates, shrinking like
// sqrt(1.28/M + 1/N): 0.0194 and 0.0227 at M = N = 300000), at about 1.5
// CPU-seconds per case for a learner as fast as the project's 1-NN (two
// nearest-neighbour indexes and searches: the learner's and the
// analysis's).
const (
	defaultSamplerM      = 400000
	defaultSamplerN      = 400000
	defaultSamplerChecks = 5
)

// SamplerTrainingSize sets the number of training labels per case (default
// 400000). The level-0 MDD shrinks like sqrt(1.28/M + 1/N): below 0.02 at
// the defaults, about 0.05 at M = N = 50000; set it lower for a slow
// learner and read the MDD in the failure message or in SamplerGap's
// report.
func SamplerTrainingSize(m int) SamplerOption { return func(c *samplerConfig) { c.m = m } }

// SamplerEvalPoints sets the number of evaluation points per case (default
// 400000).
func SamplerEvalPoints(n int) SamplerOption { return func(c *samplerConfig) { c.n = n } }

// SamplerMaxCells caps the number of cells of the finest level of the
// hidden partition (default 0: as fine as the data resolve, 2^depth <=
// min(M, N)/256).
func SamplerMaxCells(cells int) SamplerOption { return func(c *samplerConfig) { c.cells = cells } }

// SamplerEps sets the calibration slack eps the learner is allowed beyond the
// 1-NN tolerance at every level (default 0): a sampler whose answers come
// from a wider neighbourhood than the nearest one has a larger bias.
func SamplerEps(eps float64) SamplerOption { return func(c *samplerConfig) { c.eps = eps } }

// SamplerChecks sets the number of rapid checks (cases) when -rapid.checks
// is not given (default 5; -short divides by 5).
func SamplerChecks(n int) SamplerOption { return func(c *samplerConfig) { c.checks = n } }

// SamplerFalseAlarm sets the probability (default 1e-6) that one
// CheckSampler call fails a sampler that meets its assumption by chance,
// split over the checks and the levels. It is the caller's own budget,
// separate from the 1e-6 of this module's `go test ./...`: a package that
// makes n such calls fails by chance with probability at most the sum of
// their budgets, so pass SamplerFalseAlarm(total/n) to keep a package total.
func SamplerFalseAlarm(p float64) SamplerOption { return func(c *samplerConfig) { c.falseAlarm = p } }

// SamplerSpec sets the distributions drawn (default: Smooth and Grid
// families, d in 1..2, k in 2..3, noise levels 2..8).
func SamplerSpec(spec gen.Spec) SamplerOption { return func(c *samplerConfig) { c.spec = spec } }

// defaultSamplerConfig returns CheckSampler's defaults.
func defaultSamplerConfig() samplerConfig {
	return samplerConfig{m: defaultSamplerM, n: defaultSamplerN, checks: defaultSamplerChecks, falseAlarm: 1e-6,
		spec: gen.Spec{Families: []gen.Family{gen.FamilySmooth, gen.FamilyGrid}, MaxDim: 2, MaxClasses: 3, MinNoise: 2, MaxNoise: 8}}
}

// CheckSampler checks, with rapid, that learner behaves as a conditional
// sampler of its noisy training labels (claim S4, Nakkiran-Bansal feature
// calibration in Form B): trained on M labels of a drawn distribution, its
// class rates in the cells of partitions hidden from it match the cells'
// mean posteriors. Each case draws a distribution (gen.Distributions with
// the spec) and a seed, trains the learner once, draws the partition seed
// (after the fit: the partition is hidden from the learner and independent
// of its labels) and fails t if SamplerGap's report says
// !IsSampler(eps). The message names the learner, the route that decided
// (contract: the cross-checks of Predict, PredictBatch and the query order;
// evaluation: the calibration of its answers at the N evaluation points),
// the level and its MDD, and the cells that contributed most.
//
// The partitions are the levels 0..depth of a random halfspace tree (random
// directions, cuts at random quantiles of an independent sample), level l
// with 2^l nested cells, as fine as the data resolve (2^depth <=
// min(M, N)/256: 1024 cells at the defaults): level 0 compares the overall
// class rates with E[eta], and a learner calibrated on any fixed coarse
// grid is caught by the finer levels. The verdict is the union over the
// levels, each at delta/levels, delta being the budget split over the
// checks.
//
// What it certifies. At each level the tolerance is the level that a 1-NN
// teacher trained on the same positions stays under, on the same evaluation
// points, with probability at least 1 - delta/levels over its labels (see
// SamplerLevel); so 1-NN itself fails CheckSampler with probability at most
// the budget. For a black-box learner the same guarantee needs an
// assumption, which CheckSampler makes: that the learner's expected gap at
// each level is at most 1-NN's bias plus spread (it is as well calibrated,
// in expectation, as 1-NN is guaranteed to be), and that changing one
// training label moves its answers at no more evaluation points than that
// label's Voronoi share (true of 1-NN); a randomized learner (one whose
// PredictBatch rejects a nil rng) is assumed to draw fresh, independent
// randomness per query, which CheckSampler adds to the spread and the
// radius. Under the assumption a sampler fails with probability at most the
// budget. Without it, a pass says that on these cases the learner was as
// well calibrated as 1-NN is guaranteed to be, up to eps, and a failure
// that it was measurably less calibrated: a learner (a k-NN majority, a
// smoother, a Bayes-like rule) rather than a sampler.
//
// Power. A learner whose gap at some level exceeds that level's MDD (and
// concentrates as above) fails with probability at least 1 - delta/levels.
// At the defaults the level-0 MDD of a case is below 0.02 in total
// variation for a deterministic learner (median 0.017; the label noise of
// the M training labels dominates) and about 0.025 for a randomized one
// (its own draws add to the noise); finer levels have larger MDDs (their
// spread grows like the square root of the number of cells) and catch
// deviations that cancel in coarse cells, such as a learner calibrated on
// a fixed coarse grid or a majority vote that sharpens the rates where eta
// is far from uniform. Failures report after about three times one case's
// time (no shrinking).
//
// Training is the cost: the default runs 5 cases of M = N = 400000; set
// SamplerTrainingSize and SamplerEvalPoints for slow learners (the MDD
// grows as they shrink: the failure message and SamplerGap's report give
// it).
func CheckSampler(t *testing.T, learner learners.Learner, opts ...SamplerOption) {
	t.Helper()
	checkSampler(t, learner, opts...)
}

// checkSampler is CheckSampler on any rapid.TB (the tests run it on a
// recording TB to read its failure messages).
func checkSampler(t rapid.TB, learner learners.Learner, opts ...SamplerOption) {
	t.Helper()
	cfg := defaultSamplerConfig()
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := cfg.validate(learner); err != nil {
		t.Fatalf("CheckSampler: %v", err)
	}
	n := checksFor(cfg.checks)
	dists := gen.Distributions(cfg.spec)
	runProperty(t, run{checks: n, delta: cfg.falseAlarm / float64(n), quiet: cfg.quiet}, func(c *Check) {
		checkSamplerCase(c, learner, cfg, dists.Draw(c.T, "dist"))
	})
}

// checkSamplerCase is one case of CheckSampler.
func checkSamplerCase(c *Check, learner learners.Learner, cfg samplerConfig, dist gen.Distribution) SamplerReport {
	p := SamplerProblem{Dist: dist, M: cfg.m, N: cfg.n, MaxCells: cfg.cells, Seed: c.Seed("seed")}
	r, err := samplerGap(learner, p, c.Delta, cfg.eps, func() uint64 {
		p.PartitionSeed = c.Seed("partition")
		return p.PartitionSeed
	})
	if err != nil {
		c.Fatalf("CheckSampler: %v", err)
	}
	if r.Contract != "" {
		c.Fatalf("CheckSampler: %s broke the learners.Classifier contract (route: contract cross-check on %d hidden evaluation points; %v, M = %d, N = %d, seed %#x, partition seed %#x): %s",
			learnerName(learner), contractSubset, dist, p.M, p.N, p.Seed, p.PartitionSeed, r.Contract)
	}
	for _, l := range r.Levels {
		c.Calibrated(l.Gap, l.Tolerance+cfg.eps, l.MDD+cfg.eps)
	}
	if !r.IsSampler(cfg.eps) {
		c.Fatalf("CheckSampler: %s is not a sampler on %v (M = %d, N = %d, seed %#x, partition seed %#x; route: evaluation, its PredictBatch answers at the N points): "+
			"at level %d (%d cells) of %s the calibration gap %.4f > tolerance %.4f "+
			"(bias %.4f + spread %.4f + deviation %.4f + eps %.4g), the level's MDD %.4f (randomized: %t). Cells that decided: %s",
			learnerName(learner), dist, p.M, p.N, p.Seed, p.PartitionSeed, r.Level, r.Cells, r.Partition, r.Gap, r.Tolerance+cfg.eps,
			r.Bias, r.Spread, r.Deviation, cfg.eps, r.Levels[r.Level].MDD+cfg.eps, r.Randomized, describeSamplerCells(r.WorstCells))
	}
	return r
}

// describeSamplerCells formats the cells of a report for a message.
func describeSamplerCells(cells []SamplerCell) string {
	ce := make([]cellExcess, len(cells))
	for i, c := range cells {
		ce[i] = cellExcess{cell: c.Cell, share: c.Share, centroid: c.Centroid, rates: c.Rates, ref: c.Posterior, excess: c.Excess}
	}
	if len(ce) == 0 {
		return "none"
	}
	return strings.TrimSpace(describeCells(ce, "mean posterior"))
}

// validate returns an error naming the first bad option of CheckSampler (or
// a nil learner), so that CheckSampler fails before rapid draws a case.
func (cfg samplerConfig) validate(learner learners.Learner) error {
	switch {
	case isNil(learner):
		return fmt.Errorf("nil learner (%T)", learner)
	case cfg.m < 2:
		return fmt.Errorf("SamplerTrainingSize(%d): want >= 2", cfg.m)
	case cfg.n < 1:
		return fmt.Errorf("SamplerEvalPoints(%d): want >= 1", cfg.n)
	case cfg.cells < 0 || cfg.cells > gen.MaxGridCells:
		return fmt.Errorf("SamplerMaxCells(%d): want 0 (as fine as the data resolve) or in [1, gen.MaxGridCells = %d]", cfg.cells, gen.MaxGridCells)
	case !(cfg.eps >= 0) || math.IsInf(cfg.eps, 1):
		return fmt.Errorf("SamplerEps(%v): want finite and >= 0", cfg.eps)
	case cfg.checks < 1:
		return fmt.Errorf("SamplerChecks(%d): want >= 1", cfg.checks)
	case !(cfg.falseAlarm > 0 && cfg.falseAlarm < 1):
		return fmt.Errorf("SamplerFalseAlarm(%v): want in (0, 1)", cfg.falseAlarm)
	}
	if err := cfg.spec.Validate(); err != nil {
		return fmt.Errorf("SamplerSpec: %w", err)
	}
	return nil
}

// isNil reports whether v is nil or an interface holding a nil pointer, map,
// slice, func, chan or interface (whose methods would dereference nil).
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// checkShape returns an error unless a distribution's dimension is >= 1 and
// its number of classes in [2, learners.MaxClasses].
func checkShape(fn string, dist any, d, k int) error {
	if d < 1 {
		return fmt.Errorf("claims: %s: distribution %v has Dim() = %d, want >= 1", fn, dist, d)
	}
	if k < 2 || k > learners.MaxClasses {
		return fmt.Errorf("claims: %s: distribution %v has Classes() = %d, want in [2, learners.MaxClasses = %d]", fn, dist, k, learners.MaxClasses)
	}
	return nil
}

// checkedLearner wraps a learner whose classifiers the checks use: Fit
// returns an error, instead of a classifier that would make them panic or
// divide by zero, when the wrapped Fit returns a nil classifier without an
// error or one whose Dim or Classes differ from the training set's.
type checkedLearner struct{ learner learners.Learner }

func (c checkedLearner) Fit(train learners.Dataset) (learners.Classifier, error) {
	h, err := c.learner.Fit(train)
	if err != nil {
		return nil, err
	}
	if isNil(h) {
		return nil, fmt.Errorf("learner %T returned a nil classifier (%T) and no error", c.learner, h)
	}
	if h.Dim() != train.D || h.Classes() != train.K {
		return nil, fmt.Errorf("learner %T returned a classifier with Dim() = %d and Classes() = %d, trained on dimension %d with %d classes",
			c.learner, h.Dim(), h.Classes(), train.D, train.K)
	}
	return h, nil
}
