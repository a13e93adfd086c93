package claims_test

import (
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/claims"
)

// TestLClaimsRegistered checks that claims L1..L6 are registered with their
// kind, a statement, a source naming the paper or the classical result, and
// at least one falsifier each.
func TestLClaimsRegistered(t *testing.T) {
	kinds := map[string]claims.Kind{
		"L1": claims.FiniteBound, "L2": claims.Trend, "L3": claims.FiniteBound,
		"L4": claims.FiniteBound, "L5": claims.FiniteBound, "L6": claims.FiniteBound,
	}
	for _, id := range []string{"L1", "L2", "L3", "L4", "L5", "L6"} {
		c, ok := claims.Lookup(id)
		if !ok {
			t.Errorf("claim %s is not registered", id)
			continue
		}
		if c.Kind != kinds[id] {
			t.Errorf("claim %s is a %v, want %v", id, c.Kind, kinds[id])
		}
		if c.Statement == "" || !strings.ContainsAny(c.Source, "0123456789") {
			t.Errorf("claim %s: statement %q, source %q", id, c.Statement, c.Source)
		}
		if len(c.Falsifiers) == 0 || c.Checks < 5 {
			t.Errorf("claim %s: %d falsifiers, %d checks", id, len(c.Falsifiers), c.Checks)
		}
	}
}
