package atlas

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rolemodels/rolemodels/claims"
	"github.com/rolemodels/rolemodels/gen"
	"github.com/rolemodels/rolemodels/learners"
)

var reportDir = flag.String("atlas.report", "", "write atlas.md and atlas_sampler_gap_vs_m.svg (and, with ROLEMODELS_PYTHON, atlas_sklearn.md) into this directory")

// atlasSeed fixes every draw of the published atlases.
const atlasSeed = 2026

// goConfig is the Go atlas's configuration. Eps = 0.05 is CheckSampler's
// scale (its default sizes certify a level-0 MDD below 0.02); the atlas's
// Eval = 50000 evaluation points reach MDDs near 0.05 only at m = 64000,
// so smaller m are "unresolved" unless rejected. Delta = 1e-4 per cell:
// the atlas's about 100 cells err together with probability at most 1%.
// The teacher check uses a pool of 4 (each on m labels), 20000 unlabeled
// points and 8000 stratified evaluation points, and TeacherEps =
// claims.DefaultTeacherEps, CheckGoodTeacher's default.
func goConfig() Config {
	return Config{Sizes: []int{1000, 4000, 16000, 64000}, Eval: 50000, Pool: 4, Unlabeled: 20000, TeacherEval: 8000,
		Eps: 0.05, TeacherEps: claims.DefaultTeacherEps, Delta: 1e-4, Seed: atlasSeed}
}

// sklearnConfig is the scikit-learn atlas's configuration: two training
// sizes, 10000 evaluation points, a pool of 2 teachers, on two of the
// families (sklearnFamilies), so that the whole atlas (9 classifiers x 2
// families x 2 sizes, 4 fits and about 30000 predictions per cell, 512 of
// them one at a time by the contract cross-check) runs in about a quarter
// of an hour on two shared cores.
func sklearnConfig() Config {
	return Config{Sizes: []int{500, 2000}, Eval: 10000, Pool: 2, Unlabeled: 5000, TeacherEval: 4000,
		Eps: 0.05, TeacherEps: claims.DefaultTeacherEps, Delta: 1e-4, Seed: atlasSeed}
}

// tinyConfig is the configuration of the default tests: a fraction of a
// second per row.
func tinyConfig() Config {
	return Config{Sizes: []int{500}, Eval: 2000, Pool: 2, Unlabeled: 2000, TeacherEval: 800,
		Eps: 0.05, TeacherEps: claims.DefaultTeacherEps, Delta: 1e-4, Seed: 7}
}

