package learners

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// mlpNet is a fully connected ReLU network with layer sizes sizes[0] (the
// input), ..., sizes[L] (the K outputs). All parameters live in one slice,
// layer by layer: W_l (sizes[l] x sizes[l+1], row-major) at wOff[l], then
// b_l (sizes[l+1]) at bOff[l], so that optimizers and gradients are flat
// vectors of the same layout.
type mlpNet struct {
	sizes      []int
	params     []float64
	wOff, bOff []int
}

func newMLPNet(sizes []int) *mlpNet {
	net := &mlpNet{sizes: sizes}
	off := 0
	for l := range len(sizes) - 1 {
		net.wOff = append(net.wOff, off)
		off += sizes[l] * sizes[l+1]
		net.bOff = append(net.bOff, off)
		off += sizes[l+1]
	}
	net.params = make([]float64, off)
	return net
}

// layers returns L, the number of weight matrices.
func (net *mlpNet) layers() int { return len(net.sizes) - 1 }

// weights returns W_l inside the parameter vector p.
func (net *mlpNet) weights(p []float64, l int) blas64.General {
	r, c := net.sizes[l], net.sizes[l+1]
	return blas64.General{Rows: r, Cols: c, Stride: c, Data: p[net.wOff[l] : net.wOff[l]+r*c]}
}

// bias returns b_l inside the parameter vector p.
func (net *mlpNet) bias(p []float64, l int) []float64 {
	return p[net.bOff[l] : net.bOff[l]+net.sizes[l+1]]
}

// init draws He initial weights from rng (normal, variance 2/fan-in; row
// by row, layer by layer) and sets the biases to 0.
func (net *mlpNet) init(rng *rand.Rand) {
	for l := range net.layers() {
		w := net.weights(net.params, l)
		sd := math.Sqrt(2 / float64(net.sizes[l]))
		for i := range w.Data {
			w.Data[i] = sd * rng.NormFloat64()
		}
		clear(net.bias(net.params, l))
	}
}

// mlpWork is the scratch of forward and backward passes on up to rows
// points: act[l] holds the activations of layer l (act[0] is not used; the
// input is passed in), delta and prev the back-propagated errors.
type mlpWork struct {
	rows        int
	act         [][]float64
	delta, prev []float64
}

func newMLPWork(sizes []int, rows int) *mlpWork {
	w := &mlpWork{rows: rows, act: make([][]float64, len(sizes))}
	widest := 0
	for l := 1; l < len(sizes); l++ {
		w.act[l] = make([]float64, rows*sizes[l])
		widest = max(widest, sizes[l])
	}
	w.delta = make([]float64, rows*widest)
	w.prev = make([]float64, rows*widest)
	return w
}

// forward computes the outputs (logits) of the network with parameters p
// on the rows x (rows x sizes[0], row-major) into w and returns them
// (rows x K, a view into w).
func (net *mlpNet) forward(p, x []float64, rows int, w *mlpWork) []float64 {
	in := blas64.General{Rows: rows, Cols: net.sizes[0], Stride: net.sizes[0], Data: x}
	for l := range net.layers() {
		c := net.sizes[l+1]
		out := blas64.General{Rows: rows, Cols: c, Stride: c, Data: w.act[l+1][:rows*c]}
		b := net.bias(p, l)
		for i := range rows {
			copy(out.Data[i*c:(i+1)*c], b)
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, in, net.weights(p, l), 1, out)
		if l < net.layers()-1 {
			for i, v := range out.Data {
				out.Data[i] = max(v, 0)
			}
		}
		in = out
	}
	return in.Data
}

// lossGrad returns the objective of MLP on the rows x with labels y at the
// parameters p, with the penalty (decay/2) sum_l ||W_l||^2, and writes its
// gradient into grad (the layout of p). It returns NaN or Inf if the loss
// is not finite.
func (net *mlpNet) lossGrad(p, x []float64, y []int, decay float64, grad []float64, w *mlpWork) float64 {
	rows := len(y)
	k := net.sizes[len(net.sizes)-1]
	logits := net.forward(p, x, rows, w)
	// Softmax cross-entropy; delta = (softmax - onehot)/rows.
	delta := w.delta[:rows*k]
	loss := 0.0
	inv := 1 / float64(rows)
	for i := range rows {
		row := logits[i*k : (i+1)*k]
		_, top := argmaxLow(row)
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(v - top)
		}
		lse := top + math.Log(sum)
		loss += lse - row[y[i]]
		d := delta[i*k : (i+1)*k]
		for c, v := range row {
			d[c] = math.Exp(v-lse) * inv
		}
		d[y[i]] -= inv
	}
	loss *= inv
	// Back-propagation: delta holds dLoss/d(pre-activation of layer l+1).
	for l := net.layers() - 1; l >= 0; l-- {
		c := net.sizes[l+1]
		dz := blas64.General{Rows: rows, Cols: c, Stride: c, Data: w.delta[:rows*c]}
		var in blas64.General
		if l == 0 {
			in = blas64.General{Rows: rows, Cols: net.sizes[0], Stride: net.sizes[0], Data: x}
		} else {
			in = blas64.General{Rows: rows, Cols: net.sizes[l], Stride: net.sizes[l], Data: w.act[l][:rows*net.sizes[l]]}
		}
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, in, dz, 0, net.weights(grad, l))
		gb := net.bias(grad, l)
		clear(gb)
		for i := range rows {
			for j, v := range dz.Data[i*c : (i+1)*c] {
				gb[j] += v
			}
		}
		if l > 0 {
			r := net.sizes[l]
			prev := blas64.General{Rows: rows, Cols: r, Stride: r, Data: w.prev[:rows*r]}
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, dz, net.weights(p, l), 0, prev)
			// ReLU: the derivative is 1 where the activation is positive.
			for i, a := range in.Data {
				if a <= 0 {
					prev.Data[i] = 0
				}
			}
			w.delta, w.prev = w.prev, w.delta
		}
	}
	if decay > 0 {
		for l := range net.layers() {
			wl, gl := net.weights(p, l).Data, net.weights(grad, l).Data
			ss := 0.0
			for i, v := range wl {
				ss += v * v
				gl[i] += decay * v
			}
			loss += decay / 2 * ss
		}
	}
	return loss
}

