// Package kernels holds the vectorized inner loops of the learners
// package, with a pure-Go path for every one of them.
//
// On amd64 the loops are Go assembly using AVX2 and FMA (fused
// multiply-add), selected at run time when golang.org/x/sys/cpu reports
// both (cpu.X86.HasAVX2 && cpu.X86.HasFMA), with AVX-512 variants of the
// two matrix kernels (twice the arithmetic per instruction) where it also
// reports AVX512F and AVX512DQ; elsewhere, on older x86 processors, and
// when built with the purego tag, the same functions run as plain Go.
// Accelerated reports whether the assembly is in use.
//
// The kernels are Screen (the candidate screen of the brute-force
// neighbour search: a register-blocked block of dot products compared with
// thresholds, returning bits), SubMul (the 6 x 16 register-blocked
// multiply-subtract of a blocked Cholesky update, over panels packed by
// PackA and PackB), Axpy, Dot, and ExpNeg (exp(-a) for the entries of a
// kernel Gram matrix).
//
// The assembly accumulates each dot product sequentially with fused
// multiply-adds, s = fma(a_l, b_l, s) for l = 0, 1, ..., so its results are
// bit for bit those of the same loop written with math.FMA; the tests check
// exactly that. The plain-Go path rounds each product separately, which
// gives different bits within the usual dot-product error bound: callers
// that need exact answers (the brute-force neighbour index) use these
// kernels only to shortlist candidates under a rounding bound that covers
// both, and recheck the shortlist exactly. ExpNeg's assembly likewise
// matches its Go transcription with math.FMA bit for bit, and its plain-Go
// path is math.Exp, within a few ulps of it.
//
// The package is internal: its functions panic on misuse (mismatched
// lengths) rather than return errors, since their only callers are in this
// module.
package kernels
