// SCALE types of the subtensor runtime-API results. Spec 218 declares every runtime-API output as
// Bytes (a Vec<u8> holding the SCALE struct, DEVNET.md §1), so polkadot-js cannot decode them from
// metadata; these definitions follow subtensor's rpc_info structs (CHAIN.md §5.3) and are used to
// decode the inner bytes.
export const RUNTIME_TYPES = {
  DevnetAxonInfo: {
    block: 'u64',
    version: 'u32',
    ip: 'u128',
    port: 'u16',
    ip_type: 'u8',
    protocol: 'u8',
    placeholder1: 'u8',
    placeholder2: 'u8',
  },
  DevnetPrometheusInfo: {
    block: 'u64',
    version: 'u32',
    ip: 'u128',
    port: 'u16',
    ip_type: 'u8',
  },
  NeuronInfoLite: {
    hotkey: 'AccountId32',
    coldkey: 'AccountId32',
    uid: 'Compact<u16>',
    netuid: 'Compact<u16>',
    active: 'bool',
    axon_info: 'DevnetAxonInfo',
    prometheus_info: 'DevnetPrometheusInfo',
    stake: 'Vec<(AccountId32, Compact<u64>)>',
    rank: 'Compact<u16>',
    emission: 'Compact<u64>',
    incentive: 'Compact<u16>',
    consensus: 'Compact<u16>',
    trust: 'Compact<u16>',
    validator_trust: 'Compact<u16>',
    dividends: 'Compact<u16>',
    last_update: 'Compact<u64>',
    validator_permit: 'bool',
    pruning_score: 'Compact<u16>',
  },
};
