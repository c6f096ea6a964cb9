package httpc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// Bounded returns an *http.Client for libraries that send their own requests
// (go-oidc's key set): the same transport, the per-attempt timeout as the
// client's Timeout, bodies cut off at the limit with
// [oauthkit.ErrResponseTooLarge], and no redirects.
func (c *Client) Bounded() *http.Client {
	copied := *c.http
	copied.Timeout = c.timeout
	base := copied.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	copied.Transport = limitTransport{base: base, limit: c.maxBody}
	return &copied
}

type limitTransport struct {
	base  http.RoundTripper
	limit int64
}

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	if err == nil {
		resp.Body = &limitedBody{rc: resp.Body, left: t.limit}
	}
	return resp, err
}

// limitedBody fails, rather than truncates, past the limit: a cut-off key
// set must not parse as a smaller one.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, oauthkit.ErrResponseTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, oauthkit.ErrResponseTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// CheckURL accepts an absolute https URL, or an http URL on a loopback host
// (localhost, 127.0.0.0/8, ::1) for tests and local fakes. Anything else
// would send credentials in clear text.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("is not a URL")
	}
	switch {
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && IsLoopback(u.Hostname()):
		return nil
	case u.Scheme == "http":
		return fmt.Errorf("must be https (http only on loopback), got http://%s", u.Host)
	default:
		return fmt.Errorf("must be an absolute https URL")
	}
}

// CheckBaseURL accepts what [CheckURL] accepts, without a user, query or
// fragment: a base URL that a vendor's paths are appended to. A user would
// send credentials to every endpoint; a query or fragment would swallow the
// paths.
func CheckBaseURL(raw string) error {
	if err := CheckURL(raw); err != nil {
		return err
	}
	if u, _ := url.Parse(raw); u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return errors.New("must not hold a user, query or fragment")
	}
	return nil
}

// BaseURL is a vendor's configured base URL with its trailing slashes
// removed, or def when it is empty, checked with [CheckBaseURL].
func BaseURL(raw, def string) (string, error) {
	raw = strings.TrimRight(raw, "/")
	if raw == "" {
		raw = def
	}
	if raw == "" {
		return "", errors.New("is required")
	}
	return raw, CheckBaseURL(raw)
}

// CheckRedirectURL accepts an absolute redirect URL without a fragment (RFC
// 6749 §3.1.2). Any scheme is accepted: an app's redirect URL is
// <scheme>://<path>.
func CheckRedirectURL(raw string) error {
	if u, err := url.Parse(raw); err != nil || !u.IsAbs() || u.Fragment != "" {
		return errors.New("must be an absolute URL without a fragment")
	}
	return nil
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
