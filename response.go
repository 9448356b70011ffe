package pylon

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Response describes the HTTP exchange behind a call, like go-github's
// Response: every client method returns one next to its result (and with a
// *ResponseError), nil only when no answer arrived.
type Response struct {
	// StatusCode is the HTTP status of the final attempt.
	StatusCode int
	// Header holds the final answer's headers.
	Header http.Header
	// RequestID is the answer's X-Request-ID, which the server's log line
	// for the request carries too.
	RequestID string
	// Attempts counts the HTTP requests the call made (retries and a re-sent
	// request after a netuid re-discovery included).
	Attempts int
	// Freshness is the block the data is from and its age, from the
	// X-Pylon-Block-* headers; nil when the answer has none (writes,
	// identities).
	Freshness *Freshness
}

// Freshness says how fresh a read is: the block its data comes from and how
// old that block was when the service answered.
type Freshness struct {
	// Block is the block the data is from (X-Pylon-Block-Number and
	// X-Pylon-Block-Hash).
	Block Block
	// Age is how long before the answer the block was produced
	// (X-Pylon-Block-Age-Seconds); 0 when the header is absent.
	Age time.Duration
}

func newResponse(res *http.Response, attempts int) *Response {
	r := &Response{
		StatusCode: res.StatusCode,
		Header:     res.Header,
		RequestID:  res.Header.Get(HeaderRequestID),
		Attempts:   attempts,
	}
	r.Freshness = freshnessOf(res.Header)
	return r
}

// freshnessOf reads the freshness headers; a malformed block number counts
// as absent, a malformed age as unknown (0).
func freshnessOf(h http.Header) *Freshness {
	n, err := strconv.ParseInt(strings.TrimSpace(h.Get(HeaderBlockNumber)), 10, 64)
	if err != nil {
		return nil
	}
	f := &Freshness{Block: Block{Number: n, Hash: strings.TrimSpace(h.Get(HeaderBlockHash))}}
	if age, err := strconv.ParseFloat(strings.TrimSpace(h.Get(HeaderBlockAge)), 64); err == nil && age >= 0 && age < 1e9 {
		f.Age = time.Duration(age * float64(time.Second))
	}
	return f
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), 24*time.Hour)
	}
	return 0
}
