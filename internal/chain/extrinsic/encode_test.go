package extrinsic_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"slices"
	"testing"

	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/chain/hash"
	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/chain/scale"
	"github.com/pylon-go/pylon/internal/keys"
)

const (
	// Alice's public key (//Alice), CHAIN.md §6.3.
	aliceHex = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
	// The finney genesis hash (CHAIN.md §6.2).
	finneyGenesis = "2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03"
	// The birth hash of the §6.3 vector, abbreviated there as f0aa135d…1e05: in full it is the
	// chain_getBlockHash answer of the mocked node in turbobt's signing test
	// (tb:tests/test_substrate/test_pallets/test_author.py, era at block 3924), whose payload CHAIN.md quotes.
	vectorBirth = "f0aa135ddac82c7b5ea0de2b021945381bc6a449fdd44386d9956fa0a5ee1e05"

	// set_mechanism_weights(1, 0, [0,1], [16384,65535], 9003000), CHAIN.md §7.2.
	setMechWeightsHex = "0777 0100 00 08 0000 0100 08 0040 ffff f85f890000000000"
	// commit_timelocked_mechanism_weights(1, 0, "TEST", 204, 4), CHAIN.md §7.4.
	commitTimelockedHex = "0776 0100 00 10 54455354 cc00000000000000 0400"
)

// vectorParams are the §6.3 inputs: spec 318, tx 1, finney genesis, nonce 1, era period 4 at block 3924.
func vectorParams(t *testing.T) extrinsic.Params {
	t.Helper()
	return extrinsic.Params{
		SpecVersion:        318,
		TransactionVersion: 1,
		GenesisHash:        unhex32(t, finneyGenesis),
		Era:                extrinsic.MortalEra(3924, 4),
		BirthHash:          unhex32(t, vectorBirth),
		Nonce:              1,
	}
}

// The call vectors of CHAIN.md §7.2 and §7.4 were made with spec-318 metadata; spec 343 keeps the same
// indices and layouts, so both must reproduce them, positionally and by name.
func TestCallVectors(t *testing.T) {
	setMech := extrinsic.NewCall("SubtensorModule", "set_mechanism_weights",
		uint16(1), uint8(0), []uint16{0, 1}, []uint16{16384, 65535}, uint64(9003000))
	setMechNamed := extrinsic.NewNamedCall("SubtensorModule", "set_mechanism_weights", map[string]any{
		"netuid": 1, "mecid": 0, "dests": []uint16{0, 1}, "weights": []int{16384, 65535}, "version_key": 9003000,
	})
	commit := extrinsic.NewCall("SubtensorModule", "commit_timelocked_mechanism_weights",
		uint16(1), uint8(0), []byte("TEST"), uint64(204), uint16(4))
	commitNamed := extrinsic.NewNamedCall("SubtensorModule", "commit_timelocked_mechanism_weights", map[string]any{
		"netuid": 1, "mecid": 0, "commit": "TEST", "reveal_round": 204, "commit_reveal_version": 4,
	})
	for _, file := range []string{spec318V15, spec343V15, spec343V14} {
		md := finney(t, file)
		for _, tc := range []struct {
			call extrinsic.Call
			want string
		}{
			{setMech, setMechWeightsHex},
			{setMechNamed, setMechWeightsHex},
			{commit, commitTimelockedHex},
			{commitNamed, commitTimelockedHex},
		} {
			got, err := tc.call.Encode(md)
			if err != nil {
				t.Fatalf("%s %s: %v", file, tc.call, err)
			}
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("%s %s:\n got %x\nwant %x", file, tc.call, got, want)
			}
		}
	}
}

func TestCallErrors(t *testing.T) {
	md := finney(t, spec343V15)
	if _, err := extrinsic.NewCall("SubtensorModule", "no_such_call").Encode(md); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("unknown call: %v", err)
	}
	if _, err := extrinsic.NewCall("NoSuchPallet", "x").Encode(md); !errors.Is(err, metadata.ErrNotFound) {
		t.Errorf("unknown pallet: %v", err)
	}
	_, err := extrinsic.NewCall("SubtensorModule", "set_weights", uint16(1)).Encode(md)
	if !errors.Is(err, metadata.ErrTypeMismatch) {
		t.Errorf("too few arguments: %v", err)
	}
	_, err = extrinsic.NewCall("SubtensorModule", "set_weights", uint16(1), []uint16{0}, []int{70000}, uint64(0)).Encode(md)
	if !errors.Is(err, scale.ErrOverflow) {
		t.Errorf("weight out of u16 range: %v", err)
	}
	_, err = extrinsic.NewNamedCall("SubtensorModule", "set_weights", map[string]any{"netuid": 1, "dests": []uint16{}, "weights": []uint16{}, "version": 0}).Encode(md)
	if !errors.Is(err, metadata.ErrTypeMismatch) {
		t.Errorf("misnamed argument: %v", err)
	}
}

