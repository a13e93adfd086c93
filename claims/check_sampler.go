package claims

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// SamplerProblem is one case of the sampler check: a distribution with a
// known posterior, the number of training labels M, the number of evaluation
// points N, the largest number of cells of the partition (0 means 16), and
// the seed of all bulk data (gen.NewStreams: training positions, labels and
// evaluation points each on their own stream).
type SamplerProblem struct {
	Dist     gen.Distribution
	M, N     int
	MaxCells int
	Seed     uint64
}

// SamplerReport is what SamplerGap measured on one problem. All quantities
// are total-variation gaps in [0, 1].
//
// Gap is the learner's Form-B calibration gap on the N evaluation points,
//
//	T = sum_B (N_B/N) 1/2 sum_c | #{j in B: h(x_j) = c}/N_B - mean_{j in B} eta_c(x_j) |,
//
// over the cells B of a partition fixed before training (the r^d grid of
// [0,1]^d with r^d <= MaxCells, or quantile cells of the first coordinate
// for a Gaussian mixture). Tolerance = Bias + Spread + Deviation is the level
// that a 1-NN teacher trained on the same positions provably stays under
// with probability at least 1 - delta over its labels (claim S4): Bias is
// the within-cell bias of the nearest neighbours' posteriors (at most
// Boundary = A^), Spread bounds the mean label fluctuation (Jensen with the
// exact variances) and Deviation is McDiarmid's radius with the Voronoi
// shares as influences. WorstCell is the cell with the smallest margin of the
// per-cell check (each non-empty cell at delta / the number of cells holding
// evaluation points; empty cells are not checked).
type SamplerReport struct {
	Gap                     float64
	Tolerance               float64
	Bias, Spread, Deviation float64
	Boundary                float64
	Cells                   int
	Partition               string
	WorstCell               int
	WorstCellGap            float64
	WorstCellTolerance      float64
}

// IsSampler reports whether the learner passed the sampler check with
// slack eps: Gap <= Tolerance + eps.
func (r SamplerReport) IsSampler(eps float64) bool { return r.Gap <= r.Tolerance+eps }

// String gives the verdict line at eps = 0.
func (r SamplerReport) String() string {
	verdict, op := "sampler", "<="
	if !r.IsSampler(0) {
		verdict, op = "not a sampler", ">"
	}
	return fmt.Sprintf("gap %.3f %s tolerance %.3f (%s): %s", r.Gap, op, r.Tolerance, r.Partition, verdict)
}

// SamplerGap trains learner on p.M labels drawn from p.Dist, predicts p.N
// fresh evaluation points and returns its calibration gap against the 1-NN
// tolerance at false-alarm probability delta (see SamplerReport). It is the
// measurement behind CheckSampler and claim S4, for use outside a test.
//
// It returns an error if the learner or p.Dist is nil (also a typed nil),
// p.Dist has Dim() < 1 or Classes() outside [2, learners.MaxClasses] or a
// posterior at a drawn point that is not a probability vector, p.M < 2 or
// p.N < 1, p.MaxCells is negative or above gen.MaxGridCells, delta is not in
// (0, 1), or the learner fails to fit, returns a nil classifier or one of
// the wrong Dim or Classes, fails to predict or predicts a label outside
// [0, k).
func SamplerGap(learner learners.Learner, p SamplerProblem, delta float64) (SamplerReport, error) {
	switch {
	case isNil(p.Dist):
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: nil distribution (%T)", p.Dist)
	case p.M < 2 || p.N < 1:
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: need M >= 2 and N >= 1, got M = %d, N = %d", p.M, p.N)
	case p.MaxCells < 0 || p.MaxCells > gen.MaxGridCells:
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: MaxCells = %d, want 0 (16) or in [1, gen.MaxGridCells = %d]", p.MaxCells, gen.MaxGridCells)
	case !(delta > 0 && delta < 1):
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: delta %v not in (0, 1)", delta)
	case isNil(learner):
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: nil learner (%T)", learner)
	}
	if err := checkShape("SamplerGap", p.Dist, p.Dist.Dim(), p.Dist.Classes()); err != nil {
		return SamplerReport{}, err
	}
	cells := p.MaxCells
	if cells == 0 {
		cells = 16
	}
	sc, err := newSamplerCase(p.Dist, p.M, p.N, p.Seed, func(rng *rand.Rand) partition {
		return defaultPartition(p.Dist, rng, cells)
	})
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
	cal, err := sc.run(checkedLearner{learner})
	if err != nil {
		return SamplerReport{}, err
	}
	v := sc.verdict(cal, delta)
	return SamplerReport{
		Gap:                cal.total,
		Tolerance:          v.tolerance,
		Bias:               sc.bound.bias,
		Spread:             sc.bound.spread,
		Deviation:          BoundedDifferences(sc.bound.sumSq, delta),
		Boundary:           sc.bound.boundary,
		Cells:              sc.part.cells,
		Partition:          sc.part.name,
		WorstCell:          v.worstCell,
		WorstCellGap:       v.worstGap,
		WorstCellTolerance: v.worstTolerance,
	}, nil
}

// SamplerOption configures CheckSampler.
type SamplerOption func(*samplerConfig)

type samplerConfig struct {
	m, n, cells, checks int
	eps, falseAlarm     float64
	spec                gen.Spec
}

