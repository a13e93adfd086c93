package experiment

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// smallNeuralConfig is the neural experiment at the size of the default
// test: 2 splits of the digits into 300 training, 300 pool and the rest
// test points, 3 teachers of width 32 (Adam, rate 1e-2), students of width
// 32 with early stopping. It exercises every path of RunNeural in a few
// CPU-seconds; it is too small for its accuracies to mean much, so the
// tests assert only what holds by construction.
func smallNeuralConfig(d Data) NeuralConfig {
	cfg := DefaultNeuralConfig(d, testSeed)
	cfg.Splits, cfg.Train, cfg.Pool = 2, 300, 300
	cfg.Teachers, cfg.Ks = 3, []int{1, 3}
	cfg.Teacher = learners.MLP{Width: 32, LearningRate: 1e-2, Batch: 32, MaxEpochs: 500}
	cfg.Student = learners.MLP{Width: 32, LearningRate: 3e-3, Batch: 32, MaxEpochs: 100, WeightDecay: 1e-4, Holdout: 0.2, Patience: 5}
	return cfg
}

var smallNeural = sync.OnceValues(func() (*NeuralResult, error) {
	d, err := LoadDigits(digitsPath)
	if err != nil {
		return nil, err
	}
	return RunNeural(d, smallNeuralConfig(d))
})

// TestNeuralSmall checks what the reduced neural experiment guarantees:
// every teacher network and the clean one interpolate their training part
// (the digits' training points are distinct, so zero training error is
// reachable, and the test fails if the epoch cap stops a fit first); the
// confusion counts add up to the test points of all splits with the
// errors off the diagonal; accuracies are fractions; the K = 1 curve
// points are the single teacher and its student; and rerunning a split
// alone gives the same numbers (determinism given the seeds, whatever the
// goroutine schedule).
func TestNeuralSmall(t *testing.T) {
	r, err := smallNeural()
	if err != nil {
		t.Fatal(err)
	}
	cfg := r.Config
	for s := range cfg.Splits {
		if r.Interpolating[s] != cfg.Teachers+1 {
			t.Errorf("split %d: %d of %d interpolating fits reached zero training error (at most %d epochs)", s, r.Interpolating[s], cfg.Teachers+1, r.MaxEpochs[s])
		}
		if r.EnsembleK[0][s] != r.Acc[NeuralTeacher][s] || r.PoolK[0][s] != r.Acc[NeuralStudentOne][s] {
			t.Errorf("split %d: K = 1 points %v, %v differ from the teacher %v and its student %v", s, r.EnsembleK[0][s], r.PoolK[0][s], r.Acc[NeuralTeacher][s], r.Acc[NeuralStudentOne][s])
		}
		if r.EnsembleK[1][s] != r.Acc[NeuralEnsemble][s] || r.PoolK[1][s] != r.Acc[NeuralStudentPool][s] {
			t.Errorf("split %d: K = %d points differ from the ensemble and pool rows", s, cfg.Teachers)
		}
	}
	for m := range NumNeuralMethods {
		for s, a := range r.Acc[m] {
			if !(a >= 0 && a <= 1) {
				t.Errorf("%s split %d: accuracy %v", m, s, a)
			}
		}
	}
	nTest := r.Size - cfg.Train - cfg.Pool
	var total, off, errs int
	for c := range r.K {
		for p := range r.K {
			total += r.Confusion[c*r.K+p]
			if p != c {
				off += r.Confusion[c*r.K+p]
			}
		}
	}
	for s := range cfg.Splits {
		errs += r.Errors[s]
		if r.ShiftErrors[s] > r.Errors[s] {
			t.Errorf("split %d: %d shift errors of %d", s, r.ShiftErrors[s], r.Errors[s])
		}
		if want := 1 - float64(r.Errors[s])/float64(nTest); r.Acc[NeuralTeacher][s] != want {
			t.Errorf("split %d: teacher accuracy %v, errors give %v", s, r.Acc[NeuralTeacher][s], want)
		}
	}
	if total != cfg.Splits*nTest || off != errs {
		t.Errorf("confusion counts %d (off the diagonal %d), want %d test points and %d errors", total, off, cfg.Splits*nTest, errs)
	}

	d := loadData(t, "digits")
	again := &NeuralResult{}
	for m := range again.Acc {
		again.Acc[m] = make([]float64, cfg.Splits)
	}
	again.EnsembleK, again.PoolK = [][]float64{make([]float64, 2), make([]float64, 2)}, [][]float64{make([]float64, 2), make([]float64, 2)}
	again.Errors, again.ShiftErrors = make([]int, 2), make([]int, 2)
	again.Interpolating, again.MaxEpochs, again.StudentEpochs = make([]int, 2), make([]int, 2), make([]int, 2)
	if _, err := runNeuralSplit(d, cfg, 1, again); err != nil {
		t.Fatal(err)
	}
	for m := range NumNeuralMethods {
		if again.Acc[m][1] != r.Acc[m][1] {
			t.Errorf("%s: split 1 rerun alone gives %v, in the run %v", m, again.Acc[m][1], r.Acc[m][1])
		}
	}
}

