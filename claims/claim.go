package claims

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
)

// Kind says how a claim turns a theorem into a test.
type Kind int

const (
	// Exact claims hold with no statistical slack beyond float rounding.
	Exact Kind = iota
	// FiniteBound claims are finite-sample inequalities that hold with
	// probability at least 1 - delta over the training labels.
	FiniteBound
	// Trend claims are asymptotic statements checked as a calibrated
	// comparison across sizes.
	Trend
	// Identity claims are true of any numbers (an algebraic identity or a
	// property of the posterior alone) and exercise no production learner:
	// they check the measurement machinery, not the learners, and no reader
	// should count them as evidence about a learner.
	Identity
)

// String returns "exact", "finite bound", "calibrated trend" or "identity".
func (k Kind) String() string {
	switch k {
	case Exact:
		return "exact"
	case FiniteBound:
		return "finite bound"
	case Trend:
		return "calibrated trend"
	case Identity:
		return "identity"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Claim is one claim of the paper or of the classical literature, with the
// property that checks it and the falsifiers that the property must reject.
type Claim struct {
	ID        string // a group letter (S, L or D) and a number, e.g. L1; All orders by them
	Title     string
	Source    string // where it is stated: the paper's section or the classical result
	Statement string // the inequality, in plain text
	Kind      Kind
	// Unit is the unit of the claim's calibrated deviations, margins and
	// MDDs (Check.Calibrated), e.g. "risk" or "total variation"; empty for
	// a claim without calibrated assertions.
	Unit string

	// Checks is the number of rapid checks run when the user did not set
	// -rapid.checks (or RAPID_CHECKS); it must be at least 5 so that
	// -short, which divides by 5, still runs one.
	Checks int
	// Assertions is the number of probabilistic assertions one check makes;
	// the claim's false-alarm budget is split over Checks x Assertions.
	Assertions int
	// Property checks the claim on one drawn case. It must call c.Fatalf
	// (one call site per assertion) when the claim is violated, and
	// c.Unresolved before any assertion when the case cannot resolve it.
	Property func(c *Check)
	// Falsifiers are learners or distributions for which the claim is
	// false; each must be rejected by the claim's check.
	Falsifiers []Falsifier
}

// Falsifier is a case for which a claim is false, with the check that the
// claim's test rejects it.
type Falsifier struct {
	Name       string // e.g. "knn-majority-k=15"
	Checks     int    // as Claim.Checks
	Assertions int    // as Claim.Assertions
	// Property must call c.Fatalf when the claim's test fails to reject the
	// falsifier, and c.Unresolved when the drawn case is too small for the
	// rejection to have probability at least 1 - c.Delta.
	Property func(c *Check)
}

// Check is the context of one rapid check of a claim or a falsifier.
type Check struct {
	*rapid.T
	// Delta is the false-alarm probability this check may spend on each of
	// its assertions (see budget.go).
	Delta float64
	rec   *Record
	impl  *implementations // nil: production (production.go)

	// ClaimDelta is the per-assertion false-alarm probability at which the
	// claim's own check runs, claimDelta(checksFor(claim.Checks),
	// claim.Assertions). In a claim's property it equals Delta. In a
	// falsifier it is the delta of the check the falsifier must fail: a
	// falsifier runs the claim's check (its tolerances) at ClaimDelta, and
	// spends its own Delta on the power argument that the check rejects.
	ClaimDelta float64

	// calibrated is set when a calibrated assertion rejects (Calibrated
	// returned true): the mutation matrix tells calibrated kills from exact
	// ones by it.
	calibrated bool
	// mdd is the smallest certified MDD of the case's calibrated assertions.
	mdd float64
}

// Margin records bound - measured for one assertion, in the claim's units;
// the report shows the smallest margin observed. Calibrated assertions use
// Calibrated instead, which also records the assertion's MDD.
func (c *Check) Margin(m float64) {
	if c.rec != nil && m < c.rec.WorstMargin {
		c.rec.WorstMargin = m
	}
}

// Calibrated records one calibrated assertion, in the claim's unit
// (Claim.Unit): the measured statistic, the tolerance it must not exceed
// (the assertion rejects when measured > tolerance) and the assertion's
// certified minimal detectable deviation mdd, the smallest deviation of the
// learner from the claim that the assertion rejects with probability at
// least 1 - Delta (stats.go, Detectable). It returns whether the assertion
// rejects; the caller then calls c.Fatalf at its own call site, so that
// rapid tells the assertions apart.
//
// The report shows the worst margin (tolerance - measured)/tolerance of the
// claim, a fraction of the tolerance, and the median and worst over the
// cases of the case's MDD (the smallest over its calibrated assertions:
// any one of them rejecting rejects the case). In a falsifier, the margin
// recorded is (measured - tolerance)/tolerance, how far past the tolerance
// the falsifier was seen.
func (c *Check) Calibrated(measured, tolerance, mdd float64) (rejects bool) {
	rejects = measured > tolerance
	if c.rec != nil {
		frac := relativeMargin(tolerance-measured, tolerance)
		if c.rec.falsifier {
			frac = relativeMargin(measured-tolerance, tolerance)
		}
		c.rec.WorstFraction = min(c.rec.WorstFraction, frac)
	}
	if c.mdd == 0 || mdd < c.mdd {
		c.mdd = mdd
	}
	if rejects {
		c.calibrated = true
	}
	return rejects
}

// relativeMargin returns m / tol, or m itself when tol is 0 (an exact
// tolerance), and +Inf for a NaN.
func relativeMargin(m, tol float64) float64 {
	if tol > 0 {
		m /= tol
	}
	if math.IsNaN(m) {
		return math.Inf(1)
	}
	return m
}

// Unresolved marks the drawn case as too small to resolve the claim and
// skips it. It must be called before any assertion of the check.
func (c *Check) Unresolved(format string, args ...any) {
	if c.rec != nil {
		c.rec.Unresolved++
	}
	c.Skipf("unresolved: "+format, args...)
}

// Seed draws a seed for bulk data with rapid (gen.Seeds: uniform over
// 2^64, replayed from -rapid.seed and fail files).
func (c *Check) Seed(label string) uint64 { return gen.Seeds().Draw(c.T, label) }

// Rand draws a seed with Seed and returns a PCG stream on it, so bulk data
// is cheap to generate and replays from rapid's seed or fail file. The
// stream also depends on the label, so two calls with different labels give
// independent streams even in the (2^-64) event of equal seeds. For several
// streams of one case (training positions, labels, evaluation points) use
// one Seed and gen.NewStreams.
func (c *Check) Rand(label string) *rand.Rand {
	seed := c.Seed(label)
	h := fnv.New64a()
	h.Write([]byte(label))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

// Record summarises the checks of one claim or falsifier.
type Record struct {
	Drawn       int     // property invocations (cases drawn)
	Unresolved  int     // cases skipped as too small to resolve
	WorstMargin float64 // smallest bound - measured over resolved cases (Margin)
	// WorstFraction is the smallest margin of a calibrated assertion as a
	// fraction of its tolerance (Calibrated).
	WorstFraction float64
	// MDD holds, per resolved case with a calibrated assertion, the
	// smallest certified MDD of its assertions, in the claim's unit.
	MDD []float64

	falsifier bool
	// calibratedReject is set when a case failed after a calibrated
	// assertion rejected (Check.Calibrated).
	calibratedReject bool
	// used names the implementations the property obtained from its Check
	// (production.go).
	used map[string]bool
}

// Resolved returns the number of drawn cases that were resolved.
func (r Record) Resolved() int { return r.Drawn - r.Unresolved }

// maxUnresolvedRate is the largest share of drawn cases a claim's generator
// may leave unresolved: a claim whose generator mostly draws cases too small
// to say anything checks nothing. runProperty tests it (see there).
const maxUnresolvedRate = 0.1

// unresolvedTail returns the p-value of u unresolved draws in a run that
// stops at its checks-th resolved draw, under the hypothesis that each draw
// is unresolved independently with probability at most q =
// maxUnresolvedRate. The number U of unresolved draws before the r-th
// resolved one is negative binomial, and U >= u exactly when at least u of
// the first r+u-1 draws are unresolved:
//
//	P(U >= u) = P(Bin(r+u-1, q) >= u),
//
// largest at the largest q, so the hypothesis is tested at its boundary. It
// is 1 for u = 0.
func unresolvedTail(checks, u int) float64 {
	return binomialUpperTail(max(1, checks)+u-1, u, maxUnresolvedRate)
}

var (
	registryMu sync.Mutex
	registry   []Claim
)

// register adds a claim to the registry; each claim file calls it from init.
// It panics on a duplicate ID or a malformed claim (programmer error).
func register(c Claim) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if err := c.validate(); err != nil {
		panic(err)
	}
	for _, f := range c.Falsifiers {
		if err := c.validateFalsifier(f); err != nil {
			panic(err)
		}
	}
	for _, o := range registry {
		if o.ID == c.ID {
			panic("claims: duplicate claim " + c.ID)
		}
	}
	registry = append(registry, c)
}

// validate returns an error naming what is missing from a claim: an ID, a
// Property, at least 5 default checks, at least one assertion per check.
func (c Claim) validate() error {
	if c.ID == "" || c.Property == nil || c.Checks < 5 || c.Assertions < 1 {
		return fmt.Errorf("claims: malformed claim %q: want an ID, a Property, Checks >= 5 and Assertions >= 1 (have Checks %d, Assertions %d, Property set %t)",
			c.ID, c.Checks, c.Assertions, c.Property != nil)
	}
	return nil
}

// validateFalsifier is validate for falsifier f of c.
func (c Claim) validateFalsifier(f Falsifier) error {
	if f.Name == "" || f.Property == nil || f.Checks < 5 || f.Assertions < 1 {
		return fmt.Errorf("claims: malformed falsifier %q of claim %s: want a Name, a Property, Checks >= 5 and Assertions >= 1 (have Checks %d, Assertions %d, Property set %t)",
			f.Name, c.ID, f.Checks, f.Assertions, f.Property != nil)
	}
	return nil
}

// All returns every registered claim, ordered S, L, D, then by number.
func All() []Claim {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := append([]Claim(nil), registry...)
	sort.Slice(out, func(i, j int) bool { return claimOrder(out[i].ID) < claimOrder(out[j].ID) })
	return out
}

// Lookup returns the claim with the given ID.
func Lookup(id string) (Claim, bool) {
	for _, c := range All() {
		if c.ID == id {
			return c, true
		}
	}
	return Claim{}, false
}

func claimOrder(id string) int {
	group := 3
	if len(id) > 0 {
		switch id[0] {
		case 'S':
			group = 0
		case 'L':
			group = 1
		case 'D':
			group = 2
		}
	}
	n, _ := strconv.Atoi(id[min(1, len(id)):])
	return group*1000 + n
}

// Run checks the claim with rapid.Check at its share of the false-alarm
// budget and fails t if its drawn cases are unresolved too often (the
// calibrated unresolved-rate rule of runProperty).
func (c Claim) Run(t *testing.T) Record {
	t.Helper()
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	n := checksFor(c.Checks)
	d := claimDelta(n, c.Assertions)
	rec := runProperty(t, run{checks: n, delta: d, claimDelta: d}, c.Property)
	storeRecord(c.ID, "", rec, t.Failed())
	return rec
}

// RunFalsifier checks that the claim's test rejects falsifier f, with f's
// share of the falsifier budget.
func (c Claim) RunFalsifier(t *testing.T, f Falsifier) Record {
	t.Helper()
	if err := c.validateFalsifier(f); err != nil {
		t.Fatal(err)
	}
	n := checksFor(f.Checks)
	rec := runProperty(t, run{checks: n, delta: falsifierDelta(n, f.Assertions), claimDelta: c.ownDelta(), falsifier: true}, f.Property)
	storeRecord(c.ID, f.Name, rec, t.Failed())
	return rec
}

// ownDelta returns the per-assertion delta of c's own check,
// claimDelta(checksFor(c.Checks), c.Assertions): Check.ClaimDelta of its
// falsifiers.
func (c Claim) ownDelta() float64 { return claimDelta(checksFor(c.Checks), c.Assertions) }

var checksFlagMu sync.Mutex

// runProperty runs prop with rapid until checks cases resolve, at delta per
// assertion, and then tests the unresolved rate. rapid discards an
// unresolved case (c.Unresolved skips it) and draws another, so a run ends
// with r = checks resolved cases and U unresolved ones. Under the hypothesis
// that each draw is unresolved with probability at most maxUnresolvedRate
// (q = 0.1; rapid draws each case from its own seed, so draws are
// independent), P(U >= u) <= P(Bin(r+u-1, q) >= u) (unresolvedTail), and the
// run fails when that tail is at most unresolvedDelta(), its share of
// UnresolvedBudget (budget.go): a generator that meets the 10% target fails
// by chance with probability at most that share. At delta = 8.47e-10 (17
// claims and 42 falsifiers) it fails from 13 unresolved draws at 5 checks,
// 15 at 10, 19 at 20 and 40 at 100, 10 at 1. (TestDocCounts recomputes
// these numbers and fails when they go stale.) If rapid stops early (its
// deadline, or too many discards) with fewer than checks resolved, the U unresolved draws still all came
// before the checks-th resolved one, so the same bound holds. A vacuous run
// is caught twice over: rapid itself fails a property that reaches checks x
// invalidChecksMult (10) discarded draws with fewer than checks valid ones
// ("only generated N valid tests", rapid v1.3.0 engine.go), and the rule
// fires long before that. CheckSampler and CheckGoodTeacher never call
// c.Unresolved, so for them U = 0, the tail is 1 and the rule spends
// nothing. Draws replayed from committed fail files would count as draws;
// none are committed for this package.
func runProperty(t rapid.TB, r run, prop func(*Check)) Record {
	t.Helper()
	rec := Record{WorstMargin: math.Inf(1), WorstFraction: math.Inf(1), falsifier: r.falsifier}
	if r.out != nil {
		// A failed run ends with t.FailNow, which never returns here.
		defer func() { *r.out = rec }()
	}
	func() {
		// rapid ends a failed check with t.FailNow, which unwinds through
		// here: the deferred calls keep the flag lock from leaking into the
		// next claim.
		checksFlagMu.Lock()
		defer checksFlagMu.Unlock()
		defer setRapidFlags(r.checks, r.quiet)()
		rapid.Check(t, func(rt *rapid.T) {
			rec.Drawn++
			c := &Check{T: rt, Delta: r.delta, ClaimDelta: r.claimDelta, rec: &rec, impl: r.impl}
			if c.ClaimDelta == 0 {
				c.ClaimDelta = r.delta
			}
			defer func() {
				if c.calibrated {
					rec.calibratedReject = true
				}
			}()
			prop(c)
			// Reached only when the case resolved and passed: Unresolved
			// and Fatalf unwind past it.
			if c.mdd > 0 {
				rec.MDD = append(rec.MDD, c.mdd)
			}
		})
	}()
	if !t.Failed() && rec.Unresolved > 0 {
		ud := unresolvedDelta()
		if p := unresolvedTail(r.checks, rec.Unresolved); p <= ud {
			t.Fatalf("%d of %d drawn cases unresolved: the unresolved rate is above %.0f%% at delta %.3g "+
				"(P(at least %d unresolved before %d resolved | rate %.0f%%) = %.3g)",
				rec.Unresolved, rec.Drawn, 100*maxUnresolvedRate, ud, rec.Unresolved, r.checks, 100*maxUnresolvedRate, p)
		}
	}
	t.Logf("%d cases drawn, %d resolved, %s, delta per assertion %.3g", rec.Drawn, rec.Resolved(), rec.summary(), r.delta)
	return rec
}

// run says how runProperty runs a property: the number of checks, the
// false-alarm probability of each assertion, whether the property is a
// falsifier's (its margins are measured past the tolerance), the
// implementations it exercises (nil: production) and whether rapid should
// keep quiet (no fail files: the mutation matrix), and where to leave the
// record of a run that t.FailNow ends.
type run struct {
	checks    int
	delta     float64
	falsifier bool
	impl      *implementations
	quiet     bool
	out       *Record // if set, receives the record even when t.FailNow ends the run

	claimDelta float64 // Check.ClaimDelta; 0: delta (a claim's own run)
}

// summary describes the record's margins and MDDs in one phrase.
func (r Record) summary() string {
	s := fmt.Sprintf("worst margin %.4g", r.WorstMargin)
	if !math.IsInf(r.WorstFraction, 1) {
		s = fmt.Sprintf("worst calibrated margin %.3g of the tolerance", r.WorstFraction)
	}
	if len(r.MDD) > 0 {
		med, worst := r.MDDSummary()
		s += fmt.Sprintf(", detects deviations of at least %.4g (median) / %.4g (worst case)", med, worst)
	}
	return s
}

// MDDSummary returns the median and the largest of the cases' MDDs (0, 0
// when no calibrated assertion ran).
func (r Record) MDDSummary() (median, worst float64) {
	if len(r.MDD) == 0 {
		return 0, 0
	}
	s := append([]float64(nil), r.MDD...)
	sort.Float64s(s)
	n := len(s)
	median = s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return median, s[n-1]
}
