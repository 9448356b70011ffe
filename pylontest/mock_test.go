package pylontest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/pylontest"
)

// scoreValidator is code under test: it reads the subnet's neurons and sets
// weights proportional to incentive, retrying once when the read fails.
func scoreValidator(ctx context.Context, api pylon.API, netuid uint16) error {
	neurons, _, err := api.LatestNeurons(ctx, netuid)
	if err != nil {
		var re *pylon.RequestError
		if !errors.As(err, &re) {
			return err
		}
		if neurons, _, err = api.LatestNeurons(ctx, netuid); err != nil {
			return err
		}
	}
	weights := map[string]float64{}
	for hk := range neurons.Neurons {
		weights[hk] = neurons.Neurons[hk].Incentive
	}
	_, _, err = api.PutWeights(ctx, weights, pylon.WithMechanism(1))
	return err
}

func TestMockDrivesCodeUnderTest(t *testing.T) {
	neurons := &pylon.SubnetNeurons{Block: pylon.Block{Number: 10, Hash: "0x0a"}, Neurons: map[string]pylon.Neuron{
		"hk1": {Hotkey: "hk1", Incentive: 0.25},
		"hk2": {Hotkey: "hk2", Incentive: 0.75},
	}}
	mock := pylontest.NewMockClient().
		On(pylontest.MethodLatestNeurons, pylontest.RaiseRequestError("connection refused"), pylontest.WorkNormally(neurons)).
		On(pylontest.MethodPutWeights, pylontest.WorkNormally(pylon.SetWeightsResponse{Detail: "weights update scheduled", Count: 2}))

	if err := scoreValidator(context.Background(), mock, 7); err != nil {
		t.Fatal(err)
	}
	calls := mock.Calls()
	if len(calls) != 3 || calls[0].Method != pylontest.MethodLatestNeurons || calls[1].Method != pylontest.MethodLatestNeurons || calls[2].Method != pylontest.MethodPutWeights {
		t.Fatalf("calls %+v", calls)
	}
	if r, ok := calls[0].Request.(pylon.LatestNeuronsRequest); !ok || r.Netuid != 7 {
		t.Errorf("request %#v", calls[0].Request)
	}
	puts := pylontest.Requests[pylon.PutWeightsRequest](mock)
	if len(puts) != 1 || puts[0].Weights["hk1"] != 0.25 || puts[0].Weights["hk2"] != 0.75 || puts[0].MechanismID != 1 {
		t.Errorf("weights put: %+v", puts)
	}

	// A response error is not retried by the code under test, and arrives as
	// the real client would return it.
	mock.Reset()
	mock.On(pylontest.MethodLatestNeurons, pylontest.RaiseResponseError(http.StatusNotFound, "Subnet 7 not found."))
	err := scoreValidator(context.Background(), mock, 7)
	var re *pylon.ResponseError
	if !errors.Is(err, pylon.ErrNotFound) || !errors.As(err, &re) || re.Detail != "Subnet 7 not found." || len(mock.Calls()) != 1 {
		t.Errorf("error %v after %d calls", err, len(mock.Calls()))
	}
}

