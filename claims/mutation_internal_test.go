package claims

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rolemodels/rolemodels/learners"
)

// mutationChecks is the number of rapid checks of each (mutant, claim) cell
// of the mutation matrix: a mutant whose deviation exceeds the claim's MDD
// in a case is rejected there with probability at least 1 - delta, so a
// few cases suffice to see a kill, and a survivor's deviation is below the
// MDD of every case drawn.
const mutationChecks = 3

// TestMutationMatrix runs every claim with each mutant of the catalogue
// (mutants.go) in place of its production implementation and adds the
// matrix to REPORT.md. It runs only when the report is written
// (-claims.report=DIR): 16 mutants x the claims is several minutes of work.
// It spends no false-alarm budget of the suite: a cell is a measurement
// for the report, at the claim's own delta, and the test fails only when a
// mutant neither marked equivalent nor listed as a known gap survives every
// claim, or when the production implementations fail the same runs (a false
// alarm, at the claim's delta).
func TestMutationMatrix(t *testing.T) {
	if !reportRequested() {
		t.Skip("runs with -claims.report=DIR: it feeds the report")
	}
	ms := mutants()
	claims := All()
	type matrixCell struct {
		outcome string
		mdd     string
	}
	matrix := make([][]matrixCell, len(ms))
	for i, m := range ms {
		matrix[i] = make([]matrixCell, len(claims))
		calibratedKill := false
		for j, c := range claims {
			start := time.Now()
			res := runWithImplementations(c, &ms[i].impl, mutationChecks)
			o := res.outcome(m.target)
			if o == outcomeCalibrated {
				calibratedKill = true
			}
			md := "-"
			if len(res.rec.MDD) > 0 {
				med, _ := res.rec.MDDSummary()
				md = fmt.Sprintf("%.3g", med)
			}
			matrix[i][j] = matrixCell{outcome: o, mdd: md}
			t.Logf("%s x %s: %s (%v)%s", m.name, c.ID, o, time.Since(start).Round(time.Millisecond), res.firstFailure())
		}
		if !calibratedKill && m.equivalent == "" && m.gap == "" {
			t.Errorf("mutant %s (%s) survived every calibrated assertion", m.name, m.bug)
		}
	}

	var b strings.Builder
	b.WriteString("## Mutation matrix\n\n")
	fmt.Fprintf(&b, "Each mutant (claims/mutants.go) replaces one production implementation; every claim then runs %d rapid checks "+
		"at its own delta. **C**: killed by a calibrated assertion; **E**: killed by an exact assertion only; **U**: the claim "+
		"failed its unresolved-rate rule; **s**: survived; blank: the claim does not use the mutated implementation.\n\n", mutationChecks)
	b.WriteString("| mutant | replaces | bug |")
	for _, c := range claims {
		b.WriteString(" " + c.ID + " |")
	}
	b.WriteString(" score |\n|---|---|---|")
	for range claims {
		b.WriteString("---|")
	}
	b.WriteString("---|\n")
	killed, scored := 0, 0
	for i, m := range ms {
		fmt.Fprintf(&b, "| %s | %s | %s |", m.name, m.target, cell(m.bug))
		kill := false
		for j := range claims {
			o := matrix[i][j].outcome
			switch o {
			case outcomeCalibrated:
				kill = true
				b.WriteString(" **C** |")
			case outcomeExact:
				b.WriteString(" E |")
			case outcomeUnresolved:
				b.WriteString(" U |")
			case outcomeSurvived:
				b.WriteString(" s |")
			default:
				b.WriteString("  |")
			}
		}
		switch {
		case m.equivalent != "":
			b.WriteString(" equivalent |\n")
		case kill:
			killed++
			scored++
			b.WriteString(" killed |\n")
		default:
			scored++
			b.WriteString(" **survived** |\n")
		}
	}
	fmt.Fprintf(&b, "\nScore: %d of %d non-equivalent mutants killed by a calibrated assertion.\n\n", killed, scored)
	for _, m := range ms {
		if m.equivalent != "" {
			fmt.Fprintf(&b, "- **%s** is equivalent: %s.\n", m.name, m.equivalent)
		}
		if m.gap != "" {
			fmt.Fprintf(&b, "- **%s** is a known gap (a real bug no calibrated assertion is built to see): %s.\n", m.name, m.gap)
		}
	}
	addReportSection(b.String())
}

