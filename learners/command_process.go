package learners

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// commandTailBytes is how much of a model's standard error is kept for
	// error messages: enough for a Python traceback's last frames.
	commandTailBytes = 2048
	// commandExitGrace is how long a failed call waits for a model that
	// closed its pipes to exit by itself (so that its own exit status and
	// last words on stderr make the error), and for stderr to reach its end
	// after the exit; it bounds nothing else.
	commandExitGrace = time.Second
	// commandReapWait bounds the wait for a killed process to be reaped. A
	// SIGKILL cannot be ignored, so only a process stuck in the kernel
	// (uninterruptible sleep) takes longer; it is reported, not waited for.
	commandReapWait = 10 * time.Second
)

// CommandError is the error of a Command or CommandClassifier call that
// involved the model's process. Its message reads
//
//	learners: command NAME (pid P, MODEL): STAGE: ERR[; EXIT][; stderr: "TAIL"]
//
// Errors that happen before any process exists (invalid data, a nil rng
// where one is needed) are plain errors, like those of the other learners.
type CommandError struct {
	// Command is the program's base name, its process id and the model's
	// name from its hello, when known.
	Command string
	// Stage is the call that failed: "start", "hello", "fit", "predict",
	// "free" or "close".
	Stage string
	// Err is the cause; errors.Is(err, context.DeadlineExceeded) holds for
	// a call that outlived Command.Timeout.
	Err error
	// Exit says how the process ended, empty if it is still running (after
	// a FAIL reply, the process lives on).
	Exit string
	// Stderr is the tail of the model's standard error (the last
	// commandTailBytes bytes), empty if it wrote nothing.
	Stderr string
}

func (e *CommandError) Error() string {
	s := fmt.Sprintf("learners: command %s: %s: %v", e.Command, e.Stage, e.Err)
	if e.Exit != "" {
		s += "; " + e.Exit
	}
	if e.Stderr != "" {
		s += fmt.Sprintf("; stderr: %q", e.Stderr)
	}
	return s
}

func (e *CommandError) Unwrap() error { return e.Err }

// ModelError is the cause (CommandError.Err) of a call that the model
// answered with a FAIL frame: the model could not fit or predict (a Python
// exception, say) and said so. The process lives on and serves later calls.
type ModelError struct {
	Message string
}

func (e *ModelError) Error() string { return "the model failed: " + e.Message }

// commandCounters accumulate CommandStats; processes share their Command's.
type commandCounters struct {
	starts, fits, predicts, points    atomic.Int64
	startNanos, wallNanos, modelNanos atomic.Int64
}

// commandProcess is one running model program, the pipes to it and the
// protocol state. Calls are serialised by mu. Nothing here points back to
// the Command or its classifiers, so that the goroutines that watch the
// process (which reference it) do not keep them reachable.
type commandProcess struct {
	base    string // the program's base name, for messages
	timeout time.Duration
	stats   *commandCounters

	cmd     *exec.Cmd
	stdin   *os.File
	stdout  *os.File
	out     *bufio.Reader
	stderr  *os.File
	tail    tailBuffer
	drained chan struct{} // closed when stderr has reached its end
	exited  chan struct{} // closed when the process has been reaped

	sigMu   sync.Mutex // guards reaped, killed and the signal sent by kill
	reaped  bool
	killed  bool
	waitErr error // valid once exited is closed

	mu     sync.Mutex
	err    *CommandError // set when the process is unusable: failed or closed
	closed bool          // err is the closing of the process, not a failure
	dead   atomic.Bool   // err != nil, readable without mu
	model  string        // the model's name from its hello
	nextID uint64
	req    []byte
	resp   []byte

	freeMu  sync.Mutex
	pending []uint64 // ids of collected classifiers, freed at the next call
}

