package claims

import (
	"math"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// halfspaceLogChance against the sum of binomial coefficients computed
// exactly in integers.
func TestHalfspaceLogChance(t *testing.T) {
	for _, tc := range []struct{ m, w int }{{10, 0}, {10, 3}, {10, 5}, {10, 9}, {10, 10}, {30, 4}, {30, 29}} {
		sum, c := 0.0, 1.0
		for i := 0; i <= min(tc.w, tc.m); i++ {
			sum += c
			c = c * float64(tc.m-i) / float64(i+1)
		}
		want := math.Log(sum) + float64(tc.m)*math.Log(0.5)
		if got := halfspaceLogChance(tc.m, tc.w, 0.5); math.Abs(got-want) > 1e-9 {
			t.Errorf("m=%d w=%d: %v, want %v", tc.m, tc.w, got, want)
		}
	}
}

// treePartitionLogChance bounds the exact probability that the production
// tree of depth <= 1 or 2 fits every labeling: on m = 10 points of
// dimension 2, enumerate the 2^10 binary labelings (pmax = 1/2, each of
// probability 2^-10) and count those with no training error.
func TestTreePartitionLogChanceBoundsEnumeration(t *testing.T) {
	const m, d = 10, 2
	x := make([]float64, m*d)
	for i := range m {
		x[i*d] = float64(i)
		x[i*d+1] = float64((i * 7) % m)
	}
	for depth := 1; depth <= 2; depth++ {
		fitted := 0
		for mask := range 1 << m {
			y := make([]int, m)
			for i := range y {
				y[i] = mask >> i & 1
			}
			errs, err := trainingErrors(learners.Tree{MaxDepth: depth}, learners.Dataset{X: x, D: d, Y: y, K: 2})
			if err != nil {
				t.Fatal(err)
			}
			if errs == 0 {
				fitted++
			}
		}
		p := float64(fitted) / (1 << m)
		if bound := math.Exp(treePartitionLogChance(m, d, depth, 0.5)); !(p <= bound) {
			t.Errorf("depth %d: P(no training error) = %v above the bound %v", depth, p, bound)
		} else {
			t.Logf("depth %d: P(no training error) = %v <= %v", depth, p, bound)
		}
	}
}
