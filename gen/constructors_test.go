package gen_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rolemodels/rolemodels/gen"
)

func TestConstructorsReject(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	rng := rand.New(rand.NewPCG(1, 2))
	good2 := [][]float64{{0.5, 0.5}, {0.2, 0.8}}
	cases := []struct {
		name, param string
		make        func() error
	}{
		{"Smooth d=0", "d", func() error { _, err := gen.NewSmooth(0, 2, 0.5); return err }},
		{"Smooth k=1", "k", func() error { _, err := gen.NewSmooth(1, 1, 0.5); return err }},
		{"Smooth strength=1", "strength", func() error { _, err := gen.NewSmooth(1, 2, 1); return err }},
		{"Smooth strength<0", "strength", func() error { _, err := gen.NewSmooth(1, 2, -0.1); return err }},
		{"Smooth strength NaN", "strength", func() error { _, err := gen.NewSmooth(1, 2, nan); return err }},
		{"SmoothFreq freq=0", "freq", func() error { _, err := gen.NewSmoothFreq(1, 2, 0.5, 0); return err }},
		{"SmoothFreq freq Inf", "freq", func() error { _, err := gen.NewSmoothFreq(1, 2, 0.5, inf); return err }},

		{"Grid d=0", "d", func() error { _, err := gen.NewGrid(0, 2, good2); return err }},
		{"Grid r=0", "r", func() error { _, err := gen.NewGrid(1, 0, good2); return err }},
		{"Grid r^d too big", "r", func() error { _, err := gen.NewGrid(8, 1000, good2); return err }},
		{"Grid wrong cell count", "cells", func() error { _, err := gen.NewGrid(2, 2, good2); return err }},
		{"Grid k=1", "cells[0]", func() error { _, err := gen.NewGrid(1, 1, [][]float64{{1}}); return err }},
		{"Grid ragged", "cells[1]", func() error { _, err := gen.NewGrid(1, 2, [][]float64{{0.5, 0.5}, {1, 0, 0}}); return err }},
		{"Grid negative", "cells[1][0]", func() error { _, err := gen.NewGrid(1, 2, [][]float64{{0.5, 0.5}, {-0.1, 1.1}}); return err }},
		{"Grid NaN", "cells[0][1]", func() error { _, err := gen.NewGrid(1, 2, [][]float64{{0.5, nan}, {0.5, 0.5}}); return err }},
		{"Grid sum", "cells[1]", func() error { _, err := gen.NewGrid(1, 2, [][]float64{{0.5, 0.5}, {0.5, 0.6}}); return err }},
		{"RandomGrid d=0", "d", func() error { _, err := gen.RandomGrid(0, 2, 2, 0.5, rng); return err }},
		{"RandomGrid k=1", "k", func() error { _, err := gen.RandomGrid(1, 1, 2, 0.5, rng); return err }},
		{"RandomGrid r=0", "r", func() error { _, err := gen.RandomGrid(1, 2, 0, 0.5, rng); return err }},
		{"RandomGrid strength=1", "strength", func() error { _, err := gen.RandomGrid(1, 2, 2, 1, rng); return err }},
		{"RandomGrid nil rng", "rng", func() error { _, err := gen.RandomGrid(1, 2, 2, 0.5, nil); return err }},

		{"Halfspace empty w", "w", func() error { _, err := gen.NewHalfspace(nil, 0, 1); return err }},
		{"Halfspace w NaN", "w[1]", func() error { _, err := gen.NewHalfspace([]float64{1, nan}, 0, 1); return err }},
		{"Halfspace b Inf", "b", func() error { _, err := gen.NewHalfspace([]float64{1}, inf, 1); return err }},
		{"Halfspace scale<0", "scale", func() error { _, err := gen.NewHalfspace([]float64{1}, 0, -1); return err }},
		{"Halfspace scale NaN", "scale", func() error { _, err := gen.NewHalfspace([]float64{1}, 0, nan); return err }},

		{"PairSwap d=0", "d", func() error { _, err := gen.NewPairSwap(0, 10, 5, 0.2); return err }},
		{"PairSwap k=1", "k", func() error { _, err := gen.NewPairSwap(1, 1, 1, 0.2); return err }},
		{"PairSwap s=0", "s", func() error { _, err := gen.NewPairSwap(1, 10, 0, 0.2); return err }},
		{"PairSwap s=k", "s", func() error { _, err := gen.NewPairSwap(1, 10, 10, 0.2); return err }},
		{"PairSwap rho=1", "rho", func() error { _, err := gen.NewPairSwap(1, 10, 5, 1); return err }},
		{"PairSwap rho<0", "rho", func() error { _, err := gen.NewPairSwap(1, 10, 5, -0.1); return err }},
		{"PairSwap rho NaN", "rho", func() error { _, err := gen.NewPairSwap(1, 10, 5, nan); return err }},

		{"Mixture k=1", "means", func() error { _, err := gen.NewGaussianMixture([][]float64{{0}}, 1, nil); return err }},
		{"Mixture d=0", "means[0]", func() error { _, err := gen.NewGaussianMixture([][]float64{{}, {}}, 1, nil); return err }},
		{"Mixture ragged", "means[1]", func() error { _, err := gen.NewGaussianMixture([][]float64{{0}, {0, 1}}, 1, nil); return err }},
		{"Mixture mean Inf", "means[1]", func() error { _, err := gen.NewGaussianMixture([][]float64{{0}, {inf}}, 1, nil); return err }},
		{"Mixture sigma<0", "sigma", func() error { _, err := gen.NewGaussianMixture([][]float64{{0}, {1}}, -1, nil); return err }},
		{"Mixture sigma=0", "sigma", func() error { _, err := gen.NewGaussianMixture([][]float64{{0}, {1}}, 0, nil); return err }},
		{"Mixture sigma NaN", "sigma", func() error { _, err := gen.NewGaussianMixture([][]float64{{0}, {1}}, nan, nil); return err }},
		{"Mixture weights length", "weights", func() error {
			_, err := gen.NewGaussianMixture([][]float64{{0}, {1}}, 1, []float64{1})
			return err
		}},
		{"Mixture weights negative", "weights[0]", func() error {
			_, err := gen.NewGaussianMixture([][]float64{{0}, {1}}, 1, []float64{-0.5, 1.5})
			return err
		}},
		{"Mixture weights sum", "weights", func() error {
			_, err := gen.NewGaussianMixture([][]float64{{0}, {1}}, 1, []float64{0.5, 0.6})
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantParamError(t, c.make(), c.param, c.param)
		})
	}
}

