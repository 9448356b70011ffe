package extrinsic

// SS58 exposes the address helper to the external tests, which compare it with internal/keys.
var SS58 = ss58

// SS58Prefix exposes the runtime prefix lookup.
var SS58Prefix = ss58Prefix
