package learners

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// searchJob is one parallel batch search: the blocks of rows of q that the
// goroutines taking part claim one at a time through next.
type searchJob struct {
	ix                  *Index
	q                   []float64
	k                   int
	ind                 []int
	dist                []float64
	rows, block, blocks int
	next                atomic.Int64
	// wg counts the offers of the job to helpers not yet finished (see fanOut).
	wg sync.WaitGroup
}

// searchJobs recycles searchJobs so that a parallel search does not allocate.
var searchJobs freeList[*searchJob]

// work searches blocks of j until none is left.
func (j *searchJob) work() {
	if int(j.next.Load()) >= j.blocks {
		return
	}
	ix := j.ix
	s := ix.getScratch()
	for {
		b := int(j.next.Add(1) - 1)
		if b >= j.blocks {
			break
		}
		ix.searchBlock(s, j.q, j.k, j.ind, j.dist, b*j.block, min(j.rows, (b+1)*j.block))
	}
	ix.scratch.put(s)
}

// The fan-out's helpers are goroutines started on first use, one fewer than
// the largest number of workers any search has asked for (at most
// runtime.GOMAXPROCS(0) - 1), that live for the rest of the program, parked
// on helperJobs while idle. A search offers its job to the helpers through
// non-blocking sends on the buffered channel, one per helper wanted, works on
// the job itself, and then takes back the offers no helper has received yet
// (running any other search's job it finds there as a helper would), so that
// it never waits for a helper busy elsewhere: it waits only for the helpers
// that did receive its job, each of which is at most finishing one block. A
// search therefore always finishes, even when no helper is free. Handing over
// a job allocates nothing, where a go statement per search would allocate its
// closure.
var (
	helperJobs  = make(chan *searchJob, 256)
	helperMu    sync.Mutex
	helperCount atomic.Int64
)

// fanOut runs j on the calling goroutine and on up to helpers helpers, and
// returns when every block of j is searched and no helper holds j.
func fanOut(j *searchJob, helpers int) {
	if int(helperCount.Load()) < helpers {
		startHelpers(helpers)
	}
	// Every offer of j in helperJobs is received exactly once, by a helper
	// or by the drain below, and each receiver calls j.wg.Done.
	j.wg.Add(helpers)
	sent := 0
send:
	for ; sent < helpers; sent++ {
		select {
		case helperJobs <- j:
		default:
			break send
		}
	}
	if sent < helpers {
		j.wg.Add(sent - helpers)
	}
	j.work()
drain:
	for {
		select {
		case o := <-helperJobs:
			o.work()
			o.wg.Done()
		default:
			break drain
		}
	}
	j.wg.Wait()
}

// startHelpers starts helpers until there are n.
func startHelpers(n int) {
	helperMu.Lock()
	defer helperMu.Unlock()
	for int(helperCount.Load()) < n {
		go helper()
		helperCount.Add(1)
	}
}

// helper runs the jobs it receives, forever.
func helper() {
	for j := range helperJobs {
		j.work()
		j.wg.Done()
	}
}

// freeList is a free list of reusable scratch. Unlike a sync.Pool it is not
// emptied by garbage collections and does not depend on which processor a
// goroutine runs on, so a steady-state search always finds its scratch and
// never allocates. It keeps at most max(16, 2 GOMAXPROCS) entries, enough for
// every goroutine of the fan-out plus as many concurrent callers; entries
// beyond that are left to the garbage collector.
type freeList[T any] struct {
	mu   sync.Mutex
	free []T
}

// get returns a free entry and true, or the zero T and false.
func (l *freeList[T]) get() (T, bool) {
	var zero T
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.free)
	if n == 0 {
		return zero, false
	}
	s := l.free[n-1]
	l.free[n-1] = zero
	l.free = l.free[:n-1]
	return s, true
}

// put returns s to the list.
func (l *freeList[T]) put(s T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.free) < max(16, 2*runtime.GOMAXPROCS(0)) {
		l.free = append(l.free, s)
	}
}
