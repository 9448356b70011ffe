package metadata

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runtimeVersion picks fields of sp_version::RuntimeVersion by name.
type runtimeVersion struct {
	SpecName           string
	SpecVersion        uint32
	TransactionVersion uint32
}

// Signed extensions listed in ../shared/testdata/finney/README.md for spec 318;
// CHAIN.md §6.2 gives the same list for spec 343.
var finneyExtensions = []string{
	"CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion", "CheckGenesis", "CheckMortality", "CheckNonce",
	"CheckWeight", "ChargeTransactionPayment", "SubtensorTransactionExtension", "DrandPriority", "CheckMetadataHash",
}

func TestDecodeRecordedMetadata(t *testing.T) {
	for _, tc := range []struct {
		file    string
		version uint8
		spec    uint32
	}{
		{spec318V15File, 15, 318},
		{spec343V14File, 14, 343},
		{spec343V15File, 15, 343},
	} {
		t.Run(tc.file, func(t *testing.T) {
			md := loadMetadata(t, tc.file)
			if md.Version != tc.version {
				t.Errorf("version %d, want %d", md.Version, tc.version)
			}
			var rv runtimeVersion
			c, err := md.Constant("System", "Version")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Decode(&rv); err != nil {
				t.Fatal(err)
			}
			if rv.SpecName != "node-subtensor" || rv.SpecVersion != tc.spec || rv.TransactionVersion != 1 {
				t.Errorf("System.Version = %+v, want node-subtensor spec %d tx 1", rv, tc.spec)
			}
			if md.Extrinsic.Version != 4 {
				t.Errorf("extrinsic version %d, want 4", md.Extrinsic.Version)
			}
			var ids []string
			for _, x := range md.Extrinsic.SignedExtensions {
				ids = append(ids, x.Identifier)
			}
			if diff := cmp.Diff(finneyExtensions, ids); diff != "" {
				t.Errorf("signed extensions (-want +got):\n%s", diff)
			}
			for name, index := range map[string]uint8{"System": 0, "SubtensorModule": 7, "Utility": 11, "Drand": 26} {
				p, err := md.Pallet(name)
				if err != nil {
					t.Fatal(err)
				}
				if p.Index != index {
					t.Errorf("pallet %s index %d, want %d", name, p.Index, index)
				}
				if q, err := md.PalletByIndex(index); err != nil || q != p {
					t.Errorf("PalletByIndex(%d) = %v, %v", index, q, err)
				}
			}
			if tc.version == 15 {
				if md.OuterEnums == nil || len(md.APIs) == 0 {
					t.Fatal("V15 without runtime APIs or outer enums")
				}
				ev, err := md.Types.Type(md.OuterEnums.EventType)
				if err != nil || ev.Kind != KindVariant || ev.Path[len(ev.Path)-1] != "RuntimeEvent" {
					t.Fatalf("outer event enum: %v", err)
				}
				// The RuntimeEvent enum has one variant per pallet with events,
				// named and indexed like the pallet.
				for _, p := range md.Pallets {
					if p.EventType == nil {
						continue
					}
					v, ok := ev.VariantByIndex(p.Index)
					if !ok || v.Name != p.Name {
						t.Errorf("RuntimeEvent variant %d = %v, want %s", p.Index, v, p.Name)
					}
				}
				mm, err := md.RuntimeAPIMethod("Metadata", "metadata_at_version")
				if err != nil {
					t.Fatal(err)
				}
				if len(mm.Inputs) != 1 || md.Types.Name(mm.Inputs[0].Type) != "u32" || md.Types.Name(mm.Output) != "Option" {
					t.Errorf("Metadata_metadata_at_version: inputs %v output %s", mm.Inputs, md.Types.Name(mm.Output))
				}
			}
		})
	}
}

func TestCallIndicesFromMetadata(t *testing.T) {
	// Expected indices: finney README and CHAIN.md §7.2–7.4 (spec 318).
	for _, file := range []string{spec318V15File, spec343V15File, spec343V14File} {
		md := loadMetadata(t, file)
		for call, want := range map[string][2]byte{
			"set_mechanism_weights":               {0x07, 0x77},
			"commit_timelocked_mechanism_weights": {0x07, 0x76},
			"serve_axon_tls":                      {0x07, 0x28},
		} {
			c, err := md.Call("SubtensorModule", call)
			if err != nil {
				t.Fatal(err)
			}
			if c.Index() != want {
				t.Errorf("%s: %s index %x, want %x", file, call, c.Index(), want)
			}
		}
	}
}