// SamplerTrainingSize sets the number of training labels per case (default
// 20000). The tolerance shrinks like sqrt(cells/m): at m = 2000 it is about
// 0.25 and only gross failures are caught (CLAIMS.md, S4).
func SamplerTrainingSize(m int) SamplerOption { return func(c *samplerConfig) { c.m = m } }

// SamplerEvalPoints sets the number of evaluation points per case (default
// 10000).
func SamplerEvalPoints(n int) SamplerOption { return func(c *samplerConfig) { c.n = n } }

// SamplerMaxCells sets the largest number of cells of the partition
// (default 16).
func SamplerMaxCells(cells int) SamplerOption { return func(c *samplerConfig) { c.cells = cells } }

// SamplerEps sets the calibration slack eps the learner is allowed beyond the
// 1-NN tolerance (default 0): a sampler whose answers come from a wider
// neighbourhood than the nearest one has a larger bias.
func SamplerEps(eps float64) SamplerOption { return func(c *samplerConfig) { c.eps = eps } }

// SamplerChecks sets the number of rapid checks (cases) when -rapid.checks
// is not given (default 10; -short divides by 5).
func SamplerChecks(n int) SamplerOption { return func(c *samplerConfig) { c.checks = n } }

// SamplerFalseAlarm sets the total probability (default 1e-6) that
// CheckSampler fails a 1-NN-like sampler by chance, split over the checks.
func SamplerFalseAlarm(p float64) SamplerOption { return func(c *samplerConfig) { c.falseAlarm = p } }

// SamplerSpec sets the distributions drawn (default: Smooth and Grid
// families, d in 1..2, k in 2..3, noise levels 2..8).
func SamplerSpec(spec gen.Spec) SamplerOption { return func(c *samplerConfig) { c.spec = spec } }

// CheckSampler checks, with rapid, that learner behaves as a conditional
// sampler of its noisy training labels (claim S4, Nakkiran-Bansal feature
// calibration in Form B): trained on m labels of a drawn distribution, its
// class rates in each cell of a partition fixed before training match the
// cell's mean posterior. Each case draws a distribution (gen.Distributions
// with the spec), trains the learner once, and fails t if
// SamplerGap's Gap exceeds Tolerance + eps.
//
// What it certifies. Per case, the tolerance is the level that a 1-NN
// teacher trained on the same positions stays under, on the same evaluation
// points, with probability at least 1 - delta over its labels (claim S4),
// delta being the false-alarm budget split over the checks; so 1-NN itself
// fails CheckSampler with probability at most the budget. For a black-box
// learner the influence of each label on its predictions is unknown and
// cannot be measured cheaply, so the same guarantee needs an assumption,
// which CheckSampler makes: that the learner's gap is at most eps plus 1-NN's
// bias term plus a label-fluctuation term with 1-NN's mean bound and bounded
// differences, i.e. that each training label moves at most its Voronoi
// share of the predictions (true of 1-NN; for a randomized learner, whose
// draws must be fresh per query, this is an assumption about its sampling).
// Under it a sampler fails with probability at most the budget. Without it,
// a pass says that on these cases the learner was as well calibrated as 1-NN
// is guaranteed to be, up to eps, and a failure that it was measurably less
// calibrated: a learner (k-NN majority with large k, kernel ridge with a
// large ridge, the Bayes classifier) rather than a sampler. The verdict
// depends on one training set per case; K independent replicates would not
// help at this budget (a black box's gap concentrates over replicates only
// at rate 1/sqrt(K)). Power needs m large: the tolerance is about 0.07 at
// m = 20000 with 16 cells and 0.25 at m = 2000.
//
// Training is the cost: the default runs 10 cases of m = 20000; set
// SamplerTrainingSize for slow learners.
func CheckSampler(t *testing.T, learner learners.Learner, opts ...SamplerOption) {
	t.Helper()
	cfg := samplerConfig{m: 20000, n: 10000, cells: 16, checks: 10, falseAlarm: 1e-6,
		spec: gen.Spec{Families: []gen.Family{gen.FamilySmooth, gen.FamilyGrid}, MaxDim: 2, MaxClasses: 3, MinNoise: 2, MaxNoise: 8}}
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
	runProperty(t, run{checks: n, delta: cfg.falseAlarm / float64(n)}, func(c *Check) {
		p := SamplerProblem{
			Dist: dists.Draw(c.T, "dist"), M: cfg.m, N: cfg.n, MaxCells: cfg.cells,
			Seed: c.Seed("seed"),
		}
		r, err := SamplerGap(learner, p, c.Delta)
		if err != nil {
			c.Fatalf("CheckSampler: %v", err)
		}
		c.Margin(r.Tolerance + cfg.eps - r.Gap)
		if !r.IsSampler(cfg.eps) {
			c.Fatalf("CheckSampler: not a sampler on %v (m = %d): calibration gap %.4f > tolerance %.4f + eps %.4g "+
				"(bias %.4f, spread %.4f, deviation %.4f; %s)",
				p.Dist, p.M, r.Gap, r.Tolerance, cfg.eps, r.Bias, r.Spread, r.Deviation, r.Partition)
		}
	})
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
		return fmt.Errorf("SamplerMaxCells(%d): want 0 (16) or in [1, gen.MaxGridCells = %d]", cfg.cells, gen.MaxGridCells)
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
