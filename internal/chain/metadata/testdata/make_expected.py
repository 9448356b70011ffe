"""Produce expected_values.json: decoded values of recorded finney runtime-API
answers, computed with py-scale-codec (an independent SCALE implementation),
for checking the Go decoder. See README.md in this directory."""
import json
import os
import sys

from scalecodec.base import RuntimeConfigurationObject, ScaleBytes
from scalecodec.type_registry import load_type_registry_preset

FINNEY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "..", "..", "shared", "testdata", "finney")
BLOCK = "0xdb13c066e2c63969f140164fb3bfe7a0aaa7b71407fc0fe525d68e57329ef9d0"

rc = RuntimeConfigurationObject()
rc.update_type_registry(load_type_registry_preset("core"))

# py-scale-codec 1.2.11 cannot decode a whole V15 metadata, but the type
# registry that opens it has the same format as V14's: decode just that part
# (after 0x01, the 4-byte compact length, "meta" and the version byte 0x0f).
with open(os.path.join(FINNEY, "spec343_metadata_v15_at_version.hex")) as f:
    blob = bytes.fromhex(f.read().strip()[2:])
assert blob[0] == 1 and blob[5:9] == b"meta" and blob[9] == 15
registry = rc.create_scale_object("PortableRegistry", data=ScaleBytes(blob[10:]))
registry.decode(check_remaining=False)
rc.update_from_scale_info_types(registry.value_object["types"].value_object, prefix="scale_info")

type_ids = {}
for entry in registry.value["types"]:
    path = entry["type"]["path"]
    if path and path[-1] in ("NeuronInfoLite", "SubnetState"):
        type_ids[path[-1]] = entry["id"]

with open(os.path.join(FINNEY, "sdk_websocket_recordings.json")) as f:
    rec = json.load(f)


def result(test, params):
    return rec[test]["state_call"][json.dumps(params)]["result"]


def decode(type_string, hex_data):
    obj = rc.create_scale_object(type_string, data=ScaleBytes(hex_data))
    return obj.decode()  # raises if bytes remain


def neuron_view(n):
    return {
        "hotkey": n["hotkey"],
        "coldkey": n["coldkey"],
        "uid": n["uid"],
        "netuid": n["netuid"],
        "active": n["active"],
        "axon": {k: str(v) for k, v in n["axon_info"].items()},
        "prometheus": {k: str(v) for k, v in n["prometheus_info"].items()},
        "stake": [[s[0], str(s[1])] for s in n["stake"]],
        "rank": n["rank"],
        "emission": str(n["emission"]),
        "incentive": n["incentive"],
        "consensus": n["consensus"],
        "trust": n["trust"],
        "validator_trust": n["validator_trust"],
        "dividends": n["dividends"],
        "last_update": str(n["last_update"]),
        "validator_permit": n["validator_permit"],
        "pruning_score": n["pruning_score"],
    }


def neuron_totals(ns):
    return {
        "count": len(ns),
        "stake_entries": sum(len(n["stake"]) for n in ns),
        "stake_sum": str(sum(s[1] for n in ns for s in n["stake"])),
        "emission_sum": str(sum(n["emission"] for n in ns)),
        "last_update_sum": str(sum(n["last_update"] for n in ns)),
        "incentive_sum": sum(n["incentive"] for n in ns),
        "dividends_sum": sum(n["dividends"] for n in ns),
        "consensus_sum": sum(n["consensus"] for n in ns),
        "validator_trust_sum": sum(n["validator_trust"] for n in ns),
        "pruning_score_sum": sum(n["pruning_score"] for n in ns),
        "active_count": sum(1 for n in ns if n["active"]),
        "validator_permit_count": sum(1 for n in ns if n["validator_permit"]),
        "axon_port_sum": sum(n["axon_info"]["port"] for n in ns),
        "axon_ip_sum": str(sum(n["axon_info"]["ip"] for n in ns)),
    }


out = {"generator": "py-scale-codec (scalecodec) 1.2.11", "block": BLOCK}

lite = decode(f"Vec<scale_info::{type_ids['NeuronInfoLite']}>",
              result("metagraph", ["NeuronInfoRuntimeApi_get_neurons_lite", "0100", BLOCK]))
pick = [0, 1, 2, 3, 100, 255, 256, 511, 512, 777, 1000, 1023]
out["neurons_lite_343"] = {
    "totals": neuron_totals(lite),
    "neurons": [neuron_view(lite[i]) for i in pick],
}

# Spec 208 wrapped the result in Vec<u8>; the inner layout is the same struct.
inner = decode("Bytes", result("neurons_lite", ["NeuronInfoRuntimeApi_get_neurons_lite", "0x1700"]))
lite208 = decode(f"Vec<scale_info::{type_ids['NeuronInfoLite']}>", inner)
out["neurons_lite_208"] = {
    "totals": neuron_totals(lite208),
    "neurons": [neuron_view(lite208[i]) for i in (0, 5, len(lite208) - 1)],
}

state = decode(f"Option<scale_info::{type_ids['SubnetState']}>",
               result("metagraph", ["SubnetInfoRuntimeApi_get_subnet_state", "0100", BLOCK]))
summary = {"netuid": state["netuid"], "lengths": {}, "sums": {}}
for key, val in state.items():
    if not isinstance(val, list):
        continue
    summary["lengths"][key] = len(val)
    if key in ("hotkeys", "coldkeys"):
        summary[key + "_first"] = val[:3]
        summary[key + "_last"] = val[-1]
    elif key == "emission_history":
        summary["emission_history_inner_lengths"] = sorted(set(len(row) for row in val))
        summary["sums"][key] = str(sum(sum(row) for row in val))
    elif val and isinstance(val[0], bool):
        summary["sums"][key] = sum(1 for x in val if x)
    else:
        summary["sums"][key] = str(sum(val))
out["subnet_state_343"] = summary

json.dump(out, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
