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
// arrived) and an error; the Client method of the same name documents the
// endpoint, and Client the errors.
type API interface {
	Identities(ctx context.Context) (*IdentitiesResponse, *Response, error)

	LatestBlock(ctx context.Context) (*BlockInfo, *Response, error)
	Block(ctx context.Context, number int64) (*BlockInfo, *Response, error)

	LatestNeurons(ctx context.Context, netuid uint16) (*SubnetNeurons, *Response, error)
	Neurons(ctx context.Context, netuid uint16, block int64) (*SubnetNeurons, *Response, error)
	RecentNeurons(ctx context.Context, netuid uint16) (*SubnetNeurons, *Response, error)
	LatestValidators(ctx context.Context, netuid uint16) (*SubnetValidators, *Response, error)
	Validators(ctx context.Context, netuid uint16, block int64) (*SubnetValidators, *Response, error)

	LatestHyperparameters(ctx context.Context, netuid uint16) (*Hyperparameters, *Response, error)
	Hyperparameters(ctx context.Context, netuid uint16, block int64) (*Hyperparameters, *Response, error)

	Certificates(ctx context.Context, netuid uint16) (Certificates, *Response, error)
	Certificate(ctx context.Context, netuid uint16, hotkey string) (*Certificate, *Response, error)
	OwnCertificate(ctx context.Context) (*Certificate, *Response, error)
	GenerateCertificateKeypair(ctx context.Context, algorithm CertificateAlgorithm) (*CertificateKeypair, *Response, error)

	PutWeights(ctx context.Context, weights map[string]float64, opts ...WeightsOption) (*SetWeightsResponse, *Response, error)
	WeightsStatus(ctx context.Context, block int64, opts ...WeightsOption) (*WeightsStatus, *Response, error)
	WeightsJob(ctx context.Context, id string) (*WeightsJob, *Response, error)

	// Close releases the implementation; later calls fail with ErrClosed.
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
