package esl

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBlocks64MatchesGeneric holds blocks64 (SSE2 on amd64) to the portable
// version: quotes and controls at every position of a block, every byte
// value, and random bodies of 0-8 blocks.
func TestBlocks64MatchesGeneric(t *testing.T) {
	check := func(b []byte) {
		t.Helper()
		n := len(b) / 64
		got, want := make([]uint64, n), make([]uint64, n)
		gc, wc := blocks64(b, got), blocks64Generic(b, want)
		if gc != wc || !slices.Equal(got, want) {
			t.Fatalf("%q: blocks64 = %x, %v; generic %x, %v", b, got, gc, want, wc)
		}
	}
	base := make([]byte, 128)
	for i := range base {
		base[i] = 'a'
	}
	for pos := range base {
		for _, c := range []byte{'"', 0, 0x1f, 0x20, 0x7f, 0x80, 0xff, '\\'} {
			b := slices.Clone(base)
			b[pos] = c
			check(b)
		}
	}
	for c := range 256 {
		b := slices.Clone(base)
		for i := range b {
			b[i] = byte(c)
		}
		check(b)
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("\"\\ax:,\x00\x1f \x7f\xff")
	for range 2000 {
		b := make([]byte, 64*r.IntN(9))
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = byte(' ' + r.IntN(95))
			}
		}
		check(b)
	}
}
