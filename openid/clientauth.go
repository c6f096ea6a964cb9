package openid

import (
	"context"
	"fmt"
	"slices"

	"github.com/seed-e8f4a5f7/oauthkit/internal/clientauth"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// clientAuth is the authentication of one request to the server.
type clientAuth struct {
	method    AuthMethod
	style     oauthwire.AuthStyle
	assertion func(ctx context.Context) (string, error) // private_key_jwt
}

// AuthMethod returns the client authentication the provider uses with the
// server: Config.AuthMethod, or the one chosen from the server's
// token_endpoint_auth_methods_supported (see Config.AuthMethod). It fetches
// the metadata if needed.
func (p *Provider) AuthMethod(ctx context.Context) (AuthMethod, error) {
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
	m := p.cfg.AuthMethod
	if m == "" {
		var err error
		if m, err = p.chooseMethod(md.TokenAuthMethods); err != nil {
			return clientAuth{}, err
		}
	}
	switch m {
	case AuthClientSecretBasic:
		return clientAuth{method: m, style: oauthwire.AuthBasic}, nil
	case AuthClientSecretPost:
		return clientAuth{method: m, style: oauthwire.AuthInBody}, nil
	case AuthNone:
		return clientAuth{method: m, style: oauthwire.AuthPublic}, nil
	}
	key, _ := p.cfg.clientKey().Check() // checked by New
	aud := md.Endpoints.Issuer
	if p.cfg.AssertionAudience == AudienceTokenEndpoint || aud == "" {
		aud = md.Endpoints.TokenURL
	}
	return clientAuth{method: m, style: oauthwire.AuthPrivateKeyJWT, assertion: func(ctx context.Context) (string, error) {
		return clientauth.Assertion(ctx, key, clientauth.Claims{ClientID: p.cfg.ClientID, Audience: aud, Now: p.cfg.Now()})
	}}, nil
}

// chooseMethod picks the method for the configured credential among those
// the server supports; an empty list means client_secret_basic (RFC 8414 §2,
// OpenID Connect Discovery 1.0 §3).
func (p *Provider) chooseMethod(supported []string) (AuthMethod, error) {
	if len(supported) == 0 {
		supported = []string{string(AuthClientSecretBasic)}
	}
	var candidates []AuthMethod
	switch {
	case p.cfg.ClientKey != nil:
		candidates = []AuthMethod{AuthPrivateKeyJWT}
	case !p.cfg.ClientSecret.IsZero():
		candidates = []AuthMethod{AuthClientSecretBasic, AuthClientSecretPost}
	default:
		// A public client: a server that lists methods without "none" may
		// still take one (many list only what confidential clients use).
		return AuthNone, nil
	}
	for _, c := range candidates {
		if slices.Contains(supported, string(c)) {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s: client authentication: the server supports %q, none of which fits the configured credential (set Config.AuthMethod to override)", p.cfg.Name, supported)
}
