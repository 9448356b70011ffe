package pylon

import (
	"context"
)

// API is everything a Pylon-Go service offers, as Go methods. *Client
// implements it over HTTP and pylontest.MockClient in memory, so code that
// takes an API can be tested without a service.
//
// Open-access methods take the subnet as an argument and use the open-access
// token (or the identity's). Identity methods act for the configured identity
// on its subnet, which the client discovers from GET /api/v1/identities.
//
// Every method returns the decoded answer, a *Response (nil when no answer
// arrived) and an error; see Client for the errors.
type API interface {
	// Identities lists the service's identities and their netuids.
	// GET /api/v1/identities
	Identities(ctx context.Context) (*IdentitiesResponse, *Response, error)

	// LatestBlock returns the latest block with its timestamp.
	// GET /api/v1/block/latest
	LatestBlock(ctx context.Context) (*BlockInfo, *Response, error)
	// Block returns the block with the given number and its timestamp; an
	// unknown block is ErrNotFound.
	// GET /api/v1/block/{number}
	Block(ctx context.Context, number int64) (*BlockInfo, *Response, error)

	// LatestNeurons returns the subnet's neurons at the latest block.
	// GET /api/v1/subnet/{netuid}/block/latest/neurons
	LatestNeurons(ctx context.Context, netuid uint16) (*SubnetNeurons, *Response, error)
	// Neurons returns the subnet's neurons at a block; an unknown block is
	// ErrNotFound.
	// GET /api/v1/subnet/{netuid}/block/{block}/neurons
	Neurons(ctx context.Context, netuid uint16, block int64) (*SubnetNeurons, *Response, error)
	// RecentNeurons returns the subnet's neurons from the service's
	// proactive cache: fast, at most PYLON_RECENT_OBJECTS_HARD_LIMIT_BLOCKS
	// old (Response.Freshness says how old). The subnet must be one the
	// service caches.
	// GET /api/v1/subnet/{netuid}/block/recent/neurons
	RecentNeurons(ctx context.Context, netuid uint16) (*SubnetNeurons, *Response, error)

	// LatestValidators returns the subnet's neurons with a validator permit
	// at the latest block, largest total stake first.
	// GET /api/v1/subnet/{netuid}/block/latest/validators
	LatestValidators(ctx context.Context, netuid uint16) (*SubnetValidators, *Response, error)
	// Validators is LatestValidators at a given block.
	// GET /api/v1/subnet/{netuid}/block/{block}/validators
	Validators(ctx context.Context, netuid uint16, block int64) (*SubnetValidators, *Response, error)

	// Certificates returns the subnet's neuron certificates by hotkey.
	// GET /api/v1/subnet/{netuid}/block/latest/certificates
	Certificates(ctx context.Context, netuid uint16) (Certificates, *Response, error)
	// Certificate returns one hotkey's certificate; none is ErrNotFound.
	// GET /api/v1/subnet/{netuid}/block/latest/certificates/{hotkey}
	Certificate(ctx context.Context, netuid uint16, hotkey string) (*Certificate, *Response, error)
	// OwnCertificate returns the identity's own certificate; none is
	// ErrNotFound.
	// GET /api/v1/identity/{name}/subnet/{netuid}/block/latest/certificates/self
	OwnCertificate(ctx context.Context) (*Certificate, *Response, error)
	// GenerateCertificateKeypair has the service generate a certificate key
	// pair for the identity's hotkey and returns it with its private key.
	// It is never retried: each call generates a new pair. A failure is
	// ErrBadGateway.
	// POST /api/v1/identity/{name}/subnet/{netuid}/certificates/self
	GenerateCertificateKeypair(ctx context.Context, algorithm CertificateAlgorithm) (*CertificateKeypair, *Response, error)

	// PutWeights schedules the identity's weights (hotkey → weight) for the
	// current epoch and returns at once; the latest request per mechanism
	// wins, which makes retrying it safe. Options choose the mechanism, a
	// dry run and immediate submission.
	// PUT /api/v1/identity/{name}/subnet/{netuid}/weights
	// (…/mechanism/{id}/weights for a mechanism other than 0)
	PutWeights(ctx context.Context, weights map[string]float64, opts ...WeightsOption) (*SetWeightsResponse, *Response, error)
	// WeightsStatus reports whether the identity's weights were submitted in
	// the epoch containing block (mechanism 0 unless WithMechanism).
	// GET /api/v1/identity/{name}/subnet/{netuid}/mechanism/{id}/block/{block}/weights/status
	WeightsStatus(ctx context.Context, block int64, opts ...WeightsOption) (*WeightsStatus, *Response, error)

	// Close releases the client; later calls fail with ErrClosed.
	Close() error
}

// WeightsMode says when a weights job is submitted.
type WeightsMode string

// Weights modes.
const (
	// WeightsModeAuto (the default) lets the service submit within the
	// job's epoch, retrying until the weights land or the epoch ends, as
	// Pylon does.
	WeightsModeAuto WeightsMode = "auto"
	// WeightsModeNow asks for submission at once (caller-driven scheduling).
	WeightsModeNow WeightsMode = "now"
)

// WeightsOptions are the choices PutWeights and WeightsStatus take beyond
// their arguments. They travel in the path (mechanism) and the query
// (dry_run, mode), so the body stays Pylon's {"weights": …}.
type WeightsOptions struct {
	// MechanismID is the subnet mechanism (0–7); 0 uses Pylon's
	// mechanism-less path.
	MechanismID uint8
	// DryRun validates and normalises the weights and reports what would be
	// submitted, without scheduling anything (?dry_run=true).
	DryRun bool
	// Mode is WeightsModeAuto (empty) or WeightsModeNow (?mode=now).
	Mode WeightsMode
}

// WeightsOption sets a WeightsOptions field.
type WeightsOption func(*WeightsOptions)

// WithMechanism selects the subnet mechanism.
func WithMechanism(id uint8) WeightsOption { return func(o *WeightsOptions) { o.MechanismID = id } }

// WithDryRun asks for a dry run.
func WithDryRun() WeightsOption { return func(o *WeightsOptions) { o.DryRun = true } }

// WithMode chooses when the weights are submitted.
func WithMode(m WeightsMode) WeightsOption { return func(o *WeightsOptions) { o.Mode = m } }

// ApplyWeightsOptions returns the options opts set, for implementations of
// API other than Client (mocks, wrappers).
func ApplyWeightsOptions(opts ...WeightsOption) WeightsOptions {
	var o WeightsOptions
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	return o
}

// Options returns the WeightsOption list that reproduces o.
func (o WeightsOptions) Options() []WeightsOption {
	var opts []WeightsOption
	if o.MechanismID != 0 {
		opts = append(opts, WithMechanism(o.MechanismID))
	}
	if o.DryRun {
		opts = append(opts, WithDryRun())
	}
	if o.Mode != "" {
		opts = append(opts, WithMode(o.Mode))
	}
	return opts
}
