package openid

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// OpIntrospect names a token introspection in an [oauthkit.Error]'s Op.
const OpIntrospect = oauthwire.OpIntrospect

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

// Introspection is what the server says of a token (RFC 7662 §2.2). An
// inactive token — expired, revoked, unknown, or not this client's to
// ask about — has Active false and nothing else.
type Introspection struct {
	Active    bool
	Scope     []string
	ClientID  string
	Username  string
	TokenType string
	Expiry    time.Time // exp; zero when absent
	IssuedAt  time.Time // iat
	NotBefore time.Time // nbf
	Subject   string
	Audience  []string
	Issuer    string
	ID        string         // jti
	Raw       map[string]any // every member, as the server sent it
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
func (p *Provider) Introspect(ctx context.Context, token, hint string) (*Introspection, error) {
	r, err := p.endpointRequest(ctx, OpIntrospect, token, hint, func(e *oauthkit.Endpoints) string { return e.IntrospectionURL }, "introspection_endpoint")
	if err != nil {
		return nil, err
	}
	in, err := p.wire.Introspect(ctx, r)
	if err != nil {
		return nil, err
	}
	return &Introspection{
		Active: in.Active, Scope: in.Scope, ClientID: in.ClientID, Username: in.Username, TokenType: in.TokenType,
		Expiry: in.Expiry, IssuedAt: in.IssuedAt, NotBefore: in.NotBefore, Subject: in.Subject,
		Audience: in.Audience, Issuer: in.Issuer, ID: in.ID, Raw: in.Raw,
	}, nil
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
		return oauthwire.Revocation{}, fmt.Errorf("%s: %s: the server has no %s: %w", p.cfg.Name, op, field, errors.ErrUnsupported)
	}
	a, err := p.auth(md)
	if err != nil {
		return oauthwire.Revocation{}, err
	}
	return oauthwire.Revocation{
		URL: u, Token: token, Hint: hint, ClientID: p.cfg.ClientID, Secret: p.cfg.ClientSecret,
		Auth: a.style, Assertion: a.assertion,
	}, nil
}
