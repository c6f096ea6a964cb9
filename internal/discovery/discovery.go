package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/lazy"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// Metadata is a discovery document (OpenID Connect Discovery 1.0 §3) and the
// key set its jwks_uri names.
type Metadata struct {
	Endpoints            oauthkit.Endpoints
	GrantTypes           []string // grant_types_supported; empty if not published
	CodeChallengeMethods []string // code_challenge_methods_supported
	SigningAlgs          []string // id_token_signing_alg_values_supported

	// IssuerParameterSupported is authorization_response_iss_parameter_supported
	// (RFC 9207 §3): the server puts iss in every authorization response, so
	// a callback without one is refused.
	IssuerParameterSupported bool

	// BackchannelLogoutSupported is backchannel_logout_supported (OpenID
	// Connect Back-Channel Logout 1.0 §2.1): the server sends logout tokens
	// to the back-channel logout URIs registered for its clients.
	BackchannelLogoutSupported bool
	// BackchannelLogoutSessionSupported is
	// backchannel_logout_session_supported (§2.1): its logout tokens carry
	// sid, the session that ended, as its ID tokens do.
	BackchannelLogoutSessionSupported bool

	// TokenAuthMethods is token_endpoint_auth_methods_supported (RFC 8414
	// §2): empty when not published, which means client_secret_basic.
	TokenAuthMethods []string
	// TokenAuthSigningAlgs is token_endpoint_auth_signing_alg_values_supported.
	TokenAuthSigningAlgs []string
	// UserInfoSigningAlgs is userinfo_signing_alg_values_supported.
	UserInfoSigningAlgs []string
	// ScopesSupported is scopes_supported.
	ScopesSupported []string
	// ResponseModes is response_modes_supported.
	ResponseModes []string

	// RequirePushedAuthorizationRequests is
	// require_pushed_authorization_requests (RFC 9126 §5): the server takes
	// authorization requests only through its pushed authorization request
	// endpoint.
	RequirePushedAuthorizationRequests bool

	// DPoPSigningAlgs is dpop_signing_alg_values_supported (RFC 9449
	// §5.1): the JWS algorithms the server takes in DPoP proofs; empty
	// when not published.
	DPoPSigningAlgs []string

	keys *keySet
}

// Discovery fetches one issuer's discovery document on first use and keeps
// it. A failed fetch is not kept: the next call tries again.
type Discovery struct {
	provider string
	url      string
	issuer   string
	http     *httpc.Client
	value    lazy.Value[*Metadata]

	// OAuthOnly accepts an RFC 8414 authorization server metadata document:
	// jwks_uri and authorization_endpoint become optional (a server for
	// client credentials alone has neither). Set it before the first Get.
	OAuthOnly bool
}

// NewDiscovery prepares the fetch of the document at wellKnownURL, which must
// name issuer exactly (OpenID Connect Discovery 1.0 §4.3).
func NewDiscovery(provider, wellKnownURL, issuer string, hc *httpc.Client) *Discovery {
	d := &Discovery{provider: provider, url: wellKnownURL, issuer: issuer, http: hc}
	d.value = lazy.Value[*Metadata]{Fetch: d.fetch, Timeout: hc.Timeout() * 3}
	return d
}

// Get returns the metadata, fetching it if no fetch has succeeded yet.
func (d *Discovery) Get(ctx context.Context) (*Metadata, error) {
	return d.value.Get(ctx)
}

// document is the part of the discovery document the library reads.
type document struct {
	Issuer               string   `json:"issuer"`
	AuthURL              string   `json:"authorization_endpoint"`
	TokenURL             string   `json:"token_endpoint"`
	JWKSURL              string   `json:"jwks_uri"`
	UserInfoURL          string   `json:"userinfo_endpoint"`
	EndSessionURL        string   `json:"end_session_endpoint"`
	IntrospectionURL     string   `json:"introspection_endpoint"`
	RevocationURL        string   `json:"revocation_endpoint"`
	GrantTypes           []string `json:"grant_types_supported"`
	CodeChallengeMethods []string `json:"code_challenge_methods_supported"`
	SigningAlgs          []string `json:"id_token_signing_alg_values_supported"`
	IssParameter         bool     `json:"authorization_response_iss_parameter_supported"`
	BackchannelLogout    bool     `json:"backchannel_logout_supported"`
	BackchannelSession   bool     `json:"backchannel_logout_session_supported"`
	TokenAuthMethods     []string `json:"token_endpoint_auth_methods_supported"`
	TokenAuthSigningAlgs []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	UserInfoSigningAlgs  []string `json:"userinfo_signing_alg_values_supported"`
	ScopesSupported      []string `json:"scopes_supported"`
	ResponseModes        []string `json:"response_modes_supported"`
	PAREndpoint          string   `json:"pushed_authorization_request_endpoint"`
	RequirePAR           bool     `json:"require_pushed_authorization_requests"`
	DeviceEndpoint       string   `json:"device_authorization_endpoint"`
	DPoPSigningAlgs      []string `json:"dpop_signing_alg_values_supported"`
}