// Outcomes of a claim run with a mutant.
const (
	outcomeCalibrated = "calibrated"
	outcomeExact      = "exact"
	outcomeUnresolved = "unresolved"
	outcomeSurvived   = "survived"
	outcomeUnused     = "unused"
)

// implementationsRun is what a claim's run with given implementations found.
type implementationsRun struct {
	rec    Record
	failed bool
	logs   []string
}

// outcome classifies the run for the mutant of the implementation target.
func (r implementationsRun) outcome(target string) string {
	switch {
	case !r.rec.used[target]:
		return outcomeUnused
	case !r.failed:
		return outcomeSurvived
	case r.rec.calibratedReject:
		return outcomeCalibrated
	case r.rec.Resolved() == 0 || strings.Contains(strings.Join(r.logs, "\n"), "unresolved rate"):
		return outcomeUnresolved
	}
	return outcomeExact
}

// firstFailure returns the first error line logged, if the run failed.
func (r implementationsRun) firstFailure() string {
	if !r.failed {
		return ""
	}
	for _, l := range r.logs {
		if strings.Contains(l, "[rapid] failed") || strings.Contains(l, "unresolved rate") {
			first, _, _ := strings.Cut(l, "\n")
			return ": " + first
		}
	}
	return ""
}

// runWithImplementations runs claim c's property for checks cases at the
// claim's own delta with impl in place of production, on a recording TB, so
// that a failure is recorded instead of failing the calling test. rapid
// writes no fail file and does not shrink.
func runWithImplementations(c Claim, impl *implementations, checks int) implementationsRun {
	tb := &recordingTB{name: "mutation/" + impl.name + "/" + c.ID}
	var rec Record
	done := make(chan struct{})
	go func() {
		defer close(done)
		runProperty(tb, run{checks: checks, delta: claimDelta(checksFor(c.Checks), c.Assertions), impl: impl, quiet: true, out: &rec}, c.Property)
	}()
	<-done
	return implementationsRun{rec: rec, failed: tb.Failed(), logs: tb.logs}
}

// recordingTB is a rapid.TB that records logs and failures instead of
// reporting them; FailNow and SkipNow end the calling goroutine, as
// testing.T's do.
type recordingTB struct {
	name string

	mu     sync.Mutex
	failed bool
	logs   []string
}

