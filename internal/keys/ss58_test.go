package keys

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/mr-tron/base58"
	"golang.org/x/crypto/blake2b"
	"pgregory.net/rapid"
)

// fixtureExpectations is testdata/expected.json, written by gen_fixtures.py
// with bittensor-wallet (sp-core) and substrate-interface/scalecodec.
type fixtureExpectations struct {
	Files map[string]struct {
		SS58       string `json:"ss58"`
		PublicKey  string `json:"publicKey"`
		Password   string `json:"password"`
		CryptoType *int   `json:"cryptoType"`
	} `json:"files"`
	Signatures []struct {
		Signer     string `json:"signer"`
		SS58       string `json:"ss58"`
		MessageHex string `json:"message_hex"`
		Signature  string `json:"signature"`
	} `json:"signatures"`
	URIs map[string]string `json:"uris"`
	SS58 []struct {
		PublicKey string `json:"publicKey"`
		Prefix    uint16 `json:"prefix"`
		Address   string `json:"address"`
	} `json:"ss58"`
}

func loadExpectations(t *testing.T) *fixtureExpectations {
	t.Helper()
	data, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e fixtureExpectations
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("testdata/expected.json: %v", err)
	}
	if len(e.Files) == 0 || len(e.URIs) == 0 || len(e.SS58) == 0 || len(e.Signatures) == 0 {
		t.Fatal("testdata/expected.json is incomplete: rerun testdata/gen_fixtures.sh")
	}
	return &e
}

// TestSS58Scalecodec: one- and two-byte prefixes agree with scalecodec's
// ss58_encode both ways.
func TestSS58Scalecodec(t *testing.T) {
	for _, c := range loadExpectations(t).SS58 {
		pub := unhex32(t, c.PublicKey)
		got, err := EncodeSS58(pub, c.Prefix)
		if err != nil || got != c.Address {
			t.Errorf("EncodeSS58(prefix %d) = %q, %v; want %q", c.Prefix, got, err, c.Address)
		}
		prefix, dec, err := DecodeSS58(c.Address)
		if err != nil || prefix != c.Prefix || dec != pub {
			t.Errorf("DecodeSS58(%q) = %d, %x, %v; want %d, %x", c.Address, prefix, dec, err, c.Prefix, pub)
		}
		if !ValidSS58(c.Address) {
			t.Errorf("ValidSS58(%q) = false", c.Address)
		}
		_, err = ParseAccountID(c.Address)
		if c.Prefix == SS58Prefix && err != nil {
			t.Errorf("ParseAccountID(%q): %v", c.Address, err)
		}
		if c.Prefix != SS58Prefix && !errors.Is(err, ErrAddressFormat) {
			t.Errorf("ParseAccountID(%q) with prefix %d: err %v, want ErrAddressFormat", c.Address, c.Prefix, err)
		}
	}
}

func TestSS58Rejects(t *testing.T) {
	alice := AccountID(unhex32(t, "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"))
	good := alice.String()

	// Every single-character substitution breaks the checksum (or the alphabet).
	for i := range len(good) {
		b := []byte(good)
		if b[i] == 'z' {
			b[i] = 'y'
		} else {
			b[i] = 'z'
		}
		if _, _, err := DecodeSS58(string(b)); !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("address changed at %d accepted: %v", i, err)
		}
	}

	raw := func(prefixBytes []byte, payload int) string {
		body := append(bytes.Clone(prefixBytes), bytes.Repeat([]byte{7}, payload)...)
		chk := ss58ChecksumAny(body)
		return base58.Encode(append(body, chk[:]...))
	}
	var reserved46, reserved47 []byte
	reserved46 = appendSS58(nil, 46, &alice)
	reserved47 = appendSS58(nil, 47, &alice)

	cases := map[string]string{
		"empty":              "",
		"non-alphabet 0":     "0" + good[1:],
		"non-alphabet l":     good[:10] + "l" + good[11:],
		"non-ascii":          good[:10] + "é" + good[12:],
		"too long":           strings.Repeat("z", 80),
		"truncated":          good[:len(good)-1],
		"extra char":         good + "2",
		"reserved 46":        string(reserved46),
		"reserved 47":        string(reserved47),
		"prefix byte 128+":   raw([]byte{0x80}, 32),
		"33-byte payload":    raw([]byte{42}, 33),
		"31-byte payload":    raw([]byte{42}, 31),
		"two-byte truncated": base58.Encode([]byte{0x40}),
		// Prefix 42 spelled in the two-byte form: sp-core would accept it, but
		// it is a second spelling of a one-byte address, so it is refused.
		"non-canonical two-byte 42": raw([]byte{0x40 | 42>>2, 42 & 3 << 6}, 32),
		"only ones":                 "1111111111",
	}
	for name, addr := range cases {
		if _, _, err := DecodeSS58(addr); !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("%s: DecodeSS58 err %v, want ErrInvalidAddress", name, err)
		}
		if ValidSS58(addr) {
			t.Errorf("%s: ValidSS58 = true", name)
		}
		if _, err := ParseAccountID(addr); !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("%s: ParseAccountID err %v, want ErrInvalidAddress", name, err)
		}
	}
	for _, p := range []uint16{46, 47, 16384, 65535} {
		if _, err := EncodeSS58(alice, p); !errors.Is(err, ErrInvalidAddress) {
			t.Errorf("EncodeSS58 prefix %d: err %v, want ErrInvalidAddress", p, err)
		}
	}
}

