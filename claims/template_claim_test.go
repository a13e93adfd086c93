package claims

// This file is the template of a claim: copy it to
// claims/<id>_<what_it_says>.go (for example l8_three_nn_random_is_sampler.go;
// drop the _test suffix and TestTemplateClaim at its end), rename template*
// to claim<ID>*, replace every TODO,
// and register the claim from an init:
//
//	func init() { register(claimL8) }
//
// Here it is compiled with the tests and checked by TestTemplateClaim, but
// never registered, so it spends no false-alarm budget and cannot go stale
// against the kit (kit.go). It is a complete claim of the simplest kind: the
// random neighbour of the templateK nearest is a conditional sampler, one
// label set against G^ with the band A^_k + r (an MDD of a few hundredths).
// For an MDD near 0.01, split the band as L1 and L7 do: the exact identity
// |EL - G^| <= A^_k, and the mean risk over stratified label sets against
// EL within a radius of its labels and picks (support_l.go, pickedSpread).
// Keep a claim's default run under about 1.5 s of CPU (go test ./claims
// -run 'TestClaims/L8|TestFalsifiers/L8' -v -cpu 1 shows the time).

import (
	"math"
	"testing"

	"pgregory.net/rapid"

	"github.com/rolemodels/rolemodels/gen"
)

// templateClaim is the claim (TODO: the statement, the inequality, the bound
// and delta behind every tolerance, the MDD). Given the positions, with
// probability at least 1 - delta over the labels and picks,
//
//	|L^ - G^| <= A^_k + samplerRadius(delta)
//
// (kit.go, neighbourAnalysis), at delta = c.Delta. MDD: Detectable(tol, r).
var templateClaim = Claim{
	ID:         "T1", // TODO: the next free number of the group (S, L or D)
	Title:      "random neighbour of the k nearest is a sampler",
	Source:     "Kaplun et al. 2022, Section 5", // TODO: where it is stated
	Statement:  "Given the positions, w.p. >= 1-delta, |L^ - G^| <= A^_k + r.",
	Kind:       FiniteBound, // Exact, FiniteBound, Trend or Identity
	Unit:       "risk",      // the unit of c.Calibrated's numbers
	Checks:     5,           // >= 5 (-short runs a fifth)
	Assertions: 1,           // calibrated or exact assertions per check (one Fatalf site each)
	Property:   templateProperty,
	Falsifiers: []Falsifier{
		{Name: "knn-majority-k=3", Checks: 5, Assertions: 1, Property: templateGross},
		{Name: "edge-bayes-share", Checks: 5, Assertions: 1, Property: templateEdge},
	},
}

const (
	templateK    = 1     // TODO: the claim's parameters
	templateSize = 40000 // training and evaluation points
)

// templateCase is a drawn case with its analysis and the claim's band at
// the claim's delta (c.ClaimDelta: equal to c.Delta in the claim itself).
type templateCase struct {
	dist     gen.Distribution
	s        sample
	a        neighbourAnalysis
	tol, mdd float64
}

// drawTemplateCase draws the structure with rapid and the bulk data from
// one rapid seed (drawSample), and computes everything the labels do not
// change.
func drawTemplateCase(c *Check, dist gen.Distribution) templateCase {
	s := drawSample(c, dist, templateSize, templateSize)
	a, err := analyseNeighbours(s.train, s.eval, templateK)
	if err != nil {
		c.Fatalf("analyseNeighbours: %v", err)
	}
	r := a.samplerRadius(c.ClaimDelta)
	return templateCase{dist: dist, s: s, a: a, tol: a.boundary + r, mdd: Detectable(a.boundary+r, r)}
}

// templateSpec is the family of distributions the claim is checked on.
var templateSpec = gen.Spec{Families: []gen.Family{gen.FamilySmooth}, MaxDim: 2, MaxClasses: 3, MinNoise: 2, MaxNoise: 5}

func templateProperty(c *Check) {
	tc := drawTemplateCase(c, gen.Distributions(templateSpec).Draw(c.T, "dist"))
	// Unresolved before any assertion: the case cannot tell a sampler from
	// the Bayes classifier.
	if tc.tol >= tc.a.sampler-tc.a.bayes {
		c.Unresolved("%v: band %.4f >= G^ - R^* = %.4f", tc.dist, tc.tol, tc.a.sampler-tc.a.bayes)
	}
	risk, err := fitRisk(c.RandomNeighbour(templateK), tc.s.train, tc.s.y, tc.s.eval, tc.s.rng)
	if err != nil {
		c.Fatalf("fit: %v", err)
	}
	if c.Calibrated(math.Abs(risk-tc.a.sampler), tc.tol, tc.mdd) {
		c.Fatalf("%v: risk %.5f, G^ = %.5f, band %.5f", tc.dist, risk, tc.a.sampler, tc.tol)
	}
}

