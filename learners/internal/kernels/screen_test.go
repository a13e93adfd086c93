package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

// screenCase is a random input of Screen, with each slice starting at a
// drawn offset into a larger array so that the assembly sees unaligned
// data.
type screenCase struct {
	d, np, nq          int
	x, xk, q, low, ws  []float64
	qp                 []float64
	maskLen, maskShift int
}

// drawScreenCase draws the shape and offsets with rapid and the values from
// a PCG seeded by rapid. Values mix scales and signs, and include zeros,
// infinities and NaNs; some thresholds ws are set to an exact t_pc so that
// ties are exercised.
func drawScreenCase(t *rapid.T) screenCase {
	d := rapid.IntRange(1, 33).Draw(t, "d")
	np := rapid.IntRange(0, 33).Draw(t, "np")
	nq := rapid.IntRange(0, 33).Draw(t, "nq")
	special := rapid.Bool().Draw(t, "special")
	rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 5))
	value := func() float64 {
		if special {
			switch rng.IntN(40) {
			case 0:
				return 0
			case 1:
				return math.Inf(1 - 2*rng.IntN(2))
			case 2:
				return math.NaN()
			case 3:
				return 0x1p-1070 // subnormal
			}
		}
		return (rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(9)-4)
	}
	slice := func(name string, n int, fill func() float64) []float64 {
		off := rapid.IntRange(0, 3).Draw(t, name+" offset")
		s := make([]float64, off+n+3)[off : off+n]
		for i := range s {
			s[i] = fill()
		}
		return s
	}
	nb := (nq + Panel - 1) / Panel
	c := screenCase{d: d, np: np, nq: nq}
	c.x = slice("x", np*d, value)
	c.xk = slice("xk", np, func() float64 { return math.Abs(value()) })
	c.q = slice("q", nq*d, value)
	c.low = slice("low", nb*Panel, func() float64 { return math.Abs(value()) })
	c.qp = slice("qp", PanelLen(nq, d), func() float64 { return math.NaN() })
	PackQueries(c.qp, c.q, d)
	c.ws = slice("ws", nb*Panel, func() float64 { return rng.Float64() * 4 })
	for j := range c.ws {
		switch {
		case np > 0 && rng.IntN(3) == 0:
			c.ws[j] = screenT(c, rng.IntN(np), j, true)
		case special && rng.IntN(10) == 0:
			c.ws[j] = math.Inf(1)
		}
	}
	c.maskShift = rapid.IntRange(0, 3).Draw(t, "mask offset")
	c.maskLen = np * nb
	return c
}

// screenT returns t_pc of Screen for point p and query j, with fused
// multiply-adds if fma.
func screenT(c screenCase, p, j int, fma bool) float64 {
	var s float64
	for l := range c.d {
		a, b := c.x[p*c.d+l], c.qp[j/Panel*Panel*c.d+l*Panel+j%Panel]
		if fma {
			s = math.FMA(a, b, s)
		} else {
			s += float64(a * b)
		}
	}
	return (c.low[j] + c.xk[p]) - 2*s
}

func (c screenCase) screen(fma, asm bool) []uint8 {
	mask := make([]uint8, c.maskShift+c.maskLen+2)
	for i := range mask {
		mask[i] = 0xa5 // garbage that Screen must overwrite
	}
	m := mask[c.maskShift : c.maskShift+c.maskLen]
	if asm {
		Screen(m, c.x, c.d, c.xk, c.qp, c.low, c.ws)
	} else {
		screenGo(m, c.x, c.d, c.xk, c.qp, c.low, c.ws, fma)
	}
	for _, v := range mask[c.maskShift+c.maskLen:] {
		if v != 0xa5 {
			panic("Screen wrote past the end of the mask")
		}
	}
	return m
}

// TestScreenMatchesReference checks Screen against the Go loop bit for bit:
// where the CPU has AVX2 and FMA, the assembly against the loop with
// math.FMA (the assembly handles points in groups of six, the Go loop the
// rest), else the plain loop against itself. It also checks the mask bytes
// against t_pc computed directly.
func TestScreenMatchesReference(t *testing.T) {
	t.Logf("accelerated: %v, AVX-512: %v", Accelerated(), useAVX512)
	for _, avx512 := range []bool{false, true} {
		if avx512 && !useAVX512 {
			continue
		}
		t.Run(map[bool]string{false: "avx2", true: "avx512"}[avx512], func(t *testing.T) {
			defer func(saved bool) { useAVX512 = saved }(useAVX512)
			useAVX512 = avx512
			rapid.Check(t, screenMatchesReference)
		})
	}
}

func screenMatchesReference(t *rapid.T) {
	c := drawScreenCase(t)
	got := c.screen(true, true)
	fma := Accelerated()
	want := c.screen(fma, false)
	nb := len(c.low) / Panel
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("point %d panel %d: Screen mask %08b, reference %08b", i/nb, i%nb, got[i], want[i])
		}
	}
	for i, m := range want {
		p, b := i/nb, i%nb
		for bit := range Panel {
			j := b*Panel + bit
			in := !(screenT(c, p, j, fma) > c.ws[j])
			if in != (m>>bit&1 == 1) {
				t.Fatalf("point %d query %d: reference bit %v, direct comparison %v", p, j, m>>bit&1, in)
			}
		}
	}
}

// TestScreenPlainWithinBound checks the plain-Go path (separately rounded
// products) against the fused one: their t_pc differ by at most
// (d+2) 2^-52 (|low| + |xk| + 2 sum_l |x_l q_l|), so the masks may differ
// only where the FMA t_pc is within that of ws. Cases with non-finite
// values are skipped by the comparison.
func TestScreenPlainWithinBound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawScreenCase(t)
		plain := c.screen(false, false)
		fused := c.screen(true, false)
		nb := len(c.low) / Panel
		for i := range plain {
			p, b := i/nb, i%nb
			for bit := range Panel {
				j := b*Panel + bit
				if plain[i]>>bit&1 == fused[i]>>bit&1 {
					continue
				}
				abs := math.Abs(c.low[j]) + math.Abs(c.xk[p])
				for l := range c.d {
					abs += 2 * math.Abs(c.x[p*c.d+l]*c.qp[b*Panel*c.d+l*Panel+bit])
				}
				tf := screenT(c, p, j, true)
				if math.IsNaN(abs) || math.IsInf(abs, 0) || math.IsInf(c.ws[j], 0) {
					continue
				}
				if bound := float64(c.d+2)*0x1p-52*abs + 0x1p-1020; math.Abs(tf-c.ws[j]) > bound {
					t.Fatalf("point %d query %d: plain and fused masks differ with t = %v, ws = %v, bound %v", p, j, tf, c.ws[j], bound)
				}
			}
		}
	})
}

// TestPackQueries checks the panel layout and the zero padding.
func TestPackQueries(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := rapid.IntRange(1, 20).Draw(t, "d")
		nq := rapid.IntRange(0, 33).Draw(t, "nq")
		q := make([]float64, nq*d)
		for i := range q {
			q[i] = float64(i + 1)
		}
		qp := make([]float64, PanelLen(nq, d))
		for i := range qp {
			qp[i] = -1
		}
		PackQueries(qp, q, d)
		for c := range (nq + Panel - 1) / Panel * Panel {
			for l := range d {
				want := 0.0
				if c < nq {
					want = q[c*d+l]
				}
				if got := qp[c/Panel*Panel*d+l*Panel+c%Panel]; got != want {
					t.Fatalf("query %d coordinate %d: packed %v, want %v", c, l, got, want)
				}
			}
		}
	})
}
