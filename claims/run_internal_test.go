package claims

import (
	"math"
	"testing"
)

// TestRunNeverVacuous checks that a run draws at least one case whatever
// the number of checks asked for (rapid divides its flag by 5 under
// -short, so 4 checks would otherwise run none).
func TestRunNeverVacuous(t *testing.T) {
	for _, checks := range []int{checksFor(0), checksFor(1), checksFor(4)} {
		if checks < 1 {
			t.Fatalf("checksFor gave %d checks", checks)
		}
		calls := 0
		tb := &recordingTB{name: "vacuous"}
		var rec Record
		done := make(chan struct{})
		go func() {
			defer close(done)
			runProperty(tb, run{checks: checks, delta: 1e-3, quiet: true, out: &rec}, func(*Check) { calls++ })
		}()
		<-done
		if tb.Failed() || calls != checks || rec.Drawn != checks {
			t.Errorf("checks %d: %d property calls, %d drawn, failed %v: want %d", checks, calls, rec.Drawn, tb.Failed(), checks)
		}
	}
}

// TestFailureReportsFast checks that a failing property is not shrunk: rapid
// runs the failing case, reruns it to rule out flakiness and reruns it to
// log it, and the fail-file capture is off in quiet runs, so a property that
// fails on its first case runs at most four times, not until
// -rapid.shrinktime (30 s by default) has passed.
func TestFailureReportsFast(t *testing.T) {
	if userShrinkTime() {
		t.Skip("-rapid.shrinktime or RAPID_SHRINKTIME set: the user asked for shrinking")
	}
	calls := 0
	tb := &recordingTB{name: "fails"}
	done := make(chan struct{})
	go func() {
		defer close(done)
		runProperty(tb, run{checks: 10, delta: 1e-3, quiet: true}, func(c *Check) {
			calls++
			_ = c.Seed("seed")
			c.Fatalf("always fails")
		})
	}()
	<-done
	if !tb.Failed() {
		t.Fatal("the failing property passed")
	}
	if calls > 4 {
		t.Errorf("the failing property ran %d times: rapid is shrinking the seed", calls)
	}
}

// TestCalibratedRecord checks the bookkeeping of Check.Calibrated: the
// margin as a fraction of the tolerance (past it, for a falsifier), the
// case's MDD as the smallest of its assertions', and the verdict.
func TestCalibratedRecord(t *testing.T) {
	rec := Record{WorstFraction: math.Inf(1)}
	c := &Check{rec: &rec}
	if c.Calibrated(0.03, 0.04, 0.09) {
		t.Error("0.03 <= 0.04 rejected")
	}
	if !c.Calibrated(0.05, 0.04, 0.07) {
		t.Error("0.05 > 0.04 accepted")
	}
	if c.mdd != 0.07 || !c.calibrated {
		t.Errorf("case MDD %v, calibrated %v: want 0.07, true", c.mdd, c.calibrated)
	}
	if want := (0.04 - 0.05) / 0.04; math.Abs(rec.WorstFraction-want) > 1e-15 {
		t.Errorf("worst fraction %v, want %v", rec.WorstFraction, want)
	}
	frec := Record{WorstFraction: math.Inf(1), falsifier: true}
	f := &Check{rec: &frec}
	f.Calibrated(0.06, 0.04, 0.05)
	if want := (0.06 - 0.04) / 0.04; math.Abs(frec.WorstFraction-want) > 1e-15 {
		t.Errorf("falsifier worst fraction %v, want %v", frec.WorstFraction, want)
	}
	r := Record{MDD: []float64{0.3, 0.1, 0.2, 0.4}}
	if med, worst := r.MDDSummary(); med != 0.25 || worst != 0.4 {
		t.Errorf("MDDSummary = %v, %v; want 0.25, 0.4", med, worst)
	}
}
