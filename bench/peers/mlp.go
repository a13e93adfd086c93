package main

import (
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/rolemodels/rolemodels/bench"
	"github.com/rolemodels/rolemodels/learners"
)

//go:embed mlp_peer.py
var mlpPeerScript []byte

// The MLP cases (issue 12): the experiment's shapes (width 256, 600 and
// 2000 points of dimension 64, 10 classes) and one larger, each trained for
// mlpPeerEpochs epochs with batches of 32, as BenchmarkMLP does.
const (
	mlpPeerEpochs = 5
	mlpPeerBatch  = 32
	mlpPeerTest   = 1000
)

type mlpCase struct {
	Name   string `json:"name"`
	M      int    `json:"m"`
	Q      int    `json:"q"`
	D      int    `json:"d"`
	K      int    `json:"k"`
	Width  int    `json:"width"`
	Epochs int    `json:"epochs"`
	Batch  int    `json:"batch"`
	XTrain string `json:"xtrain"`
	YTrain string `json:"ytrain"`
	XTest  string `json:"xtest"`
	YTest  string `json:"ytest"`

	train, test learners.Dataset
}

type mlpManifest struct {
	Reps    int       `json:"reps"`
	Threads int       `json:"threads"`
	Cases   []mlpCase `json:"cases"`
}

type mlpSide struct {
	Seconds      float64 `json:"seconds"`
	TrainError   float64 `json:"train_error"`
	TestAccuracy float64 `json:"test_accuracy"`
	Epochs       int     `json:"epochs"`
}

type mlpPeerResults struct {
	Python   string `json:"python"`
	Versions string `json:"versions"`
	Threads  int    `json:"threads"`
	MLP      []struct {
		Name    string  `json:"name"`
		Float64 mlpSide `json:"float64"`
		Float32 mlpSide `json:"float32"`
	} `json:"mlp"`
}

