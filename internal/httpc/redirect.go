package httpc

import (
	"errors"
	"net/http"
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// ErrCrossOriginRedirect is [oauthkit.ErrCrossOriginRedirect]: a transport
// that adds credentials refuses a redirect to another scheme or host, so the
// credentials stay with the origin they were issued for.
var ErrCrossOriginRedirect = oauthkit.ErrCrossOriginRedirect

// CrossOriginRedirect reports whether req is a redirect (one the
// [http.Client] made from a 3xx answer) whose scheme or host differs from the
// request that was redirected. A transport that adds a credential to every
// request it sends calls it first: the standard library strips sensitive
// headers on such a redirect, but a transport below the client adds them
// back.
func CrossOriginRedirect(req *http.Request) bool {
	if req.Response == nil || req.Response.Request == nil || req.Response.Request.URL == nil {
		return false
	}
	from, to := req.Response.Request.URL, req.URL
	return !strings.EqualFold(from.Scheme, to.Scheme) || !strings.EqualFold(from.Host, to.Host)
}

// RefuseCrossOrigin is an [http.Client.CheckRedirect] for clients that carry
// credentials: a redirect within the same scheme and host is followed (up to
// 10, as by default), any other stops with [oauthkit.ErrCrossOriginRedirect].
func RefuseCrossOrigin(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if CrossOriginRedirect(req) {
		return ErrCrossOriginRedirect
	}
	return nil
}
