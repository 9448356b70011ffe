package pylontest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"sync"

	"github.com/pylon-go/pylon"
)

// Method names a pylon.API method, for MockClient.On and Call.
type Method string

// The methods of pylon.API.
const (
	MethodIdentities                 Method = "Identities"
	MethodLatestBlock                Method = "LatestBlock"
	MethodBlock                      Method = "Block"
	MethodLatestNeurons              Method = "LatestNeurons"
	MethodNeurons                    Method = "Neurons"
	MethodRecentNeurons              Method = "RecentNeurons"
	MethodLatestValidators           Method = "LatestValidators"
	MethodValidators                 Method = "Validators"
	MethodLatestHyperparameters      Method = "LatestHyperparameters"
	MethodHyperparameters            Method = "Hyperparameters"
	MethodCertificates               Method = "Certificates"
	MethodCertificate                Method = "Certificate"
	MethodOwnCertificate             Method = "OwnCertificate"
	MethodGenerateCertificateKeypair Method = "GenerateCertificateKeypair"
	MethodPutWeights                 Method = "PutWeights"
	MethodWeightsStatus              Method = "WeightsStatus"
	MethodWeightsJob                 Method = "WeightsJob"
)

// responseTypes is what WorkNormally must be given for each method.
var responseTypes = map[Method]reflect.Type{
	MethodIdentities:                 reflect.TypeFor[pylon.IdentitiesResponse](),
	MethodLatestBlock:                reflect.TypeFor[pylon.BlockInfo](),
	MethodBlock:                      reflect.TypeFor[pylon.BlockInfo](),
	MethodLatestNeurons:              reflect.TypeFor[pylon.SubnetNeurons](),
	MethodNeurons:                    reflect.TypeFor[pylon.SubnetNeurons](),
	MethodRecentNeurons:              reflect.TypeFor[pylon.SubnetNeurons](),
	MethodLatestValidators:           reflect.TypeFor[pylon.SubnetValidators](),
	MethodValidators:                 reflect.TypeFor[pylon.SubnetValidators](),
	MethodLatestHyperparameters:      reflect.TypeFor[pylon.Hyperparameters](),
	MethodHyperparameters:            reflect.TypeFor[pylon.Hyperparameters](),
	MethodCertificates:               reflect.TypeFor[pylon.Certificates](),
	MethodCertificate:                reflect.TypeFor[pylon.Certificate](),
	MethodOwnCertificate:             reflect.TypeFor[pylon.Certificate](),
	MethodGenerateCertificateKeypair: reflect.TypeFor[pylon.CertificateKeypair](),
	MethodPutWeights:                 reflect.TypeFor[pylon.SetWeightsResponse](),
	MethodWeightsStatus:              reflect.TypeFor[pylon.WeightsStatus](),
	MethodWeightsJob:                 reflect.TypeFor[pylon.WeightsJob](),
}

// ErrNoBehaviour is returned by a MockClient method that was given no
// behaviour: a test should say what each method it expects to be called does.
var ErrNoBehaviour = errors.New("pylontest: no behaviour set for this method")

// Behaviour is what a MockClient method does when called.
type Behaviour struct {
	resp any // a value of the method's response type, when err is nil
	err  error
}

// WorkNormally answers with resp: a value or pointer of the method's result
// type (pylon.SubnetNeurons for LatestNeurons, pylon.Certificates for
// Certificates, …). MockClient.On checks the type.
func WorkNormally(resp any) Behaviour { return Behaviour{resp: resp} }

// RaiseRequestError fails as if the service could not be reached: a
// *pylon.RequestError whose cause says msg.
func RaiseRequestError(msg string) Behaviour {
	return Behaviour{err: &pylon.RequestError{Err: errors.New(msg)}}
}

// RaiseResponseError fails as if the service answered status with the
// detail msg: a *pylon.ResponseError (so errors.Is(err, pylon.ErrNotFound)
// holds for 404, and so on).
func RaiseResponseError(status int, msg string) Behaviour {
	return Behaviour{err: &pylon.ResponseError{StatusCode: status, Detail: msg}}
}

// RaiseError fails with err as it is.
func RaiseError(err error) Behaviour { return Behaviour{err: err} }

// Call is one recorded call: the method and its arguments as the matching
// pylon request value (pylon.LatestNeuronsRequest{Netuid: 1},
// pylon.PutWeightsRequest{…}, …).
type Call struct {
	Method  Method
	Request any
}

// MockClient implements pylon.API in memory. It is safe for concurrent use.
//
// Give each method the behaviours it should play with On; a method plays
// them in order and then keeps repeating the last one. A method with no
// behaviour fails with ErrNoBehaviour. After Close every method fails with
// pylon.ErrClosed, and a call with a finished context fails with a
// *pylon.RequestError wrapping the context's error, as the real client does.
type MockClient struct {
	mu         sync.Mutex
	behaviours map[Method][]Behaviour
	played     map[Method]int
	calls      []Call
	closed     bool
}

