package chain

import (
	"encoding/json"
	"strings"
	"testing"
)

// The header hash vector of CHAIN.md §5.1: recorded finney block 6,852,690 hashes to the hash the node
// gave for it (chain_getHead and chain_getBlockHash [6852690] in the recording).
func TestHeaderHashRecordedBlock6852690(t *testing.T) {
	rec := loadRecordings(t)
	const want = "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"
	var h Header
	if err := json.Unmarshal(rec.recordedResult(t, "metagraph", "chain_getHeader", `["`+want+`"]`), &h); err != nil {
		t.Fatal(err)
	}
	if h.Number != 6852690 {
		t.Fatalf("number %d, want 6852690", h.Number)
	}
	if got := h.Hash().String(); got != want {
		t.Fatalf("hash %s, want %s", got, want)
	}
	var byNumber Hash
	if err := json.Unmarshal(rec.recordedResult(t, "metagraph", "chain_getBlockHash", `[6852690]`), &byNumber); err != nil {
		t.Fatal(err)
	}
	if h.Hash() != byNumber {
		t.Fatalf("chain_getBlockHash gave %s, local hash %s", byNumber, h.Hash())
	}
}

// Every recorded header asked for by hash hashes to that hash, and consecutive ones chain by parent hash.
func TestHeaderHashEveryRecordedHeader(t *testing.T) {
	rec := loadRecordings(t)
	checked := 0
	for test, methods := range rec {
		for params, resp := range methods["chain_getHeader"] {
			var p []*Hash
			if err := json.Unmarshal([]byte(params), &p); err != nil || len(p) != 1 || p[0] == nil {
				continue // the best header ([null]): no hash to compare with
			}
			var r struct {
				Result *Header `json:"result"`
			}
			if err := json.Unmarshal(resp, &r); err != nil {
				t.Fatalf("%s %s: %v", test, params, err)
			}
			if r.Result == nil {
				continue
			}
			if got := r.Result.Hash(); got != *p[0] {
				t.Errorf("%s: header #%d hashes to %s, recorded as %s", test, r.Result.Number, got, p[0])
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("only %d recorded headers checked", checked)
	}

	// retry_archive holds blocks 0x57c8bb and its child 0x57c8bc.
	var parent, child Header
	if err := json.Unmarshal(rec.recordedResult(t, "retry_archive", "chain_getHeader",
		`["0x0f28c25f01cc4b11bb1454c323bd3d04658e4e64b69fcd21ffa01bac0ae47b19"]`), &parent); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rec.recordedResult(t, "retry_archive", "chain_getHeader",
		`["0xae6bd3bf8cc2a7660a315510f72a7e8c8dc31ad58c8d847e86682ee07c6e8938"]`), &child); err != nil {
		t.Fatal(err)
	}
	if child.ParentHash != parent.Hash() || child.Number != parent.Number+1 {
		t.Fatalf("child #%d parent %s; parent #%d hashes to %s", child.Number, child.ParentHash, parent.Number, parent.Hash())
	}
}

func TestHeaderJSONRoundTrip(t *testing.T) {
	rec := loadRecordings(t)
	raw := rec.recordedResult(t, "metagraph", "chain_getHeader", `["0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"]`)
	var h Header
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	if mustJSON(a) != mustJSON(b) {
		t.Fatalf("round trip changed the header:\n%s\n%s", raw, out)
	}
}

func TestHeaderNumberForms(t *testing.T) {
	for _, tc := range []struct {
		json string
		want uint64
	}{{`"0x689052"`, 6852690}, {`6852690`, 6852690}, {`"6852690"`, 6852690}, {`"0x0"`, 0}} {
		raw := `{"parentHash":"0x` + strings.Repeat("00", 32) + `","number":` + tc.json + `,"stateRoot":"0x` +
			strings.Repeat("00", 32) + `","extrinsicsRoot":"0x` + strings.Repeat("00", 32) + `","digest":{"logs":[]}}`
		var h Header
		if err := json.Unmarshal([]byte(raw), &h); err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		if h.Number != tc.want {
			t.Fatalf("%s: %d, want %d", tc.json, h.Number, tc.want)
		}
	}
	var h Header
	if err := json.Unmarshal([]byte(`{"number":"0xzz"}`), &h); err == nil {
		t.Fatal("a malformed number was accepted")
	}
}

func TestHashText(t *testing.T) {
	h, err := ParseHash("0xDB13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0")
	if err != nil {
		t.Fatal(err)
	}
	if h.String() != "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0" {
		t.Fatal(h)
	}
	for _, bad := range []string{"", "0x", "0x1234", "0x" + strings.Repeat("zz", 32), "0x" + strings.Repeat("00", 33)} {
		if _, err := ParseHash(bad); err == nil {
			t.Errorf("ParseHash(%q) accepted", bad)
		}
	}
}

// Runtime API ids are BLAKE2b-64 of the trait name; the recorded spec-343 version lists them.
func TestAPIID(t *testing.T) {
	rec := loadRecordings(t)
	var v RuntimeVersion
	if err := json.Unmarshal(rec.recordedResult(t, "metagraph", "state_getRuntimeVersion",
		`["0x7348409fe36728fa2ac7f0886346fd35b79804d294046d152ba1baccd9d0be3a"]`), &v); err != nil {
		t.Fatal(err)
	}
	if v.SpecVersion != 343 || v.TransactionVersion != 1 || v.SpecName != "node-subtensor" {
		t.Fatalf("%+v", v)
	}
	// Core 5 and Metadata 2 are substrate's; the ids are listed first in every substrate runtime.
	for name, want := range map[string]uint32{"Core": 5, "Metadata": 2} {
		got, ok := v.APIVersion(name)
		if !ok || got != want {
			t.Errorf("%s: version %d, %v; want %d", name, got, ok, want)
		}
	}
	if _, ok := v.APIVersion("NoSuchApi"); ok {
		t.Error("NoSuchApi found")
	}
}