func TestCallEncodingVectors(t *testing.T) {
	md := loadMetadata(t, spec318V15File)
	for _, tc := range []struct {
		call string
		args []any
		hex  string // CHAIN.md §7.2 and §7.4
	}{
		{"set_mechanism_weights", []any{uint16(1), uint8(0), []uint16{0, 1}, []uint16{16384, 65535}, uint64(9003000)},
			"07770100000800000100080040fffff85f890000000000"},
		{"commit_timelocked_mechanism_weights", []any{1, 0, []byte("TEST"), 204, 4},
			"07760100001054455354cc000000000000000400"},
		{"commit_timelocked_weights", []any{1, "TEST", uint64(204), uint16(4)},
			"07710100105445535" + "4cc000000000000000400"},
	} {
		c, err := md.Call("SubtensorModule", tc.call)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Encode(tc.args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.call, err)
		}
		if fmt.Sprintf("%x", got) != tc.hex {
			t.Errorf("%s = %x, want %s", tc.call, got, tc.hex)
		}
	}
	// Named arguments give the same bytes; errors name the argument and path.
	c, _ := md.Call("SubtensorModule", "set_mechanism_weights")
	named, err := c.EncodeNamed(map[string]any{"netuid": 1, "mecid": 0, "dests": []uint16{0, 1}, "weights": []int{16384, 65535}, "version_key": 9003000})
	if err != nil || fmt.Sprintf("%x", named) != "07770100000800000100080040fffff85f890000000000" {
		t.Errorf("EncodeNamed = %x, %v", named, err)
	}
	_, err = c.Encode(1, 0, []uint16{0, 1}, []int{16384, 70000}, 1)
	var pe *PathError
	if !errors.As(err, &pe) || pe.Path != "[1]" || pe.Type != "u16" {
		t.Errorf("overflow error = %v (%+v)", err, pe)
	}
}

// TestV14AndV15Agree checks that the two metadata versions of spec 343 describe
// the same pallets, calls, storage entries, constants and extensions. Type ids
// differ between the two registries, so types are compared by their names.
func TestV14AndV15Agree(t *testing.T) {
	v14, v15 := loadMetadata(t, spec343V14File), loadMetadata(t, spec343V15File)
	if len(v14.Pallets) != len(v15.Pallets) {
		t.Fatalf("%d vs %d pallets", len(v14.Pallets), len(v15.Pallets))
	}
	typeName := func(md *Metadata, id TypeID) string { return md.Types.Name(id) }
	for i, p14 := range v14.Pallets {
		p15 := v15.Pallets[i]
		if p14.Name != p15.Name || p14.Index != p15.Index || p14.StoragePrefix != p15.StoragePrefix {
			t.Errorf("pallet %d: %s/%d vs %s/%d", i, p14.Name, p14.Index, p15.Name, p15.Index)
			continue
		}
		if len(p14.Calls) != len(p15.Calls) {
			t.Errorf("%s: %d vs %d calls", p14.Name, len(p14.Calls), len(p15.Calls))
		}
		for _, c14 := range p14.Calls {
			c15, err := p15.Call(c14.Name)
			if err != nil || c15.Index() != c14.Index() || len(c15.Args) != len(c14.Args) {
				t.Errorf("call %s.%s differs", p14.Name, c14.Name)
				continue
			}
			for j := range c14.Args {
				if c14.Args[j].Name != c15.Args[j].Name || typeName(v14, c14.Args[j].Type) != typeName(v15, c15.Args[j].Type) {
					t.Errorf("call %s.%s arg %d differs", p14.Name, c14.Name, j)
				}
			}
		}
		if len(p14.Storage) != len(p15.Storage) {
			t.Errorf("%s: %d vs %d storage entries", p14.Name, len(p14.Storage), len(p15.Storage))
		}
		for _, s14 := range p14.Storage {
			s15, err := p15.StorageEntry(s14.Name)
			if err != nil {
				t.Error(err)
				continue
			}
			if s14.Modifier != s15.Modifier || !slices.Equal(s14.Hashers, s15.Hashers) || !bytes.Equal(s14.Default, s15.Default) ||
				typeName(v14, s14.ValueType) != typeName(v15, s15.ValueType) || !bytes.Equal(s14.Prefix(), s15.Prefix()) {
				t.Errorf("storage %s.%s differs", p14.Name, s14.Name)
			}
		}
		if len(p14.Constants) != len(p15.Constants) {
			t.Errorf("%s: %d vs %d constants", p14.Name, len(p14.Constants), len(p15.Constants))
		}
		for _, c14 := range p14.Constants {
			c15, err := p15.Constant(c14.Name)
			if err != nil || !bytes.Equal(c14.Value, c15.Value) {
				t.Errorf("constant %s.%s differs", p14.Name, c14.Name)
			}
		}
	}
	if len(v14.Extrinsic.SignedExtensions) != len(v15.Extrinsic.SignedExtensions) {
		t.Fatal("extension counts differ")
	}
	for i, x14 := range v14.Extrinsic.SignedExtensions {
		x15 := v15.Extrinsic.SignedExtensions[i]
		if x14.Identifier != x15.Identifier || typeName(v14, x14.Type) != typeName(v15, x15.Type) ||
			typeName(v14, x14.AdditionalSigned) != typeName(v15, x15.AdditionalSigned) {
			t.Errorf("extension %d: %+v vs %+v", i, x14, x15)
		}
	}
	// V14's extrinsic type parameters give the same address/call/signature
	// types that V15 lists directly.
	for _, pair := range [][2]TypeID{
		{v14.Extrinsic.AddressType, v15.Extrinsic.AddressType},
		{v14.Extrinsic.CallType, v15.Extrinsic.CallType},
		{v14.Extrinsic.SignatureType, v15.Extrinsic.SignatureType},
	} {
		if typeName(v14, pair[0]) != typeName(v15, pair[1]) {
			t.Errorf("extrinsic type %s vs %s", typeName(v14, pair[0]), typeName(v15, pair[1]))
		}
	}
}

