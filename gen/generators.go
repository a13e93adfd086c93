package gen

import (
	"fmt"
	"math"
	"math/rand/v2"

	"pgregory.net/rapid"
)

// Family names a distribution family for the rapid generators.
type Family int

// The families, in the order the generators shrink toward (simplest first).
const (
	FamilySmooth Family = iota
	FamilyGrid
	FamilyHalfspace
	FamilyPairSwap
	FamilyGaussianMixture
)

// Families returns all families in shrinking order.
func Families() []Family {
	return []Family{FamilySmooth, FamilyGrid, FamilyHalfspace, FamilyPairSwap, FamilyGaussianMixture}
}

// String returns the family's name, e.g. "Smooth".
func (f Family) String() string {
	switch f {
	case FamilySmooth:
		return "Smooth"
	case FamilyGrid:
		return "Grid"
	case FamilyHalfspace:
		return "Halfspace"
	case FamilyPairSwap:
		return "PairSwap"
	case FamilyGaussianMixture:
		return "GaussianMixture"
	}
	return fmt.Sprintf("Family(%d)", int(f))
}

// Defaults of Spec and ProblemSpec; a zero field means its default.
const (
	DefaultMaxDim        = 8
	DefaultMaxClasses    = 10
	DefaultMaxNoise      = 9
	DefaultMaxResolution = 8
	DefaultMaxSize       = 200
	// GeneratedMaxCells bounds r^d for generated grids: r is drawn from
	// 1..min(MaxResolution, floor(GeneratedMaxCells^(1/d))).
	GeneratedMaxCells = 4096
)

// Spec bounds the structure that Distributions draws. Zero values mean the
// defaults: all families, d in 1..8, k in 2..10, noise level in 1..9, grid
// resolution up to 8. Validate requires the field MaxClasses to be at most
// the package's constant MaxClasses, and MaxDim * MaxClasses <=
// MaxGridEntries.
//
// The noise level l in 1..9 (nu = l/10) sets each family's noise on a fixed
// grid, never through a rapid float:
//   - Smooth: strength = 1 - nu.
//   - Grid: RandomGrid strength = 1 - nu.
//   - Halfspace: scale = 4 (1 - nu) / nu (36 at l = 1, 4 at l = 5, 0.44 at l = 9).
//   - PairSwap: rho = nu/2 in 0.05..0.45 (the clean label stays the Bayes label;
//     l = 4 is the paper's rho = 0.2).
//   - GaussianMixture: sigma = nu/2 in 0.05..0.45.
//
// Halfspace is binary: it is drawn only when k = 2 is allowed, and then k = 2.
type Spec struct {
	Families               []Family
	MinDim, MaxDim         int
	MinClasses, MaxClasses int
	MinNoise, MaxNoise     int
	MaxResolution          int
}

// withDefaults fills zero fields and checks the ranges.
func (s Spec) withDefaults() (Spec, error) {
	def := func(v, d int) int {
		if v == 0 {
			return d
		}
		return v
	}
	if len(s.Families) == 0 {
		s.Families = Families()
	}
	s.MinDim = def(s.MinDim, 1)
	s.MaxDim = def(s.MaxDim, max(DefaultMaxDim, s.MinDim))
	s.MinClasses = def(s.MinClasses, 2)
	s.MaxClasses = def(s.MaxClasses, max(DefaultMaxClasses, s.MinClasses))
	s.MinNoise = def(s.MinNoise, 1)
	s.MaxNoise = def(s.MaxNoise, max(DefaultMaxNoise, s.MinNoise))
	s.MaxResolution = def(s.MaxResolution, DefaultMaxResolution)
	switch {
	case s.MinDim < 1 || s.MaxDim < s.MinDim:
		return s, fmt.Errorf("gen: Spec: need 1 <= MinDim <= MaxDim, got %d, %d", s.MinDim, s.MaxDim)
	case s.MinClasses < 2 || s.MaxClasses < s.MinClasses || s.MaxClasses > MaxClasses:
		return s, fmt.Errorf("gen: Spec: need 2 <= MinClasses <= MaxClasses <= %d, got %d, %d", MaxClasses, s.MinClasses, s.MaxClasses)
	case s.MinNoise < 1 || s.MaxNoise > 9 || s.MaxNoise < s.MinNoise:
		return s, fmt.Errorf("gen: Spec: need 1 <= MinNoise <= MaxNoise <= 9, got %d, %d", s.MinNoise, s.MaxNoise)
	case s.MaxResolution < 1:
		return s, fmt.Errorf("gen: Spec: MaxResolution %d < 1", s.MaxResolution)
	case s.MaxDim > MaxGridEntries/s.MaxClasses:
		// A mixture draws k means of dimension d: keep them in memory.
		return s, fmt.Errorf("gen: Spec: MaxDim * MaxClasses = %d * %d exceeds MaxGridEntries = %d", s.MaxDim, s.MaxClasses, MaxGridEntries)
	}
	fams := make([]Family, 0, len(s.Families))
	for _, f := range s.Families {
		if f < FamilySmooth || f > FamilyGaussianMixture {
			return s, fmt.Errorf("gen: Spec: unknown family %v", f)
		}
		if f == FamilyHalfspace && s.MinClasses > 2 {
			continue // binary only
		}
		fams = append(fams, f)
	}
	if len(fams) == 0 {
		return s, fmt.Errorf("gen: Spec: no family fits (Halfspace needs k = 2 allowed)")
	}
	s.Families = fams
	return s, nil
}

