package atlas

import (
	"fmt"
	"strings"
)

// Markdown returns the atlas as a markdown table, one line per row in the
// order of Run: learner, family, m, the sampler verdict, the calibration gap
// against the 1-NN tolerance at the deciding level of the hidden partition
// (its level and cells), the MDD (sharpest level), the level-0 gap, the
// training error, and, on grid families, the teacher verdict, its route,
// the excess the sampler theorem certifies and the student's exact excess
// risk against the verdict's tolerance.
func Markdown(rows []Row) string {
	var b strings.Builder
	b.WriteString("| learner | family | m | sampler verdict | gap / 1-NN tolerance (level, cells) | MDD | level-0 gap | train err | good teacher | route | certified excess | student excess / tolerance |\n")
	b.WriteString("|---|---|---:|---|---|---:|---:|---:|---|---|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %d | ", cell(r.Learner), cell(r.Family), r.M)
		if r.Err != "" {
			fmt.Fprintf(&b, "error: %s | | | | | | | | |\n", cell(r.Err))
			continue
		}
		s := r.Sampler
		v := r.Verdict
		if v == VerdictNotSampler {
			v = "**" + v + "**"
		}
		gap := fmt.Sprintf("%.4f / %.4f (%d, %d)", s.Gap, s.Tolerance, s.Level, s.Cells)
		if s.Contract != "" {
			gap = "contract: " + s.Contract
		}
		fmt.Fprintf(&b, "%s | %s | %.4f | %.4f | %s | ", v, cell(gap), s.MDD, r.Level0Gap, trainError(r))
		if r.Teacher == nil {
			b.WriteString("- | - | - | - |\n")
			continue
		}
		tc := r.Teacher
		good := "no"
		if tc.Good {
			good = "yes"
		}
		fmt.Fprintf(&b, "%s | %s | %.4f | %.4f / %.4f |\n", good, tc.Route, tc.Certified, tc.StudentExcess, tc.Tolerance)
	}
	return b.String()
}

// trainError formats the training error, marking a learner that claims to
// interpolate.
func trainError(r Row) string {
	s := fmt.Sprintf("%.4f", r.TrainError)
	if r.Interpolates {
		s += " (claimed 0)"
	}
	return s
}

// Summary returns, for each learner (rows' order) and family, the sampler
// verdicts over the sizes, smallest m first, as a markdown table.
func Summary(rows []Row) string {
	var learnersOrder, famOrder []string
	seen := map[string]bool{}
	verdicts := map[[2]string][]string{}
	for _, r := range rows {
		if !seen["l"+r.Learner] {
			seen["l"+r.Learner] = true
			learnersOrder = append(learnersOrder, r.Learner)
		}
		if !seen["f"+r.Family] {
			seen["f"+r.Family] = true
			famOrder = append(famOrder, r.Family)
		}
		v := r.Verdict
		switch {
		case r.Err != "":
			v = "error"
		case v == VerdictSampler:
			v = "S"
		case v == VerdictNotSampler:
			v = "**N**"
		default:
			v = "?"
		}
		k := [2]string{r.Learner, r.Family}
		verdicts[k] = append(verdicts[k], v)
	}
	var b strings.Builder
	b.WriteString("| learner |")
	for _, f := range famOrder {
		b.WriteString(" " + cell(f) + " |")
	}
	b.WriteString("\n|---|")
	for range famOrder {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, l := range learnersOrder {
		b.WriteString("| " + cell(l) + " |")
		for _, f := range famOrder {
			b.WriteString(" " + strings.Join(verdicts[[2]string{l, f}], " ") + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// cell escapes the pipes of a table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