// ss58ChecksumAny is the checksum for any body length (test-only oracle).
func ss58ChecksumAny(body []byte) [2]byte {
	h := blake2b.Sum512(append([]byte("SS58PRE"), body...))
	return [2]byte{h[0], h[1]}
}

// TestBase58AgainstMrTron: the in-tree base58 matches github.com/mr-tron/base58
// (an independent implementation) on arbitrary inputs, both ways.
func TestBase58AgainstMrTron(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Leading zeros matter to base58: draw them explicitly.
		zeros := rapid.IntRange(0, 4).Draw(t, "zeros")
		rest := rapid.SliceOfN(rapid.Byte(), 0, b58MaxIn-zeros).Draw(t, "rest")
		src := append(make([]byte, zeros), rest...)
		got := string(appendBase58(nil, src))
		want := base58.Encode(src)
		if got != want {
			t.Fatalf("appendBase58(%x) = %q, mr-tron %q", src, got, want)
		}
		var dst [b58MaxIn]byte
		n, ok := decodeBase58(dst[:], want)
		if !ok || !bytes.Equal(dst[:n], src) {
			t.Fatalf("decodeBase58(%q) = %x, %v; want %x", want, dst[:n], ok, src)
		}
	})
}

// TestSS58RoundTrip: every valid prefix round-trips any key.
func TestSS58RoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pub := [32]byte(rapid.SliceOfN(rapid.Byte(), 32, 32).Draw(t, "pub"))
		prefix := rapid.Uint16Range(0, maxSS58Prefix).Filter(func(p uint16) bool { return p != 46 && p != 47 }).Draw(t, "prefix")
		addr, err := EncodeSS58(pub, prefix)
		if err != nil {
			t.Fatal(err)
		}
		p, dec, err := DecodeSS58(addr)
		if err != nil || p != prefix || dec != pub {
			t.Fatalf("round trip of prefix %d: %d, %x, %v", prefix, p, dec, err)
		}
	})
}

func TestAccountIDText(t *testing.T) {
	alice := AccountID(unhex32(t, "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"))
	const addr = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"

	type doc struct {
		Hotkey  AccountID   `json:"hotkey"`
		Hotkeys []AccountID `json:"hotkeys"`
		Map     map[AccountID]int
	}
	in := doc{Hotkey: alice, Hotkeys: []AccountID{alice, {}}, Map: map[AccountID]int{alice: 1}}
	out, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	zero := AccountID{}.String()
	want := `{"hotkey":"` + addr + `","hotkeys":["` + addr + `","` + zero + `"],"Map":{"` + addr + `":1}}`
	if string(out) != want {
		t.Errorf("JSON %s\nwant %s", out, want)
	}
	var back doc
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back.Hotkey != alice || back.Hotkeys[1] != (AccountID{}) || back.Map[alice] != 1 {
		t.Errorf("JSON round trip: %+v", back)
	}
	// Prefix 0 is refused when decoding text (request/config policy).
	prefix0, err := EncodeSS58(alice, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"hotkey":"`+prefix0+`"}`), &back); !errors.Is(err, ErrAddressFormat) {
		t.Errorf("prefix-0 address in JSON: err %v, want ErrAddressFormat", err)
	}
	if err := json.Unmarshal([]byte(`{"hotkey":"nope"}`), &back); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("garbage in JSON: err %v, want ErrInvalidAddress", err)
	}
	b, err := alice.AppendText([]byte("x="))
	if err != nil || string(b) != "x="+addr {
		t.Errorf("AppendText = %q, %v", b, err)
	}
	if got := alice.Hex(); got != "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d" {
		t.Errorf("Hex() = %s", got)
	}
	if alice.IsZero() || !(AccountID{}).IsZero() {
		t.Error("IsZero wrong")
	}
}

// TestSS58Allocations pins the allocation budget the neuron listing relies on:
// String allocates only its result, parsing and AppendText nothing.
func TestSS58Allocations(t *testing.T) {
	alice := AccountID(unhex32(t, "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"))
	addr := alice.String()
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { _ = alice.String() }); n != 1 {
		t.Errorf("AccountID.String allocates %v times, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf, _ = alice.AppendText(buf[:0]) }); n != 0 {
		t.Errorf("AccountID.AppendText allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseAccountID(addr) }); n != 0 {
		t.Errorf("ParseAccountID allocates %v times, want 0", n)
	}
}

// FuzzDecodeSS58: arbitrary input never panics, and whatever decodes
// re-encodes to the same string.
func FuzzDecodeSS58(f *testing.F) {
	for _, s := range []string{"", "1", "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "16ADqpMa4yzfmWs3nuTSMhfZ2ckeGtvqhPWCNqECEGDcGgU2", strings.Repeat("z", 51), "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prefix, pub, err := DecodeSS58(s)
		if err != nil {
			return
		}
		again, err := EncodeSS58(pub, prefix)
		if err != nil || again != s {
			t.Fatalf("DecodeSS58(%q) = %d, %x but re-encodes to %q, %v", s, prefix, pub, again, err)
		}
	})
}
