package learners

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultCommandTimeout is the deadline of each exchange with a Command's
// process when Command.Timeout is zero.
const DefaultCommandTimeout = time.Minute

// Command is a Learner backed by an external program: a model in any
// language that speaks the rolemodels-bridge protocol (version 1) on its
// standard input and output. learners/python/rolemodels_bridge.py serves any
// scikit-learn-style estimator over it, and learners/python/example_sklearn.py
// any scikit-learn classifier named on its command line:
//
//	py := &learners.Command{Path: "/usr/bin/python3", Args: []string{
//		"learners/python/example_sklearn.py",
//		"sklearn.neighbors.KNeighborsClassifier", `{"n_neighbors": 1}`}}
//	defer py.Close()
//	claims.CheckSampler(t, py)
//
// # Protocol
//
// learners/python/README.md specifies it; in short, every message is a frame
// (a 4-byte ASCII tag, a little-endian uint64 payload length, the payload),
// and Go sends requests, each answered by one reply in order: HELO (JSON
// {"protocol": "rolemodels-bridge", "version": 1}, answered by the model's
// own HELO, which also names the model); FITM (a model id, n, d, K, the n x d
// float64 matrix and n int64 labels), answered by DONE; PRED (a model id,
// n, d, optionally n uint64 seeds, the n x d matrix), answered by LABL (n
// int64 labels); FREE (model ids to forget), answered by DONE; QUIT, after
// which the model exits with status 0 (as it must at the end of its standard
// input). DONE and LABL carry the nanoseconds the model spent, for
// CommandStats. A request the model cannot serve (an exception in fit, say)
// is answered by FAIL and a message, and the model serves the next one. The
// model writes nothing else on its standard output; its standard error is
// free (logs, warnings, tracebacks): Go drains it concurrently and keeps its
// tail for error messages.
//
// # Processes
//
// The first Fit starts the program and later Fits reuse it: one process
// serves every model the Command fits, each under its own id, because
// starting a Python interpreter that imports scikit-learn takes about a
// second, far more than a fit and a prediction at the sizes of the checks.
// Fit returns a *CommandClassifier whose Close frees its model in the
// process. The process lives until Close or until it fails: any failure of
// a call except a FAIL reply kills it (the classifiers fitted on it then
// return errors) and the next Fit starts a new one. Close is the way to end
// the process, and after Close no process of the Command is left. As a
// safety net, a process whose Command and
// classifiers have all become unreachable is killed by a cleanup after a
// garbage collection, and a model whose parent dies sees the end of its
// standard input and exits. On Unix the process leads its own process group,
// and killing it kills the group.
//
// # Deadlines and errors
//
// Every exchange with the process (start and hello, fit, predict, free,
// close) must complete within Timeout; FitContext and PredictBatchContext
// also stop when their context is done. When either expires the process is
// killed, since the protocol has no way to interrupt a model. Every failure
// involving the process is a *CommandError naming the stage, the cause, how
// the process ended and the tail of its standard error: a missing program, a
// model that exits, writes something that is not a frame, answers a frame of
// the wrong kind or length, the wrong number of labels or a label outside
// [0, K), speaks another protocol or version, or outlives the deadline. A
// FAIL reply is a *CommandError whose Err is a *ModelError.
//
// # Concurrency
//
// A Command and its classifiers are safe for concurrent use. Calls to one
// process are serialised by a mutex: the model sees one request at a time,
// and concurrent callers wait for each other. Each call is a round trip to
// the process, so Predict costs a round trip per point: callers that label
// many points should use PredictBatch.
//
// # Randomness
//
// A model cannot draw from a Go *rand.Rand, so its randomness crosses the
// protocol as seeds: Predict and PredictBatch with a non-nil rng draw exactly
// one rng.Uint64() per row, in row order, and send them as the rows' seeds;
// with a nil rng they send none. The same rng state therefore gives the same
// answers whenever the model's answer for a row is a function of the row's
// point and seed. Whether a batch equals the sequence of single predictions
// from the same rng (the Classifier contract for randomized classifiers)
// depends on the model, and the bridge cannot enforce it: it holds if the
// model draws row i's randomness from seed i alone, as ServeCommand and
// rolemodels_bridge.py's seeds argument arrange. A model that wants seeds
// (rolemodels_bridge.py: a predict that takes seeds) must fail a request
// without them, as randomized classifiers must fail with a nil rng.
//
// A Command must not be copied after its first Fit.
type Command struct {
	// Path is the program to run (looked up in PATH if it has no slash);
	// Args its arguments.
	Path string
	Args []string
	// Env is the program's environment; nil means the environment of the
	// Go process. Dir is its working directory; empty means the Go
	// process's.
	Env []string
	Dir string
	// Timeout is the deadline of each exchange with the process (including
	// the start of the program up to its hello); zero means
	// DefaultCommandTimeout. Large fits need a larger one.
	Timeout time.Duration

	mu    sync.Mutex
	owner *commandOwner
	stats *commandCounters
}