// startCommandProcess starts the program of c, exchanges hellos with it
// within c's deadline and ctx, and returns the running process. On error no
// process is left running.
func startCommandProcess(ctx context.Context, c *Command, stats *commandCounters) (*commandProcess, error) {
	start := time.Now()
	p := &commandProcess{
		base:    filepath.Base(c.Path),
		timeout: c.timeout(),
		stats:   stats,
		drained: make(chan struct{}),
		exited:  make(chan struct{}),
	}
	var files [6]*os.File // stdin r, w; stdout r, w; stderr r, w
	for i := 0; i < len(files); i += 2 {
		r, w, err := os.Pipe()
		if err != nil {
			closeFiles(files[:i]...)
			return nil, p.errorf("start", "%w", err)
		}
		files[i], files[i+1] = r, w
	}
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Env = c.Env
	cmd.Dir = c.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = files[0], files[3], files[5]
	newProcessGroup(cmd)
	err := cmd.Start()
	// The child holds its own copies of its ends; ours must go, so that
	// its exit shows as the end of its stdout and stderr.
	closeFiles(files[0], files[3], files[5])
	if err != nil {
		closeFiles(files[1], files[2], files[4])
		return nil, p.errorf("start", "%w", err)
	}
	p.cmd, p.stdin, p.stdout, p.stderr = cmd, files[1], files[2], files[4]
	p.out = bufio.NewReaderSize(p.stdout, 1<<16)
	stats.starts.Add(1)
	go p.drainStderr()
	go p.reap()

	p.mu.Lock()
	defer p.mu.Unlock()
	p.req = appendHello(p.req[:0], "")
	err = p.exchange(ctx, "hello", p.req, p.readHello)
	if err != nil && !p.dead.Load() {
		// A FAIL answer to the hello (the model refuses the version) does
		// not kill by itself: a process that cannot talk is useless.
		var ce *CommandError
		errors.As(err, &ce)
		err = p.fail("hello", ce.Err)
	}
	stats.startNanos.Add(int64(time.Since(start)))
	if err != nil {
		return nil, err
	}
	return p, nil
}