// Validate reports whether the spec describes a non-empty set of
// distributions (after defaults).
func (s Spec) Validate() error {
	_, err := s.withDefaults()
	return err
}

// maxResolution returns the largest r <= limit with r^d <= GeneratedMaxCells.
func maxResolution(d, limit int) int {
	r := 1
	for r < limit {
		if n, ok := cellCount(d, r+1); !ok || n > GeneratedMaxCells {
			break
		}
		r++
	}
	return r
}

// Distributions returns a rapid generator of distributions within spec. It
// draws only structure (family, d, k, noise level, shift, grid resolution,
// all from integer ranges that shrink toward the simplest case: Smooth, d =
// MinDim, k = MinClasses, least noise) and one uint64 seed from which a PCG
// (NewStream(seed, 0)) draws any bulk parameters: grid cell posteriors,
// halfspace normals, mixture means and weights. It panics if spec.Validate()
// fails.
func Distributions(spec Spec) *rapid.Generator[Distribution] {
	s, err := spec.withDefaults()
	if err != nil {
		panic(err.Error())
	}
	return rapid.Custom(func(t *rapid.T) Distribution {
		fam := rapid.SampledFrom(s.Families).Draw(t, "family")
		d := rapid.IntRange(s.MinDim, s.MaxDim).Draw(t, "d")
		k := 2
		if fam != FamilyHalfspace {
			k = rapid.IntRange(s.MinClasses, s.MaxClasses).Draw(t, "k")
		}
		level := rapid.IntRange(s.MinNoise, s.MaxNoise).Draw(t, "noise")
		nu := float64(level) / 10
		var dist Distribution
		switch fam {
		case FamilySmooth:
			dist, err = NewSmooth(d, k, 1-nu)
		case FamilyGrid:
			r := rapid.IntRange(1, maxResolution(d, s.MaxResolution)).Draw(t, "r")
			seed := Seeds().Draw(t, "seed")
			dist, err = RandomGrid(d, k, r, 1-nu, NewStream(seed, 0))
		case FamilyHalfspace:
			seed := Seeds().Draw(t, "seed")
			dist, err = randomHalfspace(d, 4*(1-nu)/nu, NewStream(seed, 0))
		case FamilyPairSwap:
			shift := rapid.IntRange(1, k-1).Draw(t, "shift")
			dist, err = NewPairSwap(d, k, shift, nu/2)
		case FamilyGaussianMixture:
			seed := Seeds().Draw(t, "seed")
			dist, err = randomMixture(d, k, nu/2, NewStream(seed, 0))
		}
		if err != nil {
			panic("gen: Distributions: " + err.Error()) // a bug: the drawn structure is valid
		}
		return dist
	})
}

