package learners

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMLPGradient checks the back-propagated gradient of the MLP objective
// (cross-entropy plus weight decay) against central finite differences at
// random parameters, for one and two hidden layers. The central difference
// of a C^3 function has error (h^2/6) times the third derivative plus the rounding
// 2 eps |f| / (2h); with h = 1e-5 and |f| of order 1 both are below 1e-9 in
// absolute terms where the objective is smooth, so a relative-or-absolute
// gap above 1e-6 means a wrong derivative. A ReLU kink between p - h and
// p + h would break smoothness; it happens for a pre-activation within h
// of 0, probability about 1e-5 per unit here, and the seeds are fixed (the
// test is deterministic and passes for them).
func TestMLPGradient(t *testing.T) {
	const h, tol = 1e-5, 1e-6
	for _, tc := range []struct {
		name  string
		sizes []int
		decay float64
	}{
		{"one-layer", []int{3, 5, 4}, 0},
		{"two-layers", []int{3, 5, 4, 3}, 0},
		{"two-layers-decay", []int{2, 6, 5, 3}, 0.1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(tc.sizes))))
			net := newMLPNet(tc.sizes)
			for i := range net.params {
				net.params[i] = rng.NormFloat64()
			}
			const rows = 7
			d, k := tc.sizes[0], tc.sizes[len(tc.sizes)-1]
			x := make([]float64, rows*d)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			y := make([]int, rows)
			for i := range y {
				y[i] = rng.IntN(k)
			}
			w := newMLPWork(tc.sizes, rows)
			grad := make([]float64, len(net.params))
			net.lossGrad(net.params, x, y, tc.decay, grad, w)
			scratch := make([]float64, len(net.params))
			p := append([]float64(nil), net.params...)
			for i := range p {
				orig := p[i]
				p[i] = orig + h
				fp := net.lossGrad(p, x, y, tc.decay, scratch, w)
				p[i] = orig - h
				fm := net.lossGrad(p, x, y, tc.decay, scratch, w)
				p[i] = orig
				fd := (fp - fm) / (2 * h)
				if gap := math.Abs(fd - grad[i]); gap > tol*math.Max(1, math.Abs(fd)) {
					t.Errorf("parameter %d: back-propagation %.10g, finite difference %.10g", i, grad[i], fd)
				}
			}
		})
	}
}
