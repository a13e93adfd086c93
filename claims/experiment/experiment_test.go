package experiment

import (
	"flag"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The default base seed of the tests; -experiment.seeds runs the same
// assertions for other base seeds (e.g. -experiment.seeds=2,3).
const testSeed = 1

var seedsFlag = flag.String("experiment.seeds", "", "comma-separated extra base seeds for TestExperimentSeeds")

// level is the confidence level of every interval asserted below. The
// splits are seeded, so each assertion is deterministic: it either holds
// for this seed or not, and the level says how unlikely the stated effect
// would be to show up by chance if it were absent. With 2 data sets x 8
// intervals the Bonferroni family-wise level is 1 - 16 x 0.001 = 98.4%.
const level = 0.999

var (
	cacheMu sync.Mutex
	cache   = map[string]*Result{}
)

// loadData loads the committed data set "digits" or "breast cancer".
func loadData(t *testing.T, name string) Data {
	t.Helper()
	load, path := LoadBreastCancer, cancerPath
	if name == "digits" {
		load, path = LoadDigits, digitsPath
	}
	d, err := load(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// result runs (once per data set and seed) the default experiment.
func result(t *testing.T, name string, seed uint64) *Result {
	t.Helper()
	cacheMu.Lock()
	defer cacheMu.Unlock()
	key := name + "/" + strconv.FormatUint(seed, 10)
	if r, ok := cache[key]; ok {
		return r
	}
	d := loadData(t, name)
	r, err := Run(d, DefaultConfig(d, seed))
	if err != nil {
		t.Fatal(err)
	}
	cache[key] = r
	return r
}

func TestExperiment(t *testing.T) {
	for _, name := range []string{"digits", "breast cancer"} {
		t.Run(name, func(t *testing.T) { checkClaims(t, result(t, name, testSeed)) })
	}
}

func TestExperimentSeeds(t *testing.T) {
	if *seedsFlag == "" {
		t.Skip("no -experiment.seeds given")
	}
	for _, f := range strings.Split(*seedsFlag, ",") {
		seed, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			t.Fatalf("bad seed %q: %v", f, err)
		}
		for _, name := range []string{"digits", "breast cancer"} {
			t.Run(name+"/seed="+f, func(t *testing.T) { checkClaims(t, result(t, name, seed)) })
		}
	}
}

// checkClaims asserts the claims of section R on one experiment.
func checkClaims(t *testing.T, r *Result) {
	t.Helper()
	teacher := r.Acc[Teacher]
	for m := range NumMethods {
		t.Logf("%-52s %v", m, TInterval(r.Acc[m], 0.95))
	}

	// (a) The sampler signature. Most of the teacher's errors sit at
	// (c, c+shift): t-interval over splits of the per-split fraction (the
	// test points of one split share training neighbours, so pooled counts
	// are not independent and Clopper-Pearson on them would be too narrow).
	frac := TInterval(r.ShiftFractions(), level)
	t.Logf("fraction of teacher errors at (c, c+%d): %v", r.Config.Shift, frac)
	if frac.Lo <= 0.5 {
		t.Errorf("sampler signature: errors at (c, c+%d) %v, want the %.1f%% interval above 1/2", r.Config.Shift, frac, 100*level)
	}
	// The teacher scores what a sampler of the noisy labels at its
	// neighbours scores: Predicted is the exact expectation over the noise
	// given the split, so teacher - Predicted has mean zero.
	exact := TInterval(Diff(teacher, r.Predicted), level)
	t.Logf("teacher - sampler prediction: %v", exact)
	if !exact.Contains(0) {
		t.Errorf("teacher - sampler prediction %v excludes 0", exact)
	}
	// The paper's rule of thumb, teacher = (1-rho) x clean accuracy, holds up
	// to SamplerTolerance: the interval must reach into [-tol, tol].
	tol := r.SamplerTolerance()
	approx := TInterval(Diff(teacher, Scaled(1-r.Config.Noise, r.Acc[CleanNN])), level)
	t.Logf("teacher - %.1f x clean 1-NN: %v (tolerance %.4f)", 1-r.Config.Noise, approx, tol)
	if approx.Lo > tol || approx.Hi < -tol {
		t.Errorf("teacher - %.1f x clean %v does not meet [-%.4f, %.4f]", 1-r.Config.Noise, approx, tol, tol)
	}

	// (b) Ensembles and distilled students beat the teacher.
	for _, m := range []Method{Ensemble5, Ensemble10, StudentPool, StudentMajority} {
		iv := TInterval(Diff(r.Acc[m], teacher), level)
		t.Logf("%s - teacher: %v", m, iv)
		if iv.Lo <= 0 {
			t.Errorf("%s - teacher %v, want the %.1f%% interval above 0", m, iv, 100*level)
		}
	}
	for _, m := range []Method{StudentOne, Direct} { // reported, not asserted
		t.Logf("%s - teacher: %v", m, TInterval(Diff(r.Acc[m], teacher), level))
	}

	// (c) One teacher into an unrestricted class gains nothing.
	iv := TInterval(Diff(r.Acc[StudentUnrestricted], teacher), level)
	t.Logf("%s - teacher: %v", StudentUnrestricted, iv)
	if iv.Lo > 0 {
		t.Errorf("%s - teacher %v lies above 0, want it to contain 0 or lie below", StudentUnrestricted, iv)
	}
	for i, k := range r.Config.Ks {
		t.Logf("K=%2d ensemble %v  pool student %v", k, TInterval(r.EnsembleK[i], 0.95), TInterval(r.PoolK[i], 0.95))
	}
}

func TestDeterministic(t *testing.T) {
	d, err := LoadBreastCancer(cancerPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig(d, 7)
	cfg.Splits = 4
	cfg.Workers = 1
	a, err := Run(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 3
	b, err := Run(d, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.Config.Workers = 1
	if !reflect.DeepEqual(a, b) {
		t.Errorf("results depend on the number of workers")
	}
}

func TestRunErrors(t *testing.T) {
	d, err := LoadBreastCancer(cancerPath)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*Config){
		"one split":    func(c *Config) { c.Splits = 1 },
		"no test part": func(c *Config) { c.Train, c.Pool = 300, 269 },
		"noise 1":      func(c *Config) { c.Noise = 1 },
		"noise NaN":    func(c *Config) { c.Noise = c.Noise / 0 * 0 },
		"shift 0":      func(c *Config) { c.Shift = 0 },
		"K too big":    func(c *Config) { c.Ks = []int{11} },
		"no teachers":  func(c *Config) { c.Teachers = 0 },
		"bandwidth 0":  func(c *Config) { c.Bandwidths = []float64{0} },
		"no ridges":    func(c *Config) { c.Ridges = nil },
	} {
		cfg := DefaultConfig(d, 1)
		edit(&cfg)
		if _, err := Run(d, cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	bad := d
	bad.Y = append([]int(nil), d.Y...)
	bad.Y[3] = 2
	if _, err := Run(bad, DefaultConfig(d, 1)); err == nil {
		t.Errorf("label out of range: no error")
	}
}
