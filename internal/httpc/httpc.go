package httpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe"
)

// Defaults for [Options].
const (
	DefaultTimeout = 30 * time.Second
	DefaultMaxBody = 1 << 20 // 1 MiB
)

// UserAgent is sent with every request that does not set its own.
const UserAgent = "oauthkit (+https://github.com/seed-e8f4a5f7/oauthkit)"

// Options configures a [Client]. Zero values take the defaults.
type Options struct {
	HTTPClient *http.Client  // nil: a client over http.DefaultTransport
	Timeout    time.Duration // per attempt; zero: DefaultTimeout
	MaxBody    int64         // zero: DefaultMaxBody
	Retry      Policy

	// Observer gets the retries of every request, and is handed on to the
	// token client ([Client.Observer]). Nil: none are reported.
	Observer *observe.Observer
}

// Client sends requests. It is safe for concurrent use.
type Client struct {
	http    *http.Client
	timeout time.Duration
	maxBody int64
	retry   Policy
	obs     *observe.Observer
}

// New returns a Client. The HTTP client is copied, not modified.
func New(o Options) *Client {
	hc := &http.Client{}
	if o.HTTPClient != nil {
		copied := *o.HTTPClient
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{http: hc, timeout: o.Timeout, maxBody: o.MaxBody, retry: o.Retry.withDefaults(), obs: o.Observer}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	return c
}

// Timeout returns the per-attempt timeout.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Observer returns the observer the client reports to, or nil.
func (c *Client) Observer() *observe.Observer { return c.obs }

// Request is one HTTP request. Body is kept as bytes so it can be resent.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte

	// Op names the operation in the events the request reports, as in
	// [oauthkit.Error.Op]: oauthkit.OpClientCredentials, oauthkit.OpDiscovery, …
	Op string

	// SingleUse marks a request that must not be sent twice once it may have
	// reached the server, such as an authorization-code exchange: it is
	// retried only when it is proven that none of it was written — the
	// server's name did not resolve or no connection was made — never on a
	// transport's word that it wrote nothing.
	SingleUse bool

	// NoRetry sends the request once, whatever the failure: for a request
	// its caller repeats on a schedule of its own (a device token poll,
	// RFC 8628 §3.5), which a retry would break.
	NoRetry bool
}

// Response is a response whose body has been read and closed.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	Attempts   int // how many times the request was sent
}

// Do sends r, retrying transient failures. It returns the last response,
// whatever its status; err is set when no usable response arrived: a network
// failure, the context ending, or a body over the limit
// ([oauthkit.ErrResponseTooLarge], returned with the response's status and
// header).
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	resp, _, err := c.DoAttempts(ctx, r)
	return resp, err
}

// DoAttempts is [Client.Do] that also returns how many times the request
// was sent, which Response.Attempts cannot tell when no response came.
// Each retry is reported to the client's observer before its wait.
func (c *Client) DoAttempts(ctx context.Context, r *Request) (*Response, int, error) {
	for attempt := 1; ; attempt++ {
		resp, reached, err := c.once(ctx, r)
		if resp != nil {
			resp.Attempts = attempt
		}
		delay, retry := c.retry.next(ctx, attempt, r.SingleUse, resp, reached, err)
		if !retry || r.NoRetry {
			return resp, attempt, err
		}
		c.obs.Retry(ctx, retryInfo(r.Op, attempt, resp, delay))
		if serr := c.retry.Sleep(ctx, delay); serr != nil {
			if err == nil {
				return resp, attempt, nil
			}
			return resp, attempt, err
		}
	}
}

// retryInfo describes a retry by the failed attempt's status alone: a
// network error's text (addresses, URLs) stays out of the events.
func retryInfo(op string, attempt int, resp *Response, delay time.Duration) oauthkit.RetryInfo {
	info := oauthkit.RetryInfo{Op: op, Attempt: attempt, Reason: "network error", Delay: delay}
	if resp != nil {
		info.StatusCode = resp.StatusCode
		info.Reason = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return info
}

// userAgent is the User-Agent header's value, shared: nothing writes to it.
var userAgent = []string{UserAgent}

// once sends r one time. reached reports whether any of the request may have
// been written to the server: for a single-use request, the only kind whose
// retry it decides (see [Policy]), it is false only when that is proven not
// to be the case ([unsent]); it is true for any other once it was sent.
func (c *Client) once(ctx context.Context, r *Request) (resp *Response, reached bool, err error) {
	// The attempt's own deadline, unless ctx ends first anyway (a token
	// cache's fetch has its own): then it would change nothing.
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > c.timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}

	var proof *unsent
	if r.SingleUse {
		proof = new(unsent)
		ctx = proof.trace(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return nil, false, err
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header["User-Agent"] = userAgent
	}
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, proof == nil || !proof.proven(err), err
	}
	defer hr.Body.Close()
	resp = &Response{StatusCode: hr.StatusCode, Header: hr.Header}
	resp.Body, err = readLimited(hr.Body, hr.ContentLength, c.maxBody)
	return resp, true, err
}

// readLimited reads at most limit bytes; a longer body is an error, never a
// silently truncated document. size is the body's announced length, -1 if
// unknown: a body that announces it is read into a buffer of that size.
func readLimited(body io.Reader, size, limit int64) ([]byte, error) {
	if size >= 0 && size <= limit {
		b := make([]byte, size, size+1)
		if _, err := io.ReadFull(body, b); err != nil {
			return nil, fmt.Errorf("reading response body: %w", err)
		}
		// A body longer than it announced is still bounded: read on.
		if n, _ := body.Read(b[size : size+1]); n == 0 {
			return b, nil
		}
		rest, err := io.ReadAll(io.LimitReader(body, limit-size))
		if err != nil {
			return nil, fmt.Errorf("reading response body: %w", err)
		}
		b = append(b[:size+1], rest...)
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("%w (limit %d bytes)", oauthkit.ErrResponseTooLarge, limit)
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (limit %d bytes)", oauthkit.ErrResponseTooLarge, limit)
	}
	return b, nil
}

// IsTooLarge reports whether err is a body over the limit.
func IsTooLarge(err error) bool { return errors.Is(err, oauthkit.ErrResponseTooLarge) }

// Sleep waits d, or until ctx ends (then, or when d is not positive, it
// returns ctx.Err()): the one wait of retries, polls and backoffs.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
