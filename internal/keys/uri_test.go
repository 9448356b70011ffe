package keys

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestDevURIsPolkadotJS: the dev accounts match the addresses polkadot-js
// derives for them.
func TestDevURIsPolkadotJS(t *testing.T) {
	for uri, want := range map[string]string{
		"//Alice":      "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		"//Bob":        "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty",
		"//Alice//hot": "5G6Fyo6U2fDhJXDJGp4Dr6XViVCdPcryiyLBDsusguSRcYvJ",
		"//Bob//hot":   "5CS3j9wEaMEt5tpEkF17ZVY8DCkLjrmkj3LxGnKzodS4ccoM",
		// The same account with the dev phrase spelled out.
		DevPhrase + "//Alice": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
	} {
		kp, err := KeypairFromURI(uri)
		if err != nil {
			t.Errorf("%s: %v", uri, err)
			continue
		}
		if kp.SS58() != want {
			t.Errorf("%s → %s, want %s", uri, kp.SS58(), want)
		}
	}
}

// TestURIsSpCore: hard and soft junctions, numeric junctions, junctions
// hashed for length, phrases and hex seeds match sp-core (bittensor-wallet's
// Keypair.create_from_uri, recorded in testdata/expected.json).
func TestURIsSpCore(t *testing.T) {
	for uri, want := range loadExpectations(t).URIs {
		kp, err := KeypairFromURI(uri)
		if err != nil {
			t.Errorf("%s: %v", uri, err)
			continue
		}
		if kp.SS58() != want {
			t.Errorf("%s → %s, want %s", uri, kp.SS58(), want)
		}
		// Derived keys sign like any other.
		sig, err := kp.Sign([]byte(uri))
		if err != nil || !Verify(kp.PublicKey(), []byte(uri), sig) {
			t.Errorf("%s: signature does not verify (%v)", uri, err)
		}
	}
}

func TestURIRejects(t *testing.T) {
	const secretWord = "leopard"
	for uri, want := range map[string]error{
		"//Alice///password":                 ErrUnsupported,
		"//Alice//":                          ErrInvalidSecret,
		"//Alice//a///":                      ErrUnsupported,
		"0x1234//Alice":                      ErrInvalidSecret,
		"0x" + strings.Repeat("zz", 32):      ErrInvalidSecret,
		"old " + secretWord + " transfer//x": ErrInvalidSecret,
		"old " + secretWord + " transfer rib spatial phone calm indicate online fire caution caution": ErrInvalidSecret,
	} {
		kp, err := KeypairFromURI(uri)
		if !errors.Is(err, want) {
			t.Errorf("%q: %v, %v; want %v", uri, kp, err, want)
			continue
		}
		if strings.Contains(err.Error(), secretWord) || strings.Contains(err.Error(), "zz") || strings.Contains(err.Error(), "Alice") {
			t.Errorf("%q: error quotes the secret URI: %v", uri, err)
		}
	}
}

func TestJunctionChainCode(t *testing.T) {
	// sp-core DeriveJunction::soft: numbers are u64 LE, strings SCALE
	// (compact length ‖ bytes), longer than 32 bytes → blake2b-256.
	cc := junctionChainCode("Alice")
	if want := append([]byte{5 << 2}, "Alice"...); !bytes.Equal(cc[:len(want)], want) || cc[len(want)] != 0 {
		t.Errorf("Alice chain code %x", cc)
	}
	cc = junctionChainCode("258")
	if cc[0] != 2 || cc[1] != 1 || cc[2] != 0 {
		t.Errorf("258 chain code %x", cc)
	}
	if junctionChainCode("+7") != junctionChainCode("7") {
		t.Error(`"+7" is not the number 7 (Rust u64::from_str accepts a leading +)`)
	}
	if junctionChainCode("-7") == junctionChainCode("7") {
		t.Error(`"-7" parsed as a number`)
	}
	for n, want := range map[uint64][]byte{
		0: {0}, 63: {0xfc}, 64: {0x01, 0x01}, 16383: {0xfd, 0xff}, 16384: {0x02, 0x00, 0x01, 0x00},
		1<<30 - 1: {0xfe, 0xff, 0xff, 0xff}, 1 << 30: {0x03, 0x00, 0x00, 0x00, 0x40},
		1<<64 - 1: {0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	} {
		if got := appendCompact(nil, n); !bytes.Equal(got, want) {
			t.Errorf("compact(%d) = %x, want %x", n, got, want)
		}
	}
}
