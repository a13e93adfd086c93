package learners_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rolemodels/rolemodels/learners"
)

// testModelEnv selects the behaviour of the test binary re-executed as an
// external model (learners.ServeTestModel).
const testModelEnv = "ROLEMODELS_TEST_MODEL"

func TestMain(m *testing.M) {
	if b := os.Getenv(testModelEnv); b != "" {
		os.Exit(learners.ServeTestModel(b, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// testModel returns a Command running the test binary as the model with the
// given behaviour.
func testModel(t testing.TB, behaviour string) *learners.Command {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return &learners.Command{Path: exe, Env: append(os.Environ(), testModelEnv+"="+behaviour)}
}

// children returns the process ids of the children of the test process,
// from /proc/self/task/*/children (Linux).
func children(t *testing.T) []int {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("counting children needs Linux's /proc/self/task/*/children")
	}
	files, err := filepath.Glob("/proc/self/task/*/children")
	if err != nil || len(files) == 0 {
		t.Fatalf("no /proc/self/task/*/children: %v", err)
	}
	var pids []int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread has exited since the glob
		}
		for _, s := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("%s: %q", f, b)
			}
			pids = append(pids, pid)
		}
	}
	return pids
}

// wantNoChildren fails unless the test process has no child: no model
// process outlives its Command's Close or a failure.
func wantNoChildren(t *testing.T) {
	t.Helper()
	if pids := children(t); len(pids) > 0 {
		t.Fatalf("child processes left: %v", pids)
	}
}

// commandData returns n points uniform on [0,1)^d with labels uniform in
// [0, k), from a PCG seeded by seed: continuous points, so no two distances
// tie and every exact 1-NN implementation agrees.
func commandData(seed uint64, n, d, k int) learners.Dataset {
	rng := rand.New(rand.NewPCG(seed, 13))
	ds := learners.Dataset{X: drawPoints("uniform", rng, n, d, nil), D: d, Y: make([]int, n), K: k}
	for i := range ds.Y {
		ds.Y[i] = rng.IntN(k)
	}
	return ds
}