// The full signing payload of CHAIN.md §6.3: every byte is compared, the birth hash included (its middle,
// elided in the document, is the mocked node's answer in the test that produced the vector).
func TestSigningPayloadVector(t *testing.T) {
	md := finney(t, spec318V15)
	call, err := extrinsic.NewCall("SubtensorModule", "set_mechanism_weights",
		uint16(1), uint8(0), []uint16{0, 1}, []uint16{16384, 65535}, uint64(9003000)).Encode(md)
	if err != nil {
		t.Fatal(err)
	}
	got, err := extrinsic.SigningPayload(md, call, vectorParams(t))
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, "07770100000800000100080040fffff85f890000000000 | 0100 | 04 | 00 | 00 | 3e010000 | 01000000 | "+
		finneyGenesis+" | "+vectorBirth+" | 00")
	if len(want) != 101 {
		t.Fatalf("vector is %d bytes, want 101", len(want))
	}
	if !bytes.Equal(got, want) {
		t.Errorf("payload:\n got %x\nwant %x", got, want)
	}
}

// The extrinsic layout of CHAIN.md §6.3 with the dummy signature ab×64 and signer Alice.
func TestExtrinsicLayoutVector(t *testing.T) {
	for _, file := range []string{spec318V15, spec343V15, spec343V14} {
		md := finney(t, file)
		call := unhex(t, setMechWeightsHex)
		p := vectorParams(t)
		var sig [64]byte
		for i := range sig {
			sig[i] = 0xab
		}
		x, err := extrinsic.Assemble(md, call, p, unhex32(t, aliceHex), sig)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		want := unhex(t, "fd01 | 84 | 00 "+aliceHex+" | 01 "+hex.EncodeToString(sig[:])+" | 0100 04 00 00 | "+setMechWeightsHex)
		if !bytes.Equal(x.Bytes, want) {
			t.Errorf("%s:\n got %x\nwant %x", file, x.Bytes, want)
		}
		if x.Hash != hash.Blake2_256(want) {
			t.Errorf("%s: hash %x", file, x.Hash)
		}
	}
}

// The extrinsic hash vector of CHAIN.md §6.1: blake2_256 over the whole encoding, length prefix included.
func TestExtrinsicHashVector(t *testing.T) {
	got := extrinsic.Hash(unhex(t, "0x280402000b8a8c6d0b9701"))
	if want := unhex32(t, "b905206696a6d4307da80c3686715c6ee7a25e02dc9e63352fe8b8557e04ff7d"); got != want {
		t.Errorf("hash %x, want %x", got, want)
	}
}

// Every recorded runtime's extension list (spec 318 and 343, V14 and V15: CheckNonZeroSender …
// SubtensorTransactionExtension, DrandPriority, CheckMetadataHash) encodes, and only the known extensions
// contribute bytes, in metadata order.
func TestExtensionListsEncode(t *testing.T) {
	for _, file := range []string{spec318V15, spec343V15, spec343V14} {
		md := finney(t, file)
		var ids []string
		for _, x := range md.Extrinsic.SignedExtensions {
			ids = append(ids, x.Identifier)
		}
		for _, want := range []string{"SubtensorTransactionExtension", "DrandPriority", "CheckMetadataHash", "CheckMortality"} {
			if !slices.Contains(ids, want) {
				t.Fatalf("%s lacks %s: %v", file, want, ids)
			}
		}
		p := vectorParams(t)
		p.Nonce, p.Tip = 300, 5
		extra, implicit, err := extrinsic.EncodeExtensions(md, &p)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		// era ‖ Compact(300) ‖ Compact(5) ‖ mode Disabled
		if want := unhex(t, "0100 b104 14 00"); !bytes.Equal(extra, want) {
			t.Errorf("%s extra %x, want %x", file, extra, want)
		}
		// spec ‖ tx ‖ genesis ‖ birth ‖ None
		if want := unhex(t, "3e010000 01000000"+finneyGenesis+vectorBirth+"00"); !bytes.Equal(implicit, want) {
			t.Errorf("%s implicit %x, want %x", file, implicit, want)
		}

		// An immortal era is one 0x00 byte and commits to the genesis hash, not to BirthHash.
		p.Era = extrinsic.Era{}
		extra, implicit, err = extrinsic.EncodeExtensions(md, &p)
		if err != nil {
			t.Fatal(err)
		}
		if want := unhex(t, "00 b104 14 00"); !bytes.Equal(extra, want) {
			t.Errorf("%s immortal extra %x", file, extra)
		}
		if want := unhex(t, "3e010000 01000000"+finneyGenesis+finneyGenesis+"00"); !bytes.Equal(implicit, want) {
			t.Errorf("%s immortal implicit %x", file, implicit)
		}

		// The nonce is a Compact<u32> in these runtimes: a larger one is an error, not a truncation.
		p.Nonce = 1 << 32
		if _, _, err := extrinsic.EncodeExtensions(md, &p); !errors.Is(err, scale.ErrOverflow) {
			t.Errorf("%s: nonce 2^32: %v", file, err)
		}
	}
}

