// Package keys owns everything the service knows about Bittensor keys: wallets
// on disk (btwallet and Python-era keyfiles, $NACL encryption), sr25519 keypairs
// and signing, substrate secret URIs for dev keys, SS58 addresses, and the
// Ed25519 keypairs behind neuron certificates.
//
// It knows nothing about the chain: callers get a [Keypair] whose PublicKey and
// Sign methods are all the extrinsic layer needs.
//
// Secret material never leaves a [Keypair] or [CertificateKeypair] through
// fmt, slog or error values: their String, GoString, Format and LogValue
// methods print public data only, and errors name files, never their contents.
package keys
