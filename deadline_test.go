package pylon_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/pylon-go/pylon"
	"github.com/pylon-go/pylon/internal/api"
)

const ms = time.Millisecond

func headerSeconds(t *testing.T, v string) time.Duration {
	t.Helper()
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("X-Pylon-Timeout %q: %v", v, err)
	}
	return time.Duration(f * float64(time.Second))
}

// TestTimeoutHeader checks the X-Pylon-Timeout the client sends against
// bounds measured around the call: the time left until the deadline, less
// the buffer (0.5 s, or a tenth of a short remaining time).
func TestTimeoutHeader(t *testing.T) {
	t.Run("from the context deadline", func(t *testing.T) {
		f := newFlaky(t, answer(http.StatusOK, identitiesBody))
		before := time.Now()
		deadline := before.Add(10 * time.Second)
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		defer cancel()
		if _, _, err := client(t, f.URL, pylon.NoRetry).Identities(ctx); err != nil {
			t.Fatal(err)
		}
		r := f.requests()[0]
		h := headerSeconds(t, r.timeout)
		if low, high := deadline.Sub(r.at)-500*ms-ms, deadline.Sub(before)-500*ms+ms; h < low || h > high {
			t.Errorf("X-Pylon-Timeout %v, want within [%v, %v]", h, low, high)
		}
	})

	t.Run("from Config.Timeout when it is sooner", func(t *testing.T) {
		f := newFlaky(t, answer(http.StatusOK, identitiesBody))
		c, err := pylon.NewClient(pylon.Config{Address: f.URL, OpenAccessToken: "open", Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		before := time.Now()
		if _, _, err := c.Identities(ctx); err != nil {
			t.Fatal(err)
		}
		r := f.requests()[0]
		h := headerSeconds(t, r.timeout)
		// 2 s from the attempt's start, less a tenth.
		if low, high := (2*time.Second-r.at.Sub(before))*9/10-ms, 1800*ms+ms; h < low || h > high {
			t.Errorf("X-Pylon-Timeout %v, want within [%v, %v]", h, low, high)
		}
	})

	t.Run("absent without any deadline", func(t *testing.T) {
		f := newFlaky(t, answer(http.StatusOK, identitiesBody))
		c, err := pylon.NewClient(pylon.Config{Address: f.URL, OpenAccessToken: "open", Timeout: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, _, err := c.Identities(context.Background()); err != nil {
			t.Fatal(err)
		}
		if r := f.requests()[0]; r.timeout != "" {
			t.Errorf("X-Pylon-Timeout %q without a deadline", r.timeout)
		}
	})
}

type blockOutput struct{ Body pylon.BlockInfo }

// latestBlockStandIn answers GET /api/v1/block/latest by calling h.
func latestBlockStandIn(t *testing.T, h func(ctx context.Context) (*blockOutput, error)) func(*api.Server) {
	return standIn(t, "/api/v1/block/latest", func(s *api.Server) {
		api.RegisterBlock(s, api.V1, op("stand-in-latest-block", http.MethodGet, "/block/latest"),
			func(ctx context.Context, _ *struct{}) (*blockOutput, error) { return h(ctx) })
	})
}

// TestDeadlineReachesTheService: the service's handler runs with the
// deadline the client's context set, less the buffer.
func TestDeadlineReachesTheService(t *testing.T) {
	seen := make(chan time.Time, 1)
	svc := startService(t, serviceConfig(1, 2), "127.0.0.1:0", latestBlockStandIn(t, func(ctx context.Context) (*blockOutput, error) {
		d, _ := ctx.Deadline()
		seen <- d
		return &blockOutput{Body: pylon.BlockInfo{Block: pylon.Block{Number: 7, Hash: "0x07"}, Timestamp: 1767225600}}, nil
	}))
	c, err := pylon.NewClient(pylon.Config{Address: svc.URL, OpenAccessToken: openToken, Retry: pylon.NoRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	before := time.Now()
	deadline := before.Add(20 * time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	b, _, err := c.LatestBlock(ctx)
	after := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	if b.Number != 7 || b.Hash != "0x07" || b.Time().Unix() != 1767225600 {
		t.Errorf("block %+v", b)
	}
	got := <-seen
	if low, high := deadline.Add(-500*ms-ms), deadline.Add(-500*ms+after.Sub(before)+ms); got.Before(low) || got.After(high) {
		t.Errorf("handler deadline %v, want within [%v, %v]", got, low, high)
	}
}

// TestGatewayTimeoutFromTheService: the service's deadline passes while the
// handler waits, the service answers 504, and the client maps it to
// ErrTimeout and retries it, as Pylon's client does.
func TestGatewayTimeoutFromTheService(t *testing.T) {
	cfg := serviceConfig(1, 2)
	cfg.HTTP.DefaultRequestTimeout = 50 * ms // the client sends no X-Pylon-Timeout below
	var calls atomic.Int32
	svc := startService(t, cfg, "127.0.0.1:0", latestBlockStandIn(t, func(ctx context.Context) (*blockOutput, error) {
		calls.Add(1)
		<-ctx.Done() // a chain read that does not come back in time
		return nil, ctx.Err()
	}))
	for _, retry := range []pylon.Retry{pylon.NoRetry, fastRetry} {
		calls.Store(0)
		// No deadline at all on the client side, so the answer is surely the
		// service's 504 and not a client-side timeout.
		c, err := pylon.NewClient(pylon.Config{Address: svc.URL, OpenAccessToken: openToken, Timeout: -1, Retry: retry})
		if err != nil {
			t.Fatal(err)
		}
		_, resp, err := c.LatestBlock(context.Background())
		_ = c.Close()
		var re *pylon.ResponseError
		if !errors.Is(err, pylon.ErrTimeout) || !errors.As(err, &re) || re.StatusCode != http.StatusGatewayTimeout {
			t.Fatalf("error %v, want the service's 504 as ErrTimeout", err)
		}
		if want := retry.Attempts(); resp.Attempts != want || int(calls.Load()) != want {
			t.Errorf("%d attempts, %d handler calls; want %d", resp.Attempts, calls.Load(), want)
		}
	}
}

// TestClientTimeout: the client's own per-attempt timeout is a
// *RequestError matching ErrTimeout and context.DeadlineExceeded.
func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	f := newFlaky(t, func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c, err := pylon.NewClient(pylon.Config{Address: f.URL, OpenAccessToken: "open", Timeout: 50 * ms, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, resp, err := c.Identities(context.Background())
	var re *pylon.RequestError
	if !errors.Is(err, pylon.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &re) || !re.Timeout() || resp != nil {
		t.Fatalf("error %v, want a request timeout", err)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d requests, want 3 (timeouts are retried)", n)
	}
}

type keypairOutput struct {
	Status int
	Body   pylon.CertificateKeypair
}

type generateInput struct {
	Body pylon.GenerateCertificateKeypairRequest
}

// TestBadGatewayFromTheService: the service cannot get the chain to do
// something and answers 502 with Pylon's message; a POST is not retried.
func TestBadGatewayFromTheService(t *testing.T) {
	var calls atomic.Int32
	svc := startService(t, serviceConfig(1, 2), "127.0.0.1:0", standIn(t, "/api/v1/identity/{identity_name}/subnet/{netuid}/certificates/self", func(s *api.Server) {
		api.RegisterIdentity(s, api.V1, op("stand-in-generate-certificate", http.MethodPost, "/certificates/self"),
			func(_ context.Context, in *generateInput) (*keypairOutput, error) {
				if calls.Add(1) > 1 {
					return &keypairOutput{Status: http.StatusCreated, Body: pylon.CertificateKeypair{Certificate: pylon.Certificate{Algorithm: in.Body.Algorithm, PublicKey: "ab"}, PrivateKey: "cd"}}, nil
				}
				return nil, huma.Error502BadGateway("Could not generate certificate pair.")
			})
	}))
	c, err := pylon.NewClient(pylon.Config{Address: svc.URL, IdentityName: "sn1", IdentityToken: sn1Token, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	_, resp, err := c.GenerateCertificateKeypair(context.Background(), pylon.CertificateAlgorithmEd25519)
	var re *pylon.ResponseError
	if !errors.Is(err, pylon.ErrBadGateway) || !errors.As(err, &re) || re.Detail != "Could not generate certificate pair." {
		t.Fatalf("error %v, want the 502", err)
	}
	if resp.Attempts != 1 || calls.Load() != 1 {
		t.Errorf("%d attempts, %d calls; a POST is made once", resp.Attempts, calls.Load())
	}

	kp, resp, err := c.GenerateCertificateKeypair(context.Background(), pylon.CertificateAlgorithmEd25519)
	if err != nil || resp.StatusCode != http.StatusCreated || kp.Algorithm != pylon.CertificateAlgorithmEd25519 || kp.PublicKey != "ab" || kp.PrivateKey != "cd" {
		t.Errorf("second call: %+v, %+v, %v", kp, resp, err)
	}
}

type neuronsInput struct {
	Netuid uint16 `path:"netuid"`
}

type neuronsOutput struct {
	BlockNumber int64   `header:"X-Pylon-Block-Number"`
	BlockHash   string  `header:"X-Pylon-Block-Hash"`
	BlockAge    float64 `header:"X-Pylon-Block-Age-Seconds"`
	Body        pylon.SubnetNeurons
}

// TestNeuronsAndFreshness: the wire models go through the real HTTP surface
// (huma builds their schema) and the freshness headers reach Response.
func TestNeuronsAndFreshness(t *testing.T) {
	neuron := pylon.Neuron{UID: 3, Hotkey: "hk", Coldkey: "ck", Active: true,
		AxonInfo: pylon.AxonInfo{IP: "10.0.0.1", Port: 8091, Protocol: pylon.AxonProtocolHTTP},
		Stake:    1.5, Incentive: 0.25, LastUpdate: 99, ValidatorPermit: true, PruningScore: 65535,
		Stakes: pylon.Stakes{Alpha: 1, Tao: 0.5, Total: 1.5}}
	svc := startService(t, serviceConfig(1, 2), "127.0.0.1:0", standIn(t, "/api/v1/subnet/{netuid}/block/latest/neurons", func(s *api.Server) {
		api.RegisterSubnet(s, api.V1, op("stand-in-latest-neurons", http.MethodGet, "/block/latest/neurons"),
			func(_ context.Context, in *neuronsInput) (*neuronsOutput, error) {
				if in.Netuid != 1 {
					return nil, huma.Error404NotFound("Subnet " + strconv.Itoa(int(in.Netuid)) + " not found.")
				}
				return &neuronsOutput{BlockNumber: 100, BlockHash: "0x64", BlockAge: 12.5,
					Body: pylon.SubnetNeurons{Block: pylon.Block{Number: 100, Hash: "0x64"}, Neurons: map[string]pylon.Neuron{"hk": neuron}}}, nil
			})
	}))
	c, err := pylon.NewClient(pylon.Config{Address: svc.URL, OpenAccessToken: openToken})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	got, resp, err := c.LatestNeurons(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Block.Number != 100 || got.Neurons["hk"] != neuron {
		t.Errorf("neurons %+v", got)
	}
	if f := resp.Freshness; f == nil || f.Block != (pylon.Block{Number: 100, Hash: "0x64"}) || f.Age != 12500*ms {
		t.Errorf("freshness %+v", resp.Freshness)
	}
	if _, _, err := c.LatestNeurons(context.Background(), 9); !errors.Is(err, pylon.ErrNotFound) {
		t.Errorf("unknown subnet: %v", err)
	}
}
