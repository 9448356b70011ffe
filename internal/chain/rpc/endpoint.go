package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// endpoint is one configured node URL.
type endpoint struct {
	// url is the full address; it may carry credentials (user info, an API key in the path or query), so
	// it is only ever given to the dialer, never to logs, errors or metrics.
	url string
	// name is the URL reduced to scheme://host[:port] (plus "#n" if two endpoints share it): safe to show.
	name string
	http bool
}

// parseEndpoints validates the URLs and derives display names.
func parseEndpoints(urls []string) ([]endpoint, error) {
	if len(urls) == 0 {
		return nil, ErrNoEndpoints
	}
	eps := make([]endpoint, 0, len(urls))
	seen := make(map[string]int)
	for i, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			// url.Parse errors quote the input, which may hold a secret: report the position only.
			return nil, fmt.Errorf("rpc: endpoint %d: malformed URL", i)
		}
		var isHTTP bool
		switch u.Scheme {
		case "ws", "wss":
		case "http", "https":
			isHTTP = true
		default:
			return nil, fmt.Errorf("rpc: endpoint %d: unsupported scheme %q (want ws, wss, http or https)", i, u.Scheme)
		}
		if u.Host == "" {
			return nil, fmt.Errorf("rpc: endpoint %d: missing host", i)
		}
		name := u.Scheme + "://" + u.Host
		seen[name]++
		if n := seen[name]; n > 1 {
			name += "#" + strconv.Itoa(n)
		}
		eps = append(eps, endpoint{url: raw, name: name, http: isHTTP})
	}
	return eps, nil
}

// redactURLError replaces errors from net/http (whose text contains the full URL) by one that names the
// endpoint only, while keeping the original chain for errors.Is/As.
func redactURLError(ep endpoint, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &endpointError{endpoint: ep.name, msg: ue.Op + ": " + ue.Err.Error(), err: err}
	}
	return &endpointError{endpoint: ep.name, msg: strings.ReplaceAll(err.Error(), ep.url, ep.name), err: err}
}

type endpointError struct {
	endpoint string
	msg      string
	err      error
}

func (e *endpointError) Error() string { return e.endpoint + ": " + e.msg }
func (e *endpointError) Unwrap() error { return e.err }

// probeResult is the outcome of connecting to one endpoint and reading its best header.
type probeResult struct {
	ep   endpoint
	sess session
	head uint64
	err  error
}

// header is the part of a Substrate header the client reads to compare endpoints.
type header struct {
	Number string `json:"number"`
}

// parseBlockNumber reads a header's "number" field (a 0x-prefixed hex string in Substrate).
func parseBlockNumber(raw json.RawMessage) (uint64, error) {
	var h *header
	if err := json.Unmarshal(raw, &h); err != nil {
		return 0, fmt.Errorf("%w: header: %w", ErrInvalidResponse, err)
	}
	if h == nil {
		return 0, fmt.Errorf("%w: null header", ErrInvalidResponse)
	}
	s := strings.TrimPrefix(h.Number, "0x")
	n, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: header number %q", ErrInvalidResponse, h.Number)
	}
	return n, nil
}

// probeHead asks a session for the best header and returns its number. It is internal traffic: not counted
// in Stats or the call metrics.
func (c *Client) probeHead(ctx context.Context, s session) (uint64, error) {
	raw, err := s.call(ctx, "chain_getHeader", nil, nil)
	if err != nil {
		return 0, err
	}
	return parseBlockNumber(raw)
}

// connect dials one endpoint and probes its head. The returned session is live; the caller owns it.
func (c *Client) connect(ctx context.Context, ep endpoint) probeResult {
	ctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	var (
		s   session
		err error
	)
	if ep.http {
		s = newHTTPSession(c, ep)
	} else {
		s, err = dialWS(ctx, c, ep)
		if err != nil {
			c.metrics.probe(ep.name, "dial_error")
			return probeResult{ep: ep, err: err}
		}
	}
	head, err := c.probeHead(ctx, s)
	if err != nil {
		s.close(fmt.Errorf("rpc: probe failed: %w", err), reasonProbe)
		c.metrics.probe(ep.name, "probe_error")
		return probeResult{ep: ep, err: fmt.Errorf("%s: probing head: %w", ep.name, err)}
	}
	c.metrics.probe(ep.name, "ok")
	return probeResult{ep: ep, sess: s, head: head}
}

// probeAll connects to every endpoint concurrently. Results keep the configured order.
func (c *Client) probeAll(ctx context.Context) []probeResult {
	results := make([]probeResult, len(c.endpoints))
	var wg sync.WaitGroup
	for i, ep := range c.endpoints {
		wg.Go(func() { results[i] = c.connect(ctx, ep) })
	}
	wg.Wait()
	return results
}

// choose picks the endpoint to use from a probe round and closes the other sessions.
//
// Lag is measured within the round: best = the highest head any endpoint reported, and an endpoint is
// healthy when it answered and best − head ≤ MaxLagBlocks. Among healthy endpoints the first in the
// configured order wins (the list is a preference order), except that avoid (the endpoint just abandoned
// for stalling or lagging) is taken only when nothing else is healthy.
func (c *Client) choose(results []probeResult, avoid string) (probeResult, error) {
	var best uint64
	var errs []error
	for _, r := range results {
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		best = max(best, r.head)
	}
	c.observeBest(best)
	pick := -1
	fallback := -1
	for i, r := range results {
		if r.err != nil {
			continue
		}
		lag := best - r.head
		c.metrics.headLag.WithLabelValues(r.ep.name).Set(float64(lag))
		if c.opts.MaxLagBlocks >= 0 && lag > uint64(c.opts.MaxLagBlocks) {
			c.log.Warn("rpc: endpoint lags behind", "endpoint", r.ep.name, "head", r.head, "best", best)
			continue
		}
		if r.ep.name == avoid {
			if fallback < 0 {
				fallback = i
			}
			continue
		}
		if pick < 0 {
			pick = i
		}
	}
	if pick < 0 {
		pick = fallback
	}
	for i, r := range results {
		if i != pick && r.sess != nil {
			r.sess.close(errNotChosen, reasonProbe)
		}
	}
	if pick < 0 {
		if len(errs) == 0 {
			errs = append(errs, errors.New("no endpoint answered"))
		}
		return probeResult{}, fmt.Errorf("%w: %w", ErrNotConnected, errors.Join(errs...))
	}
	return results[pick], nil
}

var errNotChosen = errors.New("rpc: probe connection not chosen")
