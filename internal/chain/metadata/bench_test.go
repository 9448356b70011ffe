package metadata

import (
	"testing"

	"github.com/pylon-go/pylon/internal/chain/scale"
)

// neuronsPayloads returns the recorded 1024-neuron answer and a 256-neuron
// answer made of its first 256 entries under a new compact length.
func neuronsPayloads(b *testing.B, md *Metadata) map[string][]byte {
	b.Helper()
	mm := mustMethod(b, md, "NeuronInfoRuntimeApi", "get_neurons_lite")
	full := neuronsLite343(b)
	v, err := md.Types.Decode(mm.Output, full)
	if err != nil {
		b.Fatal(err)
	}
	seq, ok := v.(Sequence)
	if !ok || len(seq) < 256 {
		b.Fatalf("get_neurons_lite decodes to %T of %d entries, want a Sequence of at least 256", v, len(seq))
	}
	first256, err := md.Types.Encode(mm.Output, seq[:256])
	if err != nil {
		b.Fatal(err)
	}
	return map[string][]byte{"256": first256, "1024": full}
}

func BenchmarkDecodeNeuronsLite(b *testing.B) {
	md := loadMetadata(b, spec343V15File)
	mm := mustMethod(b, md, "NeuronInfoRuntimeApi", "get_neurons_lite")
	payloads := neuronsPayloads(b, md)
	for _, n := range []string{"256", "1024"} {
		raw := payloads[n]
		b.Run(n+"/struct", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				var ns []testNeuronLite
				if err := mm.DecodeResult(raw, &ns); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(n+"/generic", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := md.Types.Decode(mm.Output, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(n+"/static", func(b *testing.B) {
			// The same bytes through the reflection codec with the struct's
			// layout tags, the path old runtimes take.
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				var ns []testNeuronLite
				if err := scale.Unmarshal(raw, &ns); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeSubnetState(b *testing.B) {
	md := loadMetadata(b, spec343V15File)
	mm := mustMethod(b, md, "SubnetInfoRuntimeApi", "get_subnet_state")
	raw := subnetState343(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var s *testSubnetState
		if err := mm.DecodeResult(raw, &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeMetadata(b *testing.B) {
	raw := rawMetadata(b, spec343V15File)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
