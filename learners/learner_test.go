package learners_test

import (
	"math"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// TestDatasetValidateMaxClasses checks that a class count above MaxClasses is
// rejected by Validate, and so by every learner, with an error naming K and
// the cap, instead of a makeslice panic or an out-of-memory crash.
func TestDatasetValidateMaxClasses(t *testing.T) {
	ok := learners.Dataset{X: []float64{0, 1}, D: 1, Y: []int{0, 1}, K: learners.MaxClasses}
	if err := ok.Validate(); err != nil {
		t.Fatalf("K = MaxClasses: %v", err)
	}
	fitters := map[string]learners.Learner{
		"Stump":          learners.Stump{},
		"KernelMachine":  learners.KernelMachine{Kernel: learners.Gaussian, Bandwidth: 1, Ridge: 1},
		"NadarayaWatson": learners.NadarayaWatson{Kernel: learners.Gaussian, Bandwidth: 1},
		"KNN":            learners.KNN{K: 1},
		"Histogram":      learners.Histogram{Resolution: 2},
	}
	for _, k := range []int{learners.MaxClasses + 1, 1e9, 1 << 62, math.MaxInt} {
		ds := learners.Dataset{X: []float64{0, 1}, D: 1, Y: []int{0, 1}, K: k}
		err := ds.Validate()
		if err == nil {
			t.Fatalf("K = %d: Validate gives no error", k)
		}
		for _, want := range []string{"K = ", "MaxClasses"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("K = %d: error %q does not contain %q", k, err, want)
			}
		}
		for name, l := range fitters {
			if _, err := l.Fit(ds); err == nil || !strings.Contains(err.Error(), "MaxClasses") {
				t.Errorf("%s.Fit with K = %d: error %v, want one naming MaxClasses", name, k, err)
			}
		}
	}
}
