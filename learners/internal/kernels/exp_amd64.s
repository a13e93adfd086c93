//go:build amd64 && !purego

#include "textflag.h"

// func expNeg4(x *float64, n int, c *float64)
//
// x[i] = exp(-x[i]) for i < 4n, four at a time, by the steps of expNegFMA:
// c points at expTable, 19 constants of 32 bytes each (log2e, round,
// -ln2hi, -ln2lo, 1/13! .. 1/0!, bias). n >= 1.
TEXT ·expNeg4(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ c+16(FP), R8
	VMOVUPD 0(R8), Y10   // log2e
	VMOVUPD 32(R8), Y11  // round
	VMOVUPD 64(R8), Y12  // -ln2hi
	VMOVUPD 96(R8), Y13  // -ln2lo
	VMOVUPD 128(R8), Y14 // 1/13!
	VMOVUPD 576(R8), Y15 // bias 1023 (integer bits)

exploop:
	VXORPD Y0, Y0, Y0
	VSUBPD (DI), Y0, Y0         // x = 0 - a
	VMOVAPD Y11, Y1
	VFMADD231PD Y10, Y0, Y1     // t = x log2e + round
	VSUBPD Y11, Y1, Y2          // k = t - round
	VFMADD231PD Y12, Y2, Y0     // r = k (-ln2hi) + x
	VFMADD231PD Y13, Y2, Y0     // r = k (-ln2lo) + r
	VMOVAPD Y14, Y3             // p = 1/13!
	VFMADD213PD 160(R8), Y0, Y3 // p = p r + 1/12!
	VFMADD213PD 192(R8), Y0, Y3 // 1/11!
	VFMADD213PD 224(R8), Y0, Y3 // 1/10!
	VFMADD213PD 256(R8), Y0, Y3 // 1/9!
	VFMADD213PD 288(R8), Y0, Y3 // 1/8!
	VFMADD213PD 320(R8), Y0, Y3 // 1/7!
	VFMADD213PD 352(R8), Y0, Y3 // 1/6!
	VFMADD213PD 384(R8), Y0, Y3 // 1/5!
	VFMADD213PD 416(R8), Y0, Y3 // 1/4!
	VFMADD213PD 448(R8), Y0, Y3 // 1/3!
	VFMADD213PD 480(R8), Y0, Y3 // 1/2!
	VFMADD213PD 512(R8), Y0, Y3 // 1/1!
	VFMADD213PD 544(R8), Y0, Y3 // 1/0!
	VPADDQ Y15, Y1, Y1          // bits(t) + 1023
	VPSLLQ $52, Y1, Y1          // 2^k
	VMULPD Y1, Y3, Y3
	VMOVUPD Y3, (DI)
	ADDQ $32, DI
	DECQ CX
	JNZ exploop
	VZEROUPPER
	RET
