package learners_test

import (
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/learners"
)

// TestBruteForceHighDimOracle checks the brute-force index at dimensions
// above those TestIndexMatchesOracle draws (where the screening kernel's
// long dot products and, with AVX2/FMA, fused rounding matter) against the
// naive loop, indices and distances bit for bit, with the default tiles and
// with tiles that leave kernel remainders (points not a multiple of 6 or
// 12, queries not a multiple of 8). Half the queries are training points
// and grid data makes exact ties.
func TestBruteForceHighDimOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		kind := pointKind.Draw(t, "kind")
		d := rapid.SampledFrom([]int{13, 16, 33, 50, 64}).Draw(t, "d")
		m := rapid.IntRange(1, 300).Draw(t, "m")
		k := rapid.IntRange(1, min(m, 6)).Draw(t, "k")
		nq := rapid.IntRange(1, 30).Draw(t, "queries")
		tiles := rapid.SampledFrom([][2]int{{128, 60}, {9, 13}, {16, 24}, {5, 7}}).Draw(t, "tiles")
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 3))
		x := drawPoints(kind, rng, m, d, nil)
		q := drawPoints(kind, rng, nq, d, x)
		for r := 0; r < nq; r += 2 {
			i := rng.IntN(m)
			copy(q[r*d:(r+1)*d], x[i*d:(i+1)*d])
		}
		ix, err := learners.NewBruteForceTiles(x, d, tiles[0], tiles[1])
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		ind := make([]int, nq*k)
		dist := make([]float64, nq*k)
		if err := ix.SearchBatch(q, k, ind, dist); err != nil {
			t.Fatalf("SearchBatch: %v", err)
		}
		for r := 0; r < nq; r++ {
			wantInd, wantDist := naiveKNN(x, d, q[r*d:(r+1)*d], k)
			for j := range wantInd {
				if ind[r*k+j] != wantInd[j] || dist[r*k+j] != wantDist[j] {
					t.Fatalf("row %d neighbour %d: got (%d, %v), want (%d, %v)", r, j, ind[r*k+j], dist[r*k+j], wantInd[j], wantDist[j])
				}
			}
		}
	})
}
