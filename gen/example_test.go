package gen_test

import (
	"fmt"

	"github.com/rolemodels/rolemodels/gen"
)

// A Grid on [0,1] with two cells: R* and G in closed form.
func ExampleGrid() {
	g, err := gen.NewGrid(1, 2, [][]float64{
		{0.9, 0.1}, // x in [0, 1/2)
		{0.3, 0.7}, // x in [1/2, 1]
	})
	if err != nil {
		panic(err)
	}
	// R* = ((1 - 0.9) + (1 - 0.7)) / 2; G = (2*0.9*0.1 + 2*0.3*0.7) / 2.
	fmt.Printf("cell of x=0.75: %d\n", g.Cell([]float64{0.75}))
	fmt.Printf("Bayes risk R* = %.4f\n", g.BayesRisk())
	fmt.Printf("sampler risk G = %.4f\n", g.SamplerRisk())
	// Output:
	// cell of x=0.75: 1
	// Bayes risk R* = 0.2000
	// sampler risk G = 0.3000
}

// The paper's noise: 10 classes, y -> (y+5) mod 10 at rate 0.2.
func ExamplePairSwap() {
	ps, err := gen.NewPairSwap(2, 10, 5, 0.2)
	if err != nil {
		panic(err)
	}
	x := []float64{0.3, 0.45} // frac(0.75) = 0.75: clean class 7
	eta := make([]float64, ps.Classes())
	ps.Posterior(x, eta)
	fmt.Println("clean label:", ps.CleanLabel(x))
	fmt.Println("eta:", eta)
	fmt.Printf("R* = %.2f, G = %.2f\n", ps.BayesRisk(), ps.SamplerRisk())
	// Output:
	// clean label: 7
	// eta: [0 0 0.2 0 0 0 0 0.8 0 0]
	// R* = 0.20, G = 0.32
}

func ExampleSmooth() {
	s, _ := gen.NewSmooth(2, 2, 0.5)
	L, ok := s.Lipschitz()
	fmt.Printf("L = strength*pi*k/2 = %.4f %v\n", L, ok)
	// Output:
	// L = strength*pi*k/2 = 1.5708 true
}
