package atlas

import (
	"github.com/rolemodels/rolemodels/claims"
	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

// TeacherCell is the good-teacher part of a row, read from
// claims.TeacherGap's report on the family's grid (a pool of Pool teachers,
// each fitted on m labels) at the stated sampler level TeacherEps: the
// verdict (the student's exact excess within the tolerance 2 TeacherEps +
// 2 eps_H), the route that explains it, the excess risk the sampler theorem
// certifies, and the student's exact excess with its tolerance.
type TeacherCell struct {
	Good          bool
	Route         string  // claims.TeacherReport.Route
	Certified     float64 // the excess risk the sampler theorem certifies for the students
	TeacherRisk   float64 // risk of a random pool member
	StudentExcess float64 // exact excess risk of the histogram student
	Tolerance     float64 // 2 TeacherEps + 2 eps_H, the verdict's threshold (also its MDD)
}

// teacherCell is the atlas's one call of the good-teacher API: it measures
// l as a teacher on grid with m training labels per teacher, from seed, at
// false-alarm probability cfg.Delta.
func teacherCell(l learners.Learner, grid *gen.Grid, m int, seed uint64, cfg Config) (TeacherCell, error) {
	p := claims.TeacherProblem{Grid: grid, Pool: cfg.Pool, M: m, N: cfg.Unlabeled, Eval: cfg.TeacherEval, Seed: seed}
	r, err := claims.TeacherGap(l, p, cfg.TeacherEps, cfg.Delta)
	if err != nil {
		return TeacherCell{}, err
	}
	return TeacherCell{Good: r.IsGoodTeacher(), Route: r.Route(), Certified: r.Certified(), TeacherRisk: r.TeacherRisk,
		StudentExcess: r.Excess(), Tolerance: r.Tolerance}, nil
}
