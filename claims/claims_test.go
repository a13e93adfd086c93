package claims_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/claims"
)

// TestClaims checks every registered claim with rapid, each as its own
// subtest: go test ./claims -run 'TestClaims/L1' -v runs one.
func TestClaims(t *testing.T) {
	for _, c := range claims.All() {
		t.Run(c.ID, func(t *testing.T) { c.Run(t) })
	}
}

// TestFalsifiers checks that every claim's test rejects each of its
// falsifiers: go test ./claims -run 'TestFalsifiers/L1' -v runs L1's.
func TestFalsifiers(t *testing.T) {
	for _, c := range claims.All() {
		for _, f := range c.Falsifiers {
			t.Run(c.ID+"/"+f.Name, func(t *testing.T) { c.RunFalsifier(t, f) })
		}
	}
}

// TestRegistry checks the registry's rules: every claim of CLAIMS.md is
// registered and complete with at least one falsifier, IDs are unique, and
// All lists the claims in the order rule (group S, then L, then D, then any
// other; by number within a group), so a new claim anywhere keeps it green.
func TestRegistry(t *testing.T) {
	all := claims.All()
	for _, id := range []string{"S1", "S2", "S3", "S4", "S5", "L1", "L2", "L3", "L4", "L5", "L6", "D1", "D2", "D3", "D4", "D5"} {
		if _, ok := claims.Lookup(id); !ok {
			t.Errorf("claim %s of CLAIMS.md is not registered", id)
		}
	}
	group := func(id string) int { return strings.IndexByte("SLD", id[0]) & 0xff } // S, L, D, then others (-1 & 0xff)
	number := func(id string) int { n, _ := strconv.Atoi(id[1:]); return n }
	seen := map[string]bool{}
	for i, c := range all {
		if seen[c.ID] {
			t.Errorf("claim %s registered twice", c.ID)
		}
		seen[c.ID] = true
		if c.Title == "" || c.Source == "" || c.Statement == "" {
			t.Errorf("claim %s lacks a title, source or statement", c.ID)
		}
		if len(c.Falsifiers) == 0 {
			t.Errorf("claim %s has no falsifier", c.ID)
		}
		if i > 0 {
			p := all[i-1]
			if group(p.ID) > group(c.ID) || group(p.ID) == group(c.ID) && number(p.ID) > number(c.ID) {
				t.Errorf("claim %s listed after %s: want the order S, L, D by number", c.ID, p.ID)
			}
		}
	}
}

// TestBudgetSplit checks that the split stated in budget.go adds up: the
// gen (1e-7) and learners (4e-8) rows, the claim and falsifier budgets and
// the reserve stay within TotalFalseAlarm, and the reserve covers the
// unresolved-rate rule, the S-group helper tests (1e-9) and
// TestCheckGoodTeacher (1e-10).
func TestBudgetSplit(t *testing.T) {
	const slack = 1 + 1e-12 // float rounding of the sums
	if total := 1e-7 + 4e-8 + claims.ClaimBudget + claims.FalsifierBudget + claims.ReserveBudget; total > claims.TotalFalseAlarm*slack {
		t.Errorf("the split spends %g > TotalFalseAlarm %g", total, claims.TotalFalseAlarm)
	}
	if reserve := claims.UnresolvedBudget + 1e-9 + 1e-10; reserve > claims.ReserveBudget*slack {
		t.Errorf("the reserve's shares add up to %g > ReserveBudget %g", reserve, claims.ReserveBudget)
	}
}
