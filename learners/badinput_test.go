package learners_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// farMsg is the error of a point (or query) of norm 1e199, beyond
// learners.MaxNorm; who is "training point 1", "query" or "query row 1".
func farMsg(who string) string {
	return "learners: " + who + " has Euclidean norm 1e+199, above MaxNorm = 2^510 (about 3.352e+153), where squared distances can overflow; rescale the data"
}

// TestDistanceLearnersRejectFarPoints checks that every learner built on
// distances rejects a training point and a query of norm 1e199, beyond
// MaxNorm, with the error naming it: with the old float64 squared distances
// (1e199, 0) and (0, 0) are both at distance +Inf from (1e200, 0), so 1-NN
// answered the lower index's label, and the kernel learners weighed both
// points alike.
func TestDistanceLearnersRejectFarPoints(t *testing.T) {
	good := learners.Dataset{X: []float64{0, 0, 1, 0}, D: 2, Y: []int{0, 1}, K: 2}
	far := learners.Dataset{X: []float64{0, 0, 1e199, 0}, D: 2, Y: []int{0, 1}, K: 2}
	for name, l := range map[string]learners.Learner{
		"KNN":                   learners.KNN{K: 1},
		"RandomNeighbour":       learners.RandomNeighbour{K: 1},
		"KernelMachine/laplace": learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 1},
		"KernelMachine/gauss":   learners.KernelMachine{Kernel: learners.Gaussian, Bandwidth: 0.1},
		"NadarayaWatson/gauss":  learners.NadarayaWatson{Kernel: learners.Gaussian, Bandwidth: 1},
		"NadarayaWatson/hilb":   learners.NadarayaWatson{Kernel: learners.Hilbert, Randomized: true},
	} {
		if _, err := l.Fit(far); err == nil || err.Error() != farMsg("training point 1") {
			t.Errorf("%s: Fit error %v, want %q", name, err, farMsg("training point 1"))
		}
		h, err := l.Fit(good)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rng := rand.New(rand.NewPCG(1, 2))
		if _, err := h.Predict([]float64{1e199, 0}, rng); err == nil || err.Error() != farMsg("query") {
			t.Errorf("%s: Predict error %v, want %q", name, err, farMsg("query"))
		}
		if err := h.PredictBatch([]float64{0, 0, 0, 1e199}, make([]int, 2), rng); err == nil || err.Error() != farMsg("query row 1") {
			t.Errorf("%s: PredictBatch error %v, want %q", name, err, farMsg("query row 1"))
		}
		switch c := h.(type) {
		case *learners.KernelClassifier:
			if err := c.Scores([]float64{1e199, 0}, make([]float64, 2)); err == nil || err.Error() != farMsg("query") {
				t.Errorf("%s: Scores error %v, want %q", name, err, farMsg("query"))
			}
		case *learners.NadarayaWatsonClassifier:
			if err := c.Estimate([]float64{1e199, 0}, make([]float64, 2)); err == nil || err.Error() != farMsg("query") {
				t.Errorf("%s: Estimate error %v, want %q", name, err, farMsg("query"))
			}
		}
	}
}

// TestLabelIndependentNNFarPoints checks that LabelIndependentNN, which
// computes its own distances, rejects a row and a fresh point beyond
// MaxNorm, naming them.
func TestLabelIndependentNNFarPoints(t *testing.T) {
	src := stGridSource(2, 2)
	_, err := learners.LabelIndependentNN(src, 4, []float64{0, 0, 1e199, 0}, 2, rand.New(rand.NewPCG(1, 1)), nil)
	if want := farMsg("row 1"); err == nil || err.Error() != want {
		t.Errorf("far row: error %v, want %q", err, want)
	}
	farSource := func(rng *rand.Rand, x []float64, y []int) {
		src(rng, x, y)
		x[6] = 1e199
	}
	_, err = learners.LabelIndependentNN(farSource, 4, []float64{0, 0}, 2, rand.New(rand.NewPCG(1, 1)), nil)
	if want := "learners: fresh sample of the teacher of row 0: " + farMsg("training point 3"); err == nil || err.Error() != want {
		t.Errorf("far fresh point: error %v, want %q", err, want)
	}
	// At the bound the fast path's coordinate bound MaxNorm/sqrt(d) is
	// exceeded, but the norm is not: accepted.
	edge := func(rng *rand.Rand, x []float64, y []int) {
		src(rng, x, y)
		x[0], x[1] = learners.MaxNorm*0.8, learners.MaxNorm*0.6
	}
	if _, err := learners.LabelIndependentNN(edge, 4, []float64{0, 0}, 2, rand.New(rand.NewPCG(1, 1)), nil); err != nil {
		t.Errorf("fresh point of norm MaxNorm: %v", err)
	}
}

