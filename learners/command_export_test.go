package learners

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"
)

// ServeTestModel is the external model of the Command tests: the test binary
// re-executes itself with a behaviour in its environment and runs this
// instead of the tests. It returns the exit status. The behaviours:
//
//	knn1, random5  ServeCommand with KNN{K: 1}, RandomNeighbour{K: 5}
//	exit           writes "model: cannot start" to stderr and exits with status 3
//	junk           writes text to stdout, then reads stdin to its end
//	hang-hello     never answers the hello
//	version        answers the hello with version 2
//
// and, after a correct hello, as a model that fits anything and labels every
// point 0 except for its fault:
//
//	slow       sleeps in its first fit
//	fail       answers its first fit with FAIL "cannot fit: boom"
//	wrongtag   answers a fit with LABL
//	count      answers n+1 labels for n points
//	huge       announces 2^62 bytes of labels
//	range      answers the label K
//	crash      writes half a frame header, "panic: boom" to stderr, exits with status 2
//	flood      writes 1 MiB to stderr in each fit (and succeeds); a prediction
//	           writes "model: last words" to stderr and exits with status 4
//	quitless   never exits after QUIT or the end of stdin
func ServeTestModel(behaviour string, in io.Reader, out, errw io.Writer) int {
	switch behaviour {
	case "knn1", "random5":
		var l Learner = KNN{K: 1}
		if behaviour == "random5" {
			l = RandomNeighbour{K: 5}
		}
		if err := ServeCommand(l, in, out); err != nil {
			fmt.Fprintln(errw, err)
			return 1
		}
		return 0
	case "exit":
		fmt.Fprintln(errw, "model: cannot start")
		return 3
	case "junk":
		io.WriteString(out, "Hello, world! This is not a frame.\n")
		io.Copy(io.Discard, in)
		return 0
	}
	r := bufio.NewReader(in)
	w := bufio.NewWriter(out)
	send := func(frame []byte) {
		w.Write(frame)
		w.Flush()
	}
	tag, n, err := readHeader(r, tagHello)
	if err != nil {
		fmt.Fprintln(errw, "test model:", err)
		return 1
	}
	if _, err := readText(r, tag, n); err != nil {
		fmt.Fprintln(errw, "test model:", err)
		return 1
	}
	switch behaviour {
	case "hang-hello":
		time.Sleep(time.Hour)
	case "version":
		send(appendText(nil, tagHello, []byte(`{"protocol":"rolemodels-bridge","version":2}`)))
		io.Copy(io.Discard, in)
		return 0
	}
	send(appendHello(nil, "test model "+behaviour))
	fits := 0
	k := 0
	for {
		tag, n, err := readHeader(r, tagFit, tagPred, tagFree, tagQuit)
		if err == io.EOF || tag == tagQuit {
			if behaviour == "quitless" {
				time.Sleep(time.Hour)
			}
			return 0
		}
		if err != nil {
			fmt.Fprintln(errw, "test model:", err)
			return 1
		}
		payload, err := readPayload(r, nil, n)
		if err != nil {
			fmt.Fprintln(errw, "test model:", err)
			return 1
		}
		done := appendU64(appendHeader(nil, tagDone, 8), 0)
		switch tag {
		case tagFit:
			fits++
			k = int(binary.LittleEndian.Uint64(payload[24:]))
			switch {
			case behaviour == "slow":
				time.Sleep(time.Hour)
			case behaviour == "fail" && fits == 1:
				send(appendText(nil, tagFail, []byte("cannot fit: boom")))
			case behaviour == "wrongtag":
				send(appendU64(appendHeader(nil, tagLabels, 8), 0))
			case behaviour == "flood":
				line := strings.Repeat("x", 1023) + "\n"
				for range 1024 {
					io.WriteString(errw, line)
				}
				send(done)
			default:
				send(done)
			}
		case tagPred:
			rows := int(binary.LittleEndian.Uint64(payload[16:]))
			labels := make([]int, rows)
			switch behaviour {
			case "count":
				labels = append(labels, 0)
			case "huge":
				send(appendHeader(nil, tagLabels, 1<<62))
				time.Sleep(time.Hour)
			case "range":
				labels[0] = k
			case "crash":
				w.WriteString("LA")
				w.Flush()
				fmt.Fprintln(errw, "panic: boom")
				return 2
			case "flood":
				fmt.Fprintln(errw, "model: last words")
				return 4
			}
			send(appendInts(appendU64(appendHeader(nil, tagLabels, 8+8*len(labels)), 0), labels))
		case tagFree:
			send(done)
		}
	}
}
