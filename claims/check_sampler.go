package claims

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"

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
// It returns an error if p.Dist is nil, p.M < 2 or p.N < 1, delta is not in
// (0, 1), or the learner fails to fit or predict or predicts a label outside
// [0, k).
func SamplerGap(learner learners.Learner, p SamplerProblem, delta float64) (SamplerReport, error) {
	switch {
	case p.Dist == nil:
		return SamplerReport{}, errors.New("claims: SamplerGap: nil distribution")
	case p.M < 2 || p.N < 1:
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: need M >= 2 and N >= 1, got M = %d, N = %d", p.M, p.N)
	case !(delta > 0 && delta < 1):
		return SamplerReport{}, fmt.Errorf("claims: SamplerGap: delta %v not in (0, 1)", delta)
	case learner == nil:
		return SamplerReport{}, errors.New("claims: SamplerGap: nil learner")
	}
	cells := p.MaxCells
	if cells <= 0 {
		cells = 16
	}
	sc, err := newSamplerCase(p.Dist, p.M, p.N, p.Seed, func(rng *rand.Rand) partition {
		return defaultPartition(p.Dist, rng, cells)
	})
	if err != nil {
		return SamplerReport{}, err
	}
	cal, err := sc.run(learner)
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
		o(&cfg)
	}
	if err := cfg.spec.Validate(); err != nil {
		t.Fatalf("CheckSampler: %v", err)
	}
	if !(cfg.falseAlarm > 0 && cfg.falseAlarm < 1) || cfg.checks < 1 || !(cfg.eps >= 0) {
		t.Fatalf("CheckSampler: false alarm %v, checks %d, eps %v", cfg.falseAlarm, cfg.checks, cfg.eps)
	}
	n := checksFor(cfg.checks)
	dists := gen.Distributions(cfg.spec)
	runProperty(t, n, cfg.falseAlarm/float64(n), func(c *Check) {
		p := SamplerProblem{
			Dist: dists.Draw(c.T, "dist"), M: cfg.m, N: cfg.n, MaxCells: cfg.cells,
			Seed: rapid.Uint64().Draw(c.T, "seed"),
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