// families returns Families(atlasSeed) or fails t.
func families(t *testing.T) []Family {
	t.Helper()
	fams, err := Families(atlasSeed)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// TestAtlasDeterministic runs a tiny atlas twice (a deterministic, a
// randomized and a non-interpolating learner on a grid, with the teacher
// check) and wants identical rows: every draw comes from the seeds.
func TestAtlasDeterministic(t *testing.T) {
	entries := []Entry{
		{Name: "1-NN", Learner: learners.KNN{K: 1}, Interpolates: true},
		{Name: "random neighbour k=5", Learner: learners.RandomNeighbour{K: 5}},
		{Name: "histogram r=4", Learner: learners.Histogram{Resolution: 4}},
	}
	fams := families(t)[:1]
	a, err := Run(entries, fams, tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(entries, fams, tinyConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(entries) {
		t.Fatalf("%d rows, want %d", len(a), len(entries))
	}
	for i := range a {
		if a[i].Err != "" {
			t.Errorf("row %d: %s", i, a[i].Err)
		}
		if a[i].Teacher == nil {
			t.Errorf("row %d on a grid has no teacher cell", i)
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two runs of the same atlas differ:\n%s\n%s", Markdown(a), Markdown(b))
	}
	if Markdown(a) != Markdown(b) {
		t.Error("the tables of two runs differ")
	}
}

// TestKnownVerdicts checks the verdicts that theory fixes, on Smooth d = 2
// at m = Eval = 20000 with fixed seeds: 1-NN is never "not a sampler" (the
// check's tolerance is 1-NN's own, exceeded with probability at most
// Delta, and the seeds are fixed, so the test cannot flake), and the
// 101-NN majority is: it answers the Bayes label where eta is far from
// 1/2, a calibration gap of about E[min(eta, 1 - eta)] in the cells there,
// far above the finer levels' MDDs at this size. The rows of the learners
// claimed to interpolate (1-NN, the ridgeless Laplace kernel machine at
// m = 1000) have zero training error.
func TestKnownVerdicts(t *testing.T) {
	fams := families(t)
	var smooth []Family
	for _, f := range fams {
		if f.Grid == nil {
			smooth = append(smooth, f)
		}
	}
	if len(smooth) == 0 {
		t.Fatal("no non-grid family")
	}
	cfg := tinyConfig()
	cfg.Sizes, cfg.Eval = []int{20000}, 20000
	rows, err := Run([]Entry{
		{Name: "1-NN", Learner: learners.KNN{K: 1}, Interpolates: true},
		{Name: "101-NN", Learner: learners.KNN{K: 101}},
	}, smooth[:1], cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sampler or unresolved", VerdictNotSampler}
	for i, r := range rows {
		if r.Err != "" {
			t.Fatalf("%s: %s", r.Learner, r.Err)
		}
		if got := r.Verdict; (i == 0) != (got != VerdictNotSampler) {
			t.Errorf("%s on %s at m = %d: verdict %q, want %s (%v)", r.Learner, r.Family, r.M, got, want[i], r.Sampler)
		}
	}
	cfg.Sizes, cfg.Eval = []int{1000}, 2000
	km := []Entry{{Name: "kernel machine", Learner: learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 0.005}, Interpolates: true}}
	more, err := Run(km, smooth[:1], cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(rows, more...) {
		if r.Interpolates && !r.Interpolated() {
			t.Errorf("%s on %s at m = %d claims to interpolate, training error %.4f %s", r.Learner, r.Family, r.M, r.TrainError, r.Err)
		}
	}
}

// TestSeedsPerCase checks that the data of a case depend on its family and
// m only: two sizes and two families get four different seed sets.
func TestSeedsPerCase(t *testing.T) {
	seen := map[caseSeeds]bool{}
	for fi := range 2 {
		for _, m := range []int{1000, 4000} {
			s := seedsFor(1, fi, m)
			if seen[s] {
				t.Errorf("family %d, m = %d: repeated seeds", fi, m)
			}
			seen[s] = true
			if seedsFor(1, fi, m) != s {
				t.Errorf("family %d, m = %d: seeds not reproducible", fi, m)
			}
		}
	}
}

// TestRunBadConfig wants an error, not a panic, for a bad configuration.
func TestRunBadConfig(t *testing.T) {
	fams := families(t)[:1]
	good := tinyConfig()
	for name, mod := range map[string]func(*Config){
		"no sizes":  func(c *Config) { c.Sizes = nil },
		"m = 1":     func(c *Config) { c.Sizes = []int{1} },
		"eval 0":    func(c *Config) { c.Eval = 0 },
		"delta 0":   func(c *Config) { c.Delta = 0 },
		"eps < 0":   func(c *Config) { c.Eps = -1 },
		"no family": func(c *Config) {},
	} {
		cfg := good
		mod(&cfg)
		f := fams
		if name == "no family" {
			f = []Family{{Name: "nil"}}
		}
		if _, err := Run(nil, f, cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestWriteAtlas writes the Go learners' atlas (atlas.md and
// atlas_sampler_gap_vs_m.svg) into -atlas.report; it is skipped without it.
func TestWriteAtlas(t *testing.T) {
	if *reportDir == "" {
		t.Skip("runs with -atlas.report=DIR")
	}
	cfg := goConfig()
	start, cpu := time.Now(), cpuTime()
	cfg.Progress = func(r Row) {
		t.Logf("%s | %s | m = %d | %s | %v", r.Learner, r.Family, r.M, r.Verdict, time.Since(start).Round(time.Second))
	}
	rows, err := Run(GoLearners(), families(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := fmt.Sprintf("%v wall, %v CPU (user + sys)", time.Since(start).Round(time.Second), (cpuTime() - cpu).Round(time.Second))
	svg := "atlas_sampler_gap_vs_m.svg"
	writeReport(t, "atlas.md", "# Atlas of the Go learners", "", cfg, rows, elapsed, svg)
	if err := SamplerGapFigure(rows, goFigureTitle, filepath.Join(*reportDir, svg)); err != nil {
		t.Fatal(err)
	}
}

// goFigureTitle is the title of the Go atlas's figure.
const goFigureTitle = "Sampler gap against m (Go learners)\n4 families, Eval = 50000, delta = 1e-4"

// TestSamplerGapFigure draws the figure of a tiny atlas with every Go
// learner (so that every legend entry must fit) into a temporary directory.
func TestSamplerGapFigure(t *testing.T) {
	var smooth []Family
	for _, f := range families(t) {
		if f.Grid == nil {
			smooth = append(smooth, f)
		}
	}
	cfg := tinyConfig()
	cfg.Sizes, cfg.Eval = []int{300, 600}, 1000
	rows, err := Run(GoLearners(), smooth, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := SamplerGapFigure(rows, goFigureTitle, filepath.Join(t.TempDir(), "gap.svg")); err != nil {
		t.Fatal(err)
	}
}

// TestWriteSklearnAtlas writes the scikit-learn atlas (atlas_sklearn.md)
// into -atlas.report, through learners.Command and
// learners/python/example_sklearn.py with ROLEMODELS_PYTHON; it is skipped
// without either.
func TestWriteSklearnAtlas(t *testing.T) {
	py := os.Getenv("ROLEMODELS_PYTHON")
	if *reportDir == "" || py == "" {
		t.Skip("runs with ROLEMODELS_PYTHON=/usr/bin/python3 and -atlas.report=DIR")
	}
	versions, err := PythonVersions(py, pythonScript(t, "versions.py"))
	if err != nil {
		t.Fatal(err)
	}
	entries, closeAll := SklearnLearners(py, pythonScript(t, "example_sklearn.py"), 10*time.Minute)
	defer closeAll()
	cfg := sklearnConfig()
	start, cpu := time.Now(), cpuTime()
	cfg.Progress = func(r Row) {
		t.Logf("%s | %s | m = %d | %s | %v", r.Learner, r.Family, r.M, r.Verdict, time.Since(start).Round(time.Second))
	}
	rows, err := Run(entries, sklearnFamilies(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := fmt.Sprintf("%v wall, %v CPU of this process (user + sys; the Python processes' time is not included)", time.Since(start).Round(time.Second), (cpuTime() - cpu).Round(time.Second))
	writeReport(t, "atlas_sklearn.md", "# Atlas of scikit-learn's classifiers", "Versions: "+versions+" (Debian's packages, "+py+"), "+
		"through learners.Command and learners/python/example_sklearn.py; every randomized estimator has random_state 0.\n\n", cfg, rows, elapsed, "")
}

// sklearnFamilies are the scikit-learn atlas's families: the 2-dimensional
// grid with 3 classes and the 4-dimensional grid (both serve the teacher
// check).
func sklearnFamilies(t *testing.T) []Family {
	fams := families(t)
	return []Family{fams[1], fams[3]}
}

// pythonScript returns the absolute path of learners/python/name.
func pythonScript(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "learners", "python", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// writeReport writes one atlas file.
func writeReport(t *testing.T, file, title, intro string, cfg Config, rows []Row, elapsed, svg string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nGenerated by `go test ./claims/atlas -run %s -atlas.report=../../testdata/report` (%s).\n\n", title, t.Name(), elapsed)
	b.WriteString(intro)
	fmt.Fprintf(&b, "Sizes m = %v; the sampler check (claims.SamplerGap) trains on m labels and predicts Eval = %d fresh points, "+
		"the teacher check (claims.TeacherGap, grid families only) fits a pool of %d teachers on m labels each, labels %d points "+
		"with a random teacher per point and distils them into the histogram on the grid's cells (%d stratified evaluation points). "+
		"delta = %g per cell, eps = %g, good teacher: student excess <= 2 x %g + 2 eps_H. Seed %d; all learners of a (family, m) see the same data.\n\n",
		cfg.Sizes, cfg.Eval, cfg.Pool, cfg.Unlabeled, cfg.TeacherEval, cfg.Delta, cfg.Eps, cfg.TeacherEps, cfg.Seed)
	b.WriteString("**Sampler verdict**: *not a sampler* when some level of the hidden partition rejects at delta (1-NN is rejected " +
		"with probability at most delta); *sampler at eps* when none rejects and the MDD (the certified minimal detectable deviation " +
		"of the sharpest level) is at most eps; *unresolved* when none rejects but the MDD is above eps. " +
		"**gap / 1-NN tolerance**: the calibration gap (total variation) and the level a 1-NN teacher on the same positions provably stays under, " +
		"at the deciding level. **train err**: the error on its own m training labels. **good teacher**: yes when the student's exact excess " +
		"risk over the best histogram is within the tolerance 2 TeacherEps + 2 eps_H (claims.TeacherGap; every TeacherEps-sampler passes with " +
		"probability 1 - delta). **route**: why, when certified: sampler (2 x gap upper limit + 2 x estimation <= claims.RouteLevel), " +
		"Bayes label (in every cell the teachers answer the Bayes label more than half the time), or student only. " +
		"**certified excess**: the sampler theorem's bound minus the best histogram's risk.\n\n")
	b.WriteString("## Verdicts by family (S sampler at eps, ? unresolved, **N** not a sampler; one per m, smallest first)\n\n")
	b.WriteString(Summary(rows))
	b.WriteString("\n## All cells\n\n")
	b.WriteString(Markdown(rows))
	if svg != "" {
		fmt.Fprintf(&b, "\n![sampler gap against m](%s)\n", svg)
	}
	if err := os.WriteFile(filepath.Join(*reportDir, file), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCommandPythonAtlasKNN checks scikit-learn's
// KNeighborsClassifier(n_neighbors=1) behind the bridge against
// learners.KNN{K: 1} on a tiny atlas: the same rows (verdicts, gaps,
// teacher cells) and the same predictions on fresh points. It runs with
// ROLEMODELS_PYTHON (.ci/run sets it).
func TestCommandPythonAtlasKNN(t *testing.T) {
	py := os.Getenv("ROLEMODELS_PYTHON")
	if py == "" {
		t.Skip("set ROLEMODELS_PYTHON=/usr/bin/python3 (with Debian's python3-sklearn)")
	}
	sk := &learners.Command{Path: py, Args: []string{pythonScript(t, "example_sklearn.py"), "sklearn.neighbors.KNeighborsClassifier", `{"n_neighbors": 1}`}}
	defer sk.Close()
	fams := families(t)
	fams = []Family{fams[0], fams[2]}
	// One teacher: the bridge draws a seed per row from the rng it is given
	// (learners.Command) and learners.KNN draws none, so with a pool of
	// several the shared rng of learners.LabelWithPool would choose
	// different teachers; one deterministic teacher answers the same
	// whatever the rng.
	cfg := tinyConfig()
	cfg.Pool = 1
	goRows, err := Run([]Entry{{Name: "1-NN", Learner: learners.KNN{K: 1}, Interpolates: true}}, fams, cfg)
	if err != nil {
		t.Fatal(err)
	}
	pyRows, err := Run([]Entry{{Name: "1-NN", Learner: sk, Interpolates: true}}, fams, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(goRows, pyRows) {
		t.Errorf("the atlas of sklearn's 1-NN differs from learners.KNN{K: 1}'s:\n%s\n%s", Markdown(goRows), Markdown(pyRows))
	}
	for _, f := range fams {
		x, y := gen.SampleLabeled(f.Dist, gen.NewStream(3, 1), 2000)
		train := learners.Dataset{X: x, D: f.Dist.Dim(), Y: y, K: f.Dist.Classes()}
		q := gen.SampleX(f.Dist, gen.NewStream(3, 2), 5000)
		var preds [2][]int
		for i, l := range []learners.Learner{learners.KNN{K: 1}, sk} {
			h, err := l.Fit(train)
			if err != nil {
				t.Fatal(err)
			}
			preds[i] = make([]int, len(q)/train.D)
			if err := h.PredictBatch(q, preds[i], nil); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(preds[0], preds[1]) {
			t.Errorf("%s: sklearn's 1-NN and learners.KNN{K: 1} predict differently", f.Name)
		}
	}
}
