package pylon_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon"
)

// pylonNeurons is a body in the shape Pylon's own contract tests expect
// (pylon_client/tests/pact/matchers.py).
const pylonNeurons = `{
  "block": {"number": 4920351, "hash": "0x4a9e"},
  "neurons": {
    "5F4t": {
      "uid": 1, "coldkey": "5Dfh", "hotkey": "5F4t", "active": true,
      "axon_info": {"ip": "192.168.1.100", "port": 9999, "protocol": 4},
      "stake": 1.1, "rank": 2.2, "emission": 3.3, "incentive": 4.4, "consensus": 5.5, "trust": 6.6,
      "validator_trust": 7.7, "dividends": 8.8, "last_update": 1001, "validator_permit": true,
      "pruning_score": 99, "stakes": {"alpha": 100.1, "tao": 200.2, "total": 300.3}
    }
  }
}`

// TestWireModelsRoundTrip: Pylon's JSON decodes into the models and encodes
// back to the same JSON, field for field.
func TestWireModelsRoundTrip(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		into any
	}{
		"neurons":      {pylonNeurons, &pylon.SubnetNeurons{}},
		"validators":   {`{"block": {"number": 1, "hash": "0x01"}, "validators": [` + neuronOf(pylonNeurons) + `]}`, &pylon.SubnetValidators{}},
		"block info":   {`{"number": 4920351, "hash": "0x4a9e", "timestamp": 1767225600}`, &pylon.BlockInfo{}},
		"certificates": {`{"5F4t": {"algorithm": 1, "public_key": "3b6a"}}`, &pylon.Certificates{}},
		"keypair":      {`{"algorithm": 1, "public_key": "3b6a", "private_key": "9d61"}`, &pylon.CertificateKeypair{}},
		"set weights":  {`{"weights": {"5F4t": 0.8, "5Dfh": 0.5}}`, &pylon.SetWeightsRequest{}},
		"scheduled":    {`{"detail": "weights update scheduled", "count": 2}`, &pylon.SetWeightsResponse{}},
		"dry run": {`{"detail": "dry run", "count": 2, "job_id": "j1", "epoch": {"index": 5, "start_block": 100, "end_block": 461},
			"unknown_hotkeys": ["x"], "status_url": "/s", "dry_run": true, "mode": "timelock", "uids": [1, 2], "values": [65535, 32768], "version_key": 7}`, &pylon.SetWeightsResponse{}},
		"weights status":   {`{"weights_submitted": false}`, &pylon.WeightsStatus{}},
		"identities":       {`{"identities": {"sn1": 1}}`, &pylon.IdentitiesResponse{}},
		"unknown protocol": {`{"ip": "::", "port": 0, "protocol": 7}`, &pylon.AxonInfo{}},
		"hyperparameters": {`{"block": {"number": 7, "hash": "0x07"}, "netuid": 2, "tempo": 360, "max_weights_limit": 65535,
			"weights_version_key": 0, "weights_rate_limit": 100, "commit_reveal_weights_enabled": true, "commit_reveal_period": 1,
			"commit_reveal_version": null, "source": "SubnetInfoRuntimeApi_get_subnet_hyperparams",
			"hyperparameters": {"tempo": 360, "max_difficulty": 18446744073709551615, "alpha_sigmoid_steepness": -2.5, "liquid_alpha_enabled": false}}`, &pylon.Hyperparameters{}},
	} {
		if err := json.Unmarshal([]byte(tc.body), tc.into); err != nil {
			t.Errorf("%s: decode: %v", name, err)
			continue
		}
		out, err := json.Marshal(tc.into)
		if err != nil {
			t.Fatal(err)
		}
		var want, got any
		_ = json.Unmarshal([]byte(tc.body), &want)
		_ = json.Unmarshal(out, &got)
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: round trip\n got %s\nwant %s", name, out, tc.body)
		}
	}
}