// TestNeuralSplitPaired checks that the neural experiment's split s is
// the 1-NN experiment's split s (same parts, same noisy labels), so the
// two tables are paired split by split, and that its 1-NN row is Run's
// teacher on that split.
func TestNeuralSplitPaired(t *testing.T) {
	r, err := smallNeural()
	if err != nil {
		t.Fatal(err)
	}
	d := loadData(t, "digits")
	cfg := DefaultConfig(d, testSeed)
	cfg.Train, cfg.Pool = r.Config.Train, r.Config.Pool
	_, dist := prepare(d, cfg, 2)
	var keep splitDetail
	res := newResult(d, cfg)
	if _, err := runSplit(d, cfg, 1, dist, res, &keep); err != nil {
		t.Fatal(err)
	}
	train, pool, test, _, noisy, _ := noisySplit(d, cfg.Seed, 1, cfg.Train, cfg.Pool, cfg.Noise, cfg.Shift)
	if !slices.Equal(train, keep.train) || !slices.Equal(pool, keep.pool) || !slices.Equal(test, keep.test) || !slices.Equal(noisy, keep.noisy) {
		t.Error("noisySplit differs from runSplit's split")
	}
	if got, want := r.Acc[NeuralNN1Teacher][1], res.Acc[Teacher][1]; got != want {
		t.Errorf("1-NN row %v, Run's teacher %v", got, want)
	}
	for _, name := range []string{"digits", "breast cancer"} {
		d := loadData(t, name)
		if DefaultNeuralConfig(d, 1).Standardize != DefaultConfig(d, 1).Standardize {
			t.Errorf("%s: the neural 1-NN row and Run standardize differently", name)
		}
	}
}

func TestNeuralConfigErrors(t *testing.T) {
	d := loadData(t, "digits")
	for name, mod := range map[string]func(*NeuralConfig){
		"splits":   func(c *NeuralConfig) { c.Splits = 1 },
		"sizes":    func(c *NeuralConfig) { c.Train = d.Len() },
		"noise":    func(c *NeuralConfig) { c.Noise = 1 },
		"teachers": func(c *NeuralConfig) { c.Teachers = 0 },
		"ks":       func(c *NeuralConfig) { c.Ks = []int{11} },
		"mlp":      func(c *NeuralConfig) { c.Splits, c.Teacher.Width = 2, 0 },
	} {
		cfg := DefaultNeuralConfig(d, 1)
		mod(&cfg)
		if _, err := RunNeural(d, cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestWriteNeuralReport writes the neural report: the full default
// experiment (minutes) into the directory of -experiment.report, or the
// reduced one of smallNeuralConfig into a temporary directory.
func TestWriteNeuralReport(t *testing.T) {
	dir := *reportFlag
	if dir != "" {
		if err := WriteNeuralReport(dir, digitsPath, cancerPath); err != nil {
			t.Fatal(err)
		}
	} else {
		dir = t.TempDir()
		r, err := smallNeural()
		if err != nil {
			t.Fatal(err)
		}
		if err := writeNeuralReport(dir, result(t, "digits", testSeed), r); err != nil {
			t.Fatal(err)
		}
	}
	md, err := os.ReadFile(filepath.Join(dir, "neural.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| MLP teacher on noisy labels (interpolating) |", "81.3%", "87.8%", "teacher errors at (c, c+5)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("neural.md lacks %q", want)
		}
	}
	for _, f := range []string{"neural_confusion.svg", "neural_accuracy_vs_k.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "<svg") || len(b) < 1000 {
			t.Errorf("%s is not an SVG figure (%d bytes)", f, len(b))
		}
	}
}