func (r *recordingTB) Helper()      {}
func (r *recordingTB) Name() string { return r.name }
func (r *recordingTB) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Log(args ...any)                  { r.Logf("%s", fmt.Sprint(args...)) }
func (r *recordingTB) Skipf(format string, args ...any) { r.Logf(format, args...); r.SkipNow() }
func (r *recordingTB) Skip(args ...any)                 { r.Log(args...); r.SkipNow() }
func (r *recordingTB) SkipNow()                         { runtime.Goexit() }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.Logf(format, args...)
	r.Fail()
}
func (r *recordingTB) Error(args ...any)                 { r.Log(args...); r.Fail() }
func (r *recordingTB) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.FailNow() }
func (r *recordingTB) Fatal(args ...any)                 { r.Error(args...); r.FailNow() }
func (r *recordingTB) FailNow()                          { r.Fail(); runtime.Goexit() }
func (r *recordingTB) Fail() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
}
func (r *recordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// TestMutants checks the catalogue: at least 12 mutants with distinct
// names, and each one, run through its target on a fixed small problem,
// answers labels in [0, k) and changes at least one answer of production
// (a mutant identical to production would be a vacuous row of the matrix).
// Deterministic: fixed seeds, no probabilistic assertion.
func TestMutants(t *testing.T) {
	ms := mutants()
	if len(ms) < 12 {
		t.Fatalf("%d mutants in the catalogue, want at least 12", len(ms))
	}
	const d, k, m, n = 2, 3, 400, 2000
	rng := rand.New(rand.NewPCG(1, 2))
	data := func(n int) ([]float64, []int) {
		x := make([]float64, n*d)
		y := make([]int, n)
		for i := range y {
			x[2*i], x[2*i+1] = rng.Float64(), rng.Float64()
			y[i] = rng.IntN(k)
		}
		return x, y
	}
	trainX, trainY := data(m)
	train := learners.Dataset{X: trainX, D: d, Y: trainY, K: k}
	queries, _ := data(n)
	source := func(r *rand.Rand, x []float64, y []int) {
		for i := range y {
			x[2*i], x[2*i+1] = r.Float64(), r.Float64()
			y[i] = r.IntN(k)
		}
	}
	answers := func(im *implementations, target string) ([]int, error) {
		c := &Check{impl: im}
		fit := func(l learners.Learner) ([]int, error) {
			h, err := l.Fit(train)
			if err != nil {
				return nil, err
			}
			y := make([]int, n)
			return y, h.PredictBatch(queries, y, rand.New(rand.NewPCG(3, 4)))
		}
		pool := func() ([]learners.Classifier, error) {
			var p []learners.Classifier
			for s := range 6 {
				sub := learners.Dataset{X: trainX[s*60*d : (s+1)*60*d], D: d, Y: trainY[s*60 : (s+1)*60], K: k}
				h, err := learners.KNN{K: 1}.Fit(sub)
				if err != nil {
					return nil, err
				}
				p = append(p, h)
			}
			return p, nil
		}
		switch target {
		case "knn":
			return fit(c.KNN(1))
		case "randomNeighbour":
			return fit(c.RandomNeighbour(5))
		case "kernelMachine":
			return fit(c.KernelMachine(learners.KernelMachine{Kernel: learners.Laplace, Bandwidth: 0.05}))
		case "nadarayaWatson":
			return fit(c.NadarayaWatson(learners.NadarayaWatson{Kernel: learners.Gaussian, Bandwidth: 0.1, Randomized: true}))
		case "histogram":
			return fit(c.Histogram(learners.Histogram{Resolution: 8}))
		case "newMajority":
			p, err := pool()
			if err != nil {
				return nil, err
			}
			h, err := c.NewMajority(p)
			if err != nil {
				return nil, err
			}
			y := make([]int, n)
			return y, h.PredictBatch(queries, y, nil)
		case "labelWithPool":
			p, err := pool()
			if err != nil {
				return nil, err
			}
			return c.LabelWithPool(p, queries, rand.New(rand.NewPCG(5, 6)))
		case "labelIndependentNN":
			return c.LabelIndependentNN(source, 50, queries, d, rand.New(rand.NewPCG(7, 8)), nil)
		}
		return nil, fmt.Errorf("unknown target %q", target)
	}
	seen := map[string]bool{}
	for _, mu := range ms {
		if seen[mu.name] {
			t.Errorf("duplicate mutant %s", mu.name)
		}
		seen[mu.name] = true
		want, err := answers(&production, mu.target)
		if err != nil {
			t.Fatalf("production %s: %v", mu.target, err)
		}
		got, err := answers(&mu.impl, mu.target)
		if err != nil {
			t.Errorf("mutant %s: %v", mu.name, err)
			continue
		}
		if err := checkLabels(got, k); err != nil {
			t.Errorf("mutant %s: %v", mu.name, err)
		}
		if slices.Equal(got, want) {
			t.Errorf("mutant %s answers exactly as production %s on %d points", mu.name, mu.target, n)
		}
	}
}