// runMLPPeers times learners.MLP against PyTorch (mlp_peer.py, the same
// architecture, initialisation law, optimizer, batch size, epochs and
// data; torch with as many threads as GOMAXPROCS) and prints the table:
// times are the minimum of reps fits, the ratio is torch time / Go time
// (>= 1 means Go is at least as fast), and agreement is the training error
// and test accuracy of each side's network (different random streams, so
// close, not equal).
func runMLPPeers(dir string, reps int, idleLoad float64, idleTimeout time.Duration, python string) error {
	man := mlpManifest{Reps: reps, Threads: runtime.GOMAXPROCS(0)}
	for _, s := range []struct{ m, d, w int }{{600, 64, 256}, {2000, 64, 256}, {10000, 128, 512}} {
		train, test := bench.MLPData(s.m, mlpPeerTest, s.d)
		stem := fmt.Sprintf("mlp_m%d_d%d", s.m, s.d)
		man.Cases = append(man.Cases, mlpCase{
			Name: fmt.Sprintf("mlp/fit/m=%d,d=%d,w=%d", s.m, s.d, s.w), M: s.m, Q: mlpPeerTest, D: s.d, K: train.K,
			Width: s.w, Epochs: mlpPeerEpochs, Batch: mlpPeerBatch,
			XTrain: stem + "_xtrain.f64", YTrain: stem + "_ytrain.i64", XTest: stem + "_xtest.f64", YTest: stem + "_ytest.i64",
			train: train, test: test,
		})
	}
	for _, c := range man.Cases {
		for _, f := range []struct {
			name string
			v    any
		}{{c.XTrain, c.train.X}, {c.YTrain, int64s(c.train.Y)}, {c.XTest, c.test.X}, {c.YTest, int64s(c.test.Y)}} {
			if err := writeBinary(filepath.Join(dir, f.name), f.v); err != nil {
				return err
			}
		}
	}
	b, err := json.MarshalIndent(man, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "mlp_manifest.json"), b, 0o644); err != nil {
		return err
	}
	script := filepath.Join(dir, "mlp_peer.py")
	if err := os.WriteFile(script, mlpPeerScript, 0o644); err != nil {
		return err
	}

	start := time.Now()
	goLoad, warnings := waitIdle("Go side (mlp)", idleLoad, idleTimeout)
	goRes := make([]mlpSide, len(man.Cases))
	for i, c := range man.Cases {
		l := learners.MLP{Width: c.Width, MaxEpochs: c.Epochs, Batch: c.Batch, Seed: 1}
		r := mlpSide{Seconds: math.Inf(1)}
		for range reps {
			runtime.GC()
			t0 := time.Now()
			h, err := l.Fit(c.train)
			dt := time.Since(t0).Seconds()
			if err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			mc := h.(*learners.MLPClassifier)
			r.Seconds = min(r.Seconds, dt)
			r.TrainError, r.Epochs = mc.TrainError(), mc.Epochs()
			pred := make([]int, c.Q)
			if err := mc.PredictBatch(c.test.X, pred, nil); err != nil {
				return err
			}
			ok := 0
			for j, p := range pred {
				if p == c.test.Y[j] {
					ok++
				}
			}
			r.TestAccuracy = float64(ok) / float64(c.Q)
		}
		goRes[i] = r
		logf("%s Go %.4f s, training error %.4f, test accuracy %.4f", c.Name, r.Seconds, r.TrainError, r.TestAccuracy)
	}
	peerLoad, warn := waitIdle("peer side (mlp)", idleLoad, idleTimeout)
	warnings = append(warnings, warn...)
	cmd := exec.Command(python, script, dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	logf("running %s %s %s", python, script, dir)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("peer %s: %w (is PyTorch installed? apt-get install -y python3-torch)", python, err)
	}
	pb, err := os.ReadFile(filepath.Join(dir, "mlp_peer.json"))
	if err != nil {
		return err
	}
	var peer mlpPeerResults
	if err := json.Unmarshal(pb, &peer); err != nil {
		return fmt.Errorf("mlp_peer.json: %w", err)
	}

	fmt.Printf("rolemodels peers (mlp), %s (%.0f s)\n", start.UTC().Format("2006-01-02 15:04 UTC"), time.Since(start).Seconds())
	tags, cgo := buildSettings()
	fmt.Printf("cpu: %s, %d logical CPUs; Go %s GOMAXPROCS=%d, build tags %q, CGO_ENABLED=%s\n", cpuModel(), runtime.NumCPU(), runtime.Version(), runtime.GOMAXPROCS(0), tags, cgo)
	fmt.Printf("peer: %s; %s; torch threads %d\n", peer.Python, peer.Versions, peer.Threads)
	fmt.Printf("load average when timing started: Go side %.2f, peer side %.2f (threshold %.2f); min of %d reps per side\n", goLoad, peerLoad, idleLoad, reps)
	fmt.Printf("mlp: one hidden ReLU layer, softmax cross-entropy, Adam lr 1e-3, batches of %d, %d epochs with the training error after each, He init; features standardised on both sides; 10 classes (bench.MLPData), %d test points\n", mlpPeerBatch, mlpPeerEpochs, mlpPeerTest)
	for _, w := range warnings {
		fmt.Println(w)
	}
	fmt.Println()
	fmt.Println("| case | Go s (float64) | Go train err / test acc | torch float64 s | torch/Go | torch float32 s | torch/Go | torch float64 train err / test acc |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	for i, c := range man.Cases {
		g := goRes[i]
		var p *mlpSide
		var p32 mlpSide
		for _, r := range peer.MLP {
			if r.Name == c.Name {
				p, p32 = &r.Float64, r.Float32
			}
		}
		if p == nil {
			return fmt.Errorf("%s: no peer result", c.Name)
		}
		fmt.Printf("| %s | %.4f | %.4f / %.4f | %.4f | %.2f | %.4f | %.2f | %.4f / %.4f |\n",
			c.Name, g.Seconds, g.TrainError, g.TestAccuracy, p.Seconds, p.Seconds/g.Seconds, p32.Seconds, p32.Seconds/g.Seconds, p.TrainError, p.TestAccuracy)
	}
	return nil
}

func int64s(v []int) []int64 {
	u := make([]int64, len(v))
	for i, x := range v {
		u[i] = int64(x)
	}
	return u
}

// writeBinary writes v ([]float64 or []int64) little-endian to path.
func writeBinary(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := binary.Write(f, binary.LittleEndian, v); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
