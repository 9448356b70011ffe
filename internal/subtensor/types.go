package subtensor

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/pylon-go/pylon/internal/chain"
	"github.com/pylon-go/pylon/internal/chain/scale"
	"github.com/pylon-go/pylon/internal/keys"
)

// The structs below mirror subtensor's runtime-API and storage types. Field
// names follow the Rust names, which is how metadata.Registry.DecodeInto fills
// them from typed results; the `scale` tags give the layout for the static
// codec, which decodes the results old runtimes wrapped in Vec<u8> (their
// metadata declares only the bytes). Field order therefore matters: it is the
// Rust order, as listed in CHAIN.md §5.

// Block names a block by number and hash. Reads are pinned to a hash (state
// at a hash never changes); the number is what callers see and what archive
// routing compares with the head.
type Block struct {
	Number uint64
	Hash   chain.Hash
}

// BlockInfo is a block with the moment it was authored (Timestamp.Now).
type BlockInfo struct {
	Block
	Time time.Time
}

// AxonInfo is where a neuron serves (subtensor's AxonInfo, 34 bytes).
type AxonInfo struct {
	Block        uint64
	Version      uint32
	IP           scale.Uint128 `scale:"ip"`
	Port         uint16
	IPType       uint8 `scale:"ip_type"`
	Protocol     uint8
	Placeholder1 uint8
	Placeholder2 uint8
}

// Addr returns the axon's IP address: IPv4 when the value fits in 32 bits,
// IPv6 otherwise. ip_type is ignored, as turbobt and Pylon ignore it.
func (a AxonInfo) Addr() netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], a.IP.Hi)
	binary.BigEndian.PutUint64(b[8:], a.IP.Lo)
	if a.IP.Hi == 0 && a.IP.Lo <= 0xffffffff {
		return netip.AddrFrom4([4]byte(b[12:]))
	}
	return netip.AddrFrom16(b)
}

// PrometheusInfo is where a neuron exposes metrics (31 bytes).
type PrometheusInfo struct {
	Block   uint64
	Version uint32
	IP      scale.Uint128 `scale:"ip"`
	Port    uint16
	IPType  uint8 `scale:"ip_type"`
}

// StakeEntry is one (coldkey, amount) pair of NeuronInfoLite.stake; the
// amount is the hotkey's alpha on the subnet, in rao.
type StakeEntry struct {
	Coldkey keys.AccountID
	Amount  uint64 `scale:",compact"`
}

// Neuron is one entry of NeuronInfoRuntimeApi_get_neurons_lite
// (NeuronInfoLite): raw values as the chain returns them. Ratios are u16
// (65535 = 1), amounts are rao.
type Neuron struct {
	Hotkey          keys.AccountID
	Coldkey         keys.AccountID
	UID             uint16 `scale:"uid,compact"`
	Netuid          uint16 `scale:",compact"`
	Active          bool
	AxonInfo        AxonInfo
	PrometheusInfo  PrometheusInfo
	Stake           []StakeEntry
	Rank            uint16 `scale:",compact"`
	Emission        uint64 `scale:",compact"`
	Incentive       uint16 `scale:",compact"`
	Consensus       uint16 `scale:",compact"`
	Trust           uint16 `scale:",compact"`
	ValidatorTrust  uint16 `scale:",compact"`
	Dividends       uint16 `scale:",compact"`
	LastUpdate      uint64 `scale:",compact"`
	ValidatorPermit bool
	PruningScore    uint16 `scale:",compact"`
}

// AlphaStake is the neuron's own alpha stake in rao: the amount of the first
// (and only) stake entry, 0 when there is none (runtimes that left the list
// empty after dTAO, such as the devnet's).
func (n *Neuron) AlphaStake() uint64 {
	if len(n.Stake) == 0 {
		return 0
	}
	return n.Stake[0].Amount
}

// SubnetState is SubnetInfoRuntimeApi_get_subnet_state: per-uid vectors of
// one subnet. Deprecated vectors (pruning_score, trust, rank) are empty on
// runtimes from spec 401.
type SubnetState struct {
	Netuid              uint16 `scale:",compact"`
	Hotkeys             []keys.AccountID
	Coldkeys            []keys.AccountID
	Active              []bool
	ValidatorPermit     []bool
	PruningScore        []uint16   `scale:",compact"`
	LastUpdate          []uint64   `scale:",compact"`
	Emission            []uint64   `scale:",compact"`
	Dividends           []uint16   `scale:",compact"`
	Incentives          []uint16   `scale:",compact"`
	Consensus           []uint16   `scale:",compact"`
	Trust               []uint16   `scale:",compact"`
	Rank                []uint16   `scale:",compact"`
	BlockAtRegistration []uint64   `scale:",compact"`
	AlphaStake          []uint64   `scale:",compact"`
	TaoStake            []uint64   `scale:",compact"`
	TotalStake          []uint64   `scale:",compact"`
	EmissionHistory     [][]uint64 `scale:",compact"`
}

// Stakes is a hotkey's stake on a subnet as the subnet state reports it, in
// rao: alpha (after child/parent delegation), root TAO, and their
// TaoWeight-weighted total in alpha units.
type Stakes struct {
	Alpha uint64
	Tao   uint64
	Total uint64
}

// HotkeyStakes pairs the state's hotkeys with their stakes, as Pylon does:
// zipped by position, stopping at the shortest vector.
func (s *SubnetState) HotkeyStakes() map[keys.AccountID]Stakes {
	n := min(len(s.Hotkeys), len(s.AlphaStake), len(s.TaoStake), len(s.TotalStake))
	out := make(map[keys.AccountID]Stakes, n)
	for i := range n {
		out[s.Hotkeys[i]] = Stakes{Alpha: s.AlphaStake[i], Tao: s.TaoStake[i], Total: s.TotalStake[i]}
	}
	return out
}

// SubnetNeurons is every neuron of a subnet at one block with its stakes: the
// two runtime calls Pylon makes for a neuron listing, read at the same block.
type SubnetNeurons struct {
	Block  BlockInfo
	Netuid uint16
	// Neurons are in uid order (the chain lists uids 0…n-1).
	Neurons []Neuron
	// Stakes holds each hotkey's stakes from the subnet state; a hotkey
	// missing from it has none.
	Stakes map[keys.AccountID]Stakes
}

// ByHotkey returns the neuron with the given hotkey.
func (s *SubnetNeurons) ByHotkey(hotkey keys.AccountID) (*Neuron, bool) {
	for i := range s.Neurons {
		if s.Neurons[i].Hotkey == hotkey {
			return &s.Neurons[i], true
		}
	}
	return nil, false
}

// Certificate is a neuron's TLS certificate as stored (NeuronCertificate):
// the public key and its algorithm (1 = Ed25519).
type Certificate struct {
	PublicKey []byte
	Algorithm uint8
}

// Certificates are a subnet's certificates by hotkey.
type Certificates map[keys.AccountID]Certificate
