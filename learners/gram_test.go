package learners

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// TestGram checks the dense Gram matrix of a kernel machine on 300 points
// (above the order from which it is filled in parallel) with a duplicate
// point, for a wide Gaussian and a narrow Laplace kernel (most entries
// cut): both triangles equal bit for bit, the diagonal 1 + ridge, every
// entry within (8 a + 4) ulps of Kernel.Eval (a the score: the two compute
// the score with different roundings, each within a few ulps, and a
// relative error e in a moves exp(-a) by e a relatively; exp itself is
// within 1.5 ulps), an entry 0 exactly where Eval is below exp(-46)
// (scores within 1e-9 of the cutoff are skipped, where rounding may decide
// either way), the count of cut entries, the 1-norm against a plain sum
// (n additions: within n ulps), and the same bits with GOMAXPROCS 1 and 2.
func TestGram(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 53))
	const n, d, ridge = 300, 2, 0.01
	x := make([]float64, n*d)
	for i := range x {
		x[i] = rng.Float64()
	}
	copy(x[d:2*d], x[:d]) // points 0 and 1 coincide
	for _, kern := range []kernRadial{{kernel: Gaussian, h: 0.3, d: d}, {kernel: Laplace, h: 0.005, d: d}} {
		c := &KernelClassifier{kern: kern, ridge: ridge, x: x, n: n, d: d, k: 2}
		g, cut, norm1 := c.gram()
		wantCut, naive := 0, 0.0
		for i := range n {
			var rowSum float64
			for j := range n {
				v := g[i*n+j]
				rowSum += v
				if v != g[j*n+i] {
					t.Fatalf("%v: entries (%d, %d) and (%d, %d) differ", kern.kernel, i, j, j, i)
				}
				if i == j {
					if v != 1+ridge {
						t.Fatalf("%v: diagonal entry %d is %v", kern.kernel, i, v)
					}
					continue
				}
				r := math.Sqrt(sqDist(x[i*d:(i+1)*d], x[j*d:(j+1)*d]))
				e := kern.kernel.Eval(r, kern.h, d)
				a := -math.Log(e)
				if v == 0 {
					wantCut++
				}
				switch {
				case math.Abs(a-kernGramCutoff) < 1e-9:
				case a > kernGramCutoff:
					if v != 0 {
						t.Fatalf("%v: entry (%d, %d) = %v with score %v, want cut to 0", kern.kernel, i, j, v, a)
					}
				case !(math.Abs(v-e) <= (8*a+4)*0x1p-52*e):
					t.Fatalf("%v: entry (%d, %d) = %v, Eval %v", kern.kernel, i, j, v, e)
				}
			}
			naive = max(naive, rowSum)
		}
		if cut != wantCut {
			t.Fatalf("%v: %d entries cut, %d zeros", kern.kernel, cut, wantCut)
		}
		if !(math.Abs(norm1-naive) <= n*0x1p-52*naive) {
			t.Fatalf("%v: 1-norm %v, plain sum %v", kern.kernel, norm1, naive)
		}
		if kern.kernel == Laplace && !(cut > n*n/2) {
			t.Fatalf("Laplace: %d entries cut, want most of them", cut)
		}
		procs := runtime.GOMAXPROCS(1)
		g1, cut1, norm11 := c.gram()
		runtime.GOMAXPROCS(max(2, procs))
		g2, cut2, norm12 := c.gram()
		runtime.GOMAXPROCS(procs)
		if !slices.Equal(g1, g) || !slices.Equal(g2, g) || cut1 != cut || cut2 != cut || norm11 != norm1 || norm12 != norm1 {
			t.Fatalf("%v: the Gram matrix depends on GOMAXPROCS", kern.kernel)
		}
	}
}
