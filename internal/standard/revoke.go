package standard

import (
	"context"
	"errors"
	"fmt"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// RevokeToken asks the server to invalidate token (RFC 7009): a refresh
// token (hint "refresh_token"; the server then revokes the grant's access
// tokens too, §2.1) or an access token ("access_token"), hint "" for none.
// It authenticates as for the token endpoint. A token the server no longer
// knows is not an error (§2.2). A server without a revocation_endpoint:
// an error matching errors.ErrUnsupported. Package web's logout calls it.
func (p *Provider) RevokeToken(ctx context.Context, token, hint string) error {
	r, err := p.endpointRequest(ctx, oauthkit.OpRevoke, token, hint, func(e *oauthkit.Endpoints) string { return e.RevocationURL }, "revocation_endpoint")
	if err != nil {
		return err
	}
	return p.wire.Revoke(ctx, r)
}

// Introspect asks the server whether token is active and what it stands
// for (RFC 7662), authenticating as for the token endpoint; hint is
// "access_token", "refresh_token" or "". A server without an
// introspection_endpoint: an error matching errors.ErrUnsupported. An
// inactive token is not an error.
//
// Introspection is for resource servers checking tokens they were given:
// the answer comes over TLS from the server itself, so it is taken as it
// is, but the caller decides what Scope, Audience and Expiry must be.
//
// A public client (client authentication none) cannot introspect: RFC 7662
// §2.1 has the endpoint authenticate its caller, so a request carrying
// only client_id would be refused. It gets an [*oauthkit.ConfigError] of
// Field AuthMethod, before anything is sent.
func (p *Provider) Introspect(ctx context.Context, token, hint string) (*oauthwire.Introspection, error) {
	if p.publicClient() {
		return nil, &oauthkit.ConfigError{Provider: p.o.Name, Field: "AuthMethod",
			Reason: "is none (a public client), and introspection takes an authenticated client (RFC 7662 §2.1): configure ClientSecret or ClientKey"}
	}
	r, err := p.endpointRequest(ctx, oauthwire.OpIntrospect, token, hint, func(e *oauthkit.Endpoints) string { return e.IntrospectionURL }, "introspection_endpoint")
	if err != nil {
		return nil, err
	}
	return p.wire.Introspect(ctx, r)
}

// endpointRequest builds a revocation or introspection request to the
// endpoint pick names.
func (p *Provider) endpointRequest(ctx context.Context, op, token, hint string, pick func(*oauthkit.Endpoints) string, field string) (oauthwire.Revocation, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return oauthwire.Revocation{}, err
	}
	u := pick(&md.Endpoints)
	if u == "" {
		return oauthwire.Revocation{}, fmt.Errorf("%s: %s: the server has no %s: %w", p.o.Name, op, field, errors.ErrUnsupported)
	}
	a, err := p.auth(md)
	if err != nil {
		return oauthwire.Revocation{}, err
	}
	return oauthwire.Revocation{
		URL: u, Token: token, Hint: hint, ClientID: p.o.ClientID, Secret: p.o.ClientSecret,
		Auth: a.style, Assertion: a.assertion, Advise: p.o.Advise,
	}, nil
}

// publicClient reports whether the client authenticates with none: so
// configured, or, with AuthMethod zero, holding neither secret nor key
// (chooseMethod then picks none whatever the server lists).
func (p *Provider) publicClient() bool {
	if p.o.AuthMethod != "" {
		return p.o.AuthMethod == MethodNone
	}
	return p.o.ClientKey == nil && p.o.ClientSecret.IsZero()
}