func closeFiles(files ...*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// drainStderr copies the model's standard error into the bounded tail until
// its end, so that a model writing much to stderr never blocks on it.
func (p *commandProcess) drainStderr() {
	defer close(p.drained)
	buf := make([]byte, 4096)
	for {
		n, err := p.stderr.Read(buf)
		p.tail.Write(buf[:n])
		if err != nil {
			p.stderr.Close()
			return
		}
	}
}

// reap waits for the process and records how it ended.
func (p *commandProcess) reap() {
	err := p.cmd.Wait()
	p.sigMu.Lock()
	p.reaped, p.waitErr = true, err
	p.sigMu.Unlock()
	close(p.exited)
}

// kill sends SIGKILL to the process's group unless the process has been
// reaped (its id may then belong to another process).
func (p *commandProcess) kill() {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	if !p.reaped {
		p.killed = true
		killProcessGroup(p.cmd.Process)
	}
}

// interrupt kills the process and makes the pending read or write of a call
// return at once, even if a grandchild outside the process group still
// holds the other end of a pipe.
func (p *commandProcess) interrupt() {
	p.kill()
	now := time.Now()
	if p.stdin.SetWriteDeadline(now) != nil {
		p.stdin.Close()
	}
	if p.stdout.SetReadDeadline(now) != nil {
		p.stdout.Close()
	}
}

// abandon is the cleanup of a process whose Command and classifiers are all
// unreachable: it kills the process and closes the pipes without waiting;
// the reaper goroutine collects the process.
func (p *commandProcess) abandon() {
	p.kill()
	closeFiles(p.stdin, p.stdout)
}

// name is the process's name in messages.
func (p *commandProcess) name() string {
	if p.cmd == nil || p.cmd.Process == nil {
		return p.base
	}
	if p.model == "" {
		return fmt.Sprintf("%s (pid %d)", p.base, p.cmd.Process.Pid)
	}
	model := p.model
	if len(model) > 80 {
		model = model[:77] + "..."
	}
	return fmt.Sprintf("%s (pid %d, %s)", p.base, p.cmd.Process.Pid, model)
}

// errorf returns a CommandError of stage for a process that is still
// running (or never started).
func (p *commandProcess) errorf(stage, format string, args ...any) *CommandError {
	return &CommandError{Command: p.name(), Stage: stage, Err: fmt.Errorf(format, args...), Stderr: p.tail.String()}
}

// fail makes the process unusable after cause: it kills the process, waits
// for it to be reaped, and returns (and keeps, for later calls) the error.
// Callers hold mu.
func (p *commandProcess) fail(stage string, cause error) *CommandError {
	if errors.Is(cause, io.EOF) || errors.Is(cause, io.ErrUnexpectedEOF) || errors.Is(cause, syscall.EPIPE) {
		// The model closed a pipe: it is probably exiting. Let it, so
		// that the error carries its own exit status.
		select {
		case <-p.exited:
		case <-time.After(commandExitGrace):
		}
	}
	e := &CommandError{Command: p.name(), Stage: stage, Err: cause}
	e.Exit, e.Stderr = p.stop(), p.tail.String()
	p.err = e
	p.dead.Store(true)
	return e
}

// stop kills the process if it is running, waits for it to be reaped and
// for its stderr to end (each within a bound), closes the pipes and returns
// how the process ended.
func (p *commandProcess) stop() string {
	p.kill()
	select {
	case <-p.exited:
	case <-time.After(commandReapWait):
		return fmt.Sprintf("the process did not end within %v of SIGKILL", commandReapWait)
	}
	select {
	case <-p.drained:
	case <-time.After(commandExitGrace):
		// A grandchild outside the process group holds stderr open.
		p.stderr.Close()
	}
	closeFiles(p.stdin, p.stdout)
	return p.exitString()
}

// exitString describes how the reaped process ended.
func (p *commandProcess) exitString() string {
	p.sigMu.Lock()
	defer p.sigMu.Unlock()
	var ee *exec.ExitError
	switch {
	case p.waitErr == nil:
		return "the process exited with status 0"
	case errors.As(p.waitErr, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && p.killed && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return "the process was killed"
		}
		return "the process ended: " + ee.String()
	default:
		return "the process ended: " + p.waitErr.Error()
	}
}

// unusable is the error of a call on a failed or closed process.
func (p *commandProcess) unusable(stage string) *CommandError {
	if p.closed {
		return &CommandError{Command: p.err.Command, Stage: stage, Err: errors.New("the Command was closed")}
	}
	return &CommandError{Command: p.err.Command, Stage: stage,
		Err: fmt.Errorf("the process failed earlier (%s: %w)", p.err.Stage, p.err.Err), Exit: p.err.Exit, Stderr: p.err.Stderr}
}

// exchange writes the request req (after a FREE of the ids queued by
// collected classifiers) and reads its reply with read, all within the
// process's deadline and ctx. When either expires the process is killed,
// since the protocol has no way to interrupt a model. Any error but a FAIL
// reply (a ModelError) leaves the process killed and unusable. Callers hold
// mu.
func (p *commandProcess) exchange(ctx context.Context, stage string, req []byte, read func() error) error {
	if p.err != nil {
		return p.unusable(stage)
	}
	if err := ctx.Err(); err != nil {
		return p.errorf(stage, "%w", err)
	}
	p.freeMu.Lock()
	freeing := len(p.pending) > 0
	if freeing {
		free := appendFree(nil, p.pending)
		p.pending = p.pending[:0]
		req = append(free, req...)
	}
	p.freeMu.Unlock()

	cctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	stop := context.AfterFunc(cctx, p.interrupt)
	_, err := p.stdin.Write(req)
	if err != nil {
		err = fmt.Errorf("the model does not read its standard input: %w", err)
	}
	if err == nil && freeing {
		err = p.readFreed()
	}
	if err == nil {
		err = read()
	}
	if !stop() {
		// The deadline or ctx fired and killed the process, during the
		// exchange or just after it: either way the process is gone.
		if ctx.Err() != nil {
			return p.fail(stage, fmt.Errorf("%w (the process was killed)", context.Cause(ctx)))
		}
		return p.fail(stage, fmt.Errorf("no reply within the deadline of %v (Command.Timeout): %w", p.timeout, context.DeadlineExceeded))
	}
	var me *ModelError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &me):
		return p.errorf(stage, "%w", err)
	default:
		return p.fail(stage, err)
	}
}

