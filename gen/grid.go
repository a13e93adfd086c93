package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MaxGridCells bounds r^d for Grid, CellOf and HistogramBestRisk, so that
// cell indices never overflow.
const MaxGridCells = 1 << 24

// MaxGridEntries bounds the r^d x k table of cell posteriors of a Grid
// (256 MiB of float64), so that it stays in memory: with k = 2 every grid
// of at most MaxGridCells cells fits, with more classes fewer cells.
const MaxGridEntries = 2 * MaxGridCells

// Grid is a k-class distribution, uniform on [0,1]^d, whose posterior is
// constant on each of the r^d cells of the regular grid of resolution r. It
// exists for the distillation claims: its Bayes classifier is a histogram on
// that grid, so it lies in the student's class and min over histograms of the
// risk equals R*, which makes the distillation bound exact; and because the
// marginal is uniform its functionals have closed forms:
//
//	R* = (1/r^d) sum_B (1 - max_c eta_c(B)),
//	G  = (1/r^d) sum_B (1 - sum_c eta_c(B)^2).
//
// Cells are numbered row-major with coordinate 0 slowest (see CellOf). The
// posterior jumps across cell faces, so Lipschitz reports (0, false).
type Grid struct {
	d, k, r int
	cells   []float64 // r^d x k, row-major
}

var _ Distribution = (*Grid)(nil)

// cellCount returns r^d, or false if it exceeds MaxGridCells.
func cellCount(d, r int) (int, bool) {
	if r == 1 {
		return 1, true // without d multiplications, for any d
	}
	n := 1
	for i := 0; i < d; i++ {
		if n > MaxGridCells/r {
			return 0, false
		}
		n *= r
	}
	return n, true
}

// NewGrid returns the grid distribution on [0,1]^d with resolution r and cell
// posteriors cells[b] (b in row-major order, coordinate 0 slowest), copied. It
// returns a *ParamError naming d if d < 1, r if r < 1 or r^d > MaxGridCells,
// cells if len(cells) != r^d, cells[0] if its k is not in [2, MaxClasses] or
// r^d k > MaxGridEntries, and cells[b] (or cells[b][c]) if a cell is not a
// probability vector over the same k classes as cells[0] (see
// ValidatePosterior).
func NewGrid(d, r int, cells [][]float64) (*Grid, error) {
	const fn = "NewGrid"
	if d < 1 {
		return nil, paramErr(fn, "d", "%d < 1", d)
	}
	if r < 1 {
		return nil, paramErr(fn, "r", "%d < 1", r)
	}
	n, ok := cellCount(d, r)
	if !ok {
		return nil, paramErr(fn, "r", "r^d = %d^%d exceeds MaxGridCells = %d", r, d, MaxGridCells)
	}
	if len(cells) != n {
		return nil, paramErr(fn, "cells", "%d cells, want r^d = %d", len(cells), n)
	}
	k := len(cells[0])
	if k < 2 {
		return nil, paramErr(fn, "cells[0]", "%d classes, need k >= 2", k)
	}
	if err := checkGridTable(fn, "cells[0]", n, k); err != nil {
		return nil, err
	}
	flat := make([]float64, 0, n*k)
	for b, p := range cells {
		name := fmt.Sprintf("cells[%d]", b)
		if len(p) != k {
			return nil, paramErr(fn, name, "%d classes, cells[0] has %d", len(p), k)
		}
		if err := validateProbVector(fn, name, p); err != nil {
			return nil, err
		}
		flat = append(flat, p...)
	}
	return &Grid{d: d, k: k, r: r, cells: flat}, nil
}

// RandomGrid returns a Grid with k classes whose cell posteriors are drawn from
// rng: for each cell, in index order, p ~ Dirichlet(1,...,1) (k exponential
// draws, normalized) and
//
//	eta_c(B) = (1 - strength)/k + strength * p_c.
//
// It returns a *ParamError naming d (< 1), r (< 1, or r^d > MaxGridCells),
// k (< 2 or > MaxClasses, or r^d k > MaxGridEntries), strength (not in
// [0,1)) or rng (nil).
func RandomGrid(d, k, r int, strength float64, rng *rand.Rand) (*Grid, error) {
	const fn = "RandomGrid"
	if d < 1 {
		return nil, paramErr(fn, "d", "%d < 1", d)
	}
	if err := checkClasses(fn, "k", k); err != nil {
		return nil, err
	}
	if r < 1 {
		return nil, paramErr(fn, "r", "%d < 1", r)
	}
	if !(strength >= 0 && strength < 1) {
		return nil, paramErr(fn, "strength", "%v not in [0, 1)", strength)
	}
	if rng == nil {
		return nil, paramErr(fn, "rng", "nil *rand.Rand")
	}
	n, ok := cellCount(d, r)
	if !ok {
		return nil, paramErr(fn, "r", "r^d = %d^%d exceeds MaxGridCells = %d", r, d, MaxGridCells)
	}
	if err := checkGridTable(fn, "k", n, k); err != nil {
		return nil, err
	}
	cells := make([]float64, n*k)
	base := (1 - strength) / float64(k)
	for b := 0; b < n; b++ {
		p := cells[b*k : (b+1)*k]
		sum := 0.0
		for c := range p {
			p[c] = rng.ExpFloat64()
			sum += p[c]
		}
		for c := range p {
			p[c] = base + strength*(p[c]/sum)
		}
	}
	return &Grid{d: d, k: k, r: r, cells: cells}, nil
}