// MockClient implements pylon.API.
var _ pylon.API = (*MockClient)(nil)

// NewMockClient returns a mock with no behaviours.
func NewMockClient() *MockClient {
	return &MockClient{behaviours: map[Method][]Behaviour{}, played: map[Method]int{}}
}

// On appends behaviours to method's sequence and returns m, for chaining. It
// panics when the method is unknown or a WorkNormally value has the wrong
// type, since that is a mistake in the test itself.
func (m *MockClient) On(method Method, behaviours ...Behaviour) *MockClient {
	want, ok := responseTypes[method]
	if !ok {
		panic(fmt.Sprintf("pylontest: MockClient has no method %q", method))
	}
	for i, b := range behaviours {
		if b.err != nil {
			continue
		}
		got := reflect.TypeOf(b.resp)
		if got == nil || (got != want && got != reflect.PointerTo(want)) {
			panic(fmt.Sprintf("pylontest: %s behaviour %d: WorkNormally(%v), want a %v or *%v", method, i, got, want, want))
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.behaviours[method] = append(m.behaviours[method], behaviours...)
	return m
}

// Calls returns the calls made so far, in order.
func (m *MockClient) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}

// CallsTo returns the calls made to method so far, in order.
func (m *MockClient) CallsTo(method Method) []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Call
	for _, c := range m.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Requests returns the arguments of the calls whose request has type R, in
// order, e.g. Requests[pylon.PutWeightsRequest](mock).
func Requests[R any](m *MockClient) []R {
	var out []R
	for _, c := range m.Calls() {
		if r, ok := c.Request.(R); ok {
			out = append(out, r)
		}
	}
	return out
}

// Reset forgets the calls and behaviours, and reopens a closed mock.
func (m *MockClient) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.behaviours, m.played, m.calls, m.closed = map[Method][]Behaviour{}, map[Method]int{}, nil, false
}

// Close implements pylon.API.
func (m *MockClient) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	return nil
}

// play records the call and returns the next behaviour's outcome.
func play[T any](ctx context.Context, m *MockClient, method Method, req any) (*T, *pylon.Response, error) {
	m.mu.Lock()
	m.calls = append(m.calls, Call{Method: method, Request: req})
	closed := m.closed
	seq := m.behaviours[method]
	var b Behaviour
	if len(seq) > 0 {
		i := min(m.played[method], len(seq)-1)
		b = seq[i]
		m.played[method]++
	}
	m.mu.Unlock()

	switch {
	case closed:
		return nil, nil, pylon.ErrClosed
	case ctx.Err() != nil:
		return nil, nil, &pylon.RequestError{Err: ctx.Err()}
	case len(seq) == 0:
		return nil, nil, fmt.Errorf("%s: %w", method, ErrNoBehaviour)
	case b.err != nil:
		var re *pylon.ResponseError
		if errors.As(b.err, &re) {
			return nil, &pylon.Response{StatusCode: re.StatusCode, Header: http.Header{}, Attempts: 1}, b.err
		}
		return nil, nil, b.err
	}
	var out T
	switch v := b.resp.(type) {
	case *T:
		out = *v
	case T:
		out = v
	}
	return &out, &pylon.Response{StatusCode: http.StatusOK, Header: http.Header{}, Attempts: 1}, nil
}

// Identities implements pylon.API.
func (m *MockClient) Identities(ctx context.Context) (*pylon.IdentitiesResponse, *pylon.Response, error) {
	return play[pylon.IdentitiesResponse](ctx, m, MethodIdentities, pylon.IdentitiesRequest{})
}

// LatestBlock implements pylon.API.
func (m *MockClient) LatestBlock(ctx context.Context) (*pylon.BlockInfo, *pylon.Response, error) {
	return play[pylon.BlockInfo](ctx, m, MethodLatestBlock, pylon.LatestBlockRequest{})
}

// Block implements pylon.API.
func (m *MockClient) Block(ctx context.Context, number int64) (*pylon.BlockInfo, *pylon.Response, error) {
	return play[pylon.BlockInfo](ctx, m, MethodBlock, pylon.BlockRequest{Number: number})
}

// LatestNeurons implements pylon.API.
func (m *MockClient) LatestNeurons(ctx context.Context, netuid uint16) (*pylon.SubnetNeurons, *pylon.Response, error) {
	return play[pylon.SubnetNeurons](ctx, m, MethodLatestNeurons, pylon.LatestNeuronsRequest{Netuid: netuid})
}

