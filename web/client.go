package web

import (
	"context"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// DefaultClientTimeout bounds each request of a [Handler.Client], reading
// the body included.
const DefaultClientTimeout = 30 * time.Second

// Client returns an HTTP client that calls the provider's APIs as the
// logged-in user of r's session: each request carries the session's access
// token, renewed as [Handler.TokenSource] renews it (once per fleet). When
// an API rejects the token before it expires — 401 with error="invalid_token"
// (RFC 6750 §3.1) — the client renews it and sends the request once more,
// as [oauthkit.ClientProvider]'s clients do; a second 401 is the answer.
// The token never follows a redirect to another scheme or host
// ([oauthkit.ErrCrossOriginRedirect]). Requests fail with an error for
// which [oauthkit.NeedsLogin] is true when the session is gone or its
// refresh token is dead, and with one wrapping [ErrUnavailable] when the
// store cannot be reached.
//
// A provider whose tokens are not Bearer tokens sends them its own way
// ([oauthkit.TokenTransporter]: package openid with DPoP adds a fresh
// proof to every request). base sends the requests (nil:
// [http.DefaultTransport]). Make one client
// per request: it is bound to r's session.
func (h *Handler) Client(r *http.Request, base http.RoundTripper) *http.Client {
	token := func(ctx context.Context) (*oauth2.Token, error) {
		return h.requestToken(r.WithContext(ctx), "")
	}
	renew := func(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
		return h.requestToken(r.WithContext(ctx), rejected.AccessToken)
	}
	var rt http.RoundTripper = &httpc.BearerTransport{Prefix: "web", Token: token, Renew: renew, Base: base}
	// A provider whose tokens are not Bearer tokens (DPoP) sends them its way.
	if s, _, err := h.load(r); err == nil {
		if p, _, err := h.provider(r, s.Provider, s.Tenant); err == nil {
			if tt, ok := p.(oauthkit.TokenTransporter); ok {
				if t := tt.TokenTransport(base, token, renew); t != nil {
					rt = t
				}
			}
		}
	}
	return &http.Client{Transport: rt, CheckRedirect: httpc.RefuseCrossOrigin, Timeout: DefaultClientTimeout}
}

// requestToken is the session's token for r, renewing rejected if set.
func (h *Handler) requestToken(r *http.Request, rejected string) (*oauth2.Token, error) {
	s, st, err := h.load(r)
	if err != nil {
		return nil, err
	}
	return h.sessionToken(r, s, st, rejected)
}
