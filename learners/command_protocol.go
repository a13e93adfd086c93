package learners

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
)

// The wire format of the Command protocol (learners/python/README.md is the
// full specification). Every message is a frame: a 4-byte ASCII tag, the
// payload length as a little-endian uint64, and the payload. Integers are
// little-endian uint64 or int64, features little-endian IEEE-754 float64,
// matrices row-major.
const (
	// CommandProtocol and CommandProtocolVersion name the protocol in the
	// hello frames of both sides; a model that answers another name or
	// version is rejected.
	CommandProtocol        = "rolemodels-bridge"
	CommandProtocolVersion = 1

	frameHeaderLen = 12

	// maxTextFrame bounds the JSON hello and the FAIL message of a model,
	// so that a model writing garbage cannot make Go allocate much.
	maxTextFrame = 1 << 16

	// Request tags (Go -> model).
	tagHello = "HELO" // JSON {"protocol", "version"}
	tagFit   = "FITM" // id, n, d, k, X (n*d float64), y (n int64)
	tagPred  = "PRED" // id, seeded (0 or 1), n, d, [n seeds if seeded], X (n*d float64)
	tagFree  = "FREE" // count, count model ids
	tagQuit  = "QUIT" // empty; no reply, the model exits with status 0

	// Reply tags (model -> Go). HELO answers HELO.
	tagDone   = "DONE" // nanoseconds the model spent (0 if unmeasured)
	tagLabels = "LABL" // nanoseconds, then n int64 labels
	tagFail   = "FAIL" // UTF-8 message; the request failed, the model lives on

	fitHeaderLen  = 4 * 8
	predHeaderLen = 4 * 8
)

// helloMessage is the JSON payload of both hello frames; Model is set only by
// the model.
type helloMessage struct {
	Protocol string `json:"protocol"`
	Version  int    `json:"version"`
	Model    string `json:"model,omitempty"`
}

// appendHeader appends a frame header announcing a payload of n bytes.
func appendHeader(b []byte, tag string, n int) []byte {
	b = append(b, tag...)
	return binary.LittleEndian.AppendUint64(b, uint64(n))
}

func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

func appendFloats(b []byte, x []float64) []byte {
	for _, v := range x {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

func appendInts(b []byte, y []int) []byte {
	for _, v := range y {
		b = binary.LittleEndian.AppendUint64(b, uint64(int64(v)))
	}
	return b
}

// appendFit appends the FITM request for model id on train.
func appendFit(b []byte, id uint64, train Dataset) []byte {
	n := train.Len()
	b = appendHeader(b, tagFit, fitHeaderLen+8*len(train.X)+8*n)
	for _, v := range []uint64{id, uint64(n), uint64(train.D), uint64(train.K)} {
		b = appendU64(b, v)
	}
	return appendInts(appendFloats(b, train.X), train.Y)
}

// appendPredict appends the PRED request for model id on the rows of x. With
// a non-nil rng it draws one rng.Uint64() per row, in row order, as the
// rows' seeds.
func appendPredict(b []byte, id uint64, rng *rand.Rand, x []float64, d int) []byte {
	n := len(x) / d
	var seeded uint64
	if rng != nil {
		seeded = 1
	}
	b = appendHeader(b, tagPred, predHeaderLen+8*n*int(seeded)+8*len(x))
	for _, v := range []uint64{id, seeded, uint64(n), uint64(d)} {
		b = appendU64(b, v)
	}
	if rng != nil {
		for range n {
			b = appendU64(b, rng.Uint64())
		}
	}
	return appendFloats(b, x)
}

// appendFree appends the FREE request for the models ids.
func appendFree(b []byte, ids []uint64) []byte {
	b = appendHeader(b, tagFree, 8+8*len(ids))
	b = appendU64(b, uint64(len(ids)))
	for _, id := range ids {
		b = appendU64(b, id)
	}
	return b
}

// appendText appends a frame whose payload is text (FAIL) or JSON (HELO).
func appendText(b []byte, tag string, text []byte) []byte {
	return append(appendHeader(b, tag, len(text)), text...)
}

// appendHello appends a hello frame; model is empty on the Go side.
func appendHello(b []byte, model string) []byte {
	msg, err := json.Marshal(helloMessage{Protocol: CommandProtocol, Version: CommandProtocolVersion, Model: model})
	if err != nil {
		panic("learners: " + err.Error()) // a struct of strings and an int always marshals
	}
	return appendText(b, tagHello, msg)
}

// errJunk reports bytes on a protocol stream that are not a frame.
type errJunk struct{ bytes []byte }

func (e errJunk) Error() string {
	return fmt.Sprintf("junk where a frame was expected: %q", e.bytes)
}

// isTag reports whether tag is one of tags.
func isTag(tag string, tags ...string) bool {
	for _, t := range tags {
		if tag == t {
			return true
		}
	}
	return false
}

// isTagPrefix reports whether b begins one of tags.
func isTagPrefix(b string, tags ...string) bool {
	for _, t := range tags {
		if strings.HasPrefix(t, b) {
			return true
		}
	}
	return false
}

// readHeader reads a frame header and returns its tag and payload length. A
// tag outside known is reported as junk, quoting the header and whatever else
// is already buffered (up to 64 bytes), so that a model printing text to its
// standard output is named as such. A clean end of stream before the header
// is io.EOF; a stream that ends inside the header is io.ErrUnexpectedEOF.
func readHeader(r *bufio.Reader, known ...string) (string, uint64, error) {
	var h [frameHeaderLen]byte
	if n, err := io.ReadFull(r, h[:]); err != nil {
		if n > 0 && !isTagPrefix(string(h[:min(n, 4)]), known...) {
			return "", 0, errJunk{h[:n]}
		}
		return "", 0, err
	}
	tag := string(h[:4])
	if !isTag(tag, known...) {
		more, _ := r.Peek(min(r.Buffered(), 64-frameHeaderLen))
		return "", 0, errJunk{append(h[:], more...)}
	}
	return tag, binary.LittleEndian.Uint64(h[4:]), nil
}

// readPayload reads a payload of n bytes into buf (grown as needed) and
// returns it.
func readPayload(r *bufio.Reader, buf []byte, n uint64) ([]byte, error) {
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return buf, err
}

// readText reads a text payload of n bytes, which must not exceed
// maxTextFrame.
func readText(r *bufio.Reader, tag string, n uint64) ([]byte, error) {
	if n > maxTextFrame {
		return nil, fmt.Errorf("%s frame of %d bytes, want at most %d", tag, n, maxTextFrame)
	}
	return readPayload(r, nil, n)
}

// u64s decodes the first len(dst) little-endian uint64 of b into dst.
func u64s(b []byte, dst ...*uint64) {
	for i, p := range dst {
		*p = binary.LittleEndian.Uint64(b[8*i:])
	}
}