// Neurons implements pylon.API.
func (m *MockClient) Neurons(ctx context.Context, netuid uint16, block int64) (*pylon.SubnetNeurons, *pylon.Response, error) {
	return play[pylon.SubnetNeurons](ctx, m, MethodNeurons, pylon.NeuronsRequest{Netuid: netuid, Block: block})
}

// RecentNeurons implements pylon.API.
func (m *MockClient) RecentNeurons(ctx context.Context, netuid uint16) (*pylon.SubnetNeurons, *pylon.Response, error) {
	return play[pylon.SubnetNeurons](ctx, m, MethodRecentNeurons, pylon.RecentNeuronsRequest{Netuid: netuid})
}

// LatestValidators implements pylon.API.
func (m *MockClient) LatestValidators(ctx context.Context, netuid uint16) (*pylon.SubnetValidators, *pylon.Response, error) {
	return play[pylon.SubnetValidators](ctx, m, MethodLatestValidators, pylon.LatestValidatorsRequest{Netuid: netuid})
}

// Validators implements pylon.API.
func (m *MockClient) Validators(ctx context.Context, netuid uint16, block int64) (*pylon.SubnetValidators, *pylon.Response, error) {
	return play[pylon.SubnetValidators](ctx, m, MethodValidators, pylon.ValidatorsRequest{Netuid: netuid, Block: block})
}

// LatestHyperparameters implements pylon.API.
func (m *MockClient) LatestHyperparameters(ctx context.Context, netuid uint16) (*pylon.Hyperparameters, *pylon.Response, error) {
	return play[pylon.Hyperparameters](ctx, m, MethodLatestHyperparameters, pylon.LatestHyperparametersRequest{Netuid: netuid})
}

// Hyperparameters implements pylon.API.
func (m *MockClient) Hyperparameters(ctx context.Context, netuid uint16, block int64) (*pylon.Hyperparameters, *pylon.Response, error) {
	return play[pylon.Hyperparameters](ctx, m, MethodHyperparameters, pylon.HyperparametersRequest{Netuid: netuid, Block: block})
}

// Certificates implements pylon.API.
func (m *MockClient) Certificates(ctx context.Context, netuid uint16) (pylon.Certificates, *pylon.Response, error) {
	out, resp, err := play[pylon.Certificates](ctx, m, MethodCertificates, pylon.CertificatesRequest{Netuid: netuid})
	if err != nil {
		return nil, resp, err
	}
	return *out, resp, nil
}

// Certificate implements pylon.API.
func (m *MockClient) Certificate(ctx context.Context, netuid uint16, hotkey string) (*pylon.Certificate, *pylon.Response, error) {
	return play[pylon.Certificate](ctx, m, MethodCertificate, pylon.CertificateRequest{Netuid: netuid, Hotkey: hotkey})
}

// OwnCertificate implements pylon.API.
func (m *MockClient) OwnCertificate(ctx context.Context) (*pylon.Certificate, *pylon.Response, error) {
	return play[pylon.Certificate](ctx, m, MethodOwnCertificate, pylon.OwnCertificateRequest{})
}

// GenerateCertificateKeypair implements pylon.API.
func (m *MockClient) GenerateCertificateKeypair(ctx context.Context, algorithm pylon.CertificateAlgorithm) (*pylon.CertificateKeypair, *pylon.Response, error) {
	return play[pylon.CertificateKeypair](ctx, m, MethodGenerateCertificateKeypair, pylon.GenerateCertificateKeypairRequest{Algorithm: algorithm})
}

// PutWeights implements pylon.API. The call is recorded as a
// pylon.PutWeightsRequest carrying the weights and the options.
func (m *MockClient) PutWeights(ctx context.Context, weights map[string]float64, opts ...pylon.WeightsOption) (*pylon.SetWeightsResponse, *pylon.Response, error) {
	req := pylon.PutWeightsRequest{Weights: maps.Clone(weights), WeightsOptions: pylon.ApplyWeightsOptions(opts...)}
	return play[pylon.SetWeightsResponse](ctx, m, MethodPutWeights, req)
}

// WeightsStatus implements pylon.API.
func (m *MockClient) WeightsStatus(ctx context.Context, block int64, opts ...pylon.WeightsOption) (*pylon.WeightsStatus, *pylon.Response, error) {
	o := pylon.ApplyWeightsOptions(opts...)
	return play[pylon.WeightsStatus](ctx, m, MethodWeightsStatus, pylon.WeightsStatusRequest{Block: block, MechanismID: o.MechanismID})
}

// WeightsJob implements pylon.API.
func (m *MockClient) WeightsJob(ctx context.Context, id string) (*pylon.WeightsJob, *pylon.Response, error) {
	return play[pylon.WeightsJob](ctx, m, MethodWeightsJob, pylon.WeightsJobRequest{ID: id})
}
