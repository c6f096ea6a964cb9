package standard

import (
	"context"
	"fmt"
	"slices"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/clientauth"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// The client authentication methods (token_endpoint_auth_methods_supported
// values).
const (
	MethodClientSecretBasic = "client_secret_basic"
	MethodClientSecretPost  = "client_secret_post"
	MethodPrivateKeyJWT     = "private_key_jwt"
	MethodNone              = "none"
)

// clientAuth is the authentication of one request to the server.
type clientAuth struct {
	method string
	style  oauthwire.AuthStyle
	// assertion makes a private_key_jwt assertion for a request to
	// endpoint (oauthwire.Request.Assertion).
	assertion func(ctx context.Context, endpoint string) (string, error)
}

// AuthMethod returns the client authentication the provider uses with the
// server: Options.AuthMethod, or the one chosen from the server's
// token_endpoint_auth_methods_supported (see Options.AuthMethod). It fetches
// the metadata if needed.
func (p *Provider) AuthMethod(ctx context.Context) (string, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return "", err
	}
	a, err := p.auth(md)
	if err != nil {
		return "", err
	}
	return a.method, nil
}

// auth chooses the client authentication for md's server.
func (p *Provider) auth(md *discovery.Metadata) (clientAuth, error) {
	m := p.o.AuthMethod
	if m == "" {
		var err error
		if m, err = p.chooseMethod(md.TokenAuthMethods); err != nil {
			return clientAuth{}, err
		}
	}
	switch m {
	case MethodClientSecretBasic:
		style := oauthwire.AuthBasic
		if p.o.BasicStyle != 0 {
			style = p.o.BasicStyle
		}
		return clientAuth{method: m, style: style}, nil
	case MethodClientSecretPost:
		return clientAuth{method: m, style: oauthwire.AuthInBody}, nil
	case MethodNone:
		return clientAuth{method: m, style: oauthwire.AuthPublic}, nil
	case MethodPrivateKeyJWT:
	default:
		return clientAuth{}, &oauthkit.ConfigError{Provider: p.o.Name, Field: "AuthMethod", Reason: fmt.Sprintf("%q is not a supported client authentication", m)}
	}
	if p.o.ClientKey == nil {
		return clientAuth{}, &oauthkit.ConfigError{Provider: p.o.Name, Field: "ClientKey", Reason: "is required for private_key_jwt"}
	}
	key := *p.o.ClientKey
	aud := md.Endpoints.Issuer
	if p.o.AudienceTokenEndpoint || aud == "" {
		aud = md.Endpoints.TokenURL
	}
	return clientAuth{method: m, style: oauthwire.AuthPrivateKeyJWT, assertion: func(ctx context.Context, endpoint string) (string, error) {
		aud := aud
		if p.o.AudienceRequestEndpoint {
			aud = endpoint
		}
		return clientauth.Assertion(ctx, key, clientauth.Claims{ClientID: p.o.ClientID, Audience: aud, Now: p.o.Now()})
	}}, nil
}

// chooseMethod picks the method for the configured credential among those
// the server supports; an empty list means client_secret_basic (RFC 8414 §2,
// OpenID Connect Discovery 1.0 §3).
func (p *Provider) chooseMethod(supported []string) (string, error) {
	if len(supported) == 0 {
		supported = []string{MethodClientSecretBasic}
	}
	var candidates []string
	switch {
	case p.o.ClientKey != nil:
		candidates = []string{MethodPrivateKeyJWT}
	case !p.o.ClientSecret.IsZero():
		candidates = []string{MethodClientSecretBasic, MethodClientSecretPost}
	default:
		// A public client: a server that lists methods without "none" may
		// still take one (many list only what confidential clients use).
		return MethodNone, nil
	}
	for _, c := range candidates {
		if slices.Contains(supported, c) {
			return c, nil
		}
	}
	return "", &oauthkit.ConfigError{Provider: p.o.Name, Field: "AuthMethod",
		Reason: fmt.Sprintf("is not set, and the server's token_endpoint_auth_methods_supported %q has none that fits the configured credential; set it to override", supported)}
}
