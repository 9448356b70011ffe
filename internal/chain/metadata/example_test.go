package metadata_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pylon-go/pylon/internal/chain/metadata"
	"github.com/pylon-go/pylon/internal/sharedtest"
)

// finney reads a file of the shared recorded finney data.
func finney(name string) []byte {
	dir, err := sharedtest.Dir()
	if err != nil {
		panic(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "finney", name))
	if err != nil {
		panic(err)
	}
	return b
}

// spec343 decodes the recorded spec-343 V15 metadata: the hex answer of
// state_call("Metadata_metadata_at_version", 15).
func spec343() *metadata.Metadata {
	md, err := metadata.DecodeHex(string(finney("spec343_metadata_v15_at_version.hex")))
	if err != nil {
		panic(err)
	}
	return md
}

func Example() {
	md := spec343()
	p, _ := md.Pallet("SubtensorModule")
	fmt.Println("metadata version", md.Version, "extrinsic version", md.Extrinsic.Version)
	c, _ := p.Call("serve_axon_tls")
	fmt.Println(p.Name, "index", p.Index, "serve_axon_tls", c.Index(), "args", len(c.Args))
	// Output:
	// metadata version 15 extrinsic version 4
	// SubtensorModule index 7 serve_axon_tls [7 40] args 9
}

func ExampleCall_Encode() {
	md := spec343()
	call, err := md.Call("SubtensorModule", "set_mechanism_weights")
	if err != nil {
		panic(err)
	}
	// netuid u16, mecid u8, dests Vec<u16>, weights Vec<u16>, version_key u64:
	// the Go values are encoded as the types the metadata declares.
	b, err := call.Encode(uint16(1), uint8(0), []uint16{0, 1}, []uint16{16384, 65535}, uint64(9003000))
	if err != nil {
		panic(err)
	}
	fmt.Printf("index %x\n%x\n", call.Index(), b)
	// Output:
	// index 0777
	// 07770100000800000100080040fffff85f890000000000
}

func ExampleStorageEntry_Key() {
	md := spec343()
	certs, _ := md.StorageEntry("SubtensorModule", "NeuronCertificates")
	var alice [32]byte
	if _, err := hex.Decode(alice[:], []byte("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")); err != nil {
		panic(err)
	}
	key, _ := certs.Key(uint16(1), alice)
	prefix, _ := certs.PrefixKey(uint16(1))
	fmt.Println(certs.Hashers[0], certs.Hashers[1])
	fmt.Printf("%x\n%x\n", prefix, key)
	parts, _ := certs.DecodeKey(key)
	fmt.Println(parts[0].Value, hex.EncodeToString(parts[1].Raw) == hex.EncodeToString(alice[:]))
	// Output:
	// Identity Blake2_128Concat
	// 658faa385070e074c85bf6b568cf0555805f1c4b7f54d8f4208070bfc777e2db0100
	// 658faa385070e074c85bf6b568cf0555805f1c4b7f54d8f4208070bfc777e2db0100de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d
	// 1 true
}

// AxonInfo and NeuronInfoLite pick fields by their Rust names; fields the Go
// struct leaves out (prometheus_info, rank, …) are skipped.
type AxonInfo struct {
	Block    uint64
	Version  uint32
	Port     uint16
	Protocol uint8
}

type NeuronInfoLite struct {
	Hotkey   [32]byte
	UID      uint16
	AxonInfo AxonInfo
	Stake    []struct {
		Coldkey [32]byte
		Amount  uint64
	}
	LastUpdate uint64
}

func ExampleRuntimeAPIMethod_DecodeResult() {
	md := spec343()
	mm, _ := md.RuntimeAPIMethod("NeuronInfoRuntimeApi", "get_neurons_lite")
	args, _ := mm.EncodeArgs(uint16(1))
	fmt.Printf("state_call %s 0x%x\n", mm.FullName(), args)

	// The recorded answer at block 6,852,690.
	var rec map[string]map[string]map[string]struct{ Result string }
	_ = json.Unmarshal(finney("sdk_websocket_recordings.json"), &rec)
	var answer string
	for params, resp := range rec["metagraph"]["state_call"] {
		if strings.Contains(params, "get_neurons_lite") {
			answer = resp.Result
		}
	}
	raw, _ := hex.DecodeString(strings.TrimPrefix(answer, "0x"))

	var neurons []NeuronInfoLite
	if err := mm.DecodeResult(raw, &neurons); err != nil {
		panic(err)
	}
	n := neurons[0]
	fmt.Println(len(neurons), "neurons; uid", n.UID, "axon", n.AxonInfo.Block, n.AxonInfo.Version, n.AxonInfo.Port, n.AxonInfo.Protocol)
	// Output:
	// state_call NeuronInfoRuntimeApi_get_neurons_lite 0x0100
	// 1024 neurons; uid 0 axon 6575906 9011001 6028 4
}

func ExampleMetadata_DispatchError() {
	md := spec343()
	// The dispatch_error of an ExtrinsicFailed event, as DecodeEvents gives it.
	v := metadata.Variant{Name: "Module", Fields: []metadata.NamedValue{{Value: metadata.Composite{Fields: []metadata.NamedValue{
		{Name: "index", Value: uint8(7)}, {Name: "error", Value: []byte{28, 0, 0, 0}},
	}}}}}
	de, err := md.DispatchError(v)
	if err != nil {
		panic(err)
	}
	fmt.Println(de)
	fmt.Println(de.Module.Docs[0])
	// Output:
	// dispatch error: SubtensorModule.SettingWeightsTooFast
	// A transactor exceeded the rate limit for setting weights.
}
