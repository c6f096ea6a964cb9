package openidtest

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// requestURIPrefix starts every request_uri the fake issues (RFC 9126 §2.2).
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// defaultPARLifetime is a request_uri's life without Options.PARLifetime.
const defaultPARLifetime = time.Minute

// pushed is one pushed authorization request.
type pushed struct {
	clientID string
	params   url.Values
	expires  time.Time
	used     bool
}

// par is the pushed authorization request endpoint (RFC 9126 §2): the
// client authenticates as at the token endpoint and posts its
// authorization request; the answer is 201 with a single-use request_uri
// and its expires_in. The request's redirect_uri is checked here; the rest
// when the browser brings the request_uri to the authorization endpoint.
func (s *Server) par(w http.ResponseWriter, r *http.Request) {
	if !fakeidp.TokenRequest(w, r) {
		return
	}
	c, aerr := s.authenticateClient(r)
	if aerr != nil {
		writeAuthError(w, aerr)
		return
	}
	f := r.PostForm
	for k, vs := range f {
		if len(vs) > 1 {
			fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "parameter "+k+" is repeated")
			return
		}
	}
	switch {
	case f.Has("request_uri"):
		// §2.1: a pushed request must not itself name a request_uri.
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "request_uri is not allowed in a pushed authorization request")
		return
	case f.Get("client_id") != "" && f.Get("client_id") != c.ID:
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "client_id differs from the authenticated client")
		return
	case !slices.Contains(c.RedirectURLs, f.Get("redirect_uri")):
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "redirect_uri is not registered for the client")
		return
	}
	params := url.Values{}
	for k, vs := range f {
		switch k {
		case "client_secret", "client_assertion", "client_assertion_type":
			continue // the client's authentication, not the request
		}
		params[k] = slices.Clone(vs)
	}
	params.Set("client_id", c.ID)
	life := s.opts.PARLifetime
	if life <= 0 {
		life = defaultPARLifetime
	}
	uri := requestURIPrefix + fakeidp.Random(24)
	s.mu.Lock()
	now := s.now.Now()
	for k, p := range s.pars {
		if now.Sub(p.expires) > time.Hour {
			delete(s.pars, k)
		}
	}
	s.pars[uri] = &pushed{clientID: c.ID, params: params, expires: now.Add(life)}
	s.mu.Unlock()
	fakeidp.WriteJSON(w, http.StatusCreated, map[string]any{"request_uri": uri, "expires_in": int(life.Seconds())})
}

// pushedRequest resolves the request_uri of an authorization request (RFC
// 9126 §4). It returns the pushed request's parameters, and why it refuses
// a known request_uri that was used before or has expired (an
// invalid_request_uri redirect: the redirect URI was checked when it was
// pushed); for an unknown one, or a client_id that is not the pusher's,
// nil and the error page's text.
func (s *Server) pushedRequest(q url.Values) (params url.Values, refused, page string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pars[q.Get("request_uri")]
	switch {
	case !ok:
		return nil, "", "invalid_request_uri: request_uri is unknown"
	case q.Get("client_id") != p.clientID:
		return nil, "", "invalid_request: client_id differs from the pushed request's"
	case p.used:
		refused = "request_uri was used before"
	case !s.now.Now().Before(p.expires):
		refused = "request_uri has expired"
	}
	p.used = true
	out := url.Values{}
	for k, vs := range p.params {
		out[k] = slices.Clone(vs)
	}
	return out, refused, ""
}
