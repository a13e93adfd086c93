package gen

import (
	"fmt"
	"math"
)

// PosteriorTolerance is the largest |sum_c eta_c - 1| that ValidatePosterior
// accepts. Every family in this package computes its posterior with at most a
// few rounding errors per class (about k * 1e-16), far inside this tolerance.
const PosteriorTolerance = 1e-12

// MaxClasses = 2048 is the largest number of classes k a constructor
// accepts. A larger k is rejected with a *ParamError: a posterior is a
// k-vector, a Grid keeps one per cell and a Gaussian mixture k means, so an
// unbounded k exhausts memory; and a posterior row carries about 4k 2^-53 of
// rounding in its sum (k entries each rounded, then summed), 9.1e-13 at
// k = 2048, so up to this k every family's posterior sums to 1 within
// PosteriorTolerance, as ValidatePosterior, SampleLabel and the risk
// functionals require.
const MaxClasses = 1 << 11

// ParamError reports an invalid parameter passed to a constructor or to a
// function of this package. Func names the function, Param the parameter.
type ParamError struct {
	Func  string // the function that rejected the input, e.g. "NewSmooth"
	Param string // the parameter, e.g. "strength" or "cells[3]"
	Msg   string // what is wrong with it
}

// Error implements error as "gen: Func: Param: Msg".
func (e *ParamError) Error() string {
	return "gen: " + e.Func + ": " + e.Param + ": " + e.Msg
}

func paramErr(fn, param, format string, args ...any) error {
	return &ParamError{Func: fn, Param: param, Msg: fmt.Sprintf(format, args...)}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ValidatePosterior checks that eta is a probability vector over at least two
// classes: every entry finite and >= 0, and |sum_c eta_c - 1| <= 1e-12
// (PosteriorTolerance). It returns a *ParamError naming the offending entry
// (Param "eta[c]") or "eta" for a wrong length or sum, and nil otherwise.
func ValidatePosterior(eta []float64) error {
	const fn = "ValidatePosterior"
	if len(eta) < 2 {
		return paramErr(fn, "eta", "length %d, need at least 2 classes", len(eta))
	}
	if param, msg := probProblem(eta); param != "" {
		return paramErr(fn, param, "%s", msg)
	}
	return nil
}

// probProblem returns "" if eta is a probability vector (every entry finite
// and >= 0, the sum within PosteriorTolerance of 1), and otherwise the
// offending part ("eta[c]" or "eta") and what is wrong with it.
func probProblem(eta []float64) (param, msg string) {
	sum := 0.0
	for c, v := range eta {
		if !finite(v) {
			return fmt.Sprintf("eta[%d]", c), fmt.Sprintf("%v is not finite", v)
		}
		if v < 0 {
			return fmt.Sprintf("eta[%d]", c), fmt.Sprintf("%v is negative", v)
		}
		sum += v
	}
	if math.Abs(sum-1) > PosteriorTolerance {
		return "eta", fmt.Sprintf("sums to %.17g, off 1 by more than %g", sum, PosteriorTolerance)
	}
	return "", ""
}

// isProb reports whether eta is a probability vector (see probProblem). It
// is the check of the functionals' hot loops: one comparison and one
// addition per entry.
func isProb(eta []float64) bool {
	sum, ok := 0.0, true
	for _, v := range eta {
		ok = ok && v >= 0 && v <= math.MaxFloat64 // false for NaN and +Inf
		sum += v
	}
	return ok && math.Abs(sum-1) <= PosteriorTolerance
}

// checkClasses returns a *ParamError naming param unless 2 <= k <= MaxClasses.
func checkClasses(fn, param string, k int) error {
	if k < 2 {
		return paramErr(fn, param, "%d < 2", k)
	}
	if k > MaxClasses {
		return paramErr(fn, param, "%d classes exceed MaxClasses = %d", k, MaxClasses)
	}
	return nil
}

// ValidatePosteriorMatrix applies ValidatePosterior to every row of the
// row-major n x k matrix eta. It errors if k < 2 or len(eta) is not a multiple
// of k; a bad row is named as "eta[j]" in the error's Msg.
func ValidatePosteriorMatrix(eta []float64, k int) error {
	const fn = "ValidatePosteriorMatrix"
	if k < 2 {
		return paramErr(fn, "k", "%d < 2", k)
	}
	if len(eta)%k != 0 {
		return paramErr(fn, "eta", "length %d is not a multiple of k = %d", len(eta), k)
	}
	for j := 0; j*k < len(eta); j++ {
		if err := ValidatePosterior(eta[j*k : (j+1)*k]); err != nil {
			return paramErr(fn, "eta", "row %d: %v", j, err)
		}
	}
	return nil
}

// validateProbVector is ValidatePosterior with the error re-labelled for a
// constructor parameter.
func validateProbVector(fn, param string, p []float64) error {
	if err := ValidatePosterior(p); err != nil {
		var pe *ParamError
		if e, ok := err.(*ParamError); ok {
			pe = e
		}
		name := param
		if pe != nil && len(pe.Param) > 3 && pe.Param[:3] == "eta" {
			name = param + pe.Param[3:]
		}
		msg := err.Error()
		if pe != nil {
			msg = pe.Msg
		}
		return paramErr(fn, name, "not a probability vector: %s", msg)
	}
	return nil
}
