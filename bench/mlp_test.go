package bench_test

import (
	"fmt"
	"testing"

	"github.com/rolemodels/rolemodels/bench"
	"github.com/rolemodels/rolemodels/learners"
)

// mlpBenchEpochs is the fixed number of epochs of a timed MLP fit: a fixed
// amount of work, so that times compare across shapes and with PyTorch.
const mlpBenchEpochs = 5

// BenchmarkMLP times MLP.Fit (one hidden ReLU layer of width w, Adam with
// learning rate 1e-3, batches of 32, exactly 5 epochs: MaxEpochs caps the
// fit, which would stop earlier only by interpolating) on bench.MLPData(m,
// 0, d), ten classes given by the largest of ten random linear functions.
//
// Before timing, one fit is checked: it must run the 5 epochs and reach a
// training error at most 1/2, against 0.9 for a constant or a random
// labeling, which a wrong gradient or a broken update does not reach on
// these linearly separable labels (a 1-epoch fit already gets below it at
// these shapes); and a second fit with the same seed must give the same
// training error. Metrics: s/fit and GFLOP/s counting 2 m P flops per
// forward pass and 6 m P per training step over the P weights (one forward,
// two products backward), plus the forward pass over the training points
// that measures the training error after each epoch.
func BenchmarkMLP(b *testing.B) {
	for _, s := range []struct{ m, d, w int }{
		{600, 64, 256},
		{2000, 64, 256},
		{10000, 128, 512},
	} {
		b.Run(fmt.Sprintf("fit/m=%d,d=%d,w=%d", s.m, s.d, s.w), func(b *testing.B) {
			ds, _ := bench.MLPData(s.m, 0, s.d)
			l := learners.MLP{Width: s.w, MaxEpochs: mlpBenchEpochs, Seed: 1}
			check := func() float64 {
				h, err := l.Fit(ds)
				if err != nil {
					b.Fatal(err)
				}
				c := h.(*learners.MLPClassifier)
				if c.Epochs() != mlpBenchEpochs && !c.Interpolated() {
					b.Fatalf("ran %d epochs, want %d", c.Epochs(), mlpBenchEpochs)
				}
				if c.TrainError() > 0.5 {
					b.Fatalf("training error %.3f after %d epochs, want <= 0.5", c.TrainError(), c.Epochs())
				}
				return c.TrainError()
			}
			e1 := check()
			if e2 := check(); e2 != e1 {
				b.Fatalf("same seed, training errors %v and %v", e1, e2)
			}
			b.Logf("training error after %d epochs: %.4f", mlpBenchEpochs, e1)
			b.ResetTimer()
			for range b.N {
				if _, err := l.Fit(ds); err != nil {
					b.Fatal(err)
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			p := float64((s.d+1)*s.w + (s.w+1)*10)
			flops := float64(mlpBenchEpochs) * 8 * float64(s.m) * p
			b.ReportMetric(sec, "s/fit")
			b.ReportMetric(flops/sec/1e9, "GFLOP/s")
		})
	}
}