// templateGross: a learner for which the claim is false (the 3-NN majority
// on class-pair noise). Certify from eta, before the labels are used, that
// the check at c.ClaimDelta rejects with probability >= 1 - c.Delta;
// otherwise the case is unresolved.
func templateGross(c *Check) {
	rho := rapid.SampledFrom([]float64{0.15, 0.2}).Draw(c.T, "rho") // structure from rapid
	dist, err := gen.NewPairSwap(1, 2, 1, rho)
	if err != nil {
		c.Fatalf("NewPairSwap: %v", err)
	}
	tc := drawTemplateCase(c, dist)
	a3, err := analyseNeighbours(tc.s.train, tc.s.eval, 3)
	if err != nil {
		c.Fatalf("analyseNeighbours: %v", err)
	}
	_, expected, err := a3.majority(tc.s.train, tc.s.eval)
	if err != nil {
		c.Fatalf("majority: %v", err)
	}
	if math.Abs(expected-tc.a.sampler) <= tc.tol+a3.majorityRadius(c.Delta) {
		c.Unresolved("the majority's expected risk %.4f is within the band of G^ = %.4f", expected, tc.a.sampler)
	}
	risk, err := fitRisk(c.KNN(3), tc.s.train, tc.s.y, tc.s.eval, nil)
	if err != nil {
		c.Fatalf("fit: %v", err)
	}
	if !c.Calibrated(math.Abs(risk-tc.a.sampler), tc.tol, tc.mdd) {
		c.Fatalf("rho = %v: accepted the 3-NN majority: risk %.5f, G^ = %.5f, band %.5f", rho, risk, tc.a.sampler, tc.tol)
	}
}

// templateEdge: the claim's learner answering the Bayes label on a share q
// of the queries, q chosen so that the expected deviation is 1 to 2 MDDs.
func templateEdge(c *Check) {
	tc := drawTemplateCase(c, gen.Distributions(templateSpec).Draw(c.T, "dist"))
	k := tc.s.eval.k
	dev := func(q float64) []float64 {
		e := shareOf(tc.s.eval, q, func(j int) float64 { return bayesPointRisk(tc.s.eval, j) },
			func(j int) float64 { return pointRisk(tc.s.eval, j, tc.a.mix[j*k:(j+1)*k]) })
		return []float64{math.Abs(e - tc.a.sampler)}
	}
	q, ratio, _, ok := edgeStrength(0.2, 2, []float64{tc.mdd}, dev)
	if !ok || dev(q)[0] <= tc.tol+tc.a.samplerRadius(c.Delta) {
		c.Unresolved("no share puts the deviation between 1 and 2 MDDs (%.2f at q = %.3f)", ratio, q)
	}
	h := majorityOnShare(c.RandomNeighbour(templateK), knowsPosterior(tc.dist, false), q)
	risk, err := fitRisk(h, tc.s.train, tc.s.y, tc.s.eval, tc.s.rng)
	if err != nil {
		c.Fatalf("fit: %v", err)
	}
	if !c.Calibrated(math.Abs(risk-tc.a.sampler), tc.tol, tc.mdd) {
		c.Fatalf("accepted the Bayes label on a share %.4f (%.2f MDD)", q, ratio)
	}
}

// Exact assertions (an identity up to float rounding) use a slack of the
// kit (kit.go, "Float slacks") and c.Margin instead of c.Calibrated:
//
//	if d := math.Abs(tc.a.expected - tc.a.sampler); d > tc.a.boundary+identitySlack(n, k+1) {
//		c.Fatalf("...")
//	}

// TestTemplateClaim checks that the template is a well-formed claim that is
// not registered (it must not change the budget's counts). Running it would
// spend false-alarm budget.
func TestTemplateClaim(t *testing.T) {
	if err := templateClaim.validate(); err != nil {
		t.Fatal(err)
	}
	for _, f := range templateClaim.Falsifiers {
		if err := templateClaim.validateFalsifier(f); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := Lookup(templateClaim.ID); ok {
		t.Errorf("the template's ID %s is registered", templateClaim.ID)
	}
}