// readReply reads the header of the reply to a request with tag req, which
// must be want or FAIL; it returns the payload length of a want frame, and
// a ModelError for a FAIL frame.
func (p *commandProcess) readReply(req, want string) (uint64, error) {
	tag, n, err := readHeader(p.out, tagHello, tagDone, tagLabels, tagFail)
	switch {
	case err == io.EOF:
		return 0, fmt.Errorf("the model closed its standard output instead of replying: %w", err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return 0, fmt.Errorf("the model's standard output ended inside a frame header: %w", err)
	case err != nil:
		return 0, err
	case tag == tagFail:
		text, err := readText(p.out, tag, n)
		if err != nil {
			return 0, err
		}
		return 0, &ModelError{Message: string(text)}
	case tag != want:
		return 0, fmt.Errorf("a %s frame in reply to %s, want %s or %s", tag, req, want, tagFail)
	}
	return n, nil
}

// payload reads a reply payload of n bytes into p.resp.
func (p *commandProcess) payload(n uint64) ([]byte, error) {
	b, err := readPayload(p.out, p.resp, n)
	p.resp = b
	if err != nil {
		return nil, fmt.Errorf("the model's standard output ended inside a %d-byte payload: %w", n, err)
	}
	return b, nil
}

// readDone reads a DONE reply to req and returns the model's nanoseconds.
func (p *commandProcess) readDone(req string) (uint64, error) {
	n, err := p.readReply(req, tagDone)
	if err != nil {
		return 0, err
	}
	if n != 8 {
		return 0, fmt.Errorf("a %s frame of %d bytes, want 8", tagDone, n)
	}
	b, err := p.payload(n)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// readFreed reads the reply to a FREE; a FAIL is the model's business.
func (p *commandProcess) readFreed() error {
	_, err := p.readDone(tagFree)
	var me *ModelError
	if errors.As(err, &me) {
		return nil
	}
	return err
}

func (p *commandProcess) readHello() error {
	n, err := p.readReply(tagHello, tagHello)
	if err != nil {
		return err
	}
	text, err := readText(p.out, tagHello, n)
	if err != nil {
		return err
	}
	var h helloMessage
	if err := json.Unmarshal(text, &h); err != nil {
		return fmt.Errorf("the model's hello %q is not JSON: %w", text, err)
	}
	if h.Protocol != CommandProtocol || h.Version != CommandProtocolVersion {
		return fmt.Errorf("the model speaks %q version %d, want %q version %d", h.Protocol, h.Version, CommandProtocol, CommandProtocolVersion)
	}
	p.model = h.Model
	return nil
}

// fit sends train as a new model and returns its id.
func (p *commandProcess) fit(ctx context.Context, train Dataset) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := time.Now()
	id := p.nextID
	p.nextID++
	p.req = appendFit(p.req[:0], id, train)
	var spent uint64
	err := p.exchange(ctx, "fit", p.req, func() (err error) {
		spent, err = p.readDone(tagFit)
		return err
	})
	if err != nil {
		return 0, err
	}
	p.stats.fits.Add(1)
	p.stats.wallNanos.Add(int64(time.Since(start)))
	p.stats.modelNanos.Add(int64(spent))
	return id, nil
}

// predict asks model id for the labels of the rows of x (dimension d) into
// dst, with one seed per row from rng if it is not nil, and checks that there
// is one label per row, each in [0, k).
func (p *commandProcess) predict(ctx context.Context, id uint64, x []float64, d, k int, dst []int, rng *rand.Rand) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := time.Now()
	p.req = appendPredict(p.req[:0], id, rng, x, d)
	var spent uint64
	err := p.exchange(ctx, "predict", p.req, func() error {
		n, err := p.readReply(tagPred, tagLabels)
		if err != nil {
			return err
		}
		if want := 8 + 8*uint64(len(dst)); n != want {
			if n < 8 || n%8 != 0 {
				return fmt.Errorf("a %s frame of %d bytes for %d points, want %d", tagLabels, n, len(dst), want)
			}
			return fmt.Errorf("%d labels for %d points", (n-8)/8, len(dst))
		}
		b, err := p.payload(n)
		if err != nil {
			return err
		}
		spent = binary.LittleEndian.Uint64(b)
		for i := range dst {
			v := int64(binary.LittleEndian.Uint64(b[8+8*i:]))
			if v < 0 || v >= int64(k) {
				return fmt.Errorf("label %d for point %d outside [0, %d)", v, i, k)
			}
			dst[i] = int(v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	p.stats.predicts.Add(1)
	p.stats.points.Add(int64(len(dst)))
	p.stats.wallNanos.Add(int64(time.Since(start)))
	p.stats.modelNanos.Add(int64(spent))
	return nil
}

// free releases model id in the process, now. A failed or closed process
// has nothing to release.
func (p *commandProcess) free(id uint64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return nil
	}
	p.req = appendFree(p.req[:0], []uint64{id})
	return p.exchange(context.Background(), "free", p.req, func() error {
		_, err := p.readDone(tagFree)
		return err
	})
}

// queueFree is the cleanup of a collected classifier: its model is freed at
// the process's next call.
func (p *commandProcess) queueFree(id uint64) {
	p.freeMu.Lock()
	defer p.freeMu.Unlock()
	p.pending = append(p.pending, id)
}

// shutdown asks the process to quit, waits for it to exit within the
// deadline (killing it after that) and makes it unusable. It returns an
// error if the process had to be killed or exited with a non-zero status;
// nil if it had already failed or been shut down.
func (p *commandProcess) shutdown() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return nil
	}
	var cause error
	timer := time.AfterFunc(p.timeout, p.interrupt)
	if _, err := p.stdin.Write(appendHeader(nil, tagQuit, 0)); err != nil {
		cause = fmt.Errorf("the model does not read its standard input: %w", err)
	}
	p.stdin.Close()
	<-p.exited
	if !timer.Stop() {
		cause = fmt.Errorf("the model did not exit within the deadline of %v (Command.Timeout) after %s: %w", p.timeout, tagQuit, context.DeadlineExceeded)
	}
	exit := p.stop()
	p.sigMu.Lock()
	clean := p.waitErr == nil
	p.sigMu.Unlock()
	if cause == nil && !clean {
		cause = fmt.Errorf("the model did not exit cleanly after %s", tagQuit)
	}
	p.err = &CommandError{Command: p.name(), Stage: "close", Err: errors.New("closed")}
	p.closed = true
	p.dead.Store(true)
	if cause != nil {
		return &CommandError{Command: p.name(), Stage: "close", Err: cause, Exit: exit, Stderr: p.tail.String()}
	}
	return nil
}

// tailBuffer keeps the last commandTailBytes bytes written to it.
type tailBuffer struct {
	mu    sync.Mutex
	buf   []byte
	total int64
}

func (t *tailBuffer) Write(b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.total += int64(len(b))
	if len(b) >= commandTailBytes {
		t.buf = append(t.buf[:0], b[len(b)-commandTailBytes:]...)
		return
	}
	if len(t.buf)+len(b) > 2*commandTailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-(commandTailBytes-len(b)):]...)
	}
	t.buf = append(t.buf, b...)
}

// String returns the kept tail, prefixed by "..." if earlier bytes were
// dropped.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf[max(0, len(t.buf)-commandTailBytes):]
	if t.total > int64(len(b)) {
		return "..." + string(b)
	}
	return string(b)
}