// typeIDs finds, in a real registry, a u32, an Option<…>, an empty tuple and a struct with one u32 field,
// the building blocks of the synthetic extension lists below.
func typeIDs(t *testing.T, md *metadata.Metadata) (u32, option, unit, composite metadata.TypeID) {
	t.Helper()
	found := 0
	for i := 0; i < md.Types.Len() && found != 15; i++ {
		ty, err := md.Types.Type(metadata.TypeID(i))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case found&1 == 0 && ty.Kind == metadata.KindPrimitive && ty.Primitive == metadata.PrimU32:
			u32, found = ty.ID, found|1
		case found&2 == 0 && ty.Kind == metadata.KindVariant && len(ty.Path) == 1 && ty.Path[0] == "Option":
			option, found = ty.ID, found|2
		case found&4 == 0 && ty.Kind == metadata.KindTuple && len(ty.Tuple) == 0:
			unit, found = ty.ID, found|4
		case found&8 == 0 && ty.Kind == metadata.KindComposite && len(ty.Fields) == 1:
			if f, _ := md.Types.Type(ty.Fields[0].Type); f.Kind == metadata.KindPrimitive && f.Primitive == metadata.PrimU32 {
				composite, found = ty.ID, found|8
			}
		}
	}
	if found != 15 {
		t.Fatalf("registry lacks a building block (found %b)", found)
	}
	return u32, option, unit, composite
}

// withExtensions returns a copy of md whose runtime declares the given extension list.
func withExtensions(md *metadata.Metadata, exts ...metadata.SignedExtension) *metadata.Metadata {
	syn := *md
	syn.Extrinsic.SignedExtensions = exts
	return &syn
}

// A runtime whose extension list holds an unknown extension that carries data cannot be signed for: the
// error names the extension. Unknown Option extensions encode None, and unknown empty ones nothing.
func TestUnknownExtensions(t *testing.T) {
	md := finney(t, spec343V15)
	u32, option, unit, composite := typeIDs(t, md)
	base := md.Extrinsic.SignedExtensions
	p := vectorParams(t)
	baseExtra, baseImplicit, err := extrinsic.EncodeExtensions(md, &p)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		ext  metadata.SignedExtension
		part string
	}{
		{metadata.SignedExtension{Identifier: "CheckFutureThing", Type: u32, AdditionalSigned: unit}, "extra"},
		{metadata.SignedExtension{Identifier: "CheckFutureThing", Type: composite, AdditionalSigned: unit}, "extra"},
		{metadata.SignedExtension{Identifier: "CommitsToSomething", Type: unit, AdditionalSigned: u32}, "implicit"},
	} {
		syn := withExtensions(md, append(slices.Clone(base), tc.ext)...)
		_, _, err := extrinsic.EncodeExtensions(syn, &p)
		var unknown *extrinsic.UnknownExtensionError
		if !errors.As(err, &unknown) || unknown.Identifier != tc.ext.Identifier || unknown.Part != tc.part || !errors.Is(err, extrinsic.ErrUnknownExtension) {
			t.Fatalf("%+v: %v", tc.ext, err)
		}
		if !bytes.Contains([]byte(err.Error()), []byte(tc.ext.Identifier)) {
			t.Errorf("error does not name the extension: %v", err)
		}
		// Signing refuses too, before anything is signed.
		if _, err := extrinsic.Sign(syn, unhex(t, setMechWeightsHex), p, panicSigner{}); !errors.As(err, &unknown) {
			t.Errorf("Sign: %v", err)
		}
	}

	// An unknown Option extension in the middle of the list: None (0x00) in its place, in both parts.
	exts := slices.Clone(base)
	i := slices.IndexFunc(exts, func(x metadata.SignedExtension) bool { return x.Identifier == "CheckNonce" })
	exts = slices.Insert(exts, i, metadata.SignedExtension{Identifier: "MaybeSomething", Type: option, AdditionalSigned: option},
		metadata.SignedExtension{Identifier: "NothingAtAll", Type: unit, AdditionalSigned: unit})
	extra, implicit, err := extrinsic.EncodeExtensions(withExtensions(md, exts...), &p)
	if err != nil {
		t.Fatal(err)
	}
	// extra: era (2 bytes) ‖ None ‖ nonce …; implicit: spec ‖ tx ‖ genesis ‖ birth ‖ None ‖ metadata hash None
	wantExtra := slices.Concat(baseExtra[:2], []byte{0}, baseExtra[2:])
	wantImplicit := slices.Concat(baseImplicit[:len(baseImplicit)-1], []byte{0}, baseImplicit[len(baseImplicit)-1:])
	if !bytes.Equal(extra, wantExtra) || !bytes.Equal(implicit, wantImplicit) {
		t.Errorf("option extension:\n extra %x want %x\n implicit %x want %x", extra, wantExtra, implicit, wantImplicit)
	}
}

