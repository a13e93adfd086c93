package learners_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// pythonEnv names the Python interpreter (with numpy and scikit-learn) that
// the Python bridge tests run; they are skipped when it is unset. .ci/run
// sets it to Debian's /usr/bin/python3 after installing python3-sklearn.
const pythonEnv = "ROLEMODELS_PYTHON"

// python returns the interpreter named by ROLEMODELS_PYTHON, or skips the
// test.
func python(t *testing.T) string {
	t.Helper()
	py := os.Getenv(pythonEnv)
	if py == "" {
		t.Skipf("set %s=/usr/bin/python3 (with Debian's python3-sklearn) to run the Python bridge tests; .ci/run does", pythonEnv)
	}
	return py
}

// pythonModel returns a Command running learners/python/example_sklearn.py
// with the estimator class and its JSON parameters, or skips the test
// without a Python.
func pythonModel(t *testing.T, class, params string) *learners.Command {
	t.Helper()
	py := python(t)
	script, err := filepath.Abs(filepath.Join("python", "example_sklearn.py"))
	if err != nil {
		t.Fatal(err)
	}
	return &learners.Command{Path: py, Args: []string{script, class, params}}
}

// TestCommandPythonKNN checks scikit-learn's KNeighborsClassifier(n_neighbors=1)
// behind the bridge against learners.KNN{K: 1} at the shape of CheckSampler
// (m = 20000 training points, 10000 queries, d = 2) and at d = 5: the
// predictions must be identical, batch and single, with and without an rng
// (a deterministic model ignores the seeds). The points are continuous, so
// the nearest neighbour is unique and both exact searches must find it.
func TestCommandPythonKNN(t *testing.T) {
	c := pythonModel(t, "sklearn.neighbors.KNeighborsClassifier", `{"n_neighbors": 1}`)
	defer c.Close()
	for _, sh := range []struct{ m, n, d, k int }{{20000, 10000, 2, 3}, {3000, 2000, 5, 4}} {
		train := commandData(uint64(100+sh.d), sh.m, sh.d, sh.k)
		q := commandData(uint64(200+sh.d), sh.n, sh.d, sh.k).X
		local, err := learners.KNN{K: 1}.Fit(train)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]int, sh.n)
		if err := local.PredictBatch(q, want, nil); err != nil {
			t.Fatal(err)
		}
		h, err := c.FitContext(context.Background(), train)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]int, sh.n)
		for _, rng := range []*rand.Rand{nil, rand.New(rand.NewPCG(1, 2))} {
			if err := h.PredictBatch(q, got, rng); err != nil {
				t.Fatal(err)
			}
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("d = %d, rng %v: row %d: scikit-learn says %d, KNN{K: 1} %d", sh.d, rng != nil, i, got[i], want[i])
			}
		}
		for i := range 10 {
			y, err := h.Predict(q[i*sh.d:(i+1)*sh.d], nil)
			if err != nil {
				t.Fatal(err)
			}
			if y != want[i] {
				t.Fatalf("d = %d: Predict row %d = %d, want %d", sh.d, i, y, want[i])
			}
		}
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s := c.Stats()
	t.Logf("%+v; bridge overhead %.1f%% of the wall time", s, 100*float64(s.Wall-s.Model)/float64(s.Wall))
	if s.Starts != 1 || s.Fits != 2 {
		t.Fatalf("Stats = %+v, want 1 start and 2 fits", s)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantNoChildren(t)
}

// TestCommandPythonSeeds checks a randomized Python model through the seed
// protocol exactly: example_sklearn.py's RandomNeighbourClassifier answers
// row i with the label of its (seed_i mod 5)-th nearest training point, where
// seed_i is the i-th rng.Uint64(); with continuous points the 5 nearest and
// their order are unique, so the oracle is learners.Index's 5 nearest. The
// batch must equal the oracle and the sequence of single predictions from
// the same rng state; a nil rng must be the model's error; and the process
// must serve on after it.
func TestCommandPythonSeeds(t *testing.T) {
	c := pythonModel(t, "RandomNeighbourClassifier", `{"n_neighbors": 5}`)
	defer c.Close()
	train := commandData(300, 5000, 2, 3)
	q := commandData(301, 2000, 2, 3).X
	ix, err := learners.NewIndex(train.X, 2)
	if err != nil {
		t.Fatal(err)
	}
	ind := make([]int, 5*2000)
	if err := ix.SearchBatch(q, 5, ind, make([]float64, 5*2000)); err != nil {
		t.Fatal(err)
	}
	seeds := rand.New(rand.NewPCG(5, 6))
	want := make([]int, 2000)
	for i := range want {
		want[i] = train.Y[ind[5*i+int(seeds.Uint64()%5)]]
	}
	h, err := c.Fit(train)
	if err != nil {
		t.Fatal(err)
	}
	checkSeeded(t, h, q, want, func() *rand.Rand { return rand.New(rand.NewPCG(5, 6)) }, "ValueError: the model is randomized: it needs seeds")
}

// TestCommandPythonErrors checks the adapter's error paths with real Python:
// an exception in fit or predict is a *ModelError carrying the exception,
// with the traceback in the stderr tail, and the process serves on; a model
// that prints to standard output (from Python and through file descriptor
// 1) does not corrupt the protocol.
func TestCommandPythonErrors(t *testing.T) {
	c := pythonModel(t, "sklearn.neighbors.KNeighborsClassifier", `{"n_neighbors": 30}`)
	defer c.Close()
	small := commandData(400, 10, 2, 2)
	h, err := c.Fit(small)
	if err != nil {
		t.Fatal(err) // scikit-learn checks n_neighbors only in predict
	}
	err = h.PredictBatch(small.X, make([]int, 10), nil)
	t.Log(err)
	var me *learners.ModelError
	var ce *learners.CommandError
	if !errors.As(err, &me) || !strings.HasPrefix(me.Message, "ValueError: Expected n_neighbors <= n_samples") ||
		!errors.As(err, &ce) || ce.Exit != "" {
		t.Fatalf("predict with too few points: %v, want scikit-learn's ValueError and a live process", err)
	}
	big := commandData(401, 100, 2, 2)
	if h, err = c.Fit(big); err != nil {
		t.Fatal(err)
	}
	if err := h.PredictBatch(big.X, make([]int, 100), nil); err != nil {
		t.Fatalf("the process should serve on after a FAIL: %v", err)
	}
	if s := c.Stats(); s.Starts != 1 {
		t.Fatalf("Stats.Starts = %d, want 1", s.Starts)
	}

	dir, err := filepath.Abs("python")
	if err != nil {
		t.Fatal(err)
	}
	loud := &learners.Command{Path: python(t), Args: []string{"-c", `
import os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, ` + "'" + dir + "'" + `)
import rolemodels_bridge
from sklearn.neighbors import KNeighborsClassifier
class Loud:
    def fit(self, X, y):
        print("fitting", len(X))
        os.write(1, b"written to file descriptor 1\n")
        self.m = KNeighborsClassifier(n_neighbors=1).fit(X, y)
        return self
    def predict(self, X):
        print("predicting", len(X), flush=True)
        return self.m.predict(X)
sys.exit(rolemodels_bridge.serve(Loud))
`}}
	defer loud.Close()
	h, err = loud.Fit(big)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int, 100)
	if err := h.PredictBatch(big.X, got, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, big.Y) {
		t.Fatal("1-NN on its own training points must return their labels")
	}
	if err := loud.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantNoChildren(t)
}