// randomHalfspace draws a unit normal w ~ uniform on the sphere and a point p
// uniform in [1/4, 3/4]^d on the boundary (b = -w.p), so both classes have
// substantial mass.
func randomHalfspace(d int, scale float64, rng *rand.Rand) (*Halfspace, error) {
	w := make([]float64, d)
	norm := 0.0
	for norm == 0 {
		for i := range w {
			w[i] = rng.NormFloat64()
		}
		for _, v := range w {
			norm = math.Hypot(norm, v)
		}
	}
	b := 0.0
	for i := range w {
		w[i] /= norm
		b -= w[i] * (0.25 + 0.5*rng.Float64())
	}
	return NewHalfspace(w, b, scale)
}

// randomMixture draws means uniform in [0,1]^d and weights proportional to
// 1 + U_c, U_c uniform on [0,1).
func randomMixture(d, k int, sigma float64, rng *rand.Rand) (*GaussianMixture, error) {
	means := make([][]float64, k)
	for c := range means {
		means[c] = make([]float64, d)
		for i := range means[c] {
			means[c][i] = rng.Float64()
		}
	}
	w := make([]float64, k)
	sum := 0.0
	for c := range w {
		w[c] = 1 + rng.Float64()
		sum += w[c]
	}
	for c := range w {
		w[c] /= sum
	}
	return NewGaussianMixture(means, sigma, w)
}

// Problem is one drawn test case: a distribution, the sizes of the training
// set (M), the unlabeled set (N) and the evaluation set (Eval), and the seed of
// the bulk data (see Streams).
type Problem struct {
	Dist       Distribution
	M, N, Eval int
	Seed       uint64
}

// Streams returns NewStreams(p.Seed).
func (p Problem) Streams() Streams { return NewStreams(p.Seed) }

// String describes the problem.
func (p Problem) String() string {
	return fmt.Sprintf("%v M=%d N=%d Eval=%d seed=%#x", p.Dist, p.M, p.N, p.Eval, p.Seed)
}

// ProblemSpec bounds the problems that Problems draws: the distribution (Dist)
// and the sizes M, N and Eval. A zero bound means its default: minimum 1,
// maximum max(200, minimum).
type ProblemSpec struct {
	Dist             Spec
	MinM, MaxM       int
	MinN, MaxN       int
	MinEval, MaxEval int
}

// Validate reports whether the spec is usable (after defaults).
func (ps ProblemSpec) Validate() error {
	_, err := ps.withDefaults()
	return err
}

func (ps ProblemSpec) withDefaults() (ProblemSpec, error) {
	fix := func(name string, lo, hi *int) error {
		if *lo == 0 {
			*lo = 1
		}
		if *hi == 0 {
			*hi = max(DefaultMaxSize, *lo)
		}
		if *lo < 1 || *hi < *lo {
			return fmt.Errorf("gen: ProblemSpec: need 1 <= Min%s <= Max%s, got %d, %d", name, name, *lo, *hi)
		}
		return nil
	}
	if err := fix("M", &ps.MinM, &ps.MaxM); err != nil {
		return ps, err
	}
	if err := fix("N", &ps.MinN, &ps.MaxN); err != nil {
		return ps, err
	}
	if err := fix("Eval", &ps.MinEval, &ps.MaxEval); err != nil {
		return ps, err
	}
	return ps, ps.Dist.Validate()
}

// Problems returns a rapid generator of problems within spec: a distribution
// from Distributions(spec.Dist), then M, N and Eval from their ranges (each
// shrinking toward its minimum), then the uint64 data seed. It panics if
// spec.Validate() fails.
func Problems(spec ProblemSpec) *rapid.Generator[Problem] {
	ps, err := spec.withDefaults()
	if err != nil {
		panic(err.Error())
	}
	dists := Distributions(ps.Dist)
	return rapid.Custom(func(t *rapid.T) Problem {
		return Problem{
			Dist: dists.Draw(t, "dist"),
			M:    rapid.IntRange(ps.MinM, ps.MaxM).Draw(t, "M"),
			N:    rapid.IntRange(ps.MinN, ps.MaxN).Draw(t, "N"),
			Eval: rapid.IntRange(ps.MinEval, ps.MaxEval).Draw(t, "Eval"),
			Seed: Seeds().Draw(t, "seed"),
		}
	})
}

// GoString returns String(), so rapid's failure logs show the problem.
func (p Problem) GoString() string { return p.String() }
