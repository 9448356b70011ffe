package pylon_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/pylontest"
)

// A client for one identity: reads use the identity's token when no
// open-access token is given, and identity calls find the identity's subnet
// by themselves.
func ExampleNewClient() {
	// A real service in-process; in production Address is your Pylon-Go.
	srv, err := pylontest.StartServer(pylontest.WithIdentityToken("validator", 12, "validator-token"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	client, err := pylon.NewClient(pylon.Config{
		Address:       srv.URL,
		IdentityName:  "validator",
		IdentityToken: "validator-token",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ids, resp, err := client.Identities(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	netuid, _ := client.IdentityNetuid(ctx)
	fmt.Println(ids.Identities, resp.StatusCode, netuid)
	// Output: map[validator:12] 200 12
}

// Errors are *pylon.RequestError (no answer) or *pylon.ResponseError (an
// error status); errors.Is tells the common cases apart.
func Example_errors() {
	srv, err := pylontest.StartServer()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	client, _ := srv.NewClient(pylon.Config{OpenAccessToken: "not-the-token"})

	_, _, err = client.Identities(context.Background())
	var re *pylon.ResponseError
	switch {
	case errors.Is(err, pylon.ErrForbidden) && errors.As(err, &re):
		fmt.Println("forbidden:", re.StatusCode, re.Detail)
	case errors.Is(err, pylon.ErrTimeout):
		fmt.Println("timed out; the client already retried")
	case err != nil:
		fmt.Println("failed:", err)
	}
	// Output: forbidden: 403 Invalid authorization token
}

// Requests as values, the form of Pylon's Python client: the request's type
// decides the answer's.
func ExampleDo() {
	srv, err := pylontest.StartServer(pylontest.WithIdentity("sn1", 1))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	ids, _, err := pylon.Do(context.Background(), srv.Client, pylon.IdentitiesRequest{}) // ids is *pylon.IdentitiesResponse
	fmt.Println(ids.Identities, err)
	// Output: map[sn1:1] <nil>
}

// PutWeights returns as soon as the service has scheduled the weights. With
// WithDryRun nothing is scheduled and the answer shows what would be
// submitted. (A mock stands in for the service here.)
func ExampleClient_PutWeights() {
	var api pylon.API = pylontest.NewMockClient().On(pylontest.MethodPutWeights, pylontest.WorkNormally(pylon.SetWeightsResponse{
		Detail: "dry run: nothing scheduled", Count: 2, DryRun: true, Mode: "timelock",
		UIDs: []uint16{0, 5}, Values: []uint16{65535, 21845},
	}))

	weights := map[string]float64{"5F4tQyWrhfGVcNhoqeiNsR6KjD4wMZ2kfhLj4oHYuyHbZAc3": 0.75, "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV": 0.25}
	res, _, err := api.PutWeights(context.Background(), weights, pylon.WithMechanism(0), pylon.WithDryRun())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Detail, res.Mode, res.UIDs, res.Values)
	// Output: dry run: nothing scheduled timelock [0 5] [65535 21845]
}

// Retry policies are values: With returns a modified copy.
func ExampleRetry_With() {
	patient := pylon.DefaultRetry.With(
		pylon.StopAfterAttempt(5),
		pylon.WaitRandom(100*time.Millisecond, 300*time.Millisecond),
		pylon.RetryIf(func(err error) bool {
			var re *pylon.ResponseError
			return pylon.IsTransient(err) || errors.As(err, &re) && re.StatusCode == http.StatusServiceUnavailable
		}),
	)
	fmt.Println(pylon.DefaultRetry.Attempts(), patient.Attempts(), pylon.NoRetry.Attempts())
	// Output: 3 5 1
}

// The PYLON_CLIENT_* variables of Pylon's Python client configure the Go
// client too.
func ExampleConfigFromEnv() {
	_ = os.Setenv("PYLON_CLIENT_ADDRESS", "http://127.0.0.1:8000")
	_ = os.Setenv("PYLON_CLIENT_TIMEOUT__READ", "30")
	defer os.Unsetenv("PYLON_CLIENT_ADDRESS")
	defer os.Unsetenv("PYLON_CLIENT_TIMEOUT__READ")

	cfg, err := pylon.ConfigFromEnv()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Address, cfg.Timeout)
	// Output: http://127.0.0.1:8000 30s
}

// StartService runs the pylon binary (or a Docker image) for scripts and
// integration tests, and stops it on Close.
func ExampleStartService() {
	ctx := context.Background()
	svc, err := pylon.StartService(ctx, pylon.ServiceOptions{
		Binary:  "bin/pylon",
		EnvFile: ".env",
		Logs:    os.Stderr,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer svc.Close()

	client, err := svc.NewClient(pylon.Config{OpenAccessToken: os.Getenv("PYLON_OPEN_ACCESS_TOKEN")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	block, resp, err := client.LatestBlock(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(block.Number, resp.Freshness)
}