func neuronOf(body string) string {
	var v struct{ Neurons map[string]json.RawMessage }
	_ = json.Unmarshal([]byte(body), &v)
	for _, n := range v.Neurons {
		return string(n)
	}
	return ""
}

func TestNeuronFields(t *testing.T) {
	var v pylon.SubnetNeurons
	if err := json.Unmarshal([]byte(pylonNeurons), &v); err != nil {
		t.Fatal(err)
	}
	n := v.Neurons["5F4t"]
	if n.UID != 1 || n.AxonInfo.Protocol != pylon.AxonProtocolHTTP || n.Stake != 1.1 || n.LastUpdate != 1001 || n.PruningScore != 99 || n.Stakes.Total != 300.3 || !n.AxonInfo.IsServing() {
		t.Errorf("neuron %+v", n)
	}
}

func TestAxonInfo(t *testing.T) {
	for ip, serving := range map[string]bool{
		"192.168.1.100": true, "2001:db8::1": true, "::ffff:1.2.3.4": true,
		"0.0.0.0": false, "::": false, "": false, "not an ip": false,
	} {
		if got := (pylon.AxonInfo{IP: ip}).IsServing(); got != serving {
			t.Errorf("IsServing(%q) = %v, want %v", ip, got, serving)
		}
	}
	for p, name := range map[pylon.AxonProtocol]string{0: "TCP", 1: "UDP", 4: "HTTP", 7: "UNKNOWN_7"} {
		if p.String() != name {
			t.Errorf("AxonProtocol(%d) = %s, want %s", int(p), p, name)
		}
	}
	if pylon.CertificateAlgorithmEd25519.String() != "ED25519" || pylon.CertificateAlgorithm(3).String() != "UNKNOWN_3" {
		t.Error("CertificateAlgorithm names")
	}
}

// TestSchemas: huma builds the OpenAPI schema of each model with the JSON
// field names, every field documented, and only the omitempty additions
// optional.
func TestSchemas(t *testing.T) {
	reg := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	for _, tc := range []struct {
		typ      reflect.Type
		required []string
		optional []string
	}{
		{reflect.TypeFor[pylon.BlockInfo](), []string{"hash", "number", "timestamp"}, nil},
		{reflect.TypeFor[pylon.Neuron](), []string{"active", "axon_info", "coldkey", "consensus", "dividends", "emission", "hotkey", "incentive",
			"last_update", "pruning_score", "rank", "stake", "stakes", "trust", "uid", "validator_permit", "validator_trust"}, nil},
		{reflect.TypeFor[pylon.SubnetNeurons](), []string{"block", "neurons"}, nil},
		{reflect.TypeFor[pylon.SubnetValidators](), []string{"block", "validators"}, nil},
		{reflect.TypeFor[pylon.CertificateKeypair](), []string{"algorithm", "private_key", "public_key"}, nil},
		{reflect.TypeFor[pylon.SetWeightsRequest](), []string{"weights"}, nil},
		{reflect.TypeFor[pylon.SetWeightsResponse](), []string{"count", "detail"},
			[]string{"dry_run", "epoch", "job_id", "mode", "status_url", "uids", "unknown_hotkeys", "values", "version_key"}},
		{reflect.TypeFor[pylon.WeightsStatus](), []string{"weights_submitted"}, nil},
	} {
		s := reg.Schema(tc.typ, true, "")
		if s.Ref != "" {
			s = reg.SchemaFromRef(s.Ref)
		}
		var props []string
		for name, p := range s.Properties {
			props = append(props, name)
			if p.Description == "" {
				t.Errorf("%v.%s has no doc", tc.typ, name)
			}
		}
		slices.Sort(props)
		required := slices.Sorted(slices.Values(s.Required))
		if want := slices.Sorted(slices.Values(append(slices.Clone(tc.required), tc.optional...))); !slices.Equal(props, want) {
			t.Errorf("%v properties %v, want %v", tc.typ, props, want)
		}
		if !slices.Equal(required, tc.required) {
			t.Errorf("%v required %v, want %v", tc.typ, required, tc.required)
		}
	}
}
