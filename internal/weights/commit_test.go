package weights

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/pylon-go/pylon/internal/sharedtest"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCommitHashVectors checks the commit_hash_v2 known-answer vector from the
// shared vectors file.
func TestCommitHashVectors(t *testing.T) {
	var file struct {
		V struct {
			Hotkey      string   `json:"hotkey_account"`
			NetuidIndex uint16   `json:"netuid_index"`
			UIDs        []uint16 `json:"uids"`
			Values      []uint16 `json:"values"`
			Salt        []uint16 `json:"salt"`
			VersionKey  uint64   `json:"version_key"`
			Preimage    string   `json:"preimage"`
			Hash        string   `json:"blake2b_256"`
		} `json:"commit_hash_v2"`
	}
	if err := json.Unmarshal(sharedtest.ReadFile(t, "crypto-vectors.json"), &file); err != nil {
		t.Fatal(err)
	}
	v := file.V
	if v.Hash == "" {
		t.Fatal("crypto-vectors.json has no commit_hash_v2")
	}
	c := Commit{NetuidIndex: v.NetuidIndex, UIDs: v.UIDs, Values: v.Values, Salt: v.Salt, VersionKey: v.VersionKey}
	copy(c.Hotkey[:], unhex(t, v.Hotkey))
	if got := hex.EncodeToString(c.Preimage()); got != v.Preimage {
		t.Errorf("preimage\n got %s\nwant %s", got, v.Preimage)
	}
	if h := c.Hash(); hex.EncodeToString(h[:]) != v.Hash {
		t.Errorf("hash %x, want %s", h, v.Hash)
	}
}

// TestCommitHashAlice is the vector of CHAIN.md §7.4, reached from the request
// the way the runner will: normalise, then hash with the given salt.
func TestCommitHashAlice(t *testing.T) {
	norm, err := Normalise(map[uint16]float64{0: 0.2, 1: 0.8})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := NetuidIndex(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := Commit{NetuidIndex: idx, UIDs: norm.UIDs, Values: norm.Values, Salt: []uint16{1, 2, 3}, VersionKey: 9003000}
	copy(c.Hotkey[:], unhex(t, "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"))
	wantPre := "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d" +
		"0100" + "08" + "0000" + "0100" + "08" + "0040" + "ffff" + "0c" + "0100" + "0200" + "0300" + "f85f890000000000"
	if got := hex.EncodeToString(c.Preimage()); got != wantPre {
		t.Errorf("preimage\n got %s\nwant %s", got, wantPre)
	}
	if h := c.Hash(); hex.EncodeToString(h[:]) != "bdfb5678f40d1a84cab7a90a8a647414bee72bfc0bab85c6f82db15c5a9ea893" {
		t.Errorf("hash %x", h)
	}
}

func TestPreimageLongVectorLength(t *testing.T) {
	// Lengths past the one-byte form reach the preimage correctly.
	long := make([]uint16, 70)
	pre := Commit{UIDs: long}.Preimage()
	if !bytes.Equal(pre[34:36], []byte{0x19, 0x01}) {
		t.Errorf("Vec length 70 encoded as %x", pre[34:36])
	}
}

func TestNewSalt(t *testing.T) {
	src := []byte{1, 0, 2, 0, 0xff, 0xff, 0x34, 0x12, 0, 0, 0, 1, 7, 0, 8, 0}
	salt, err := NewSalt(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint16{1, 2, 0xffff, 0x1234, 0, 0x100, 7, 8}; !slices.Equal(salt, want) {
		t.Errorf("salt %v, want %v", salt, want)
	}
	if _, err := NewSalt(bytes.NewReader(src[:15])); err == nil {
		t.Error("short reader accepted")
	}
	a, err := NewSalt(nil)
	if err != nil || len(a) != SaltLength {
		t.Fatalf("crypto/rand salt: %v %v", a, err)
	}
	b, _ := NewSalt(nil)
	if slices.Equal(a, b) {
		t.Error("two 128-bit random salts are equal")
	}
}

func TestNetuidIndex(t *testing.T) {
	for _, c := range []struct {
		netuid uint16
		mech   uint8
		want   uint16
	}{{1, 0, 1}, {1, 1, 4097}, {12, 2, 8204}, {4095, 15, 65535}} {
		if got, err := NetuidIndex(c.netuid, c.mech); err != nil || got != c.want {
			t.Errorf("NetuidIndex(%d, %d) = %d, %v", c.netuid, c.mech, got, err)
		}
	}
	for _, c := range [][2]int{{4096, 0}, {0, 16}} {
		if _, err := NetuidIndex(uint16(c[0]), uint8(c[1])); !errors.Is(err, ErrNetuidIndex) {
			t.Errorf("NetuidIndex(%d, %d): %v", c[0], c[1], err)
		}
	}
}

func TestRevealPhase(t *testing.T) {
	l := Legacy{Netuid: 1, Tempo: 360}
	for block, want := range map[uint64]RevealPhase{
		1000: RevealTooEarly, 1080: RevealTooEarly, 1081: RevealOpen, 1441: RevealOpen, 1442: RevealExpired,
	} {
		if got, err := RevealPhaseAt(l, 1000, 1, block); err != nil || got != want {
			t.Errorf("RevealPhaseAt(commit 1000, block %d) = %v, %v; want %v", block, got, err, want)
		}
	}
	// Period 3: three epochs later.
	if r, _ := RevealWindow(l, 1000, 3); r != (BlockRange{First: 1803, Last: 2163}) {
		t.Errorf("RevealWindow period 3 = %+v", r)
	}
	if RevealOpen.String() != "open" || RevealPhase(9).String() != "RevealPhase(9)" {
		t.Error("String")
	}
	s, _ := NewStateful(StatefulState{Tempo: 360, AtBlock: 1100, EpochIndex: 42, LastEpochBlock: 1000})
	if _, err := RevealPhaseAt(s, 900, 1, 1100); !errors.Is(err, ErrOutsideSchedule) {
		t.Errorf("commit before the known schedule: %v", err)
	}
}
