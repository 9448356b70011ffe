package service

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/pylon-go/pylon/internal/subtensor"
)

// Entry is one answer of the read API, ready to send: the JSON body, encoded
// once when the entry was built, its gzip form, compressed once too, and a
// strong ETag for each. Entries are immutable and shared by every request
// for the same read.
type Entry struct {
	// Block is the block the data is from, with the time it was authored.
	Block subtensor.BlockInfo
	// JSON is the body.
	JSON []byte
	// Gzip is JSON gzip-compressed.
	Gzip []byte
	// ETag and GzipETag are strong entity tags (quoted) of the two
	// representations; they differ, as RFC 9110 §8.8.3 requires of
	// different content codings.
	ETag, GzipETag string
	// NumberText and HashText are the block's number and hash as the
	// freshness headers carry them, rendered once.
	NumberText, HashText string

	// value is the domain value the body was built from, for entries derived
	// from it (validators from neurons, one certificate from all).
	value any
}

// Age is how long before now the entry's block was authored (0 when the
// block's clock is ahead of ours).
func (e *Entry) Age(now time.Time) time.Duration { return e.Block.Age(now) }

// weight is the entry's size for the cache bound: the bodies dominate; the
// domain value is counted at roughly the JSON's size.
func (e *Entry) weight() uint32 {
	w := 2*len(e.JSON) + len(e.Gzip) + 256
	if w > int(^uint32(0)) {
		return ^uint32(0)
	}
	return uint32(w)
}

// newEntry encodes body (a pylon wire model) once, in both codings.
func newEntry(block subtensor.BlockInfo, body, value any) (*Entry, error) {
	js, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("service: encoding %T: %w", body, err)
	}
	var gz bytes.Buffer
	gz.Grow(len(js)/4 + 64)
	// Default compression: an entry is compressed once and sent many times,
	// so the smaller body is worth the extra milliseconds.
	zw, err := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	if err != nil {
		return nil, fmt.Errorf("service: gzip: %w", err)
	}
	if _, err := zw.Write(js); err != nil {
		return nil, fmt.Errorf("service: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("service: gzip: %w", err)
	}
	sum := sha256.Sum256(js)
	tag := hex.EncodeToString(sum[:16])
	return &Entry{
		Block:      block,
		JSON:       js,
		Gzip:       gz.Bytes(),
		ETag:       `"` + tag + `"`,
		GzipETag:   `"` + tag + `-gzip"`,
		NumberText: strconv.FormatUint(block.Number, 10),
		HashText:   block.Hash.String(),
		value:      value,
	}, nil
}