func TestDecodeInputForms(t *testing.T) {
	v15 := rawMetadata(t, spec343V15File)
	// Option<Vec<u8>>: 0x01 ‖ Compact(len) (4 bytes here) ‖ "meta" …
	prefixed := v15[5:]
	if string(prefixed[:4]) != "meta" {
		t.Fatal("fixture layout changed")
	}
	var opaque []byte
	opaque = append(opaque, v15[1:]...) // Vec<u8> without the Option tag
	for name, b := range map[string][]byte{"option": v15, "prefixed": prefixed, "vec": opaque} {
		md, err := Decode(b)
		if err != nil || md.Version != 15 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Decode([]byte{0}); !errors.Is(err, ErrNoMetadata) {
		t.Errorf("None: %v", err)
	}
	v16 := append([]byte("meta"), 16)
	if _, err := Decode(append(v16, prefixed[5:]...)); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("V16: %v", err)
	}
	if _, err := Decode([]byte("nope")); !errors.Is(err, ErrInvalidMetadata) {
		t.Errorf("garbage: %v", err)
	}
	if _, err := Decode(prefixed[:len(prefixed)-1]); !errors.Is(err, ErrInvalidMetadata) {
		t.Errorf("truncated: %v", err)
	}
	if _, err := DecodeHex(fmt.Sprintf("0x%x", prefixed)); err != nil {
		t.Errorf("DecodeHex: %v", err)
	}
}

func TestLookupsReportNotFound(t *testing.T) {
	md := loadMetadata(t, spec343V15File)
	for _, err := range []error{
		func() error { _, err := md.Pallet("Nope"); return err }(),
		func() error { _, err := md.Call("System", "nope"); return err }(),
		func() error { _, err := md.StorageEntry("System", "Nope"); return err }(),
		func() error { _, err := md.Constant("System", "Nope"); return err }(),
		func() error { _, err := md.RuntimeAPIMethod("Nope", "nope"); return err }(),
		func() error { _, err := md.ModuleError(250, [4]byte{}); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("error %v, want ErrNotFound", err)
		}
	}
	v14 := loadMetadata(t, spec343V14File)
	if _, err := v14.RuntimeAPIMethod("NeuronInfoRuntimeApi", "get_neurons_lite"); !errors.Is(err, ErrNotFound) {
		t.Errorf("V14 runtime API: %v", err)
	}
}