func (d *Discovery) fetch(ctx context.Context) (*Metadata, error) {
	md, _, err := d.fetchDocument(ctx)
	return md, err
}

// fetchDocument fetches and checks the document once, returning the
// response too (its Cache-Control says how long the document may be kept).
func (d *Discovery) fetchDocument(ctx context.Context) (*Metadata, *httpc.Response, error) {
	call := oauthwire.Call{Provider: d.provider, Op: oauthkit.OpDiscovery}
	resp, err := d.http.Do(ctx, &httpc.Request{
		Method: http.MethodGet,
		URL:    d.url,
		Header: http.Header{"Accept": {"application/json"}},
		Op:     call.Op,
	})
	if err != nil {
		return nil, resp, call.TransportError(resp, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, resp, call.ResponseError(resp)
	}
	var doc document
	if err := json.Unmarshal(resp.Body, &doc); err != nil {
		return nil, resp, call.Malformed(resp, errors.New("discovery document is not a JSON object of the expected shape"))
	}
	if doc.Issuer != d.issuer {
		e := call.Malformed(resp, fmt.Errorf("discovery document names issuer %q, expected %q", doc.Issuer, d.issuer))
		e.Advice = "the issuer must equal the discovery URL's base exactly (OpenID Connect Discovery 1.0 §4.3); if the vendor's issuer is known to differ, configure it explicitly"
		return nil, resp, e
	}
	for _, ep := range []struct {
		name, url string
		optional  bool
	}{
		{"authorization_endpoint", doc.AuthURL, d.OAuthOnly},
		{"token_endpoint", doc.TokenURL, false},
		{"jwks_uri", doc.JWKSURL, d.OAuthOnly},
	} {
		if ep.url == "" && !ep.optional {
			return nil, resp, call.Malformed(resp, fmt.Errorf("discovery document has no %s", ep.name))
		}
	}
	for _, ep := range []struct{ name, url string }{
		{"authorization_endpoint", doc.AuthURL},
		{"token_endpoint", doc.TokenURL},
		{"jwks_uri", doc.JWKSURL},
		{"userinfo_endpoint", doc.UserInfoURL},
		{"end_session_endpoint", doc.EndSessionURL},
		{"introspection_endpoint", doc.IntrospectionURL},
		{"revocation_endpoint", doc.RevocationURL},
		{"pushed_authorization_request_endpoint", doc.PAREndpoint},
		{"device_authorization_endpoint", doc.DeviceEndpoint},
	} {
		if ep.url == "" {
			continue
		}
		if err := httpc.CheckURL(ep.url); err != nil {
			return nil, resp, call.Malformed(resp, fmt.Errorf("discovery document's %s %v", ep.name, err))
		}
	}
	var keys *keySet
	if doc.JWKSURL != "" {
		keys = newKeySet(doc.JWKSURL, d.http)
	}
	return &Metadata{
		Endpoints: oauthkit.Endpoints{
			Issuer:           doc.Issuer,
			AuthURL:          doc.AuthURL,
			TokenURL:         doc.TokenURL,
			JWKSURL:          doc.JWKSURL,
			UserInfoURL:      doc.UserInfoURL,
			EndSessionURL:    doc.EndSessionURL,
			IntrospectionURL: doc.IntrospectionURL,
			RevocationURL:    doc.RevocationURL,

			PushedAuthorizationURL: doc.PAREndpoint,
			DeviceAuthorizationURL: doc.DeviceEndpoint,
		},
		GrantTypes:                         doc.GrantTypes,
		CodeChallengeMethods:               doc.CodeChallengeMethods,
		SigningAlgs:                        doc.SigningAlgs,
		IssuerParameterSupported:           doc.IssParameter,
		BackchannelLogoutSupported:         doc.BackchannelLogout,
		BackchannelLogoutSessionSupported:  doc.BackchannelSession,
		TokenAuthMethods:                   doc.TokenAuthMethods,
		TokenAuthSigningAlgs:               doc.TokenAuthSigningAlgs,
		UserInfoSigningAlgs:                doc.UserInfoSigningAlgs,
		ScopesSupported:                    doc.ScopesSupported,
		ResponseModes:                      doc.ResponseModes,
		RequirePushedAuthorizationRequests: doc.RequirePAR,
		DPoPSigningAlgs:                    doc.DPoPSigningAlgs,
		keys:                               keys,
	}, resp, nil
}