// checkGridTable returns a *ParamError naming param unless k <= MaxClasses
// and the table of n cells x k classes has at most MaxGridEntries entries.
func checkGridTable(fn, param string, n, k int) error {
	if k > MaxClasses {
		return paramErr(fn, param, "%d classes exceed MaxClasses = %d", k, MaxClasses)
	}
	if n > MaxGridEntries/k {
		return paramErr(fn, param, "%d cells x %d classes exceed MaxGridEntries = %d", n, k, MaxGridEntries)
	}
	return nil
}

// Dim returns d.
func (g *Grid) Dim() int { return g.d }

// Classes returns k.
func (g *Grid) Classes() int { return g.k }

// Resolution returns r, the number of cells per axis.
func (g *Grid) Resolution() int { return g.r }

// NumCells returns r^d.
func (g *Grid) NumCells() int { return len(g.cells) / g.k }

// Cell returns the index of the cell holding x: CellOf(x, r). It panics if
// len(x) != Dim().
func (g *Grid) Cell(x []float64) int {
	if len(x) != g.d {
		panic("gen: Grid.Cell: len(x) != Dim()")
	}
	return cellIndex(x, g.r)
}

// CellPosterior returns a copy of eta(.|B) for cell b. It panics if b is not
// in [0, r^d).
func (g *Grid) CellPosterior(b int) []float64 {
	if b < 0 || b >= g.NumCells() {
		panic("gen: Grid.CellPosterior: cell index out of range")
	}
	return append([]float64(nil), g.cells[b*g.k:(b+1)*g.k]...)
}

// SampleX draws x uniformly from [0,1]^d. It panics if len(dst) != d or rng
// is nil.
func (g *Grid) SampleX(rng *rand.Rand, dst []float64) {
	checkSampleX("Grid", rng, dst, g.d)
	for i := range dst {
		dst[i] = rng.Float64()
	}
}

// Posterior writes eta(.|B) for the cell B = Cell(x) into dst; for an x
// with a NaN or infinite entry every entry of dst is NaN (Cell puts such an
// x in a cell, the posterior does not). It panics if len(x) != Dim() or
// len(dst) != Classes().
func (g *Grid) Posterior(x, dst []float64) {
	if len(x) != g.d || len(dst) != g.k {
		panic("gen: Grid.Posterior: wrong length")
	}
	if !allFinite(x) {
		fillNaN(dst)
		return
	}
	b := cellIndex(x, g.r)
	copy(dst, g.cells[b*g.k:(b+1)*g.k])
}

// Lipschitz returns (0, false): the posterior jumps across cell faces.
func (g *Grid) Lipschitz() (float64, bool) { return 0, false }

// BayesRisk returns the exact Bayes risk R* = (1/r^d) sum_B (1 - max_c eta_c(B)).
func (g *Grid) BayesRisk() float64 {
	return BayesRisk(g.cells, g.k)
}

// SamplerRisk returns the exact sampler risk G = (1/r^d) sum_B (1 - sum_c eta_c(B)^2).
func (g *Grid) SamplerRisk() float64 {
	return SamplerRisk(g.cells, g.k)
}

// String describes the distribution.
func (g *Grid) String() string {
	return fmt.Sprintf("Grid(d=%d, k=%d, r=%d)", g.d, g.k, g.r)
}

// CellOf returns the index of the cell of the r^d grid over [0,1]^d that
// holds x (d = len(x)): with i_j = min(r-1, floor(r x_j)) (so x_j = 1 is in
// the last cell; x_j < 0 or NaN counts as 0 and x_j > 1 as r-1),
//
//	CellOf(x, r) = sum_j i_j r^(d-1-j)   (row-major, coordinate 0 slowest).
//
// It panics if r < 1, len(x) == 0 or r^len(x) > MaxGridCells.
func CellOf(x []float64, r int) int {
	if r < 1 || len(x) == 0 {
		panic("gen: CellOf: need r >= 1 and len(x) >= 1")
	}
	if _, ok := cellCount(len(x), r); !ok {
		panic("gen: CellOf: r^d exceeds MaxGridCells")
	}
	return cellIndex(x, r)
}

func cellIndex(x []float64, r int) int {
	rf := float64(r)
	b := 0
	for _, v := range x {
		i := 0
		if v*rf >= rf {
			i = r - 1
		} else if v > 0 {
			i = int(math.Floor(v * rf))
			if i >= r {
				i = r - 1
			}
		}
		b = b*r + i
	}
	return b
}

// GoString returns String(), so rapid's failure logs show the parameters.
func (g *Grid) GoString() string { return g.String() }
