package gen

import "pgregory.net/rapid"

// Seeds returns a rapid generator of uniformly distributed 64-bit seeds for
// bulk data (NewStreams, NewStream).
//
// rapid.Uint64 is biased toward small values (in 2000 draws it gave 0 or 1
// with probability about 5.5% each and a value below 2^16 64% of the time),
// so the same (case, seed) pairs would recur across runs and repeated green
// runs would be correlated evidence. Seeds draws 64 rapid.Bool values, each
// one uniform bit of rapid's random stream, so a seed is uniform over 2^64
// across runs, and it still replays from -rapid.seed and from a fail file
// (it is a function of the drawn bit stream).
//
// Shrinking a seed is pointless (a smaller seed is not a simpler case, only
// another one); package claims turns rapid's shrinking off for that reason.
func Seeds() *rapid.Generator[uint64] { return seeds }

var seeds = rapid.Custom(func(t *rapid.T) uint64 {
	var s uint64
	for range 64 {
		s <<= 1
		if rapid.Bool().Draw(t, "bit") {
			s |= 1
		}
	}
	return s
})
