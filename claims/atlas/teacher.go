package atlas

import (
	"github.com/rolemodels/rolemodels/claims"
	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// TeacherCell is the good-teacher part of a row, read from
// claims.TeacherGap's report on the family's grid (a pool of Pool teachers,
// each fitted on m labels): whether it certifies the learner a good teacher at TeacherTol,
// the route that decided, and the exact excess risk of the histogram
// student over the best histogram.
type TeacherCell struct {
	Good          bool
	Route         string
	Certified     float64 // the excess risk the check certifies for its students
	TeacherRisk   float64 // risk of a random pool member
	StudentExcess float64 // exact excess risk of the histogram student
}

// teacherCell is the atlas's one call of the good-teacher API: it measures
// l as a teacher on grid with m training labels per teacher, from seed.
//
// Route: "sampler" when the pool's certified excess (2 GapUpper +
// 2 Estimation, claims.TeacherReport.Certified) is within TeacherTol, the
// route of the paper (a teacher whose labels are calibrated); otherwise
// "none": the distillation bound does not vouch for its students, whatever
// their measured excess (a Bayes-like learner makes good students by
// another route that this version of the check does not certify).
func teacherCell(l learners.Learner, grid *gen.Grid, m int, seed uint64, cfg Config) (TeacherCell, error) {
	p := claims.TeacherProblem{Grid: grid, Pool: cfg.Pool, M: m, N: cfg.Unlabeled, Eval: cfg.TeacherEval, Seed: seed}
	r, err := claims.TeacherGap(l, p, cfg.Delta)
	if err != nil {
		return TeacherCell{}, err
	}
	c := TeacherCell{Good: r.IsGoodTeacher(cfg.TeacherTol), Route: "none", Certified: r.Certified(), TeacherRisk: r.TeacherRisk, StudentExcess: r.Excess()}
	if c.Good {
		c.Route = "sampler"
	}
	return c, nil
}
