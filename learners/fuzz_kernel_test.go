package learners_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rolemodels/rolemodels/learners"
)

// kernBytes reads fuzz input; once it is exhausted every read returns 0.
type kernBytes []byte

func (b *kernBytes) byte() byte {
	if len(*b) == 0 {
		return 0
	}
	v := (*b)[0]
	*b = (*b)[1:]
	return v
}

// float returns a small value v/16 for v in [-128, 127] when the mode byte
// is below 224, and otherwise any float64 (NaN, Inf, subnormal, huge) from
// the next 8 bytes.
func (b *kernBytes) float() float64 {
	if b.byte() < 224 {
		return float64(int8(b.byte())) / 16
	}
	var raw [8]byte
	for i := range raw {
		raw[i] = b.byte()
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(raw[:]))
}

// FuzzKernelMachine turns arbitrary bytes into a small dataset (possibly
// invalid: bad labels, non-finite features, duplicates), kernel parameters
// (possibly invalid) and queries, and checks that KernelMachine and
// NadarayaWatson Fit, Predict, PredictBatch, Scores and Estimate never panic
// and that whatever they return is in range.
//
//	go test ./learners -run='^$' -fuzz=FuzzKernelMachine -fuzztime=30s
func FuzzKernelMachine(f *testing.F) {
	f.Add([]byte{5, 1, 0, 2, 0, 4, 0, 0, 0, 0, 0, 16, 0, 32, 0, 48, 0, 64, 1, 0, 1, 1, 0, 0, 8})
	f.Add([]byte{11, 2, 2, 1, 0, 40, 0, 1, 0, 200, 0, 3, 0, 17, 0, 99, 0, 250, 0, 7, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		b := kernBytes(data)
		n := 1 + int(b.byte()%12)
		d := 1 + int(b.byte()%3)
		k := 2 + int(b.byte()%4)
		kb := b.byte()
		kern := learners.Kernel(kb % 5) // 0 and 4 are invalid
		denseOnly := kb >= 128
		h := b.float()
		ridge := b.float()
		ds := learners.Dataset{X: make([]float64, n*d), D: d, Y: make([]int, n), K: k}
		for i := range ds.X {
			ds.X[i] = b.float()
		}
		for i := range ds.Y {
			ds.Y[i] = int(b.byte()) % (k + 1) // k is an invalid label
		}
		query := make([]float64, 2*d)
		for i := range query {
			query[i] = b.float()
		}
		queries := append(append([]float64(nil), ds.X...), query...)
		rows := len(queries) / d
		dst := make([]int, rows)
		scores := make([]float64, k)

		inRange := func(who string, labels []int) {
			for _, y := range labels {
				if y < 0 || y >= k {
					t.Fatalf("%s predicted %d, want [0, %d)", who, y, k)
				}
			}
		}

		fit, err := learners.KernelMachine{Kernel: kern, Bandwidth: h, Ridge: ridge, DenseOnly: denseOnly}.Fit(ds)
		if err == nil && !fuzzNear(ds.X, d) {
			t.Fatalf("kernel machine fitted data beyond MaxNorm: %v", ds.X)
		}
		if err == nil {
			c := fit.(*learners.KernelClassifier)
			if r := c.Residual(); math.IsNaN(r) || r < 0 {
				t.Fatalf("residual %v", r)
			}
			if c.Solver() == learners.SolverSparseCG && !(c.Residual() <= learners.SparseResidualTolerance) {
				t.Fatalf("sparse path accepted residual %v", c.Residual())
			}
			batchErr := c.PredictBatch(queries, dst, nil)
			if batchErr == nil {
				inRange("kernel machine", dst)
			}
			for j := range rows {
				y, err := c.Predict(queries[j*d:(j+1)*d], nil)
				if (err == nil) != fuzzNear(queries[j*d:(j+1)*d], d) {
					t.Fatalf("kernel machine Predict(%v) error %v, but query valid = %v", queries[j*d:(j+1)*d], err, fuzzNear(queries[j*d:(j+1)*d], d))
				}
				if err == nil && batchErr == nil && y != dst[j] {
					t.Fatalf("row %d: Predict %d, PredictBatch %d", j, y, dst[j])
				}
				_ = c.Scores(queries[j*d:(j+1)*d], scores)
			}
			_ = c.PredictBatch(queries[1:], dst[1:], nil)
		}

		// Nadaraya-Watson fails only on bad parameters or data, never
		// numerically: finite points within MaxNorm have finite squared
		// distances, and the weights are relative to the nearest point.
		goodKernel := kern == learners.Hilbert || ((kern == learners.Gaussian || kern == learners.Laplace) && h > 0 && !math.IsInf(h, 1))
		validData := ds.Validate() == nil && fuzzNear(ds.X, d)
		for _, randomized := range []bool{false, true} {
			fit, err := learners.NadarayaWatson{Kernel: kern, Bandwidth: h, Randomized: randomized}.Fit(ds)
			if (err == nil) != (goodKernel && validData) {
				t.Fatalf("Nadaraya-Watson Fit error %v, but kernel valid = %v, data valid = %v", err, goodKernel, validData)
			}
			if err != nil {
				continue
			}
			c := fit.(*learners.NadarayaWatsonClassifier)
			rng := rand.New(rand.NewPCG(1, 2))
			if err := c.PredictBatch(queries, dst, rng); err == nil {
				inRange("Nadaraya-Watson", dst)
			}
			for j := range rows {
				x := queries[j*d : (j+1)*d]
				if err := c.Estimate(x, scores); (err == nil) != fuzzNear(x, d) {
					t.Fatalf("Estimate(%v) error %v, but query valid = %v", x, err, fuzzNear(x, d))
				} else if err != nil {
					continue
				}
				var sum float64
				for _, q := range scores {
					if !(q >= 0 && q <= 1) {
						t.Fatalf("Estimate = %v, entries must be in [0, 1]", scores)
					}
					sum += q
				}
				if math.Abs(sum-1) > 1e-9 {
					t.Fatalf("Estimate = %v sums to %v", scores, sum)
				}
				y, err := c.Predict(x, rng)
				if err != nil {
					t.Fatalf("Predict after a successful Estimate: %v", err)
				}
				if scores[y] == 0 {
					t.Fatalf("predicted class %d with estimate %v", y, scores)
				}
			}
			_, _ = c.Predict(queries[1:], nil)
		}
	})
}