// errors returns the number of rows of the standardised points z (indices
// idx, dimension sizes[0]) whose predicted class differs from y, using
// scratch xb (mlpEvalRows x d) and w.
func (net *mlpNet) errors(p, z []float64, y, idx []int, xb []float64, w *mlpWork) int {
	d, k := net.sizes[0], net.sizes[len(net.sizes)-1]
	wrong := 0
	for r0 := 0; r0 < len(idx); r0 += w.rows {
		r1 := min(r0+w.rows, len(idx))
		for a, i := range idx[r0:r1] {
			copy(xb[a*d:(a+1)*d], z[i*d:(i+1)*d])
		}
		out := net.forward(p, xb[:(r1-r0)*d], r1-r0, w)
		for a, i := range idx[r0:r1] {
			if c, _ := argmaxLow(out[a*k : (a+1)*k]); c != y[i] {
				wrong++
			}
		}
	}
	return wrong
}

// train runs the optimisation of MLP (parameters l with defaults applied)
// on the standardised points z with labels y, fitting the rows fitIdx and
// early-stopping on holdIdx if it is not empty, and records the outcome in
// c. rng continues the fit's stream (batch order).
func (c *MLPClassifier) train(l MLP, z []float64, y, fitIdx, holdIdx []int, rng *rand.Rand) error {
	net := c.net
	d := net.sizes[0]
	batch := min(l.Batch, len(fitIdx))
	np := len(net.params)
	grad := make([]float64, np)
	m1 := make([]float64, np)
	var m2 []float64
	if l.Optimizer == Adam {
		m2 = make([]float64, np)
	}
	xb := make([]float64, max(batch, mlpEvalRows)*d)
	yb := make([]int, batch)
	tw := newMLPWork(net.sizes, batch)
	ew := newMLPWork(net.sizes, mlpEvalRows)
	order := append([]int(nil), fitIdx...)
	var best []float64
	bestErr := math.Inf(1)
	c.fitted, c.held = len(fitIdx), len(holdIdx)
	b1t, b2t := 1.0, 1.0
	for epoch := 1; epoch <= l.MaxEpochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for s := 0; s < len(order); s += batch {
			e := min(s+batch, len(order))
			for a, i := range order[s:e] {
				copy(xb[a*d:(a+1)*d], z[i*d:(i+1)*d])
				yb[a] = y[i]
			}
			loss := net.lossGrad(net.params, xb[:(e-s)*d], yb[:e-s], l.WeightDecay, grad, tw)
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return fmt.Errorf("learners: MLP loss became %v at epoch %d (learning rate %g too large for the data?)", loss, epoch, l.LearningRate)
			}
			switch l.Optimizer {
			case Adam:
				b1t *= adamBeta1
				b2t *= adamBeta2
				step := l.LearningRate / (1 - b1t)
				for i, g := range grad {
					m1[i] = adamBeta1*m1[i] + (1-adamBeta1)*g
					m2[i] = adamBeta2*m2[i] + (1-adamBeta2)*g*g
					net.params[i] -= step * m1[i] / (math.Sqrt(m2[i]/(1-b2t)) + adamEpsilon)
				}
			case SGDMomentum:
				for i, g := range grad {
					m1[i] = l.Momentum*m1[i] + g
					net.params[i] -= l.LearningRate * m1[i]
				}
			}
		}
		c.epochs = epoch
		trainWrong := net.errors(net.params, z, y, fitIdx, xb, ew)
		if len(holdIdx) == 0 {
			c.bestEpoch = epoch
			c.trainErr = float64(trainWrong) / float64(len(fitIdx))
			if trainWrong == 0 {
				break
			}
			continue
		}
		he := float64(net.errors(net.params, z, y, holdIdx, xb, ew)) / float64(len(holdIdx))
		if he < bestErr {
			bestErr, c.bestEpoch = he, epoch
			c.trainErr = float64(trainWrong) / float64(len(fitIdx))
			best = append(best[:0], net.params...)
		} else if epoch-c.bestEpoch >= l.Patience {
			break
		}
	}
	if best != nil {
		copy(net.params, best)
		c.holdErr = bestErr
	}
	for _, v := range net.params {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("learners: MLP weights became %v (learning rate %g too large for the data?)", v, l.LearningRate)
		}
	}
	return nil
}
