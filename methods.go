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

// Identities implements API.
func (c *Client) Identities(ctx context.Context) (*IdentitiesResponse, *Response, error) {
	return call[IdentitiesResponse](ctx, c, openGet(identitiesPath))
}

// LatestBlock implements API.
func (c *Client) LatestBlock(ctx context.Context) (*BlockInfo, *Response, error) {
	return call[BlockInfo](ctx, c, openGet("/api/v1/block/latest"))
}

// Block implements API.
func (c *Client) Block(ctx context.Context, number int64) (*BlockInfo, *Response, error) {
	return call[BlockInfo](ctx, c, openGet("/api/v1"+blockPath(number)))
}

// LatestNeurons implements API.
func (c *Client) LatestNeurons(ctx context.Context, netuid uint16) (*SubnetNeurons, *Response, error) {
	return call[SubnetNeurons](ctx, c, subnetGet(netuid, "/block/latest/neurons"))
}

// Neurons implements API.
func (c *Client) Neurons(ctx context.Context, netuid uint16, block int64) (*SubnetNeurons, *Response, error) {
	return call[SubnetNeurons](ctx, c, subnetGet(netuid, blockPath(block)+"/neurons"))
}

// RecentNeurons implements API.
func (c *Client) RecentNeurons(ctx context.Context, netuid uint16) (*SubnetNeurons, *Response, error) {
	return call[SubnetNeurons](ctx, c, subnetGet(netuid, "/block/recent/neurons"))
}

// LatestValidators implements API.
func (c *Client) LatestValidators(ctx context.Context, netuid uint16) (*SubnetValidators, *Response, error) {
	return call[SubnetValidators](ctx, c, subnetGet(netuid, "/block/latest/validators"))
}

// Validators implements API.
func (c *Client) Validators(ctx context.Context, netuid uint16, block int64) (*SubnetValidators, *Response, error) {
	return call[SubnetValidators](ctx, c, subnetGet(netuid, blockPath(block)+"/validators"))
}

// Certificates implements API.
func (c *Client) Certificates(ctx context.Context, netuid uint16) (Certificates, *Response, error) {
	out, resp, err := call[Certificates](ctx, c, subnetGet(netuid, "/block/latest/certificates"))
	if err != nil {
		return nil, resp, err
	}
	return *out, resp, nil
}

// Certificate implements API.
func (c *Client) Certificate(ctx context.Context, netuid uint16, hotkey string) (*Certificate, *Response, error) {
	return call[Certificate](ctx, c, subnetGet(netuid, "/block/latest/certificates/"+url.PathEscape(hotkey)))
}

// OwnCertificate implements API.
func (c *Client) OwnCertificate(ctx context.Context) (*Certificate, *Response, error) {
	return call[Certificate](ctx, c, request{
		method: http.MethodGet, path: "/block/latest/certificates/self", access: accessIdentity, repeatable: true,
	})
}

// GenerateCertificateKeypair implements API.
func (c *Client) GenerateCertificateKeypair(ctx context.Context, algorithm CertificateAlgorithm) (*CertificateKeypair, *Response, error) {
	return call[CertificateKeypair](ctx, c, request{
		method: http.MethodPost, path: "/certificates/self", access: accessIdentity,
		body: GenerateCertificateKeypairRequest{Algorithm: algorithm},
		// Each call makes a new key pair; a repeat after a lost answer would
		// make another, so it is never retried.
		repeatable: false,
	})
}

// PutWeights implements API.
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

// WeightsStatus implements API.
func (c *Client) WeightsStatus(ctx context.Context, block int64, opts ...WeightsOption) (*WeightsStatus, *Response, error) {
	o := ApplyWeightsOptions(opts...)
	return call[WeightsStatus](ctx, c, request{
		method: http.MethodGet, access: accessIdentity, repeatable: true,
		path: "/mechanism/" + strconv.Itoa(int(o.MechanismID)) + blockPath(block) + "/weights/status",
	})
}
