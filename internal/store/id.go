package store

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"time"
)

// newID returns a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds then 74
// random bits, so ids sort by creation time to the millisecond — handy in
// listings and logs — without coordination between processes. Ordering of
// requests for the same key does not rely on it (see Job.Seq).
func newID(now time.Time, r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[6:]); err != nil {
		return "", fmt.Errorf("store: job id: %w", err)
	}
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(b[:6], ms[2:])
	b[6] = 0x70 | b[6]&0x0f // version 7
	b[8] = 0x80 | b[8]&0x3f // variant 10
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
