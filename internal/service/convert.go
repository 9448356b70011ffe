package service

import (
	"encoding/hex"
	"encoding/json"
	"slices"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/subtensor"
)

// Conversions from the chain's raw values to Pylon's wire models, as Pylon
// (through turbobt) makes them: CHAIN.md §5.3 and §5.5.

const (
	// raoPerUnit: amounts are rao, 1e9 of which make one TAO or alpha.
	raoPerUnit = 1e9
	// u16Max: ratios are u16 fixed-point, 65535 meaning 1.
	u16Max = 65535
)

func wireBlock(b subtensor.Block) pylon.Block {
	return pylon.Block{Number: int64(b.Number), Hash: b.Hash.String()} //nolint:gosec // G115: block numbers are u32 on subtensor
}

func wireBlockInfo(b subtensor.BlockInfo) pylon.BlockInfo {
	// Pylon answers int(datetime.timestamp()): whole seconds, rounded down.
	// The genesis block has no timestamp: 0.
	var ts int64
	if !b.Time.IsZero() {
		ts = b.Time.Unix()
	}
	return pylon.BlockInfo{Block: wireBlock(b.Block), Timestamp: ts}
}

func ratio(x uint16) float64 { return float64(x) / u16Max }

func units(rao uint64) float64 { return float64(rao) / raoPerUnit }

// wireNeuron converts one neuron with its stakes (zero when the subnet state
// has no entry for its hotkey).
func wireNeuron(n *subtensor.Neuron, st subtensor.Stakes) pylon.Neuron {
	return pylon.Neuron{
		UID:     n.UID,
		Coldkey: n.Coldkey.String(),
		Hotkey:  n.Hotkey.String(),
		Active:  n.Active,
		AxonInfo: pylon.AxonInfo{
			IP:       n.AxonInfo.Addr().String(),
			Port:     int(n.AxonInfo.Port),
			Protocol: pylon.AxonProtocol(n.AxonInfo.Protocol),
		},
		Stake:           units(n.AlphaStake()),
		Rank:            ratio(n.Rank),
		Emission:        units(n.Emission),
		Incentive:       ratio(n.Incentive),
		Consensus:       ratio(n.Consensus),
		Trust:           ratio(n.Trust),
		ValidatorTrust:  ratio(n.ValidatorTrust),
		Dividends:       ratio(n.Dividends),
		LastUpdate:      int64(n.LastUpdate), //nolint:gosec // G115: a block number
		ValidatorPermit: n.ValidatorPermit,
		PruningScore:    int(n.PruningScore),
		Stakes:          pylon.Stakes{Alpha: units(st.Alpha), Tao: units(st.Tao), Total: units(st.Total)},
	}
}

func wireNeurons(s *subtensor.SubnetNeurons) pylon.SubnetNeurons {
	out := pylon.SubnetNeurons{Block: wireBlock(s.Block.Block), Neurons: make(map[string]pylon.Neuron, len(s.Neurons))}
	for i := range s.Neurons {
		n := &s.Neurons[i]
		out.Neurons[n.Hotkey.String()] = wireNeuron(n, s.Stakes[n.Hotkey])
	}
	return out
}

// wireValidators lists the neurons holding a validator permit by total stake,
// largest first. Ties keep uid order, which is what Pylon's stable sort of
// the uid-ordered neurons gives.
func wireValidators(s *subtensor.SubnetNeurons) pylon.SubnetValidators {
	type v struct {
		total uint64
		n     *subtensor.Neuron
	}
	var vs []v
	for i := range s.Neurons {
		if n := &s.Neurons[i]; n.ValidatorPermit {
			vs = append(vs, v{total: s.Stakes[n.Hotkey].Total, n: n})
		}
	}
	slices.SortStableFunc(vs, func(a, b v) int {
		switch {
		case a.total > b.total:
			return -1
		case a.total < b.total:
			return 1
		}
		return int(a.n.UID) - int(b.n.UID)
	})
	out := pylon.SubnetValidators{Block: wireBlock(s.Block.Block), Validators: make([]pylon.Neuron, 0, len(vs))}
	for _, x := range vs {
		out.Validators = append(out.Validators, wireNeuron(x.n, s.Stakes[x.n.Hotkey]))
	}
	return out
}

// wireCertificate renders the public key as hex without a prefix. Pylon
// (through turbobt) removed the prefix with str.strip("0x"), which also eats
// leading and trailing '0' digits of the key itself; the key is written here
// in full.
func wireCertificate(c subtensor.Certificate) pylon.Certificate {
	return pylon.Certificate{Algorithm: pylon.CertificateAlgorithm(c.Algorithm), PublicKey: hex.EncodeToString(c.PublicKey)}
}

func wireCertificates(cs subtensor.Certificates) pylon.Certificates {
	out := make(pylon.Certificates, len(cs))
	for hk, c := range cs {
		out[hk.String()] = wireCertificate(c)
	}
	return out
}

func wireHyperparameters(h *subtensor.Hyperparameters) pylon.Hyperparameters {
	out := pylon.Hyperparameters{
		Block:                      wireBlock(h.Block.Block),
		Netuid:                     h.Netuid,
		Tempo:                      h.Tempo,
		MaxWeightsLimit:            h.MaxWeightsLimit,
		WeightsVersionKey:          h.WeightsVersion,
		WeightsRateLimit:           h.WeightsRateLimit,
		CommitRevealWeightsEnabled: h.CommitRevealWeightsEnabled,
		CommitRevealPeriod:         h.CommitRevealPeriod,
		CommitRevealVersion:        h.CommitRevealVersion,
		Source:                     h.Source,
		Values:                     make(map[string]json.RawMessage, len(h.Params)),
	}
	for _, p := range h.Params {
		// Value.String is valid JSON: true/false, an exact integer or a
		// decimal number.
		out.Values[p.Name] = json.RawMessage(p.Value.String())
	}
	return out
}
