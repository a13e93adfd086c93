package claims

import (
	"flag"
	"os"
	"strconv"
	"sync"
	"testing"
)

// The false-alarm budget: one default `go test ./...` may fail by chance with
// probability at most TotalFalseAlarm. It is split (Bonferroni, a union
// bound) as follows:
//
//	gen tests                1e-7  (split in gen/budget_test.go)
//	learners tests           4e-8  (TestNadarayaWatsonSamplerFrequencies, the
//	                               only probabilistic one; learners/nadaraya_watson_test.go)
//	claim properties         4e-7  = ClaimBudget
//	falsifier tests          4e-7  = FalsifierBudget
//	the real-data experiment 0     (fixed seeded splits: deterministic)
//	reserve                  6e-8  = ReserveBudget
//
// Within ClaimBudget every registered claim gets an equal share, spread over
// its rapid checks and the assertions of each check:
//
//	delta = ClaimBudget / (claims x checks x assertions),
//
// and the same for falsifiers. The number of checks is the one rapid actually
// runs (the -rapid.checks flag or RAPID_CHECKS, divided by 5 under -short),
// so -rapid.checks=10000 keeps the same total with tighter deltas. Shrinking
// reruns cases only after a failure, so it spends no budget.
//
// The reserve pays for this package's other chance failures:
//
//	unresolved-rate rule     5e-8  = UnresolvedBudget, equal shares over the
//	                               claims and falsifiers (unresolvedDelta)
//	S-group helper tests     1e-9  (s_claims_test.go states its split; it
//	                               includes TestCheckSampler's 1e-10)
//	TestCheckGoodTeacher     1e-10 (TeacherFalseAlarm in d_claims_test.go)
//	fail-file replays        0     (a replay is a fixed bit stream: deterministic)
//	unallocated              8.9e-9
//
// so the whole suite spends at most 1e-7 + 4e-8 + 4e-7 + 4e-7 + 5.11e-8 =
// 9.911e-7 <= TotalFalseAlarm. None of these totals depends on
// -rapid.checks: the unresolved-rate rule is one test per run, and the
// tests split their shares over the checks they run.
const (
	TotalFalseAlarm  = 1e-6
	ClaimBudget      = 4e-7
	FalsifierBudget  = 4e-7
	ReserveBudget    = 6e-8
	UnresolvedBudget = 5e-8
)

// claimDelta returns the per-assertion false-alarm probability of a claim
// run with the given number of checks and assertions per check.
func claimDelta(checks, assertions int) float64 {
	return ClaimBudget / float64(max(1, len(All()))*max(1, checks)*assertions)
}

// falsifierDelta returns the per-assertion failure probability allowed to a
// falsifier test: its rejection must hold with probability 1 - delta.
func falsifierDelta(checks, assertions int) float64 {
	n := 0
	for _, c := range All() {
		n += len(c.Falsifiers)
	}
	return FalsifierBudget / float64(max(1, n)*max(1, checks)*assertions)
}

// unresolvedDelta returns the false-alarm probability of the
// unresolved-rate rule of one claim or falsifier run (see runProperty):
// UnresolvedBudget split equally over every registered claim and falsifier,
// 5e-8 / (claims + falsifiers). TestDocCounts logs its current value, and
// checks the places that state it (runProperty's doc, the README).
func unresolvedDelta() float64 {
	n := len(All())
	for _, c := range All() {
		n += len(c.Falsifiers)
	}
	return UnresolvedBudget / float64(max(1, n))
}

// userInt returns the value the user gave rapid's flag name on the command
// line or through its environment variable env (rapid reads RAPID_* at
// start-up), and whether it was given. The user's choice always wins over
// the claims' defaults.
func userFlag(name, env string) (string, bool) {
	v, ok := "", false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == name {
			v, ok = f.Value.String(), true
		}
	})
	if !ok {
		v, ok = os.LookupEnv(env)
	}
	return v, ok
}

var userChecks = sync.OnceValue(func() int {
	v, _ := userFlag("rapid.checks", "RAPID_CHECKS")
	n, _ := strconv.Atoi(v)
	return n
})

var userShrinkTime = sync.OnceValue(func() bool {
	_, ok := userFlag("rapid.shrinktime", "RAPID_SHRINKTIME")
	return ok
})

// checksFor returns the number of checks rapid will run for a claim whose
// default is def: the user's -rapid.checks if set, else def; under -short a
// fifth of it. It is never below 1: a run with 0 checks would pass having
// checked nothing (rapid divides by 5 under -short, so -rapid.checks=4
// -short would run none).
func checksFor(def int) int {
	n := def
	if u := userChecks(); u > 0 {
		n = u
	}
	if testing.Short() {
		n /= 5
	}
	return max(1, n)
}

// setRapidFlags makes rapid run exactly checks checks (setting its flag to
// 5 checks under -short, where rapid divides by 5), turns shrinking off
// unless the user set -rapid.shrinktime or RAPID_SHRINKTIME, and, when
// quiet, turns fail files off; it returns a function restoring the previous
// values.
//
// Shrinking is off because every case draws its bulk data from a 64-bit
// seed (gen.Seeds): a shrunk seed is another case, not a simpler one, and
// each attempt reruns a whole check (measured on a failing L1 property:
// rapid spent its 30 s default shrinking one seed to no effect). rapid
// still reruns the failing case once to rule out flakiness and once to log
// it, so a failure reports in about three times a check's time. The
// structure drawn (family, dimension, classes, sizes) is printed with the
// failure and replays from the printed -rapid.seed or the fail file.
func setRapidFlags(checks int, quiet bool) (restore func()) {
	var undo []func()
	set := func(name, value string) {
		f := flag.Lookup(name)
		if f == nil {
			return
		}
		old := f.Value.String()
		f.Value.Set(value)
		undo = append(undo, func() { f.Value.Set(old) })
	}
	n := checks
	if testing.Short() {
		n *= 5
	}
	set("rapid.checks", strconv.Itoa(n))
	if !userShrinkTime() {
		set("rapid.shrinktime", "0s")
	}
	if quiet {
		set("rapid.nofailfile", "true")
	}
	return func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
}