// commandOwner holds a running process for a Command and its classifiers. It
// is the object whose unreachability ends the process (see Command), so only
// the Command and the classifiers point to it.
type commandOwner struct {
	p *commandProcess
}

// timeout returns the deadline of an exchange.
func (c *Command) timeout() time.Duration {
	if c.Timeout == 0 {
		return DefaultCommandTimeout
	}
	return c.Timeout
}

// Fit calls FitContext with a background context.
func (c *Command) Fit(train Dataset) (Classifier, error) {
	h, err := c.FitContext(context.Background(), train)
	if err != nil {
		return nil, err
	}
	return h, nil
}

// FitContext validates train (see Dataset.Validate), starts the program if
// no process of c is running, and sends train to it as a new model. It
// returns an error if train or c is invalid (an empty Path, a negative
// Timeout), and a *CommandError if the program cannot be started or the
// model fails to fit within c.Timeout and ctx.
func (c *Command) FitContext(ctx context.Context, train Dataset) (*CommandClassifier, error) {
	if err := train.Validate(); err != nil {
		return nil, err
	}
	o, err := c.process(ctx)
	if err != nil {
		return nil, err
	}
	id, err := o.p.fit(ctx, train)
	runtime.KeepAlive(o) // see Close
	if err != nil {
		return nil, err
	}
	h := &CommandClassifier{owner: o, id: id, dim: train.D, classes: train.K}
	h.cleanup = runtime.AddCleanup(h, func(r modelRef) { r.p.queueFree(r.id) }, modelRef{o.p, id})
	return h, nil
}

// modelRef names a model in a process, for the cleanup of its classifier.
type modelRef struct {
	p  *commandProcess
	id uint64
}

