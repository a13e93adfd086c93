package learners

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"
)

// ServeCommand runs the model side of the Command protocol for learner: it
// reads requests from r and writes replies to w until a QUIT request or the
// end of r, and returns nil then. It is the Go reference implementation of
// the protocol (learners/python/rolemodels_bridge.py is the Python one), so a
// Go program can serve any Learner to a Command in another process:
//
//	func main() {
//		if err := learners.ServeCommand(learners.KNN{K: 1}, os.Stdin, os.Stdout); err != nil {
//			log.Fatal(err)
//		}
//	}
//
// A failed Fit or Predict is answered with a FAIL frame carrying the error,
// and serving goes on. An unseeded prediction request is one PredictBatch
// with a nil *rand.Rand; in a seeded one, row i is one Predict with
// rand.New(rand.NewPCG(seed_i, 0)), so the classifier's randomness for a row
// comes from that row's seed alone. The model's name in the hello is learner
// formatted with %#v.
//
// ServeCommand returns an error if r is not a well-formed request stream
// (junk, a frame whose length disagrees with its header, an unknown model id
// in FREE is not an error) or if writing to w fails.
func ServeCommand(learner Learner, r io.Reader, w io.Writer) error {
	s := commandServer{
		in:      bufio.NewReaderSize(r, 1<<16),
		out:     bufio.NewWriterSize(w, 1<<16),
		learner: learner,
		models:  make(map[uint64]Classifier),
	}
	if err := s.serve(); err != nil {
		return fmt.Errorf("learners: ServeCommand: %w", err)
	}
	return nil
}

// commandServer is the state of ServeCommand.
type commandServer struct {
	in      *bufio.Reader
	out     *bufio.Writer
	learner Learner
	models  map[uint64]Classifier
	buf     []byte // reply scratch
	payload []byte // request scratch
}

func (s *commandServer) serve() error {
	tag, n, err := readHeader(s.in, tagHello)
	if err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	text, err := readText(s.in, tag, n)
	if err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	var hello helloMessage
	if err := json.Unmarshal(text, &hello); err != nil {
		return fmt.Errorf("hello: %w", err)
	}
	if hello.Protocol != CommandProtocol || hello.Version != CommandProtocolVersion {
		msg := fmt.Sprintf("this model speaks %s version %d, not %s version %d", CommandProtocol, CommandProtocolVersion, hello.Protocol, hello.Version)
		return s.reply(appendText(s.buf[:0], tagFail, []byte(msg)))
	}
	if err := s.reply(appendHello(s.buf[:0], fmt.Sprintf("%#v", s.learner))); err != nil {
		return err
	}
	for {
		tag, n, err := readHeader(s.in, tagFit, tagPred, tagFree, tagQuit)
		if err == io.EOF || tag == tagQuit {
			return nil
		}
		if err != nil {
			return err
		}
		var reply []byte
		switch tag {
		case tagFit:
			reply, err = s.fit(n)
		case tagPred:
			reply, err = s.predict(n)
		case tagFree:
			reply, err = s.free(n)
		}
		if err != nil {
			return fmt.Errorf("%s request: %w", tag, err)
		}
		if err := s.reply(reply); err != nil {
			return err
		}
	}
}

func (s *commandServer) reply(frame []byte) error {
	s.buf = frame
	if _, err := s.out.Write(frame); err != nil {
		return err
	}
	return s.out.Flush()
}

// matrixPayload reads the rest of a request of length bytes whose fixed
// header of head bytes (already read and decoded) announced n rows of d
// features and extraPerRow more bytes per row, after checking, without
// overflow, that length is exactly that.
func (s *commandServer) matrixPayload(length, head, n, d, extraPerRow uint64) ([]byte, error) {
	perRow := 8*d + extraPerRow
	if d == 0 || d > math.MaxInt32 || n > (length-head)/perRow || head+n*perRow != length {
		return nil, fmt.Errorf("frame of %d bytes for n = %d rows of dimension d = %d", length, n, d)
	}
	var err error
	s.payload, err = readPayload(s.in, s.payload, length-head)
	return s.payload, err
}

