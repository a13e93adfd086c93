package kernels

import "math"

// The constants of ExpNeg, each repeated in the four lanes of a YMM
// register for the assembly: expTable[i] holds constant i (see expConsts).
var expTable = func() (t [expConsts][4]float64) {
	c := [expConsts]float64{
		log2e, expRound, -ln2hi, -ln2lo,
		1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800, // 1/13! .. 1/10!
		1.0 / 362880, 1.0 / 40320, 1.0 / 5040, 1.0 / 720, // 1/9! .. 1/6!
		1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, // 1/5! .. 1/2!
		1, 1, // 1/1!, 1/0!
		math.Float64frombits(1023), // the exponent bias, as integer bits
	}
	for i, v := range c {
		t[i] = [4]float64{v, v, v, v}
	}
	return t
}()

const (
	expConsts = 19
	expTaylor = 4 // index of 1/13! in expTable; the Taylor coefficients follow

	log2e    = 1.44269504088896340736
	ln2hi    = 6.93147180369123816490e-01 // ln 2 to 32 significant bits: k*ln2hi is exact for |k| < 2^21
	ln2lo    = 1.90821492927058770002e-10 // ln 2 - ln2hi
	expRound = 0x1.8p52                   // adding it rounds to an integer, kept in the low bits
)

// ExpNeg sets x[i] = exp(-x[i]) for each i. The arguments must lie in
// [0, 700], where the results are normal numbers; elsewhere the results are
// unspecified (no NaN, Inf or overflow handling: the caller, the Gram
// matrix of a kernel machine, cuts scores above 46).
//
// On the accelerated path the first multiple of 4 entries run in the
// assembly, four at a time, and the rest through expNegFMA, the same
// operations with math.FMA, so that every entry is bit for bit the same
// whichever runs it: with x = 0 - a, k = round(x log2(e)) (by adding and
// subtracting 1.5 * 2^52), r = x - k ln2 in two fused steps (Cody and
// Waite's split of ln 2), exp(r) by the Taylor polynomial of degree 13 in
// Horner form with fused multiply-adds (|r| <= ln2/2, so the truncation is
// below |r|^14/14! < 4.2e-18), times 2^k built in the exponent bits. The
// result is within 1.5 ulps of exp(-a) by that analysis (TestExpNegAccuracy
// checks it against math.Exp). It is about ten times faster than
// math.Exp. Otherwise each entry is math.Exp(-x[i]).
func ExpNeg(x []float64) {
	if !useAsm {
		for i, a := range x {
			x[i] = math.Exp(-a)
		}
		return
	}
	i := len(x) &^ 3
	if i > 0 {
		expNeg4(&x[0], i/4, &expTable[0][0])
	}
	for ; i < len(x); i++ {
		x[i] = expNegFMA(x[i])
	}
}

// expNegFMA is one lane of the assembly of ExpNeg, in Go with math.FMA.
func expNegFMA(a float64) float64 {
	x := 0 - a
	t := math.FMA(x, log2e, expRound)
	k := t - expRound
	r := math.FMA(k, -ln2hi, x)
	r = math.FMA(k, -ln2lo, r)
	p := expTable[expTaylor][0]
	for _, c := range expTable[expTaylor+1 : expConsts-1] {
		p = math.FMA(p, r, c[0])
	}
	// The low 12 bits of t's bits are those of k (the rounding constant
	// has zeros there), so shifting (bits + 1023) left by 52 gives 2^k.
	return p * math.Float64frombits((math.Float64bits(t)+1023)<<52)
}