func TestMockBehaviours(t *testing.T) {
	ctx := context.Background()
	mock := pylontest.NewMockClient()

	if _, _, err := mock.LatestBlock(ctx); !errors.Is(err, pylontest.ErrNoBehaviour) {
		t.Errorf("no behaviour: %v", err)
	}

	// A sequence plays in order, then its last behaviour repeats.
	mock.On(pylontest.MethodBlock,
		pylontest.RaiseResponseError(http.StatusGatewayTimeout, "slow"),
		pylontest.WorkNormally(&pylon.BlockInfo{Block: pylon.Block{Number: 5}}))
	if _, resp, err := mock.Block(ctx, 5); !errors.Is(err, pylon.ErrTimeout) || resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("first: %v %+v", err, resp)
	}
	for range 2 {
		if b, resp, err := mock.Block(ctx, 5); err != nil || b.Number != 5 || resp.StatusCode != http.StatusOK {
			t.Errorf("then: %+v %v", b, err)
		}
	}

	// The result is a copy: the caller may change it.
	certs := pylon.Certificates{"hk": {Algorithm: 1, PublicKey: "ab"}}
	mock.On(pylontest.MethodCertificates, pylontest.WorkNormally(certs))
	got, _, err := mock.Certificates(ctx, 1)
	if err != nil || got["hk"].PublicKey != "ab" {
		t.Errorf("certificates %v %v", got, err)
	}

	custom := errors.New("custom")
	mock.On(pylontest.MethodIdentities, pylontest.RaiseError(custom))
	if _, _, err := mock.Identities(ctx); !errors.Is(err, custom) {
		t.Errorf("RaiseError: %v", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := mock.Block(cancelled, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}

	if err := mock.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := mock.Block(ctx, 1); !errors.Is(err, pylon.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if n := len(mock.CallsTo(pylontest.MethodBlock)); n != 5 {
		t.Errorf("%d calls to Block recorded, want 5", n)
	}
}

func TestMockRejectsWrongResponseTypes(t *testing.T) {
	for name, f := range map[string]func(){
		"wrong type": func() {
			pylontest.NewMockClient().On(pylontest.MethodLatestNeurons, pylontest.WorkNormally(pylon.SubnetValidators{}))
		},
		"nil":            func() { pylontest.NewMockClient().On(pylontest.MethodLatestBlock, pylontest.WorkNormally(nil)) },
		"unknown method": func() { pylontest.NewMockClient().On("Frobnicate") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: On did not panic", name)
				}
			}()
			f()
		}()
	}
}

// TestMockIsSafeForConcurrentUse runs calls from many goroutines (under
// -race) and checks that every one was recorded.
func TestMockIsSafeForConcurrentUse(t *testing.T) {
	mock := pylontest.NewMockClient().On(pylontest.MethodWeightsStatus, pylontest.WorkNormally(pylon.WeightsStatus{WeightsSubmitted: true}))
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			st, _, err := mock.WeightsStatus(context.Background(), int64(i), pylon.WithMechanism(uint8(i%8)))
			if err != nil || !st.WeightsSubmitted {
				t.Errorf("call %d: %+v %v", i, st, err)
			}
		})
	}
	wg.Wait()
	reqs := pylontest.Requests[pylon.WeightsStatusRequest](mock)
	seen := map[int64]bool{}
	for _, r := range reqs {
		if uint8(r.Block%8) != r.MechanismID {
			t.Errorf("request %+v", r)
		}
		seen[r.Block] = true
	}
	if len(reqs) != 50 || len(seen) != 50 {
		t.Errorf("%d requests recorded (%d distinct), want 50", len(reqs), len(seen))
	}
}

// The mock satisfies the same interface as the client, so Do works with it.
func ExampleMockClient() {
	mock := pylontest.NewMockClient().
		On(pylontest.MethodPutWeights,
			pylontest.RaiseRequestError("connection refused"),
			pylontest.WorkNormally(pylon.SetWeightsResponse{Detail: "weights update scheduled", Count: 2}))

	var api pylon.API = mock
	weights := map[string]float64{"5F4t": 0.8, "5Dfh": 0.2}
	_, _, err := api.PutWeights(context.Background(), weights)
	fmt.Println("first:", err)
	resp, _, err := pylon.Do(context.Background(), api, pylon.SetWeightsRequest{Weights: weights})
	fmt.Println("then:", resp.Detail, resp.Count, err)
	fmt.Println("calls:", len(mock.CallsTo(pylontest.MethodPutWeights)))
	// Output:
	// first: pylon: could not reach the service: connection refused
	// then: weights update scheduled 2 <nil>
	// calls: 2
}
