package gen_test

import (
	"flag"
	"strconv"
)

// False-alarm budget of this package's tests (Bonferroni). A run of
// `go test ./gen` may fail by chance with probability at most
// packageBudget = 1e-7 in total. Three tests make probabilistic assertions
// (TestLabelFrequencies, TestClosedFormsMatchMonteCarlo,
// TestSmoothRisksMonteCarlo); each gets testBudget = packageBudget / 3,
// about 3.3e-8. A rapid property splits its share
// over (checks + replays) runs and the assertions in one run:
//
//	delta = testBudget / (rapidChecks() + maxReplays) / assertionsPerCheck,
//
// e.g. 3.3e-8 / 110 / 20 = 1.5e-11 for 20 assertions per check at the
// default 100 checks. The number of checks follows -rapid.checks (and
// RAPID_CHECKS), so raising it tightens delta and keeps the total. Shrinking
// only happens after a failure, so it spends nothing. All other assertions
// are exact (up to stated float slack) and spend no budget.
const (
	packageBudget = 1e-7
	testBudget    = packageBudget / 3
	// maxReplays bounds the fail-file replays rapid runs before its checks.
	maxReplays = 10
)

// rapidChecks returns the number of checks rapid runs per property: the value
// of the -rapid.checks flag (default 100, or RAPID_CHECKS). -short only lowers
// the count, so this stays an upper bound.
func rapidChecks() int {
	if f := flag.Lookup("rapid.checks"); f != nil {
		if n, err := strconv.Atoi(f.Value.String()); err == nil && n > 0 {
			return n
		}
	}
	return 100
}

// perCheckDelta is the delta of one assertion in a rapid property with the
// given number of assertions per check.
func perCheckDelta(assertionsPerCheck int) float64 {
	return testBudget / float64(rapidChecks()+maxReplays) / float64(assertionsPerCheck)
}
