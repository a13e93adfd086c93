// Package atlas measures, for a list of learners, a list of distribution
// families of gen and several training sizes m, what the claims package can
// certify about each learner as a role model: whether it is a conditional
// sampler of its noisy training labels (claims.SamplerGap, the measurement
// behind CheckSampler and claim S4), whether it is a good teacher
// (claims.TeacherGap, the measurement behind CheckGoodTeacher and claims D1,
// D4, D5), the exact excess risk of the histogram student distilled from
// it, and whether it interpolated its training labels. Whether an
// interpolating tree, forest, network or kernel machine is a sampler is a
// conjecture (Nakkiran and Bansal's Distributional Generalization), not a
// theorem: the atlas publishes calibrated verdicts, and a refuted conjecture
// is a finding, not a failing test.
//
// Each cell of the atlas is a measurement on fixed seeds: the sampler
// verdict is
//
//   - "not a sampler": some level of the hidden partition rejects at
//     false-alarm probability Delta (a 1-NN teacher on the same positions is
//     rejected with probability at most Delta);
//   - "sampler at eps": no level rejects and the sharpest level's MDD (the
//     certified minimal detectable deviation, claims.SamplerReport) is at
//     most Eps, so a learner whose gap at that level exceeded 1-NN's
//     tolerance by Eps would have been rejected with probability at least
//     1 - Delta;
//   - "unresolved": no level rejects, but the MDD is above Eps: at this m
//     the check cannot tell a sampler from a learner that deviates by less
//     than the MDD.
//
// All learners of a row see the same data (the seeds depend on the family
// and m only), so differences between learners are not sampling noise of
// the data. The report is written by
//
//	go test ./claims/atlas -run 'TestWriteAtlas$' -atlas.report=../../testdata/report
//
// and the scikit-learn atlas (through learners.Command and
// learners/python/example_sklearn.py) by
//
//	ROLEMODELS_PYTHON=/usr/bin/python3 go test ./claims/atlas -run TestWriteSklearnAtlas -atlas.report=../../testdata/report -timeout 60m
//
// The default go test runs only cheap checks of what is certain: the atlas
// is deterministic for its seeds, 1-NN is never rejected, a 101-NN majority
// is, and the learners that claim to interpolate did.
//
// Nothing imports this package; it uses only the exported APIs of claims,
// learners and gen.
package atlas