func TestConstructorsAccept(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, mk := range []func() (gen.Distribution, error){
		func() (gen.Distribution, error) { return gen.NewSmooth(1, 2, 0) },
		func() (gen.Distribution, error) { return gen.NewSmoothFreq(3, 10, 0.9, 0.5) },
		func() (gen.Distribution, error) { return gen.NewGrid(1, 1, [][]float64{{0, 1}}) },
		func() (gen.Distribution, error) { return gen.RandomGrid(3, 4, 5, 0, rng) },
		func() (gen.Distribution, error) { return gen.NewHalfspace([]float64{0, 0}, 0, 0) },
		func() (gen.Distribution, error) { return gen.NewPairSwap(1, 10, 5, 0) },
		func() (gen.Distribution, error) { return gen.NewPairSwap(2, 2, 1, 0.5) },
		func() (gen.Distribution, error) {
			return gen.NewGaussianMixture([][]float64{{0}, {1}, {2}}, 0.1, []float64{0, 0.25, 0.75})
		},
	} {
		dist, err := mk()
		if err != nil {
			t.Fatalf("valid parameters rejected: %v", err)
		}
		if dist.String() == "" {
			t.Fatalf("empty String()")
		}
	}
}

func TestValidatePosterior(t *testing.T) {
	cases := []struct {
		eta   []float64
		param string // "" means valid
	}{
		{[]float64{0.5, 0.5}, ""},
		{[]float64{1, 0, 0}, ""},
		{[]float64{0.1, 0.2, 0.7 + 5e-13}, ""},
		{[]float64{1}, "eta"},
		{nil, "eta"},
		{[]float64{-1e-300, 1}, "eta[0]"},
		{[]float64{0.5, math.NaN()}, "eta[1]"},
		{[]float64{0.5, math.Inf(1)}, "eta[1]"},
		{[]float64{0.5, 0.5 + 2e-12}, "eta"},
		{[]float64{0.5, 0.5 - 2e-12}, "eta"},
	}
	for _, c := range cases {
		err := gen.ValidatePosterior(c.eta)
		if c.param == "" {
			if err != nil {
				t.Errorf("ValidatePosterior(%v) = %v, want nil", c.eta, err)
			}
			continue
		}
		var pe *gen.ParamError
		if !errors.As(err, &pe) || pe.Param != c.param {
			t.Errorf("ValidatePosterior(%v) = %v, want an error naming %q", c.eta, err, c.param)
		}
	}
	if err := gen.ValidatePosteriorMatrix([]float64{0.5, 0.5, 0.7, 0.4}, 2); err == nil {
		t.Errorf("ValidatePosteriorMatrix accepted a bad second row")
	}
	if err := gen.ValidatePosteriorMatrix([]float64{0.5, 0.5, 0.5}, 2); err == nil {
		t.Errorf("ValidatePosteriorMatrix accepted a ragged matrix")
	}
}

func TestSpecValidate(t *testing.T) {
	bad := []gen.Spec{
		{MinDim: 3, MaxDim: 2},
		{MinClasses: 1},
		{MinClasses: 5, MaxClasses: 4},
		{MinNoise: 10},
		{MaxNoise: 10},
		{Families: []gen.Family{gen.FamilyHalfspace}, MinClasses: 3},
		{Families: []gen.Family{gen.Family(99)}},
		{MaxResolution: -1},
		{MaxClasses: gen.MaxClasses + 1},
		{MaxDim: 1 << 20, MaxClasses: 64},
	}
	for _, s := range bad {
		if s.Validate() == nil {
			t.Errorf("Spec %+v accepted", s)
		}
	}
	if err := (gen.Spec{}).Validate(); err != nil {
		t.Errorf("zero Spec rejected: %v", err)
	}
	if err := (gen.ProblemSpec{MinM: 10, MaxM: 5}).Validate(); err == nil {
		t.Errorf("ProblemSpec with MinM > MaxM accepted")
	}
}

// wantParamError fails t unless err is a *gen.ParamError naming param whose
// message contains each of shows.
func wantParamError(t *testing.T, err error, param string, shows ...string) {
	t.Helper()
	var pe *gen.ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v, want a *gen.ParamError", err)
	}
	if pe.Param != param {
		t.Fatalf("error %q names %q, want %q", err, pe.Param, param)
	}
	for _, v := range shows {
		if !strings.Contains(err.Error(), v) {
			t.Fatalf("error %q does not show %q", err, v)
		}
	}
}
