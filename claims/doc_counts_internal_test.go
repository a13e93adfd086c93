package claims

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The numbers that depend on how many claims and falsifiers are registered
// (the unresolved-rate rule's delta and its thresholds) are stated in two
// places only, the README's budget section and runProperty's doc; every
// other comment states the rule, not the count. TestDocCounts recomputes
// them from All() and fails, printing the text to paste, when they go
// stale; it also checks that the README's claims table lists exactly the
// registered claims. Deterministic.
func TestDocCounts(t *testing.T) {
	claims, falsifiers := len(All()), 0
	for _, c := range All() {
		falsifiers += len(c.Falsifiers)
	}
	ud := unresolvedDelta()
	th := func(checks int) int {
		u := 0
		for unresolvedTail(checks, u) > ud {
			u++
		}
		return u
	}
	t.Logf("%d claims, %d falsifiers: unresolved-rate delta %s; fails from %d unresolved at 1 check, %d at 5, %d at 10, %d at 20, %d at 100",
		claims, falsifiers, shortG(ud), th(1), th(5), th(10), th(20), th(100))

	readme := readNormalized(t, "../README.md", false)
	want := fmt.Sprintf("at delta %s (5e-8 over %d claims and %d falsifiers; a negative-binomial tail: %d unresolved at 5 checks, %d at 10, %d at 100)",
		shortG(ud), claims, falsifiers, th(5), th(10), th(100))
	if !strings.Contains(readme, want) {
		t.Errorf("README.md's budget section is stale: want the phrase\n\t%s", want)
	}
	want = fmt.Sprintf("At delta = %s (%d claims and %d falsifiers) it fails from %d unresolved draws at 5 checks, %d at 10, %d at 20 and %d at 100, %d at 1.",
		shortG(ud), claims, falsifiers, th(5), th(10), th(20), th(100), th(1))
	if !strings.Contains(readNormalized(t, "claim.go", false), want) {
		t.Errorf("runProperty's doc in claim.go is stale: want the phrase\n\t%s", want)
	}

	var rows []string
	for _, m := range regexp.MustCompile(`(?m)^\| ([A-Z][0-9]+) \|`).FindAllStringSubmatch(readNormalized(t, "../README.md", true), -1) {
		rows = append(rows, m[1])
	}
	var ids []string
	for _, c := range All() {
		ids = append(ids, c.ID)
	}
	if !slices.Equal(rows, ids) {
		t.Errorf("README.md's claims table lists %v, want the registered claims in order %v", rows, ids)
	}
}

// readNormalized returns the file at path (relative to this package) with
// runs of white space collapsed to one space, and with Go comment markers
// removed; keepLines keeps the line breaks (for tables).
func readNormalized(t *testing.T, path string, keepLines bool) string {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if keepLines {
		return s
	}
	s = regexp.MustCompile(`(?m)^\s*//\s?`).ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// shortG formats v with three significant digits and a short exponent
// (1.25e-9, not 1.25e-09).
func shortG(v float64) string {
	return regexp.MustCompile(`e([+-])0*([0-9])`).ReplaceAllString(fmt.Sprintf("%.3g", v), "e$1$2")
}
