package experiment

import (
	"math/rand/v2"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// TestMatchesLearners checks, on one split of each data set, that the
// experiment's fast path (one shared distance matrix, one factorization for
// all labelings) computes the same functions as package learners: the
// teacher is learners.KNN{K: 1}, the test-time ensemble is
// learners.NewMajority over 1-NN teachers on the halves, the majority
// labels of the pool are learners.LabelWithMajority, the random-teacher
// labels are learners.LabelWithPool, and the student is
// learners.KernelMachine{Laplace, h, m lambda} fitted by learners.Distill.
func TestMatchesLearners(t *testing.T) {
	for _, name := range []string{"digits", "breast cancer"} {
		t.Run(name, func(t *testing.T) {
			d := loadData(t, name)
			cfg := DefaultConfig(d, testSeed)
			cfg.Splits = 2
			if err := checkConfig(d, cfg); err != nil {
				t.Fatal(err)
			}
			x, dist := prepare(d, cfg, 2)
			var keep splitDetail
			if _, err := runSplit(d, cfg, 0, dist, newResult(d, cfg), &keep); err != nil {
				t.Fatal(err)
			}
			rows := func(idx []int) []float64 {
				out := make([]float64, 0, len(idx)*d.D)
				for _, i := range idx {
					out = append(out, x[i*d.D:(i+1)*d.D]...)
				}
				return out
			}
			testX, poolX := rows(keep.test), rows(keep.pool)
			trainX := rows(keep.train)
			same := func(what string, got, want []int) {
				t.Helper()
				var diff int
				for i := range want {
					if got[i] != want[i] {
						diff++
					}
				}
				if diff > 0 {
					t.Errorf("%s: learners and the experiment disagree on %d of %d points", what, diff, len(want))
				}
			}

			teacher, err := learners.KNN{K: 1}.Fit(learners.Dataset{X: trainX, D: d.D, Y: keep.noisy, K: d.K})
			if err != nil {
				t.Fatal(err)
			}
			got := make([]int, len(keep.test))
			if err := teacher.PredictBatch(testX, got, nil); err != nil {
				t.Fatal(err)
			}
			same("teacher", got, keep.teacher)
			one, err := learners.LabelWith(teacher, poolX, nil)
			if err != nil {
				t.Fatal(err)
			}
			same("teacher on the pool", one, keep.one)

			var ensemble []learners.Classifier
			for _, sub := range keep.halves {
				hx := make([]float64, 0, len(sub)*d.D)
				hy := make([]int, 0, len(sub))
				for _, i := range sub {
					hx = append(hx, trainX[i*d.D:(i+1)*d.D]...)
					hy = append(hy, keep.noisy[i])
				}
				c, err := learners.KNN{K: 1}.Fit(learners.Dataset{X: hx, D: d.D, Y: hy, K: d.K})
				if err != nil {
					t.Fatal(err)
				}
				ensemble = append(ensemble, c)
			}
			maj, err := learners.NewMajority(ensemble)
			if err != nil {
				t.Fatal(err)
			}
			if err := maj.PredictBatch(testX, got, nil); err != nil {
				t.Fatal(err)
			}
			same("majority of 10 teachers", got, keep.ensemble)
			poolMaj, err := learners.LabelWithMajority(ensemble, poolX, nil)
			if err != nil {
				t.Fatal(err)
			}
			same("majority labels of the pool", poolMaj, keep.majority)
			poolAll, err := learners.LabelWithPool(ensemble, poolX, rand.New(rand.NewPCG(keep.poolSeed, uint64(len(ensemble)))))
			if err != nil {
				t.Fatal(err)
			}
			same("random-teacher labels of the pool", poolAll, keep.poolAll)

			student, err := learners.Distill(learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: keep.h, Ridge: keep.ridge}, poolX, d.D, keep.one, d.K)
			if err != nil {
				t.Fatal(err)
			}
			if err := student.PredictBatch(testX, got, nil); err != nil {
				t.Fatal(err)
			}
			same("student from one teacher", got, keep.student)
		})
	}
}
