package claims

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestFreedmanRadius checks FreedmanRadius against its definition (the
// Bernstein radius at the grid level at or above v, at delta over the
// number of levels) and its coverage on a simulated martingale: sums of
// 200 centred Bernoulli(p_i) steps whose p_i depends on the past (a
// predictable variance), at delta = 0.05, must cover at least 95% of
// 20000 runs.
func TestFreedmanRadius(t *testing.T) {
	b, vmax := 1.0, 100.0
	levels := 1 + int(math.Ceil(math.Log(vmax)/math.Log(freedmanRatio)))
	if got, want := FreedmanRadius(0, b, vmax, 0.01), Bernstein(1, b, 0.01/float64(levels)); math.Abs(got-want) > 1e-12 {
		t.Errorf("v = 0: %v, want the floor level's %v", got, want)
	}
	got := FreedmanRadius(10, b, vmax, 0.01)
	lo, hi := Bernstein(10, b, 0.01/float64(levels)), Bernstein(10*freedmanRatio, b, 0.01/float64(levels))
	if got < lo || got > hi {
		t.Errorf("v = 10: %v outside [%v, %v]", got, lo, hi)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	miss := 0
	const runs, steps = 20000, 200
	for range runs {
		s, v := 0.0, 0.0
		for range steps {
			p := 0.05
			if s > 0 {
				p = 0.5
			}
			x := 0.0
			if rng.Float64() < p {
				x = 1
			}
			s += x - p
			v += p * (1 - p)
		}
		if math.Abs(s) >= FreedmanRadius(v, 1, steps/4.0, 0.05) {
			miss++
		}
	}
	if miss > runs/20 {
		t.Errorf("the radius missed %d of %d runs at delta 0.05", miss, runs)
	}
	for _, bad := range [][3]float64{{-1, 1, 1}, {1, 0, 1}, {2, 1, 1}, {math.NaN(), 1, 1}} {
		func() {
			defer func() { recover() }()
			FreedmanRadius(bad[0], bad[1], bad[2], 0.1)
			t.Errorf("FreedmanRadius%v did not panic", bad)
		}()
	}
}