// process returns the owner of c's running process, starting one if there
// is none or the last one failed.
func (c *Command) process(ctx context.Context) (*commandOwner, error) {
	switch {
	case c.Path == "":
		return nil, errors.New("learners: Command with an empty Path")
	case c.Timeout < 0:
		return nil, fmt.Errorf("learners: Command.Timeout = %v, want >= 0 (0: DefaultCommandTimeout)", c.Timeout)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.owner != nil && !c.owner.p.dead.Load() {
		return c.owner, nil
	}
	if c.stats == nil {
		c.stats = new(commandCounters)
	}
	p, err := startCommandProcess(ctx, c, c.stats)
	if err != nil {
		return nil, err
	}
	o := &commandOwner{p: p}
	runtime.AddCleanup(o, (*commandProcess).abandon, p)
	c.owner = o
	return o, nil
}

// Close ends c's process, if one is running: it sends QUIT, waits for the
// process to exit within c.Timeout and kills it (with its process group)
// after that. When Close returns no process of c is left; classifiers
// fitted by c return errors from then on, and a later Fit starts a new
// process. Close returns a *CommandError if the process had to be killed or
// exited with a non-zero status, and nil if none was running.
func (c *Command) Close() error {
	c.mu.Lock()
	o := c.owner
	c.owner = nil
	c.mu.Unlock()
	if o == nil {
		return nil
	}
	err := o.p.shutdown()
	// o's cleanup would kill the process; it must not run before shutdown
	// has ended it properly.
	runtime.KeepAlive(o)
	return err
}

// CommandStats counts a Command's work since its creation, over all its
// processes, so that the bridge's overhead can be measured: Wall - Model is
// the time spent outside the model (encoding, pipes, the model's own
// decoding).
type CommandStats struct {
	Starts   int           // processes started
	Start    time.Duration // wall time of the starts, up to the model's hello
	Fits     int           // successful fits
	Predicts int           // successful Predict and PredictBatch calls
	Points   int           // rows they predicted
	Wall     time.Duration // wall time of those fits and predictions, from Go
	Model    time.Duration // the time the model reported spending in them
}

// Stats returns the counts of c's work.
func (c *Command) Stats() CommandStats {
	c.mu.Lock()
	s := c.stats
	c.mu.Unlock()
	if s == nil {
		return CommandStats{}
	}
	return CommandStats{
		Starts:   int(s.starts.Load()),
		Start:    time.Duration(s.startNanos.Load()),
		Fits:     int(s.fits.Load()),
		Predicts: int(s.predicts.Load()),
		Points:   int(s.points.Load()),
		Wall:     time.Duration(s.wallNanos.Load()),
		Model:    time.Duration(s.modelNanos.Load()),
	}
}

// CommandClassifier is a model fitted by a Command, living in the Command's
// process. It is safe for concurrent use (see Command).
type CommandClassifier struct {
	owner        *commandOwner
	id           uint64
	dim, classes int
	closed       atomic.Bool
	cleanup      runtime.Cleanup
}

// Dim returns the input dimension of the training data.
func (h *CommandClassifier) Dim() int { return h.dim }

// Classes returns the number of classes K of the training data.
func (h *CommandClassifier) Classes() int { return h.classes }

// Predict returns the model's label of x, sending one seed drawn from rng if
// rng is not nil (see Command). It is PredictBatch on one row, so each call
// is a round trip to the process: predict many points with PredictBatch.
func (h *CommandClassifier) Predict(x []float64, rng *rand.Rand) (int, error) {
	if err := checkQuery(x, h.dim); err != nil {
		return 0, err
	}
	var dst [1]int
	if err := h.PredictBatchContext(context.Background(), x, dst[:], rng); err != nil {
		return 0, err
	}
	return dst[0], nil
}

// PredictBatch calls PredictBatchContext with a background context.
func (h *CommandClassifier) PredictBatch(x []float64, dst []int, rng *rand.Rand) error {
	return h.PredictBatchContext(context.Background(), x, dst, rng)
}

// PredictBatchContext writes the model's label of each row of the row-major
// matrix x into dst in one exchange with the process, sending one seed per
// row drawn from rng in row order if rng is not nil (see Command). It
// returns an error on ragged or non-finite input or a length mismatch, after
// Close, and a *CommandError if the model fails, answers the wrong number of
// labels or a label outside [0, Classes()), or does not answer within the
// Command's Timeout and ctx.
func (h *CommandClassifier) PredictBatchContext(ctx context.Context, x []float64, dst []int, rng *rand.Rand) error {
	if err := checkBatch(x, h.dim, dst); err != nil {
		return err
	}
	if h.closed.Load() {
		return errors.New("learners: CommandClassifier used after Close")
	}
	err := h.owner.p.predict(ctx, h.id, x, h.dim, h.classes, dst, rng)
	// If h was the last reference to its process's owner, the owner's
	// cleanup must not kill the process during the call.
	runtime.KeepAlive(h)
	return err
}

// Close frees the model in the process (one exchange, within the Command's
// Timeout). The process itself belongs to the Command and ends with
// Command.Close. Close returns a *CommandError if the exchange fails, and
// nil if the process has already ended or h is already closed.
func (h *CommandClassifier) Close() error {
	if h.closed.Swap(true) {
		return nil
	}
	h.cleanup.Stop()
	err := h.owner.p.free(h.id)
	runtime.KeepAlive(h)
	return err
}
