package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

// offsetSlice returns n values from fill starting at a drawn offset 0..3
// into a larger array, so that the assembly sees unaligned data.
func offsetSlice(t *rapid.T, name string, n int, fill func() float64) []float64 {
	off := rapid.IntRange(0, 3).Draw(t, name+" offset")
	s := make([]float64, off+n+3)[off : off+n]
	for i := range s {
		s[i] = fill()
	}
	return s
}

// TestSubMulMatchesReference checks SubMul against the Go loop bit for bit
// (with math.FMA where the assembly runs), including PackA and PackB with
// partial panels, and that it writes only its MR x NR block, on the
// AVX-512 kernel and on the two AVX2 halves.
func TestSubMulMatchesReference(t *testing.T) {
	for _, avx512 := range []bool{false, true} {
		if avx512 && !useAVX512 {
			continue
		}
		t.Run(map[bool]string{false: "avx2", true: "avx512"}[avx512], func(t *testing.T) {
			defer func(saved bool) { useAVX512 = saved }(useAVX512)
			useAVX512 = avx512
			rapid.Check(t, subMulMatchesReference)
		})
	}
}

func subMulMatchesReference(t *rapid.T) {
	kc := rapid.IntRange(0, 33).Draw(t, "kc")
	rows := rapid.IntRange(0, MR).Draw(t, "rows")
	cols := rapid.IntRange(0, NR).Draw(t, "cols")
	ldu := rapid.IntRange(MR+NR, 50).Draw(t, "ldu")
	ldc := rapid.IntRange(NR, 40).Draw(t, "ldc")
	rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 6))
	val := func() float64 { return (rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(9)-4) }
	u := offsetSlice(t, "u", kc*ldu, val)
	ap := offsetSlice(t, "ap", kc*MR, math.NaN)
	bp := offsetSlice(t, "bp", kc*NR, math.NaN)
	PackA(ap, u, ldu, kc, 0, rows)
	PackB(bp, u, ldu, kc, MR, cols)
	for p := range kc {
		for r := range MR {
			if want := u[p*ldu+r]; r >= rows && ap[p*MR+r] != 0 || r < rows && ap[p*MR+r] != want {
				t.Fatalf("PackA p=%d r=%d: %v", p, r, ap[p*MR+r])
			}
		}
		for j := range NR {
			if want := u[p*ldu+MR+j]; j >= cols && bp[p*NR+j] != 0 || j < cols && bp[p*NR+j] != want {
				t.Fatalf("PackB p=%d j=%d: %v", p, j, bp[p*NR+j])
			}
		}
	}
	c := offsetSlice(t, "c", 6*ldc+2, val)
	want := append([]float64(nil), c...)
	SubMul(c[:(MR-1)*ldc+NR], ldc, ap, bp, kc)
	if kc > 0 {
		subMulGo(want, ldc, ap, bp, kc, Accelerated())
	}
	for i := range c {
		if math.Float64bits(c[i]) != math.Float64bits(want[i]) {
			t.Fatalf("c[%d] (row %d, column %d) = %v, reference %v", i, i/ldc, i%ldc, c[i], want[i])
		}
	}
}

// TestAxpyMatchesReference checks Axpy against y[i] + alpha x[i] computed
// with math.FMA where the assembly runs, bit for bit, for lengths 0..33.
func TestAxpyMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 33).Draw(t, "n")
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 7))
		val := func() float64 { return (rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(9)-4) }
		x := offsetSlice(t, "x", n+rapid.IntRange(0, 2).Draw(t, "extra"), val)
		y := offsetSlice(t, "y", n, val)
		alpha := val()
		want := make([]float64, n)
		for i := range want {
			if Accelerated() {
				want[i] = math.FMA(alpha, x[i], y[i])
			} else {
				want[i] = y[i] + float64(alpha*x[i])
			}
		}
		Axpy(alpha, x, y)
		for i := range want {
			if math.Float64bits(y[i]) != math.Float64bits(want[i]) {
				t.Fatalf("y[%d] = %v, reference %v", i, y[i], want[i])
			}
		}
	})
}

// dotReference is Dot's documented summation order in Go.
func dotReference(x, y []float64, fma bool) float64 {
	if !fma {
		var s float64
		for i, v := range x {
			s += float64(v * y[i])
		}
		return s
	}
	var acc [4][4]float64
	m := len(x) &^ 15
	for i := 0; i < m; i += 16 {
		for a := range 4 {
			for j := range 4 {
				acc[a][j] = math.FMA(x[i+4*a+j], y[i+4*a+j], acc[a][j])
			}
		}
	}
	var lane [4]float64
	for j := range 4 {
		lane[j] = (acc[0][j] + acc[1][j]) + (acc[2][j] + acc[3][j])
	}
	s := 0.0
	if m > 0 {
		s = (lane[0] + lane[1]) + (lane[2] + lane[3])
	}
	for i := m; i < len(x); i++ {
		s = math.FMA(x[i], y[i], s)
	}
	return s
}

// TestDotMatchesReference checks Dot against its documented summation
// order bit for bit, for lengths 0..80 and unaligned starts.
func TestDotMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 80).Draw(t, "n")
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 8))
		val := func() float64 { return (rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(9)-4) }
		x := offsetSlice(t, "x", n, val)
		y := offsetSlice(t, "y", n+rapid.IntRange(0, 2).Draw(t, "extra"), val)
		got, want := Dot(x, y), dotReference(x, y, Accelerated())
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("Dot = %v, reference %v", got, want)
		}
	})
}
