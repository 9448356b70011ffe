package pylontest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"testing"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/pylontest"
)

func TestNewServer(t *testing.T) {
	srv := pylontest.NewServer(t,
		pylontest.WithIdentityToken("validator", 12, "validator-token-1"),
		pylontest.WithIdentity("miner", 3),
		pylontest.WithMetricsToken("metrics-token-1"),
	)
	if v, ok := srv.Identity("validator"); !ok || v.Token != "validator-token-1" || v.Netuid != 12 {
		t.Errorf("identity %+v", v)
	}
	if m, ok := srv.Identity("miner"); !ok || !strings.HasPrefix(m.Token, "miner-") || m.Token == srv.OpenAccessToken {
		t.Errorf("generated token %q", m.Token)
	}
	if _, ok := srv.Identity("nobody"); ok {
		t.Error("Identity found an unknown name")
	}

	// The ready client acts as the first identity.
	n, err := srv.Client.IdentityNetuid(context.Background())
	if err != nil || n != 12 {
		t.Errorf("IdentityNetuid = %d, %v", n, err)
	}

	// The service is the real one: /metrics takes the metrics token.
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/metrics", http.NoBody)
	req.Header.Set("Authorization", "Bearer metrics-token-1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "pylon_requests_total") {
		t.Errorf("/metrics: %d", res.StatusCode)
	}
}

func TestStartServerRejectsBadSettings(t *testing.T) {
	_, err := pylontest.StartServer(pylontest.WithChainEndpoint("not a url"), pylontest.WithSetting("PYLON_LOG_LEVEL", "chatty"))
	if err == nil || !strings.Contains(err.Error(), "PYLON_BITTENSOR_NETWORK") || !strings.Contains(err.Error(), "PYLON_LOG_LEVEL") {
		t.Errorf("error %v, want both problems named", err)
	}
}

func TestServerClose(t *testing.T) {
	srv, err := pylontest.StartServer()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Client.Identities(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, _, err := srv.Client.Identities(context.Background()); !errors.Is(err, pylon.ErrClosed) {
		t.Errorf("the server's client after Close: %v", err)
	}
	c, err := pylon.NewClient(pylon.Config{Address: srv.URL, OpenAccessToken: srv.OpenAccessToken, Retry: pylon.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var re *pylon.RequestError
	if _, _, err := c.Identities(context.Background()); !errors.As(err, &re) {
		t.Errorf("a stopped server: %v, want a *pylon.RequestError", err)
	}
}

// StartServer runs a real service in-process; in a test, NewServer(t, …) does
// the same and stops it when the test ends.
func ExampleStartServer() {
	srv, err := pylontest.StartServer(pylontest.WithIdentity("sn1", 1), pylontest.WithIdentity("sn2", 7))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	ids, resp, err := srv.Client.Identities(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ids.Identities, resp.StatusCode)

	// A client with a wrong token gets the service's real 403.
	bad, _ := srv.NewClient(pylon.Config{OpenAccessToken: "wrong"})
	_, _, err = bad.Identities(context.Background())
	fmt.Println(errors.Is(err, pylon.ErrForbidden))
	// Output:
	// map[sn1:1 sn2:7] 200
	// true
}
