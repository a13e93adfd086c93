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
// 5e-8 / 40 = 1.25e-9 with the 16 claims of CLAIMS.md and their 24
// falsifiers.
func unresolvedDelta() float64 {
	n := len(All())
	for _, c := range All() {
		n += len(c.Falsifiers)
	}
	return UnresolvedBudget / float64(max(1, n))
}

var userChecks = sync.OnceValue(func() int {
	// The user's choice wins: a -rapid.checks flag on the command line, or
	// the RAPID_CHECKS variable that rapid reads at start-up.
	n := 0
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "rapid.checks" {
			n, _ = strconv.Atoi(f.Value.String())
		}
	})
	if n == 0 {
		if v, ok := os.LookupEnv("RAPID_CHECKS"); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	return n
})

// checksFor returns the number of checks rapid will run for a claim whose
// default is def: the user's -rapid.checks if set, else def; under -short
// rapid divides it by 5.
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

// setRapidChecks makes rapid run the given number of checks (before its own
// -short division) and returns a function restoring the previous value.
func setRapidChecks(checks int) (restore func()) {
	f := flag.Lookup("rapid.checks")
	if f == nil || userChecks() > 0 {
		return func() {}
	}
	old := f.Value.String()
	n := checks
	if testing.Short() {
		n *= 5
	}
	f.Value.Set(strconv.Itoa(n))
	return func() { f.Value.Set(old) }
}
