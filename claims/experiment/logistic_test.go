package experiment

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// TestLogisticRawFeatures checks learners.Logistic on the raw breast-cancer
// features, whose scales run from 1e-3 to 4e3: on the full data and on two
// seeded thirds, for L2 from 1e-4 to 10, the fit must report
// LogisticConverged with GradNorm <= LogisticGradTol, and the gradient of
// the objective in the original coordinates, recomputed here,
//
//	dF/dw_j = (1/n) sum_i l'(m_i) s_i x_ij + L2 w_j,  dF/db = (1/n) sum_i l'(m_i) s_i,
//
// must be within the bound that tolerance implies plus the rounding of this
// evaluation (rawGradientBound). L-BFGS (the previous optimiser) stopped at
// its 500-iteration cap with this gradient up to 0.056 and the objective up
// to 0.14% above the optimum. Without a penalty the full data are linearly
// separable: the fit must say that no finite optimum exists and separate
// them. Deterministic: fixed data, fixed seeds, a deterministic optimiser.
func TestLogisticRawFeatures(t *testing.T) {
	data := loadData(t, "breast cancer")
	type set struct {
		name string
		x    []float64
		y    []int
	}
	sets := []set{{"all", data.X, data.Y}}
	rng := rand.New(rand.NewPCG(7, 7))
	for _, name := range []string{"third A", "third B"} {
		s := set{name: name}
		for _, i := range rng.Perm(data.Len())[:data.Len()/3] {
			s.x = append(s.x, data.X[i*data.D:(i+1)*data.D]...)
			s.y = append(s.y, data.Y[i])
		}
		sets = append(sets, s)
	}
	for _, s := range sets {
		ds := learners.Dataset{X: s.x, D: data.D, Y: s.y, K: 2}
		for _, l2 := range []float64{1e-4, 1e-3, 1e-2, 1e-1, 1, 10} {
			h, err := learners.Logistic{L2: l2}.Fit(ds)
			if err != nil {
				t.Fatalf("%s, L2 = %v: %v", s.name, l2, err)
			}
			c := h.(*learners.LogisticClassifier)
			if c.Status() != learners.LogisticConverged || !(c.GradNorm() <= learners.LogisticGradTol) {
				t.Errorf("%s, L2 = %v: status %v, gradient %.3g, want converged within %g", s.name, l2, c.Status(), c.GradNorm(), learners.LogisticGradTol)
			}
			g, bound := rawGradientBound(ds, l2, c.Weights(), c.Bias())
			for j := range g {
				if !(math.Abs(g[j]) <= bound[j]) {
					t.Errorf("%s, L2 = %v: dF/d%s = %.3g, bound %.3g", s.name, l2, coordName(j, data.D), g[j], bound[j])
				}
			}
		}
	}
	full := learners.Dataset{X: data.X, D: data.D, Y: data.Y, K: 2}
	h, err := learners.Logistic{}.Fit(full)
	if err != nil {
		t.Fatal(err)
	}
	if s := h.(*learners.LogisticClassifier).Status(); s != learners.LogisticNoFiniteOptimum {
		t.Errorf("L2 = 0 on separable data: status %v, want no finite optimum", s)
	}
	pred := make([]int, data.Len())
	if err := h.PredictBatch(data.X, pred, nil); err != nil {
		t.Fatal(err)
	}
	for i, y := range data.Y {
		if pred[i] != y {
			t.Fatalf("L2 = 0: point %d misclassified by a fit reported as separating", i)
		}
	}
}

// coordName names gradient coordinate j: "w_j" or "b".
func coordName(j, d int) string {
	if j == d {
		return "b"
	}
	return "w_" + string(rune('0'+j/10)) + string(rune('0'+j%10))
}

// rawGradientBound returns the gradient of the logistic objective at (w, b)
// in the original coordinates (w_0..w_{d-1}, then b) and, for each entry, a
// bound on it for a fit that Logistic reports as converged.
//
// Logistic stops with |dF/du_j| and |dF/dc| at most tol = LogisticGradTol in
// its working coordinates u_j = sqrt(sd_j^2 + L2) w_j, c = b + sum_j w_j m_j
// (m_j, sd_j the feature's mean and population standard deviation), so by
// the chain rule
//
//	|dF/dw_j| <= tol (sqrt(sd_j^2 + L2) + |m_j|),  |dF/db| <= tol.
//
// To that the bound adds, with u = 2^-53 and first-order error bounds
// doubled for the second-order terms: the rounding of the sum over n points,
// (n+1) u mean_i |x_ij|; the effect of the margins' error, |l”| <= 1/4
// times mean_i |x_ij| e_i, where e_i = (d+8) u (sum_k |w_k x_ik| + |b| +
// sum_k |w_k m_k|) covers the rounding of m_i here and that of mapping the
// fit back to (w, b) (a few relative roundings of each w_k, and b's
// cancellation of c against sum_k w_k m_k); and 4 u L2 |w_j| for the penalty
// term.
func rawGradientBound(ds learners.Dataset, l2 float64, w []float64, b float64) (g, bound []float64) {
	const u = 0x1p-53
	n, d := ds.Len(), ds.D
	tol := learners.LogisticGradTol
	mean, sd := make([]float64, d), make([]float64, d)
	for j := range d {
		for i := range n {
			mean[j] += ds.X[i*d+j] / float64(n)
		}
		for i := range n {
			r := ds.X[i*d+j] - mean[j]
			sd[j] += r * r / float64(n)
		}
		sd[j] = math.Sqrt(sd[j])
	}
	wm := 0.0
	for j := range d {
		wm += math.Abs(w[j] * mean[j])
	}
	g, bound = make([]float64, d+1), make([]float64, d+1)
	absX := make([]float64, d+1)  // mean_i |x_ij|, and 1 for b
	absXE := make([]float64, d+1) // mean_i |x_ij| e_i
	for i := range n {
		xi := ds.X[i*d : (i+1)*d]
		s := float64(2*ds.Y[i] - 1)
		t, size := b, math.Abs(b)+wm
		for j, v := range xi {
			t += w[j] * v
			size += math.Abs(w[j] * v)
		}
		m := s * t
		dl := -s / (1 + math.Exp(m)) / float64(n) // l'(m) s_i / n
		e := float64(d+8) * u * size
		for j, v := range xi {
			g[j] += dl * v
			absX[j] += math.Abs(v) / float64(n)
			absXE[j] += math.Abs(v) * e / float64(n)
		}
		g[d] += dl
		absX[d] += 1 / float64(n)
		absXE[d] += e / float64(n)
	}
	for j := range d {
		g[j] += l2 * w[j]
		bound[j] = tol*(math.Sqrt(sd[j]*sd[j]+l2)+math.Abs(mean[j])) + 4*l2*u*math.Abs(w[j])
	}
	bound[d] = tol
	for j := range bound {
		bound[j] += 2 * (float64(n+1)*u*absX[j] + absXE[j]/4)
	}
	return g, bound
}
