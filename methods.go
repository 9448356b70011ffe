package pylon

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// The methods below are thin: each names its endpoint and leaves the
// exchange (tokens, netuid discovery, retries, errors) to send.

// call sends r and decodes the answer into a new T.
func call[T any](ctx context.Context, c *Client, r request) (*T, *Response, error) {
	var out T
	resp, err := c.send(ctx, r, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

func openGet(path string) request {
	return request{method: http.MethodGet, path: path, access: accessOpen, repeatable: true}
}

func subnetGet(netuid uint16, path string) request {
	return openGet("/api/v1/subnet/" + strconv.Itoa(int(netuid)) + path)
}

func blockPath(block int64) string { return "/block/" + strconv.FormatInt(block, 10) }

// Identities lists the service's identities and the netuid each serves.
//
// GET /api/v1/identities (open-access or any identity's token)
func (c *Client) Identities(ctx context.Context) (*IdentitiesResponse, *Response, error) {
	return call[IdentitiesResponse](ctx, c, openGet(identitiesPath))
}

// LatestBlock returns the latest block with its timestamp.
//
// GET /api/v1/block/latest
func (c *Client) LatestBlock(ctx context.Context) (*BlockInfo, *Response, error) {
	return call[BlockInfo](ctx, c, openGet("/api/v1/block/latest"))
}

// Block returns the block with the given number and its timestamp; a block
// the chain does not have is ErrNotFound.
//
// GET /api/v1/block/{number}
func (c *Client) Block(ctx context.Context, number int64) (*BlockInfo, *Response, error) {
	return call[BlockInfo](ctx, c, openGet("/api/v1"+blockPath(number)))
}

// LatestNeurons returns the subnet's neurons at the latest block, keyed by
// hotkey.
//
// GET /api/v1/subnet/{netuid}/block/latest/neurons
func (c *Client) LatestNeurons(ctx context.Context, netuid uint16) (*SubnetNeurons, *Response, error) {
	return call[SubnetNeurons](ctx, c, subnetGet(netuid, "/block/latest/neurons"))
}

// Neurons returns the subnet's neurons at the given block; a block the chain
// does not have is ErrNotFound.
//
// GET /api/v1/subnet/{netuid}/block/{block}/neurons
func (c *Client) Neurons(ctx context.Context, netuid uint16, block int64) (*SubnetNeurons, *Response, error) {
	return call[SubnetNeurons](ctx, c, subnetGet(netuid, blockPath(block)+"/neurons"))
}

// RecentNeurons returns the subnet's neurons from the service's proactive
// cache: fast, and at most PYLON_RECENT_OBJECTS_HARD_LIMIT_BLOCKS old
// (Response.Freshness says how old). The subnet must be one the service
// caches (an identity's, or listed in PYLON_RECENT_OBJECTS_NETUIDS).
//
// GET /api/v1/subnet/{netuid}/block/recent/neurons
func (c *Client) RecentNeurons(ctx context.Context, netuid uint16) (*SubnetNeurons, *Response, error) {
	return call[SubnetNeurons](ctx, c, subnetGet(netuid, "/block/recent/neurons"))
}

// LatestValidators returns the subnet's neurons that hold a validator
// permit at the latest block, largest total stake first.
//
// GET /api/v1/subnet/{netuid}/block/latest/validators
func (c *Client) LatestValidators(ctx context.Context, netuid uint16) (*SubnetValidators, *Response, error) {
	return call[SubnetValidators](ctx, c, subnetGet(netuid, "/block/latest/validators"))
}

// Validators is LatestValidators at the given block.
//
// GET /api/v1/subnet/{netuid}/block/{block}/validators
func (c *Client) Validators(ctx context.Context, netuid uint16, block int64) (*SubnetValidators, *Response, error) {
	return call[SubnetValidators](ctx, c, subnetGet(netuid, blockPath(block)+"/validators"))
}

// LatestHyperparameters returns the subnet's hyperparameters at the latest
// block.
//
// GET /api/v1/subnet/{netuid}/block/latest/hyperparameters
func (c *Client) LatestHyperparameters(ctx context.Context, netuid uint16) (*Hyperparameters, *Response, error) {
	return call[Hyperparameters](ctx, c, subnetGet(netuid, "/block/latest/hyperparameters"))
}

// Hyperparameters returns the subnet's hyperparameters at the given block; a
// block the chain does not have is ErrNotFound.
//
// GET /api/v1/subnet/{netuid}/block/{block}/hyperparameters
func (c *Client) Hyperparameters(ctx context.Context, netuid uint16, block int64) (*Hyperparameters, *Response, error) {
	return call[Hyperparameters](ctx, c, subnetGet(netuid, blockPath(block)+"/hyperparameters"))
}

// Certificates returns the neuron certificates of the subnet, keyed by
// hotkey.
//
// GET /api/v1/subnet/{netuid}/block/latest/certificates
func (c *Client) Certificates(ctx context.Context, netuid uint16) (Certificates, *Response, error) {
	out, resp, err := call[Certificates](ctx, c, subnetGet(netuid, "/block/latest/certificates"))
	if err != nil {
		return nil, resp, err
	}
	return *out, resp, nil
}

// Certificate returns one hotkey's certificate; a hotkey without one is
// ErrNotFound ("Certificate not found or error fetching.").
//
// GET /api/v1/subnet/{netuid}/block/latest/certificates/{hotkey}
func (c *Client) Certificate(ctx context.Context, netuid uint16, hotkey string) (*Certificate, *Response, error) {
	return call[Certificate](ctx, c, subnetGet(netuid, "/block/latest/certificates/"+url.PathEscape(hotkey)))
}

// OwnCertificate returns the certificate of the identity's hotkey; none is
// ErrNotFound.
//
// GET /api/v1/identity/{name}/subnet/{netuid}/block/latest/certificates/self
func (c *Client) OwnCertificate(ctx context.Context) (*Certificate, *Response, error) {
	return call[Certificate](ctx, c, request{
		method: http.MethodGet, path: "/block/latest/certificates/self", access: accessIdentity, repeatable: true,
	})
}

// GenerateCertificateKeypair has the service generate a certificate key pair
// for the identity's hotkey (CertificateAlgorithmEd25519) and returns it,
// private key included. Every call makes a new pair, so it is never
// retried. The service's failure is ErrBadGateway ("Could not generate
// certificate pair.").
//
// POST /api/v1/identity/{name}/subnet/{netuid}/certificates/self → 201
func (c *Client) GenerateCertificateKeypair(ctx context.Context, algorithm CertificateAlgorithm) (*CertificateKeypair, *Response, error) {
	return call[CertificateKeypair](ctx, c, request{
		method: http.MethodPost, path: "/certificates/self", access: accessIdentity,
		body: GenerateCertificateKeypairRequest{Algorithm: algorithm},
		// Each call makes a new key pair; a repeat after a lost answer would
		// make another, so it is never retried.
		repeatable: false,
	})
}

// PutWeights hands the identity's weights (hotkey → weight) to the service,
// which normalises them and submits them within the current epoch; it
// returns as soon as they are scheduled. The latest request per identity and
// mechanism wins, which also makes retrying it safe.
//
// WithMechanism picks a mechanism other than 0, WithDryRun validates and
// reports what would be submitted without scheduling anything, and
// WithMode(WeightsModeNow) asks for immediate submission.
//
// PUT /api/v1/identity/{name}/subnet/{netuid}/weights
// (…/mechanism/{id}/weights for a mechanism other than 0; ?dry_run=true,
// ?mode=now)
func (c *Client) PutWeights(ctx context.Context, weights map[string]float64, opts ...WeightsOption) (*SetWeightsResponse, *Response, error) {
	o := ApplyWeightsOptions(opts...)
	path := "/weights"
	if o.MechanismID != 0 {
		path = "/mechanism/" + strconv.Itoa(int(o.MechanismID)) + "/weights"
	}
	q := url.Values{}
	if o.DryRun {
		q.Set("dry_run", "true")
	}
	if o.Mode != "" {
		q.Set("mode", string(o.Mode))
	}
	return call[SetWeightsResponse](ctx, c, request{
		method: http.MethodPut, path: path, access: accessIdentity, query: q,
		body: SetWeightsRequest{Weights: weights},
		// The latest request per (identity, mechanism) wins, so sending the
		// same weights again replaces the first request with itself.
		repeatable: true,
	})
}

// WeightsStatus reports whether the identity's weights were submitted in the
// epoch containing block (mechanism 0 unless WithMechanism).
//
// GET /api/v1/identity/{name}/subnet/{netuid}/mechanism/{id}/block/{block}/weights/status
func (c *Client) WeightsStatus(ctx context.Context, block int64, opts ...WeightsOption) (*WeightsStatus, *Response, error) {
	o := ApplyWeightsOptions(opts...)
	return call[WeightsStatus](ctx, c, request{
		method: http.MethodGet, access: accessIdentity, repeatable: true,
		path: "/mechanism/" + strconv.Itoa(int(o.MechanismID)) + blockPath(block) + "/weights/status",
	})
}

// WeightsJob returns a weights job of the identity — the JobID of a PutWeights
// answer — with its status, epoch, attempts, commit, result and history.
// Another identity's job, or one that does not exist, is ErrNotFound.
//
// GET /api/v1/identity/{name}/subnet/{netuid}/weights/jobs/{id}
func (c *Client) WeightsJob(ctx context.Context, id string) (*WeightsJob, *Response, error) {
	return call[WeightsJob](ctx, c, request{
		method: http.MethodGet, path: "/weights/jobs/" + url.PathEscape(id), access: accessIdentity, repeatable: true,
	})
}