type panicSigner struct{}

func (panicSigner) PublicKey() [32]byte           { return [32]byte{} }
func (panicSigner) Sign([]byte) ([64]byte, error) { panic("must not sign") }

// Signatures are randomised, so they are verified, not compared: a short payload is signed as is, one over
// 256 bytes as its blake2b-256 hash (and not as is).
func TestSignVerifies(t *testing.T) {
	md := finney(t, spec343V15)
	alice, err := keys.KeypairFromURI("//Alice")
	if err != nil {
		t.Fatal(err)
	}
	p := vectorParams(t)
	short := unhex(t, setMechWeightsHex)
	long, err := extrinsic.NewCall("SubtensorModule", "commit_timelocked_mechanism_weights",
		uint16(1), uint8(0), bytes.Repeat([]byte{7}, 300), uint64(204), uint16(4)).Encode(md)
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range [][]byte{short, long} {
		x, err := extrinsic.Sign(md, call, p, alice)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := extrinsic.SigningPayload(md, call, p)
		if err != nil {
			t.Fatal(err)
		}
		// Layout: prefix ‖ 84 ‖ 00 pub ‖ 01 sig ‖ extra ‖ call.
		prefixLen := len(x.Bytes) - (1 + 33 + 65 + 5 + len(call))
		body := x.Bytes[prefixLen:]
		if body[0] != 0x84 || body[1] != 0 || [32]byte(body[2:34]) != alice.PublicKey() || body[34] != 1 || !bytes.HasSuffix(body, call) {
			t.Fatalf("layout %x", x.Bytes)
		}
		sig := [64]byte(body[35:99])
		hashed := hash.Blake2_256(payload)
		switch {
		case len(payload) <= extrinsic.MaxUnhashedPayload:
			if !keys.Verify(alice.PublicKey(), payload, sig) {
				t.Errorf("short payload (%d bytes): signature does not verify", len(payload))
			}
		default:
			if !keys.Verify(alice.PublicKey(), hashed[:], sig) || keys.Verify(alice.PublicKey(), payload, sig) {
				t.Errorf("long payload (%d bytes): not signed as its hash", len(payload))
			}
		}
	}
}

type failingSigner struct{}

func (failingSigner) PublicKey() [32]byte { return [32]byte{1} }
func (failingSigner) Sign([]byte) ([64]byte, error) {
	return [64]byte{}, errors.New("hardware key unplugged")
}

func TestSignerErrorAndFormat(t *testing.T) {
	md := finney(t, spec343V15)
	if _, err := extrinsic.Sign(md, unhex(t, setMechWeightsHex), vectorParams(t), failingSigner{}); err == nil {
		t.Error("signer error swallowed")
	}
	syn := *md
	syn.Extrinsic.Version = 5
	if _, err := extrinsic.Sign(&syn, unhex(t, setMechWeightsHex), vectorParams(t), failingSigner{}); err == nil {
		t.Error("signed anyway")
	}
	_, err := extrinsic.Assemble(&syn, nil, vectorParams(t), [32]byte{}, [64]byte{})
	if !errors.Is(err, extrinsic.ErrUnsupportedFormat) {
		t.Errorf("extrinsic v5: %v", err)
	}
}
