// Package pylon is the Go client library of Pylon-Go and the home of the
// wire models shared by that client and the server.
//
// Every JSON body the service sends or accepts is defined here once, with the
// field names Bittensor Pylon uses, so that the server (internal/api) and the
// client cannot drift apart and existing Pylon users can switch by changing a
// URL. The package knows nothing about the chain, SCALE or the HTTP server.
//
// # Client
//
// NewClient builds a *Client from a Config (or ConfigFromEnv, which reads
// the PYLON_CLIENT_* variables of Pylon's Python client). Its methods mirror
// the service's endpoints and make up the API interface:
//
//	client, err := pylon.NewClient(pylon.Config{
//		Address:         "http://127.0.0.1:8000",
//		OpenAccessToken: os.Getenv("PYLON_OPEN_ACCESS_TOKEN"),
//		IdentityName:    "sn1",
//		IdentityToken:   os.Getenv("PYLON_ID_SN1_TOKEN"),
//	})
//	neurons, resp, err := client.LatestNeurons(ctx, 1) // open access: any subnet
//	if f := resp.Freshness; f != nil {
//		fmt.Println(f.Block.Number, f.Age) // which block the read is from, and how old it is
//	}
//	_, _, err = client.PutWeights(ctx, weights) // identity: its own subnet
//
// Open-access methods take the subnet and use the open-access token (or the
// identity's when there is none). Identity methods act for the configured
// identity on the subnet it serves, which the client reads from
// GET /api/v1/identities once and again whenever the service answers 308 (the
// identity was moved to another subnet).
//
// Each method returns its result, a *Response (status, request id, attempts
// and the freshness headers) and an error. A *RequestError means no answer
// arrived; a *ResponseError carries the status and the service's detail.
// errors.Is matches ErrUnauthorized, ErrForbidden, ErrNotFound,
// ErrBadGateway, ErrTimeout (a client-side timeout or the service's 504),
// ErrClosed and ErrMisconfigured, as Pylon's Python exceptions do.
//
// Calls are retried per Config.Retry (DefaultRetry: three attempts with
// exponential backoff and jitter, on request errors and timeouts), honouring
// the context and Retry-After. Only calls that are safe to repeat are
// retried: reads, and PUT weights (the latest request wins). The context's
// deadline, or Config.Timeout if sooner, travels to the service as
// X-Pylon-Timeout, so the service gives up before the client does.
//
// Code ported from Python can keep the request-object style with Do:
//
//	resp, _, err := pylon.Do(ctx, client, pylon.SetWeightsRequest{Weights: weights})
//
// # Testing
//
// Package pylontest has a MockClient implementing API with scripted
// behaviours, and NewServer, which runs the real service in-process.
// StartService runs the pylon binary (or a Docker image) as a child process.
package pylon