// TestCommandMatchesKNN runs learners.KNN{K: 1} behind the bridge (the test
// binary as the model) and checks that batch and single predictions, with
// and without an rng, are exactly those of KNN{K: 1} in this process; that
// Stats counts the work; that Close leaves no child and makes the classifier
// fail; and that a Fit after Close starts a new process.
func TestCommandMatchesKNN(t *testing.T) {
	train := commandData(1, 2000, 3, 3)
	q := commandData(2, 1000, 3, 3).X
	local, err := learners.KNN{K: 1}.Fit(train)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 1000)
	if err := local.PredictBatch(q, want, nil); err != nil {
		t.Fatal(err)
	}

	c := testModel(t, "knn1")
	h, err := c.FitContext(context.Background(), train)
	if err != nil {
		t.Fatal(err)
	}
	if h.Dim() != 3 || h.Classes() != 3 {
		t.Fatalf("Dim, Classes = %d, %d, want 3, 3", h.Dim(), h.Classes())
	}
	got := make([]int, 1000)
	for _, rng := range []*rand.Rand{nil, rand.New(rand.NewPCG(3, 4))} {
		if err := h.PredictBatch(q, got, rng); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("rng %v: bridge predictions differ from KNN{K: 1}", rng != nil)
		}
	}
	for i := range 20 {
		y, err := h.Predict(q[3*i:3*i+3], nil)
		if err != nil {
			t.Fatal(err)
		}
		if y != want[i] {
			t.Fatalf("Predict row %d = %d, want %d", i, y, want[i])
		}
	}
	s := c.Stats()
	if s.Starts != 1 || s.Fits != 1 || s.Predicts != 22 || s.Points != 2020 || s.Model <= 0 || s.Wall < s.Model {
		t.Fatalf("Stats = %+v, want 1 start, 1 fit, 22 predictions of 2020 points, 0 < Model <= Wall", s)
	}
	if len(children(t)) != 1 {
		t.Fatalf("children %v, want one model process", children(t))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantNoChildren(t)
	err = h.PredictBatch(q, got, nil)
	if err == nil || !strings.Contains(err.Error(), "predict: the Command was closed") {
		t.Fatalf("PredictBatch after Close: %v, want an error saying the Command was closed", err)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("classifier Close after Command Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	h2, err := c.FitContext(context.Background(), train)
	if err != nil {
		t.Fatal(err)
	}
	if err := h2.PredictBatch(q, got, nil); err != nil || !slices.Equal(got, want) {
		t.Fatalf("after a restart: %v", err)
	}
	if s := c.Stats(); s.Starts != 2 {
		t.Fatalf("Stats.Starts = %d after a Fit that followed Close, want 2", s.Starts)
	}
	if err := h2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h2.PredictBatch(q, got, nil); err == nil || !strings.Contains(err.Error(), "after Close") {
		t.Fatalf("PredictBatch after the classifier's Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantNoChildren(t)
}

// TestCommandSeeds runs learners.RandomNeighbour{K: 5} behind the bridge and
// checks the seed protocol exactly: row i is predicted from the i-th
// rng.Uint64() as rand.NewPCG(seed_i, 0) (ServeCommand's rule), so a batch
// equals both that oracle computed here and the sequence of single
// predictions from the same rng state; a nil rng is the model's error
// (randomized classifiers need an rng), and the process survives it.
func TestCommandSeeds(t *testing.T) {
	train := commandData(5, 500, 2, 3)
	q := commandData(6, 300, 2, 3).X
	local, err := learners.RandomNeighbour{K: 5}.Fit(train)
	if err != nil {
		t.Fatal(err)
	}
	seeds := rand.New(rand.NewPCG(7, 8))
	want := make([]int, 300)
	for i := range want {
		if want[i], err = local.Predict(q[2*i:2*i+2], rand.New(rand.NewPCG(seeds.Uint64(), 0))); err != nil {
			t.Fatal(err)
		}
	}
	c := testModel(t, "random5")
	defer c.Close()
	h, err := c.Fit(train)
	if err != nil {
		t.Fatal(err)
	}
	checkSeeded(t, h, q, want, func() *rand.Rand { return rand.New(rand.NewPCG(7, 8)) }, "needs a non-nil *rand.Rand")
	if s := c.Stats(); s.Starts != 1 {
		t.Fatalf("Stats.Starts = %d, want 1", s.Starts)
	}
}

// checkSeeded checks a randomized model behind the bridge against want, its
// labels of the rows of q from the rng that newRNG returns: the batch must
// equal want, and so must the first single predictions from a fresh rng; a
// nil rng must be a *ModelError containing nilMessage, after which the
// process serves on.
func checkSeeded(t *testing.T, h learners.Classifier, q []float64, want []int, newRNG func() *rand.Rand, nilMessage string) {
	t.Helper()
	d := h.Dim()
	got := make([]int, len(want))
	if err := h.PredictBatch(q, got, newRNG()); err != nil {
		t.Fatal(err)
	}
	if i := firstDiff(got, want); i >= 0 {
		t.Fatalf("row %d: %d, the oracle says %d", i, got[i], want[i])
	}
	rng := newRNG()
	for i := range 20 {
		y, err := h.Predict(q[i*d:(i+1)*d], rng)
		if err != nil {
			t.Fatal(err)
		}
		if y != want[i] {
			t.Fatalf("single prediction %d = %d, the batch's is %d", i, y, want[i])
		}
	}
	err := h.PredictBatch(q, got, nil)
	var me *learners.ModelError
	if !errors.As(err, &me) || !strings.Contains(me.Message, nilMessage) {
		t.Fatalf("nil rng: %v, want the model's error containing %q", err, nilMessage)
	}
	if err := h.PredictBatch(q, got, newRNG()); err != nil || !slices.Equal(got, want) {
		t.Fatalf("after a FAIL reply the process should serve on: %v", err)
	}
}

// firstDiff returns the first index where a and b differ, or -1.
func firstDiff(a, b []int) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// commandFailure is one failure mode of TestCommandFailures.
type commandFailure struct {
	name, behaviour string
	timeout         time.Duration
	stage           string   // the CommandError's Stage
	want            []string // substrings of the message
	deadline        bool     // errors.Is(err, context.DeadlineExceeded)
}

// deadlineTimeout is the Command.Timeout of the failure modes that must hit
// it. The model sleeps an hour, so the test cannot pass by luck; the hello
// before the slow fit normally takes milliseconds, and the deadline is
// generous enough for a loaded machine.
const deadlineTimeout = 3 * time.Second

// commandFailures are the failure modes and the messages they must give.
var commandFailures = []commandFailure{
	{name: "missing program", stage: "start", want: []string{"learners: command rolemodels-no-such-model: start: fork/exec /nonexistent/rolemodels-no-such-model: no such file or directory"}},
	{name: "exits at once", behaviour: "exit", stage: "hello", want: []string{"the process ended: exit status 3", `stderr: "model: cannot start\n"`}},
	{name: "junk on stdout", behaviour: "junk", stage: "hello", want: []string{`junk where a frame was expected: "Hello, world! This is not a frame.\n"`, "the process was killed"}},
	{name: "version mismatch", behaviour: "version", stage: "hello", want: []string{`the model speaks "rolemodels-bridge" version 2, want "rolemodels-bridge" version 1`}},
	{name: "no hello", behaviour: "hang-hello", timeout: deadlineTimeout, stage: "hello", deadline: true, want: []string{"no reply within the deadline of 3s (Command.Timeout)", "the process was killed"}},
	{name: "slow fit", behaviour: "slow", timeout: deadlineTimeout, stage: "fit", deadline: true, want: []string{"no reply within the deadline of 3s (Command.Timeout)", "the process was killed"}},
	{name: "wrong reply", behaviour: "wrongtag", stage: "fit", want: []string{"a LABL frame in reply to FITM, want DONE or FAIL"}},
	{name: "wrong count", behaviour: "count", stage: "predict", want: []string{"11 labels for 10 points", "the process was killed"}},
	{name: "huge frame", behaviour: "huge", stage: "predict", want: []string{"576460752303423487 labels for 10 points"}},
	{name: "label out of range", behaviour: "range", stage: "predict", want: []string{"label 3 for point 0 outside [0, 3)"}},
	{name: "crash mid-reply", behaviour: "crash", stage: "predict", want: []string{"the model's standard output ended inside a frame header: unexpected EOF", "the process ended: exit status 2", `stderr: "panic: boom\n"`}},
	{name: "stderr flood", behaviour: "flood", stage: "predict", want: []string{"exit status 4", `stderr: "...` + strings.Repeat("x", 100), `x\nmodel: last words\n"`}},
}

// TestCommandFailures drives each failure mode through Fit and PredictBatch
// and checks that it is a *CommandError of the right stage with the right
// message, in time, and that no model process is left afterwards. The modes
// that wait for a deadline (and a Close whose model ignores QUIT, and a
// canceled context) run at once on their own goroutines, so the test takes
// about one deadline.
func TestCommandFailures(t *testing.T) {
	train := commandData(9, 50, 2, 3)
	q := commandData(10, 10, 2, 3).X
	var waits sync.WaitGroup
	var mu sync.Mutex
	report := func(name string, problems []string) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("%s: %s", name, p)
		}
	}
	for _, f := range commandFailures {
		if !f.deadline {
			report(f.name, checkFailure(t, f, train, q))
			wantNoChildren(t)
		}
	}
	for _, f := range commandFailures {
		if f.deadline {
			waits.Add(1)
			go func() {
				defer waits.Done()
				report(f.name, checkFailure(t, f, train, q))
			}()
		}
	}
	waits.Add(2)
	go func() {
		defer waits.Done()
		c := testModel(t, "quitless")
		c.Timeout = deadlineTimeout
		if _, err := c.Fit(train); err != nil {
			report("ignores QUIT", []string{err.Error()})
			return
		}
		err := c.Close()
		t.Logf("ignores QUIT: %v", err)
		if err == nil || !strings.Contains(err.Error(), "close: the model did not exit within the deadline of 3s (Command.Timeout) after QUIT") ||
			!strings.Contains(err.Error(), "the process was killed") {
			report("ignores QUIT", []string{"Close: want the deadline error"})
		}
	}()
	go func() {
		defer waits.Done()
		c := testModel(t, "slow")
		defer c.Close()
		// The cancellation comes after 100 ms, during the hello or the
		// fit: either way the call must stop and kill the process.
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := c.FitContext(ctx, train)
		t.Logf("canceled: %v", err)
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), ": context canceled (the process was killed)") {
			report("canceled", []string{"FitContext: want context.Canceled"})
		}
	}()
	waits.Wait()
	wantNoChildren(t)
}

