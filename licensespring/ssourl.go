package licensespring

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
)

// SSOURL is the License API's answer to GET /api/v4/sso_url/
// (docs/vendors/licensespring.md#answer): the Keycloak login URL for the
// product and customer account, and the endpoints of the Keycloak realm
// behind it.
type SSOURL struct {
	// URL is the Keycloak authorization URL with its query: scope,
	// response_type, client_id, redirect_uri and kc_idp_hint (the customer's
	// identity provider), as in the vendor's example.
	URL string `json:"url"`

	// OpenIDConfiguration names the realm's endpoints. The vendor's schema
	// does not require it (docs/vendors/licensespring.md#answer: only url is
	// required); nil when absent.
	OpenIDConfiguration *OpenIDConfiguration `json:"openid_configuration,omitempty"`
}

// OpenIDConfiguration is the openid_configuration object of the sso_url
// answer (docs/vendors/licensespring.md#answer).
type OpenIDConfiguration struct {
	Issuer                string `json:"issuer"`
	EndSessionEndpoint    string `json:"end_session_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
}

// ClientID is the Keycloak client the URL logs in to (its client_id
// parameter; "license-users" in the vendor's example).
func (s *SSOURL) ClientID() string { return s.param("client_id") }

// RedirectURL is where Keycloak sends the browser back (the URL's
// redirect_uri parameter).
func (s *SSOURL) RedirectURL() string { return s.param("redirect_uri") }

// ResponseType is the URL's response_type parameter.
func (s *SSOURL) ResponseType() string { return s.param("response_type") }

// Issuer is the realm's issuer: OpenIDConfiguration.Issuer when the answer
// has it, else derived from the URL by Keycloak's convention
// ({issuer}/protocol/openid-connect/auth). Empty if neither works.
func (s *SSOURL) Issuer() string {
	if s.OpenIDConfiguration != nil && s.OpenIDConfiguration.Issuer != "" {
		return s.OpenIDConfiguration.Issuer
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Host == "" {
		return ""
	}
	// Keycloak's endpoint layout: the issuer is {base}/realms/{realm}, and
	// the authorization endpoint {issuer}/protocol/openid-connect/auth
	// (docs/vendors/licensespring.md#endpoints; the vendor's example:
	// https://auth.licensespring.com/realms/user-portal/protocol/openid-connect/auth).
	path, ok := strings.CutSuffix(u.EscapedPath(), "/protocol/openid-connect/auth")
	if !ok || path == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host + path
}

func (s *SSOURL) param(key string) string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return ""
	}
	return u.Query().Get(key)
}

func (s *SSOURL) clone() *SSOURL {
	c := *s
	if s.OpenIDConfiguration != nil {
		oc := *s.OpenIDConfiguration
		c.OpenIDConfiguration = &oc
	}
	return &c
}

// session is one fetched and checked sso_url answer, and the realm's
// discovery document behind it. A Provider keeps its first good session.
type session struct {
	answer   *SSOURL
	authURL  string // answer.URL, the full URL with its query
	clientID string
	redirect string   // the URL's redirect_uri; empty if it has none
	codeFlow bool     // response_type holds "code"
	hasType  bool     // the URL names a response_type
	scopes   []string // the URL's scope, with openid
	issuer   string
	tokenURL string // from openid_configuration; empty: from discovery
	endURL   string
	intURL   string
	disc     *discovery.Discovery
	std      *standard.Provider // the Keycloak login on the engine (login.go)
}

// fetchSession asks the License API for the SSO URL
// (docs/vendors/licensespring.md#sso-url): GET /api/v4/sso_url/ with product,
// customer_account_code, response_type and, when configured, redirect_uri;
// Accept: application/json; and the signed Date and Authorization headers.
func (p *Provider) fetchSession(ctx context.Context) (*session, error) {
	header, sig, err := p.signer.header()
	if err != nil {
		return nil, err
	}
	q := url.Values{
		"product":               {p.cfg.Product},
		"customer_account_code": {p.cfg.CustomerAccountCode},
		// The vendor's pages contradict each other on the default
		// (docs/vendors/licensespring.md#response-type), so the choice is
		// always sent.
		"response_type": {p.cfg.ResponseType},
	}
	if p.cfg.RedirectURL != "" {
		// docs/vendors/licensespring.md#sso-url: optional, when several SSO
		// redirect URIs are enabled. An older version of the vendor's page did
		// not list it; see doc.go.
		q.Set("redirect_uri", p.cfg.RedirectURL)
	}
	call := oauthwire.Call{
		Provider: name,
		Op:       "sso url",
		Secrets:  redact.NewSecrets(p.cfg.SharedKey.Reveal(), sig),
		Advise:   adviseLicenseAPI,
	}
	var answer SSOURL
	// GetJSON sends Accept: application/json
	// (docs/vendors/licensespring.md#endpoints) and turns a
	// {status, code, message} body into an *oauthkit.Error.
	resp, err := oauthwire.GetJSON(ctx, p.http, call, p.cfg.APIURL+"/api/v4/sso_url/?"+q.Encode(), header, &answer)
	if err != nil {
		return nil, err
	}
	s, err := p.checkAnswer(&answer)
	if err != nil {
		return nil, call.Malformed(resp, err)
	}
	s.disc = discovery.NewDiscovery(name, s.issuer+"/.well-known/openid-configuration", s.issuer, p.http)
	s.std = standard.New(p.loginOptions(s), p.token)
	return s, nil
}

// checkAnswer refuses an answer the login cannot work with, and reads the
// parts of its URL the flows need.
func (p *Provider) checkAnswer(a *SSOURL) (*session, error) {
	if a.URL == "" {
		return nil, errors.New(`answer has no "url"`)
	}
	if err := httpc.CheckURL(a.URL); err != nil {
		return nil, fmt.Errorf("answer's url %v", err)
	}
	u, _ := url.Parse(a.URL)
	q := u.Query()
	s := &session{answer: a.clone(), authURL: a.URL, clientID: q.Get("client_id"), redirect: q.Get("redirect_uri")}
	if s.clientID == "" {
		// The token endpoint and the ID token's audience both need it.
		return nil, errors.New("answer's url has no client_id")
	}
	if p.cfg.RedirectURL != "" && s.redirect != "" && s.redirect != p.cfg.RedirectURL {
		// The browser would come back somewhere the application does not
		// expect it.
		return nil, fmt.Errorf("answer's url has redirect_uri %q, but %q was asked for", s.redirect, p.cfg.RedirectURL)
	}
	types := strings.Fields(q.Get("response_type"))
	s.hasType = len(types) > 0
	s.codeFlow = slices.Contains(types, "code") || (!s.hasType && p.cfg.ResponseType == ResponseTypeCode)
	if s.codeFlow != (p.cfg.ResponseType == ResponseTypeCode) {
		return nil, fmt.Errorf("answer's url has response_type %q, but %q was asked for", q.Get("response_type"), p.cfg.ResponseType)
	}
	// OpenID Connect Core §3.1.2.1: an OpenID request must hold the openid
	// scope; without it Keycloak issues no ID token.
	s.scopes = strings.Fields(q.Get("scope"))
	if !slices.Contains(s.scopes, "openid") {
		s.scopes = append([]string{"openid"}, s.scopes...)
	}
	s.issuer = a.Issuer()
	if s.issuer == "" {
		return nil, errors.New("answer has no openid_configuration.issuer, and its url is not a Keycloak authorization endpoint")
	}
	if err := httpc.CheckURL(s.issuer); err != nil {
		return nil, fmt.Errorf("answer's issuer %v", err)
	}
	if oc := a.OpenIDConfiguration; oc != nil {
		for _, ep := range []struct{ name, url string }{
			{"token_endpoint", oc.TokenEndpoint},
			{"end_session_endpoint", oc.EndSessionEndpoint},
			{"introspection_endpoint", oc.IntrospectionEndpoint},
		} {
			if ep.url == "" {
				continue
			}
			if err := httpc.CheckURL(ep.url); err != nil {
				return nil, fmt.Errorf("answer's openid_configuration.%s %v", ep.name, err)
			}
		}
		s.tokenURL, s.endURL, s.intURL = oc.TokenEndpoint, oc.EndSessionEndpoint, oc.IntrospectionEndpoint
	}
	return s, nil
}

// session returns the provider's sso_url answer, fetching it on first use.
// The answer depends only on the configuration (product, customer account,
// response type, redirect URI), so the first good one is kept for the
// Provider's life; a failed fetch is not kept, and the next call tries
// again.
func (p *Provider) session(ctx context.Context) (*session, error) {
	return p.sso.Get(ctx)
}

// SSOURL returns the License API's sso_url answer for the configured
// product and customer account: the Keycloak login URL and the realm's
// endpoints. It is fetched on first use (by this method or any flow) and
// kept; a failure is returned and not kept. The result is a copy.
//
// Most callers want [Provider.AuthCodeURL] or [Provider.ActivationURL],
// which add the state, nonce and PKCE a login needs; the bare URL has none.
func (p *Provider) SSOURL(ctx context.Context) (*SSOURL, error) {
	s, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	return s.answer.clone(), nil
}

// endpoints merges the answer's endpoints over the discovered ones: the
// License API is the vendor's word on which realm to use. ep, a copy,
// is changed in place.
func (s *session) endpoints(ep *oauthkit.Endpoints) *oauthkit.Endpoints {
	if u, err := url.Parse(s.authURL); err == nil {
		u.RawQuery, u.Fragment = "", ""
		ep.AuthURL = u.String()
	}
	for _, f := range []struct {
		dst *string
		v   string
	}{{&ep.TokenURL, s.tokenURL}, {&ep.EndSessionURL, s.endURL}, {&ep.IntrospectionURL, s.intURL}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	return ep
}
