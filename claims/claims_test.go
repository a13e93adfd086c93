package claims_test

import (
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

// TestRegistry checks that every claim of CLAIMS.md is registered in order,
// is complete, and has at least one falsifier; new claims may follow them.
func TestRegistry(t *testing.T) {
	want := []string{"S1", "S2", "S3", "S4", "S5", "L1", "L2", "L3", "L4", "L5", "L6", "D1", "D2", "D3", "D4", "D5"}
	all := claims.All()
	if len(all) < len(want) {
		t.Errorf("%d claims registered, want at least the %d of CLAIMS.md", len(all), len(want))
	}
	for i, id := range want {
		c, ok := claims.Lookup(id)
		if !ok {
			t.Errorf("claim %s is not registered", id)
			continue
		}
		if i < len(all) && all[i].ID != id {
			t.Errorf("claim %d is %s, want %s (order S, L, D)", i, all[i].ID, id)
		}
		if c.Title == "" || c.Source == "" || c.Statement == "" {
			t.Errorf("claim %s lacks a title, source or statement", id)
		}
		if len(c.Falsifiers) == 0 {
			t.Errorf("claim %s has no falsifier", id)
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