// checkFailure runs one failure mode and returns what is wrong with its
// error. It runs on any goroutine, so it does not call t.Fatal.
func checkFailure(t *testing.T, f commandFailure, train learners.Dataset, q []float64) (problems []string) {
	c := &learners.Command{Path: "/nonexistent/rolemodels-no-such-model"}
	if f.behaviour != "" {
		c = testModel(t, f.behaviour)
	}
	c.Timeout = f.timeout
	defer func() {
		if err := c.Close(); err != nil {
			problems = append(problems, "Close: "+err.Error())
		}
	}()
	start := time.Now()
	h, err := c.Fit(train)
	if err == nil {
		err = h.PredictBatch(q, make([]int, 10), nil)
	}
	if err == nil {
		return []string{"no error"}
	}
	t.Logf("%s: %v (after %v)", f.name, err, time.Since(start).Round(time.Millisecond))
	var ce *learners.CommandError
	if !errors.As(err, &ce) {
		return []string{fmt.Sprintf("%T is not a *CommandError", err)}
	}
	if ce.Stage != f.stage {
		problems = append(problems, fmt.Sprintf("stage %q, want %q", ce.Stage, f.stage))
	}
	for _, w := range f.want {
		if !strings.Contains(err.Error(), w) {
			problems = append(problems, fmt.Sprintf("error does not contain %q", w))
		}
	}
	if errors.Is(err, context.DeadlineExceeded) != f.deadline {
		problems = append(problems, fmt.Sprintf("errors.Is(err, context.DeadlineExceeded) = %v, want %v", !f.deadline, f.deadline))
	}
	// The deadline's kill must end the call at once; the margin is for a
	// loaded machine, and far below the model's hour of sleep.
	if f.deadline && time.Since(start) > 2*f.timeout+10*time.Second {
		problems = append(problems, fmt.Sprintf("the error came after %v, the deadline is %v", time.Since(start), f.timeout))
	}
	if ce.Stage == "predict" {
		// The process is gone; its classifier says so, and the Command
		// starts another at the next Fit.
		err := h.PredictBatch(q, make([]int, 10), nil)
		if err == nil || !strings.Contains(err.Error(), "the process failed earlier (predict: ") {
			problems = append(problems, fmt.Sprintf("second PredictBatch: %v, want the earlier failure", err))
		}
		if _, err := c.Fit(train); err != nil {
			problems = append(problems, fmt.Sprintf("Fit after a failed process: %v", err))
		}
		if s := c.Stats(); s.Starts != 2 {
			problems = append(problems, fmt.Sprintf("Stats.Starts = %d, want 2", s.Starts))
		}
	}
	return problems
}