// fixedHead reads the first size bytes of a request payload of length bytes.
func (s *commandServer) fixedHead(length, size uint64) error {
	if length < size {
		return fmt.Errorf("frame of %d bytes, want at least %d", length, size)
	}
	var err error
	s.payload, err = readPayload(s.in, s.payload, size)
	return err
}

func (s *commandServer) fit(length uint64) ([]byte, error) {
	if err := s.fixedHead(length, fitHeaderLen); err != nil {
		return nil, err
	}
	var id, n, d, k uint64
	u64s(s.payload, &id, &n, &d, &k)
	rest, err := s.matrixPayload(length, fitHeaderLen, n, d, 8)
	if err != nil {
		return nil, err
	}
	train := Dataset{X: make([]float64, n*d), D: int(d), Y: make([]int, n), K: int(min(k, math.MaxInt32))}
	for i := range train.X {
		train.X[i] = math.Float64frombits(binary.LittleEndian.Uint64(rest[8*i:]))
	}
	rest = rest[8*len(train.X):]
	for i := range train.Y {
		train.Y[i] = int(int64(binary.LittleEndian.Uint64(rest[8*i:])))
	}
	start := time.Now()
	h, err := s.learner.Fit(train)
	spent := time.Since(start)
	if err != nil {
		return appendText(s.buf[:0], tagFail, []byte(err.Error())), nil
	}
	s.models[id] = h
	return appendU64(appendHeader(s.buf[:0], tagDone, 8), uint64(spent)), nil
}

func (s *commandServer) predict(length uint64) ([]byte, error) {
	if err := s.fixedHead(length, predHeaderLen); err != nil {
		return nil, err
	}
	var id, seeded, n, d uint64
	u64s(s.payload, &id, &seeded, &n, &d)
	if seeded > 1 {
		return nil, fmt.Errorf("seeded flag %d, want 0 or 1", seeded)
	}
	rest, err := s.matrixPayload(length, predHeaderLen, n, d, 8*seeded)
	if err != nil {
		return nil, err
	}
	h, ok := s.models[id]
	if !ok {
		return appendText(s.buf[:0], tagFail, fmt.Appendf(nil, "no fitted model with id %d", id)), nil
	}
	seeds := rest[:8*n*seeded]
	x := make([]float64, n*d)
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(rest[len(seeds)+8*i:]))
	}
	labels := make([]int, n)
	start := time.Now()
	if seeded == 0 {
		err = h.PredictBatch(x, labels, nil)
	} else {
		// Row i predicts from its own seed alone, so that a batch equals
		// the sequence of single predictions whatever the classifier.
		src := new(rand.PCG)
		rng := rand.New(src)
		for i := range labels {
			src.Seed(binary.LittleEndian.Uint64(seeds[8*i:]), 0)
			if labels[i], err = h.Predict(x[i*int(d):(i+1)*int(d)], rng); err != nil {
				break
			}
		}
	}
	spent := time.Since(start)
	if err != nil {
		return appendText(s.buf[:0], tagFail, []byte(err.Error())), nil
	}
	b := appendU64(appendHeader(s.buf[:0], tagLabels, 8+8*len(labels)), uint64(spent))
	return appendInts(b, labels), nil
}

func (s *commandServer) free(length uint64) ([]byte, error) {
	if err := s.fixedHead(length, 8); err != nil {
		return nil, err
	}
	var count uint64
	u64s(s.payload, &count)
	if count != (length-8)/8 || length%8 != 0 {
		return nil, fmt.Errorf("frame of %d bytes for %d ids", length, count)
	}
	ids, err := readPayload(s.in, s.payload, length-8)
	if err != nil {
		return nil, err
	}
	s.payload = ids
	for i := range count {
		delete(s.models, binary.LittleEndian.Uint64(ids[8*i:]))
	}
	return appendU64(appendHeader(s.buf[:0], tagDone, 8), 0), nil
}
