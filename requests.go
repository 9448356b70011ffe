package pylon

import "context"

// Request is a call written as a value, the form of Pylon's Python client
// (client.request(SetWeightsRequest(weights=…))). Its type parameter is the
// type of the answer, so Do returns the right type without a conversion:
//
//	resp, _, err := pylon.Do(ctx, client, pylon.SetWeightsRequest{Weights: w}) // resp is *pylon.SetWeightsResponse
//
// The request types of this package are the only implementations; each
// calls the matching API method.
type Request[R any] interface {
	call(ctx context.Context, api API) (*R, *Response, error)
}

// Do sends req through api (a *Client, a pylontest.MockClient, …) and
// returns the answer of the type req names.
func Do[R any](ctx context.Context, api API, req Request[R]) (*R, *Response, error) {
	return req.call(ctx, api)
}

// IdentitiesRequest is API.Identities as a Request.
type IdentitiesRequest struct{}

func (IdentitiesRequest) call(ctx context.Context, a API) (*IdentitiesResponse, *Response, error) {
	return a.Identities(ctx)
}

// LatestBlockRequest is API.LatestBlock as a Request.
type LatestBlockRequest struct{}

func (LatestBlockRequest) call(ctx context.Context, a API) (*BlockInfo, *Response, error) {
	return a.LatestBlock(ctx)
}

// BlockRequest is API.Block as a Request.
type BlockRequest struct {
	Number int64
}

func (r BlockRequest) call(ctx context.Context, a API) (*BlockInfo, *Response, error) {
	return a.Block(ctx, r.Number)
}

// LatestNeuronsRequest is API.LatestNeurons as a Request.
type LatestNeuronsRequest struct {
	Netuid uint16
}

func (r LatestNeuronsRequest) call(ctx context.Context, a API) (*SubnetNeurons, *Response, error) {
	return a.LatestNeurons(ctx, r.Netuid)
}

// NeuronsRequest is API.Neurons as a Request.
type NeuronsRequest struct {
	Netuid uint16
	Block  int64
}

func (r NeuronsRequest) call(ctx context.Context, a API) (*SubnetNeurons, *Response, error) {
	return a.Neurons(ctx, r.Netuid, r.Block)
}

// RecentNeuronsRequest is API.RecentNeurons as a Request.
type RecentNeuronsRequest struct {
	Netuid uint16
}

func (r RecentNeuronsRequest) call(ctx context.Context, a API) (*SubnetNeurons, *Response, error) {
	return a.RecentNeurons(ctx, r.Netuid)
}

// LatestValidatorsRequest is API.LatestValidators as a Request.
type LatestValidatorsRequest struct {
	Netuid uint16
}

func (r LatestValidatorsRequest) call(ctx context.Context, a API) (*SubnetValidators, *Response, error) {
	return a.LatestValidators(ctx, r.Netuid)
}

// ValidatorsRequest is API.Validators as a Request.
type ValidatorsRequest struct {
	Netuid uint16
	Block  int64
}

func (r ValidatorsRequest) call(ctx context.Context, a API) (*SubnetValidators, *Response, error) {
	return a.Validators(ctx, r.Netuid, r.Block)
}

// LatestHyperparametersRequest is API.LatestHyperparameters as a Request.
type LatestHyperparametersRequest struct {
	Netuid uint16
}

func (r LatestHyperparametersRequest) call(ctx context.Context, a API) (*Hyperparameters, *Response, error) {
	return a.LatestHyperparameters(ctx, r.Netuid)
}

// HyperparametersRequest is API.Hyperparameters as a Request.
type HyperparametersRequest struct {
	Netuid uint16
	Block  int64
}

func (r HyperparametersRequest) call(ctx context.Context, a API) (*Hyperparameters, *Response, error) {
	return a.Hyperparameters(ctx, r.Netuid, r.Block)
}

// CertificatesRequest is API.Certificates as a Request.
type CertificatesRequest struct {
	Netuid uint16
}

func (r CertificatesRequest) call(ctx context.Context, a API) (*Certificates, *Response, error) {
	certs, resp, err := a.Certificates(ctx, r.Netuid)
	if err != nil {
		return nil, resp, err
	}
	return &certs, resp, nil
}

// CertificateRequest is API.Certificate as a Request.
type CertificateRequest struct {
	Netuid uint16
	Hotkey string
}

func (r CertificateRequest) call(ctx context.Context, a API) (*Certificate, *Response, error) {
	return a.Certificate(ctx, r.Netuid, r.Hotkey)
}

// OwnCertificateRequest is API.OwnCertificate as a Request.
type OwnCertificateRequest struct{}

func (OwnCertificateRequest) call(ctx context.Context, a API) (*Certificate, *Response, error) {
	return a.OwnCertificate(ctx)
}

// GenerateCertificateKeypairRequest (the wire body, in models.go) is
// API.GenerateCertificateKeypair as a Request.
func (r GenerateCertificateKeypairRequest) call(ctx context.Context, a API) (*CertificateKeypair, *Response, error) {
	return a.GenerateCertificateKeypair(ctx, r.Algorithm)
}

// SetWeightsRequest (the wire body, in models.go) is API.PutWeights for
// mechanism 0 as a Request, the way Pylon's seed client sent weights.
func (r SetWeightsRequest) call(ctx context.Context, a API) (*SetWeightsResponse, *Response, error) {
	return a.PutWeights(ctx, r.Weights)
}

// PutWeightsRequest is API.PutWeights with its options as a Request.
type PutWeightsRequest struct {
	Weights map[string]float64
	WeightsOptions
}

func (r PutWeightsRequest) call(ctx context.Context, a API) (*SetWeightsResponse, *Response, error) {
	return a.PutWeights(ctx, r.Weights, r.Options()...)
}

// WeightsStatusRequest is API.WeightsStatus as a Request.
type WeightsStatusRequest struct {
	Block       int64
	MechanismID uint8
}

func (r WeightsStatusRequest) call(ctx context.Context, a API) (*WeightsStatus, *Response, error) {
	return a.WeightsStatus(ctx, r.Block, WithMechanism(r.MechanismID))
}

// WeightsJobRequest is API.WeightsJob as a Request.
type WeightsJobRequest struct {
	ID string
}

func (r WeightsJobRequest) call(ctx context.Context, a API) (*WeightsJob, *Response, error) {
	return a.WeightsJob(ctx, r.ID)
}
