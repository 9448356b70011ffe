package extrinsic_test

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/sharedtest"
)

// The recorded finney metadata (../shared/testdata/finney, see its README).
const (
	spec318V15 = "spec318_metadata_v15_at_version.json" // a JSON string holding the hex
	spec343V15 = "spec343_metadata_v15_at_version.hex"
	spec343V14 = "spec343_metadata_v14_state_getMetadata.hex"
)

var (
	mdMu    sync.Mutex
	mdCache = map[string]*metadata.Metadata{}
)

// finney decodes a recorded metadata file once per test binary.
func finney(tb testing.TB, file string) *metadata.Metadata {
	tb.Helper()
	mdMu.Lock()
	defer mdMu.Unlock()
	if md, ok := mdCache[file]; ok {
		return md
	}
	raw := sharedtest.ReadFile(tb, "finney", file)
	s := string(raw)
	if strings.HasSuffix(file, ".json") {
		if err := json.Unmarshal(raw, &s); err != nil {
			tb.Fatalf("%s: %v", file, err)
		}
	}
	md, err := metadata.DecodeHex(s)
	if err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	mdCache[file] = md
	return md
}

// unhex decodes hex written with spaces, "|" separators and an optional 0x, as the vectors in CHAIN.md are.
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	s = strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(strings.TrimPrefix(s, "0x"))
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func unhex32(tb testing.TB, s string) [32]byte {
	tb.Helper()
	b := unhex(tb, s)
	if len(b) != 32 {
		tb.Fatalf("%q: %d bytes, want 32", s, len(b))
	}
	return [32]byte(b)
}
