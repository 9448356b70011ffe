package metadata

import (
	"bytes"
	"testing"
)

// FuzzDynamicDecoder decodes arbitrary bytes as several registry types of the
// spec-343 metadata (the neuron list, subnet state, events, the runtime call
// enum, the metadata_at_version answer) through the generic decoder, through
// DecodeInto plans and through the event decoder. Nothing may panic, and
// whatever decodes generically must re-encode to the same bytes.
func FuzzDynamicDecoder(f *testing.F) {
	md := loadMetadata(f, spec343V15File)
	neurons := mustMethod(f, md, "NeuronInfoRuntimeApi", "get_neurons_lite")
	state := mustMethod(f, md, "SubnetInfoRuntimeApi", "get_subnet_state")
	events, err := md.EventsEntry()
	if err != nil {
		f.Fatal(err)
	}
	targets := []TypeID{neurons.Output, state.Output, events.ValueType, md.Extrinsic.CallType, md.OuterEnums.EventType}
	// Seeds: the head of the recorded answers (whole neurons and a cut one)
	// and small hand-made values.
	lite := neuronsLite343(f)
	f.Add(uint8(0), append([]byte{0x04}, lite[2:2+143*1]...))
	f.Add(uint8(0), lite[:600])
	f.Add(uint8(1), subnetState343(f)[:400])
	f.Add(uint8(2), []byte{0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})
	f.Add(uint8(3), []byte{0x07, 0x77, 0x01, 0x00, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x40, 0xff, 0xff, 0xf8, 0x5f, 0x89, 0, 0, 0, 0, 0})
	f.Add(uint8(4), []byte{0x00, 0x01})
	f.Fuzz(func(t *testing.T, which uint8, b []byte) {
		id := targets[int(which)%len(targets)]
		if v, err := md.Types.Decode(id, b); err == nil {
			again, err := md.Types.Encode(id, v)
			if err != nil {
				t.Fatalf("re-encode %s: %v", md.Types.Name(id), err)
			}
			if !bytes.Equal(again, b) {
				t.Fatalf("%s: %x re-encodes to %x", md.Types.Name(id), b, again)
			}
		}
		switch id {
		case neurons.Output:
			var ns []testNeuronLite
			_ = neurons.DecodeResult(b, &ns)
			_ = DecodeOpaqueResult(b, &ns)
		case state.Output:
			var s *testSubnetState
			_ = state.DecodeResult(b, &s)
		case events.ValueType:
			_, _ = md.DecodeEvents(b)
		}
	})
}

// FuzzMetadataDecode feeds arbitrary bytes to the metadata decoder. Seeds are
// heads of the recorded metadata (the type registry opens it) and the forms
// Decode accepts; the whole spec-343 V15 metadata is a seed too.
func FuzzMetadataDecode(f *testing.F) {
	v15 := rawMetadata(f, spec343V15File)
	v14 := rawMetadata(f, spec343V14File)
	f.Add(v15)
	f.Add(v14[:3000])
	f.Add(v15[5:2000])
	f.Add([]byte("meta\x0e\x00\x00\x00\x00\x00"))
	f.Add([]byte("meta\x0f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte{0x00})
	f.Fuzz(func(_ *testing.T, b []byte) {
		md, err := Decode(b)
		if err != nil {
			return
		}
		// A decoded metadata must be usable without panics.
		for _, p := range md.Pallets {
			for _, e := range p.Storage {
				_ = e.Prefix()
				_, _ = e.KeyTypes()
				_, _ = md.Types.Decode(e.ValueType, e.Default)
			}
			for _, c := range p.Constants {
				_, _ = md.Types.Decode(c.Type, c.Value)
			}
		}
		for i := 0; i < md.Types.Len(); i++ {
			_, _ = md.Types.Decode(TypeID(i), []byte{1, 2, 3, 4, 5, 6, 7, 8})
			var x any
			_ = md.Types.DecodeInto(TypeID(i), []byte{4, 1, 0, 0, 0}, &x)
		}
		_, _ = md.DecodeEvents([]byte{4, 0, 0, 0, 0, 0, 0, 0})
	})
}
