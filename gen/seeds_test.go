package gen_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
)

// TestSeedsDoNotRepeat draws 10^5 seeds with gen.Seeds from as many rapid
// bit streams and finds no repeat, where rapid.Uint64 repeats thousands of
// times. Deterministic (rapid's Example with fixed stream seeds). For
// uniform 64-bit seeds the chance of any repeat among n = 10^5 is at most
// n^2 / 2^65 < 3e-10; rapid.Uint64 draws 0 or 1 about 5.5% of the time each,
// so its repeats are certain.
func TestSeedsDoNotRepeat(t *testing.T) {
	const n = 100000
	seen := make(map[uint64]struct{}, n)
	for i := range n {
		s := gen.Seeds().Example(i)
		if _, dup := seen[s]; dup {
			t.Fatalf("seed %#x repeated after %d draws", s, i)
		}
		seen[s] = struct{}{}
	}
	biased := make(map[uint64]int, n)
	repeats := 0
	for i := range n {
		v := rapid.Uint64().Example(i)
		if biased[v] > 0 {
			repeats++
		}
		biased[v]++
	}
	if repeats < n/100 {
		t.Errorf("rapid.Uint64 repeated only %d times in %d draws: the reason for gen.Seeds is gone", repeats, n)
	}
	t.Logf("gen.Seeds: no repeat in %d draws; rapid.Uint64: %d repeats, %d zeros", n, repeats, biased[0])
}