// TestCommandModelFailure checks that a FAIL reply is a *ModelError that
// leaves the process serving: the next Fit succeeds on the same process.
func TestCommandModelFailure(t *testing.T) {
	c := testModel(t, "fail")
	train := commandData(11, 20, 2, 2)
	_, err := c.Fit(train)
	var me *learners.ModelError
	if !errors.As(err, &me) || me.Message != "cannot fit: boom" || !strings.Contains(err.Error(), "fit: the model failed: cannot fit: boom") {
		t.Fatalf("Fit: %v, want the model's FAIL message", err)
	}
	if _, err := c.Fit(train); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.Starts != 1 || s.Fits != 1 {
		t.Fatalf("Stats = %+v, want 1 start and 1 successful fit", s)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantNoChildren(t)
}

// TestCommandBadInput checks that invalid settings and data are errors
// before any process starts, as for every learner.
func TestCommandBadInput(t *testing.T) {
	good := commandData(12, 20, 2, 2)
	for _, tc := range []struct {
		name string
		c    *learners.Command
		ds   learners.Dataset
		want string
	}{
		{"empty Path", &learners.Command{}, good, "empty Path"},
		{"negative Timeout", &learners.Command{Path: "x", Timeout: -1}, good, "Timeout = -1ns"},
		{"invalid data", testModel(t, "knn1"), learners.Dataset{X: []float64{0, 1}, D: 1, Y: []int{0, 2}, K: 2}, "outside [0, 2)"},
	} {
		if _, err := tc.c.Fit(tc.ds); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
		if s := tc.c.Stats(); s.Starts != 0 {
			t.Errorf("%s: a process was started", tc.name)
		}
	}
	c := testModel(t, "knn1")
	defer c.Close()
	h, err := c.Fit(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		x    []float64
		dst  []int
	}{{"ragged", []float64{1, 2, 3}, make([]int, 1)}, {"count", []float64{1, 2}, make([]int, 2)}, {"NaN", []float64{1, math.NaN()}, make([]int, 1)}} {
		if err := h.PredictBatch(tc.x, tc.dst, nil); err == nil {
			t.Errorf("PredictBatch %s: no error", tc.name)
		}
	}
	if _, err := h.Predict([]float64{1}, nil); err == nil {
		t.Error("Predict with a short point: no error")
	}
}

// TestCommandConcurrent predicts from one classifier on several goroutines,
// each with its own rng, while another goroutine fits: every answer must be
// KNN{K: 1}'s (calls are serialised per process).
func TestCommandConcurrent(t *testing.T) {
	train := commandData(13, 1000, 2, 3)
	q := commandData(14, 400, 2, 3).X
	local, err := learners.KNN{K: 1}.Fit(train)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 400)
	if err := local.PredictBatch(q, want, nil); err != nil {
		t.Fatal(err)
	}
	c := testModel(t, "knn1")
	h, err := c.Fit(train)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			got := make([]int, 400)
			for range 5 {
				if err := h.PredictBatch(q, got, rng); err != nil {
					errs[g] = err
					return
				}
				if !slices.Equal(got, want) {
					errs[g] = errors.New("predictions differ from KNN{K: 1}")
					return
				}
				y, err := h.Predict(q[2*g:2*g+2], rng)
				if err == nil && y != want[g] {
					err = errors.New("single prediction differs")
				}
				if err != nil {
					errs[g] = err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 5 {
			if _, err := c.Fit(train); err != nil {
				errs[4] = err
				return
			}
		}
	}()
	wg.Wait()
	for g, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", g, err)
		}
	}
	if s := c.Stats(); s.Starts != 1 || s.Fits != 6 || s.Predicts != 40 {
		t.Errorf("Stats = %+v, want 1 start, 6 fits, 40 predictions", s)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wantNoChildren(t)
}

// TestCommandCleanup checks the safety net: a process whose Command and
// classifiers are unreachable is killed after garbage collections. It polls
// for up to a minute (cleanups run on their own goroutine after a GC).
func TestCommandCleanup(t *testing.T) {
	func() {
		c := testModel(t, "knn1")
		if _, err := c.Fit(commandData(15, 20, 2, 2)); err != nil {
			t.Fatal(err)
		}
	}()
	if len(children(t)) != 1 {
		t.Fatalf("children %v, want one model process", children(t))
	}
	for start := time.Now(); len(children(t)) > 0; {
		if time.Since(start) > time.Minute {
			t.Fatalf("the model process %v outlived its unreachable Command by a minute", children(t))
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
