package metadata

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/pylon-go/pylon/internal/sharedtest"
)

// The recorded metadata files of ../shared/testdata/finney (see its README).
const (
	spec318V15File = "spec318_metadata_v15_at_version.json" // JSON string, Option<Vec<u8>> wrapper
	spec343V14File = "spec343_metadata_v14_state_getMetadata.hex"
	spec343V15File = "spec343_metadata_v15_at_version.hex" // Option<Vec<u8>> wrapper
	recordingsFile = "sdk_websocket_recordings.json"
)

var (
	mdCache   = map[string]*Metadata{}
	mdCacheMu sync.Mutex
)

func decodeHexString(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(s), "0x"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// rawMetadata returns the bytes of a recorded metadata file.
func rawMetadata(tb testing.TB, file string) []byte {
	tb.Helper()
	raw := sharedtest.ReadFile(tb, "finney", file)
	if strings.HasSuffix(file, ".json") {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			tb.Fatal(err)
		}
		return decodeHexString(tb, s)
	}
	return decodeHexString(tb, string(raw))
}

// loadMetadata decodes a recorded metadata file once per test binary.
func loadMetadata(tb testing.TB, file string) *Metadata {
	tb.Helper()
	mdCacheMu.Lock()
	defer mdCacheMu.Unlock()
	if md, ok := mdCache[file]; ok {
		return md
	}
	md, err := Decode(rawMetadata(tb, file))
	if err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	mdCache[file] = md
	return md
}

// recordings is the parsed sdk_websocket_recordings.json:
// test → method → params key → response.
type recordings map[string]map[string]map[string]json.RawMessage

var (
	recOnce       sync.Once
	recData       recordings
	errRecordings error // from parsing the recordings, once
)

func loadRecordings(tb testing.TB) recordings {
	tb.Helper()
	raw := sharedtest.ReadFile(tb, "finney", recordingsFile)
	recOnce.Do(func() { errRecordings = json.Unmarshal(raw, &recData) })
	if errRecordings != nil {
		tb.Fatal(errRecordings)
	}
	return recData
}

// result returns the hex-decoded "result" of a recorded response.
func (r recordings) result(tb testing.TB, test, method, params string) []byte {
	tb.Helper()
	msg, ok := r[test][method][params]
	if !ok {
		tb.Fatalf("recording %s / %s / %s missing", test, method, params)
	}
	var resp struct {
		Result *string `json:"result"`
	}
	if err := json.Unmarshal(msg, &resp); err != nil {
		tb.Fatal(err)
	}
	if resp.Result == nil {
		return nil
	}
	return decodeHexString(tb, *resp.Result)
}

const (
	metagraphBlock = "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"
)

func neuronsLite343(tb testing.TB) []byte {
	return loadRecordings(tb).result(tb, "metagraph", "state_call",
		`["NeuronInfoRuntimeApi_get_neurons_lite", "0100", "`+metagraphBlock+`"]`)
}

func subnetState343(tb testing.TB) []byte {
	return loadRecordings(tb).result(tb, "metagraph", "state_call",
		`["SubnetInfoRuntimeApi_get_subnet_state", "0100", "`+metagraphBlock+`"]`)
}
