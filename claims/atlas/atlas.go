package atlas

import (
	"errors"
	"fmt"

	"github.com/rolemodels/rolemodels/claims"
	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// Entry is one learner of the atlas: a name for the tables, the learner,
// whether it is claimed to interpolate (zero training error on distinct
// points, asserted by the tests on every row), and the largest training
// size at which it is measured (0: every size; slow learners skip the
// larger ones).
type Entry struct {
	Name         string
	Learner      learners.Learner
	Interpolates bool
	MaxM         int
}

// Family is one distribution of the atlas. Grid is the same distribution
// when it is a gen.Grid (the good-teacher check needs one: its student is
// the histogram on the grid's cells, whose exact risk is known), else nil
// and the teacher columns are empty.
type Family struct {
	Name string
	Dist gen.Distribution
	Grid *gen.Grid
}

// Config sets the sizes and the statistics of an atlas.
//
// Sizes are the training sizes m. Eval is the number of evaluation points
// of the sampler check (its level-0 MDD shrinks like sqrt(1.28/m + 1/Eval)).
// Pool, Unlabeled and TeacherEval are the good-teacher check's pool size,
// unlabeled points and stratified evaluation points, each teacher trained
// on m labels. Eps is the resolution of the sampler verdict (see the
// package comment) and TeacherEps the stated sampler level of the
// good-teacher verdict (claims.TeacherGap's eps; claims.DefaultTeacherEps). Delta is the false-alarm
// probability of each cell's verdicts: the atlas has no budget of its own
// and spends none of go test's, and its cells together err with
// probability at most Delta times their number. Seed fixes all data.
type Config struct {
	Sizes                        []int
	Eval                         int
	Pool, Unlabeled, TeacherEval int
	Eps, TeacherEps, Delta       float64
	Seed                         uint64
	Progress                     func(Row) // called after each row, if not nil
}

// Sampler verdicts.
const (
	VerdictSampler    = "sampler at eps"
	VerdictNotSampler = "not a sampler"
	VerdictUnresolved = "unresolved"
)

// Row is one cell of the atlas: a learner on a family at training size M.
//
// Sampler is claims.SamplerGap's report and Verdict its three-way reading
// at Eps (see the package comment); Level0Gap is the gap of the overall
// class rates against E[eta] (level 0 of the hidden partition). TrainError
// is the learner's error on its own m training labels (fitted once more on
// the sampler check's distribution, from its own stream). Teacher is nil
// when the family has no grid. Err, if not empty, says why the row was not
// measured (a learner that failed to fit, say); the other fields are then
// zero.
type Row struct {
	Learner, Family string
	M               int
	Sampler         claims.SamplerReport
	Verdict         string
	Level0Gap       float64
	TrainError      float64
	Interpolates    bool
	Teacher         *TeacherCell
	Err             string
}

// Interpolated reports whether the learner had zero training error.
func (r Row) Interpolated() bool { return r.Err == "" && r.TrainError == 0 }

// Stream ids (beyond gen.NewStreams' four) of the atlas's own draws.
const (
	streamCaseSeeds uint64 = 0x61746c6173 // "atlas": the seeds of a (family, m) case
	streamTrainFit  uint64 = 0x74726e     // the training set of the interpolation check
)

// caseSeeds are the seeds of one (family, m) case, shared by all learners.
type caseSeeds struct{ sampler, partition, teacher, train uint64 }

// seedsFor returns the seeds of family fi at size m: a PCG stream keyed by
// (Seed, family, m), so that adding a size or a family shifts no other case.
func seedsFor(seed uint64, fi, m int) caseSeeds {
	r := gen.NewStream(seed^streamCaseSeeds, uint64(fi)<<32|uint64(m))
	return caseSeeds{sampler: r.Uint64(), partition: r.Uint64(), teacher: r.Uint64(), train: r.Uint64()}
}

// Run measures every entry on every family at every size of cfg (entries
// whose MaxM is below a size skip it), in the order family, m, entry, and
// returns the rows. A learner that fails gives a row with Err set; Run
// returns an error only for a bad configuration.
func Run(entries []Entry, fams []Family, cfg Config) ([]Row, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	var rows []Row
	for fi, f := range fams {
		if f.Dist == nil {
			return nil, fmt.Errorf("atlas: family %q has no distribution", f.Name)
		}
		for _, m := range cfg.Sizes {
			s := seedsFor(cfg.Seed, fi, m)
			for _, e := range entries {
				if e.MaxM > 0 && m > e.MaxM {
					continue
				}
				r := measure(e, f, m, s, cfg)
				if cfg.Progress != nil {
					cfg.Progress(r)
				}
				rows = append(rows, r)
			}
		}
	}
	return rows, nil
}

// validate returns an error naming the first bad field of cfg.
func (cfg Config) validate() error {
	switch {
	case len(cfg.Sizes) == 0:
		return errors.New("atlas: no training sizes")
	case cfg.Eval < 1 || cfg.Pool < 1 || cfg.Unlabeled < 1 || cfg.TeacherEval < 1:
		return fmt.Errorf("atlas: Eval, Pool, Unlabeled, TeacherEval must be >= 1, got %d, %d, %d, %d", cfg.Eval, cfg.Pool, cfg.Unlabeled, cfg.TeacherEval)
	case !(cfg.Eps >= 0) || !(cfg.TeacherEps >= 0):
		return fmt.Errorf("atlas: Eps %v and TeacherEps %v must be >= 0", cfg.Eps, cfg.TeacherEps)
	case !(cfg.Delta > 0 && cfg.Delta < 1):
		return fmt.Errorf("atlas: Delta %v not in (0, 1)", cfg.Delta)
	}
	for _, m := range cfg.Sizes {
		if m < 2 {
			return fmt.Errorf("atlas: training size %d < 2", m)
		}
	}
	return nil
}

// measure fills one row.
func measure(e Entry, f Family, m int, s caseSeeds, cfg Config) Row {
	r := Row{Learner: e.Name, Family: f.Name, M: m, Interpolates: e.Interpolates}
	fail := func(what string, err error) Row {
		return Row{Learner: e.Name, Family: f.Name, M: m, Interpolates: e.Interpolates, Err: what + ": " + err.Error()}
	}
	sr, err := claims.SamplerGap(e.Learner, claims.SamplerProblem{Dist: f.Dist, M: m, N: cfg.Eval, Seed: s.sampler, PartitionSeed: s.partition}, cfg.Delta)
	if err != nil {
		return fail("sampler", err)
	}
	r.Sampler, r.Verdict = sr, verdict(sr, cfg.Eps)
	if len(sr.Levels) > 0 {
		r.Level0Gap = sr.Levels[0].Gap
	}
	if r.TrainError, err = trainingError(e.Learner, f.Dist, m, s.train); err != nil {
		return fail("training error", err)
	}
	if f.Grid != nil {
		tc, err := teacherCell(e.Learner, f.Grid, m, s.teacher, cfg)
		if err != nil {
			return fail("teacher", err)
		}
		r.Teacher = &tc
	}
	return r
}

// verdict reads a sampler report at resolution eps (see the package
// comment).
func verdict(r claims.SamplerReport, eps float64) string {
	switch {
	case !r.IsSampler(0):
		return VerdictNotSampler
	case r.MDD <= eps:
		return VerdictSampler
	}
	return VerdictUnresolved
}

// trainingError fits l on m labeled points of dist drawn from seed and
// returns its error rate on them (a randomized classifier answers from its
// own stream of the same seed).
func trainingError(l learners.Learner, dist gen.Distribution, m int, seed uint64) (float64, error) {
	x, y := gen.SampleLabeled(dist, gen.NewStream(seed, streamTrainFit), m)
	h, err := l.Fit(learners.Dataset{X: x, D: dist.Dim(), Y: y, K: dist.Classes()})
	if err != nil {
		return 0, err
	}
	if c, ok := h.(interface{ Close() error }); ok {
		defer c.Close()
	}
	pred := make([]int, m)
	if err := h.PredictBatch(x, pred, gen.NewStream(seed, streamTrainFit+1)); err != nil {
		return 0, err
	}
	wrong := 0
	for i, c := range pred {
		if c != y[i] {
			wrong++
		}
	}
	return float64(wrong) / float64(m), nil
}
