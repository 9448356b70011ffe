package weights

import (
	"math"
	"testing"

	"pgregory.net/rapid"
)

func TestNextAllowedBlock(t *testing.T) {
	for _, c := range []struct{ last, limit, now, want uint64 }{
		{0, 100, 500, 500},   // never set
		{450, 0, 500, 500},   // no limit
		{450, 100, 500, 550}, // wait
		{400, 100, 500, 500}, // exactly allowed
		{300, 100, 500, 500}, // long ago
		{math.MaxUint64 - 1, 10, 5, math.MaxUint64},
	} {
		if got := NextAllowedBlock(c.last, c.limit, c.now); got != c.want {
			t.Errorf("NextAllowedBlock(%d, %d, %d) = %d, want %d", c.last, c.limit, c.now, got, c.want)
		}
	}
}

// TestNextAllowedBlockIsFirstAllowed: the result is the first block at or after
// now that the chain's check accepts.
func TestNextAllowedBlockIsFirstAllowed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		last := rapid.Uint64Range(0, 2000).Draw(t, "last")
		limit := rapid.Uint64Range(0, 500).Draw(t, "limit")
		now := rapid.Uint64Range(0, 3000).Draw(t, "now")
		next := NextAllowedBlock(last, limit, now)
		if next < now || !RateLimitAllows(last, limit, next) {
			t.Fatalf("next %d not allowed (last %d, limit %d, now %d)", next, last, limit, now)
		}
		for b := now; b < next; b++ {
			if RateLimitAllows(last, limit, b) {
				t.Fatalf("block %d already allowed, next says %d", b, next)
			}
		}
	})
}