// TestKernelTinyBandwidth checks the kernel learners where the scores
// r/h and r^2/(2 h^2) overflow although the distances are finite: points
// 0 (label 0) and 1e10 (label 1) with a Laplace bandwidth of 1e-300 or a
// Gaussian one of 1e-150. The weight of the farther point relative to the
// nearer one is exp(-8e9/1e-300) (or smaller), exactly 0 in float64, so
// Nadaraya-Watson's estimate is the nearer point's label indicator and the
// machine answers that label. Scoring both points +Inf made them weigh
// alike: estimate (1/2, 1/2) and label 0 at 9e9.
func TestKernelTinyBandwidth(t *testing.T) {
	ds := learners.Dataset{X: []float64{0, 1e10}, D: 1, Y: []int{0, 1}, K: 2}
	for _, kb := range []struct {
		kern learners.Kernel
		h    float64
	}{{learners.Laplace, 1e-300}, {learners.Gaussian, 1e-150}} {
		nw, err := learners.NadarayaWatson{Kernel: kb.kern, Bandwidth: kb.h}.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		km, err := learners.KernelMachine{Kernel: kb.kern, Bandwidth: kb.h}.Fit(ds)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []struct {
			x    float64
			want int
		}{{9e9, 1}, {1e9, 0}, {-1e20, 0}, {1e20, 1}} {
			est := make([]float64, 2)
			if err := nw.(*learners.NadarayaWatsonClassifier).Estimate([]float64{q.x}, est); err != nil {
				t.Fatal(err)
			}
			if est[q.want] != 1 || est[1-q.want] != 0 {
				t.Errorf("%v h=%g: Nadaraya-Watson estimate at %g = %v, want the indicator of %d", kb.kern, kb.h, q.x, est, q.want)
			}
			if got, err := km.Predict([]float64{q.x}, nil); err != nil || got != q.want {
				t.Errorf("%v h=%g: kernel machine Predict(%g) = %d, %v, want %d", kb.kern, kb.h, q.x, got, err, q.want)
			}
		}
	}
}

// TestLabelWithBadTeacherLabels checks that LabelWith, LabelWithPool and
// LabelWithMajority reject a teacher's label outside [0, Classes()), as
// NewMajority's vote does, instead of passing it to the student.
func TestLabelWithBadTeacherLabels(t *testing.T) {
	x := []float64{0, 1}
	rng := func() *rand.Rand { return rand.New(rand.NewPCG(1, 1)) }
	for _, c := range []int{-3, 2, 7} {
		bad := stConstant{1, 2, c}
		if _, err := learners.LabelWith(bad, x, nil); err == nil || !strings.Contains(err.Error(), "teacher predicted class") || !strings.Contains(err.Error(), "outside [0, 2) on row 0") {
			t.Errorf("LabelWith, label %d: error %v", c, err)
		}
		pool := []learners.Classifier{stConstant{1, 2, 0}, bad}
		_, err := learners.LabelWithPool(pool, x, rng())
		if err == nil || !strings.Contains(err.Error(), "learners: teacher 1 on row ") || !strings.Contains(err.Error(), "outside [0, 2)") {
			t.Errorf("LabelWithPool, label %d: error %v", c, err)
		}
		if _, err := learners.LabelWithMajority(pool, x, nil); err == nil || !strings.Contains(err.Error(), "outside [0, 2)") {
			t.Errorf("LabelWithMajority, label %d: error %v", c, err)
		}
	}
	const want = "learners: teacher predicted class 7, outside [0, 2) on row 0"
	if _, err := learners.LabelWith(stConstant{1, 2, 7}, x, nil); err == nil || err.Error() != want {
		t.Errorf("LabelWith: error %v, want %q", err, want)
	}
}
