package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/pylon-go/pylon/internal/chain/extrinsic"
	"github.com/pylon-go/pylon/internal/config"
	"github.com/pylon-go/pylon/internal/keys"
	"github.com/pylon-go/pylon/internal/subtensor"
)

// Certificates generates neuron certificate keypairs for the identities and
// stores their public keys on chain (CHAIN.md §7.3): the one write besides
// weights, made at once rather than as a job, since the caller needs the
// private key in the answer.
type Certificates struct {
	st      atomic.Pointer[subtensor.Client]
	pending atomic.Pointer[Error]
	signers map[string]*keys.Keypair
	log     *slog.Logger
}

// NewCertificates returns the certificate writer. signers are the identities'
// hotkeys by identity name; st may be nil (no chain yet, see Attach, or none:
// every request is unavailable).
func NewCertificates(st *subtensor.Client, signers map[string]*keys.Keypair, log *slog.Logger) *Certificates {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Certificates{signers: signers, log: log}
	if st != nil {
		c.st.Store(st)
	}
	return c
}

// Attach gives the writer its chain once it is reached; only the first call
// counts.
func (c *Certificates) Attach(st *subtensor.Client) {
	if c.st.CompareAndSwap(nil, st) {
		c.pending.Store(nil)
	}
}

// Connecting records why there is no chain yet.
func (c *Certificates) Connecting(err error) {
	c.pending.Store(&Error{Kind: KindUnavailable, Detail: "not connected to the chain yet: " + err.Error(), Err: err})
}

// Generate makes a fresh certificate keypair for the identity's hotkey and
// stores its public key with serve_axon_tls, signed by the hotkey and
// carrying the neuron's current axon (ip, port, protocol, version) so that only
// the certificate changes. It returns once the extrinsic is in a block and the
// chain holds the certificate.
//
// Errors are *Error values: KindBadRequest for an algorithm other than Ed25519
// (1); KindUnavailable without a chain or a loaded hotkey; KindBadGateway with
// the reason when the chain cannot or did not store it — the hotkey is not
// registered, the neuron never served an axon (port 0: the chain refuses
// serve_axon_tls without an address, so such a neuron cannot obtain a
// certificate this way), or the extrinsic failed. The private key never reaches
// an error or the log.
func (c *Certificates) Generate(ctx context.Context, id config.Identity, algorithm int) (*keys.CertificateKeypair, error) {
	if algorithm != keys.CertificateAlgorithmEd25519 {
		return nil, &Error{Kind: KindBadRequest, Detail: fmt.Sprintf("algorithm must be %d (Ed25519), the only certificate algorithm there is; got %d", keys.CertificateAlgorithmEd25519, algorithm)}
	}
	st := c.st.Load()
	if st == nil {
		if p := c.pending.Load(); p != nil {
			return nil, p
		}
		return nil, ErrNoChain
	}
	signer := c.signers[id.Name]
	if signer == nil {
		return nil, &Error{Kind: KindUnavailable, Detail: fmt.Sprintf("the hotkey of identity %s is not loaded", id.Name)}
	}
	hotkey := signer.AccountID()
	head := st.Head()
	if _, ok, err := st.UID(ctx, head, id.Netuid, hotkey); err != nil {
		return nil, classify(err, fmt.Sprintf("the uid of %s in subnet %d", hotkey, id.Netuid))
	} else if !ok {
		return nil, &Error{Kind: KindBadGateway, Detail: fmt.Sprintf("hotkey %s is not registered in subnet %d", hotkey, id.Netuid)}
	}
	axon, err := st.Axon(ctx, head, id.Netuid, hotkey)
	if err != nil {
		return nil, classify(err, fmt.Sprintf("the axon of %s in subnet %d", hotkey, id.Netuid))
	}
	if axon == nil || axon.Port == 0 {
		return nil, &Error{Kind: KindBadGateway, Detail: fmt.Sprintf(
			"the neuron of hotkey %s in subnet %d has never served an axon (port 0); the certificate travels with serve_axon_tls, which needs the axon's address, so serve an axon first",
			hotkey, id.Netuid)}
	}
	kp, err := keys.GenerateCertificateKeypair(nil)
	if err != nil {
		return nil, fmt.Errorf("service: certificate keypair: %w", err)
	}
	res, err := st.Submit(ctx, signer, subtensor.ServeAxonTLSFor(id.Netuid, *axon, kp.ChainArgument()).Call(), extrinsic.WaitInBlock())
	if err != nil {
		return nil, submitError(err)
	}
	at := subtensor.Block{Number: res.BlockNumber, Hash: res.BlockHash}
	stored, err := st.Certificate(ctx, at, id.Netuid, hotkey)
	if err != nil {
		return nil, classify(err, "the stored certificate")
	}
	pub := kp.PublicKey()
	if stored == nil || stored.Algorithm != kp.Algorithm() || !bytes.Equal(stored.PublicKey, pub[:]) {
		return nil, &Error{Kind: KindBadGateway, Detail: fmt.Sprintf("serve_axon_tls landed in block %d but the chain did not store the certificate", res.BlockNumber)}
	}
	c.log.Info("certificate stored", slog.String("identity", id.Name), slog.String("public_key", kp.PublicKeyHex()),
		slog.Uint64("block", res.BlockNumber), slog.String("extrinsic", res.Hash.String()))
	return kp, nil
}

// submitError says why a submission failed, in the chain's words.
func submitError(err error) error {
	var de *extrinsic.DispatchError
	var pe *extrinsic.PoolError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &de):
		return &Error{Kind: KindBadGateway, Detail: fmt.Sprintf("the chain rejected serve_axon_tls in block %d: %s", de.BlockNumber, de.Name()), Err: err}
	case errors.As(err, &pe):
		return &Error{Kind: KindBadGateway, Detail: fmt.Sprintf("the node refused serve_axon_tls: %v", pe), Err: err}
	case subtensor.IsUnavailable(err):
		return &Error{Kind: KindUnavailable, Detail: fmt.Sprintf("no chain node is available: %v", err), Err: err}
	}
	return &Error{Kind: KindBadGateway, Detail: fmt.Sprintf("serve_axon_tls failed: %v", err), Err: err}
}
