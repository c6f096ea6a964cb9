package licensespring

import (
	"context"
	"errors"
	"fmt"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/lazy"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

const name = "licensespring"

// Provider is LicenseSpring's license-user SSO for one product and one
// customer account: the signed sso_url lookup and the Keycloak login around
// it. It implements [oauthkit.Provider], [oauthkit.IDTokenVerifier],
// [oauthkit.LogoutTokenVerifier], [oauthkit.TokenRevoker],
// [oauthkit.EndSessionURLBuilder] and, on
// Config.Cache, [oauthkit.UserTokenProvider] (UserTokenSource; see
// "Cached tokens" in the package documentation). It is safe for concurrent
// use; make one per product and customer account, and keep it.
type Provider struct {
	cfg    Config
	signer *Signer
	http   *httpc.Client
	token  *oauthwire.Client
	sso    *lazy.Value[*session] // a pointer: Provider values copy without copying its lock

	*userTokens // UserTokenSource (cache.go)
}

var (
	_ oauthkit.Provider             = (*Provider)(nil)
	_ oauthkit.IDTokenVerifier      = (*Provider)(nil)
	_ oauthkit.LogoutTokenVerifier  = (*Provider)(nil)
	_ oauthkit.TokenRevoker         = (*Provider)(nil)
	_ oauthkit.EndSessionURLBuilder = (*Provider)(nil)
)

// New validates cfg and returns a Provider. It sends no request: the
// sso_url answer and the realm's discovery document are fetched on first
// use.
func New(cfg Config) (*Provider, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	wire := oauthwire.New(name, cfg.wire())
	p := &Provider{
		cfg:    cfg,
		signer: &Signer{APIKey: cfg.APIKey, SharedKey: cfg.SharedKey, Now: cfg.Now},
		http:   wire.HTTP,
		token:  wire,
	}
	if err := p.initCache(); err != nil {
		return nil, err
	}
	p.sso = &lazy.Value[*session]{Fetch: p.fetchSession, Timeout: wire.HTTP.Timeout() * 3}
	return p, nil
}

// Name returns "licensespring".
func (p *Provider) Name() string { return name }

// RedirectURL returns Config.RedirectURL: the redirect URI asked for, ""
// when none is configured (LicenseSpring's SSO URL then names it). Package
// web reads it to decide whether its cookies must be Secure.
func (p *Provider) RedirectURL() string { return p.cfg.RedirectURL }

// Signer returns a signer with the provider's API key, shared key and
// clock, for the License API calls that follow a login (activate_license
// and the rest).
func (p *Provider) Signer() *Signer {
	s := *p.signer
	return &s
}

// Discover returns the realm's endpoints: those the sso_url answer names
// (issuer, token, end-session, introspection;
// docs/vendors/licensespring.md#answer), completed from the issuer's OpenID
// Connect discovery document (JWKS, user info, revocation). AuthURL is the sso_url
// answer's URL without its query; [Provider.AuthCodeURL] uses the whole URL.
func (p *Provider) Discover(ctx context.Context) (*oauthkit.Endpoints, error) {
	s, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	ep, err := s.std.Discover(ctx)
	if err != nil {
		return nil, err
	}
	return s.endpoints(ep), nil
}

// AuthCodeURL starts a login whose result the application uses itself,
// through [oauthkit.Complete] (response type "code") or
// [Provider.CompleteImplicit] (response type "token"). It is the sso_url
// answer's URL — client_id, redirect_uri, scope and kc_idp_hint as
// LicenseSpring set them — with a fresh state and nonce added and, for the
// code grant, PKCE S256.
//
// Its code is bound to the PKCE verifier, so it cannot go to
// activate_license; to activate a license with the code, start with
// [Provider.ActivationURL] ("Two grants, two uses of a login" in the package
// documentation says why).
//
// With response type "token" AuthCodeURL and ActivationURL are the same:
// the ID token serves both the login and the activation.
func (p *Provider) AuthCodeURL(ctx context.Context, opts ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	return p.authRequest(ctx, true, opts)
}

// ActivationURL starts a login whose code goes to LicenseSpring's
// activate_license (docs/vendors/licensespring.md#activation: the body holds
// code or id_token): the sso_url answer's URL with a fresh state and nonce,
// and no PKCE (see "Two grants, two uses of a login" in the package
// documentation). Finish it with [Provider.CompleteActivation], which checks the
// callback and returns the code without exchanging it.
//
// With response type "token" it is the same as [Provider.AuthCodeURL];
// finish with [Provider.CompleteImplicit] and [Provider.ActivationFromLogin].
func (p *Provider) ActivationURL(ctx context.Context, opts ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	return p.authRequest(ctx, false, opts)
}

func (p *Provider) authRequest(ctx context.Context, login bool, opts []oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	s, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	spec := authreq.Spec{
		Provider: name,
		AuthURL:  s.authURL,
		// The URL already holds client_id and redirect_uri; setting the same
		// values keeps them, and puts the redirect URI in the AuthRequest
		// for the exchange.
		ClientID:    s.clientID,
		RedirectURL: s.redirect,
		Scopes:      s.scopes,
		// OpenID Connect Core §3.2.2.1: the implicit flow requires a nonce,
		// and Keycloak refuses an implicit request without one.
		Nonce: true,
		Now:   p.cfg.Now,
		// RFC 9207: a callback's iss, which Keycloak sends, must be the
		// realm's issuer. It is not required: that would take the realm's
		// discovery document, which a login URL does not otherwise need.
		Issuer: s.issuer,
	}
	if !s.hasType {
		// The vendor's URL names its response_type
		// (docs/vendors/licensespring.md#answer); if one ever does not, ask
		// for what the configured grant returns. The implicit grant must ask
		// for id_token too (OpenID Connect Core §3.2.2.1): Keycloak sends
		// only what response_type names.
		spec.ResponseType = "code"
		if !s.codeFlow {
			spec.ResponseType = "id_token token"
		}
	}
	if login && s.codeFlow {
		spec.PKCE = &authreq.DefaultPKCE
	}
	return authreq.New(spec, opts)
}

// Exchange trades a code for tokens at the realm's token endpoint as a
// public client (client_id from the sso_url answer's URL, no secret; RFC
// 6749 §2.1), with the AuthRequest's redirect URI and PKCE verifier. It is
// never resent once it may have reached Keycloak: a code is single-use.
//
// It refuses an AuthRequest made by [Provider.ActivationURL]: that code
// belongs to activate_license, and exchanging it here would spend it.
func (p *Provider) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	if err := authreq.CheckExchange(name, code, ar, p.cfg.Now()); err != nil {
		return nil, err
	}
	s, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	if !s.codeFlow {
		return nil, fmt.Errorf("%s: exchange: the provider uses response type %q, which returns no code (use CompleteImplicit): %w", name, p.cfg.ResponseType, ErrWrongFlow)
	}
	if ar.CodeVerifier == "" {
		return nil, fmt.Errorf("%s: exchange: the AuthRequest was made by ActivationURL, so its code is for activate_license (use CompleteActivation); start logins that exchange the code with AuthCodeURL: %w", name, ErrWrongFlow)
	}
	// CheckExchange above spent the AuthRequest before LicenseSpring's own
	// checks, as it always has; Redeem is the engine's exchange without
	// that check.
	return s.std.Redeem(ctx, code, ar)
}

// ClientCredentials is not offered: the License API authenticates servers
// by signing each request with the API and shared keys (see [Signer]), not
// with OAuth tokens. It returns an error matching errors.ErrUnsupported.
func (p *Provider) ClientCredentials(context.Context) (*oauth2.Token, error) {
	return nil, fmt.Errorf("%s: client credentials: the License API signs requests with the API and shared keys instead (use Signer): %w", name, errors.ErrUnsupported)
}

// Refresh trades a Keycloak refresh token for new tokens (RFC 6749 §6) as
// the same public client. An ID token in the answer is verified against the
// realm's keys as the login's is, but for the nonce (OpenID Connect Core
// §12.2); one that fails is an error wrapping [oauthkit.ErrInvalidIDToken],
// the answer's tokens withheld.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, fmt.Errorf("%s: refresh: empty refresh token: %w", name, oauthkit.ErrNoRefreshToken)
	}
	s, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	return s.std.Refresh(ctx, refreshToken)
}

// VerifyIDToken verifies a Keycloak ID token with go-oidc against the
// realm's published keys (found through the issuer's discovery document):
// signature, iss (the sso_url answer's issuer), aud and azp (the URL's
// client_id), exp, then the nonce.
func (p *Provider) VerifyIDToken(ctx context.Context, rawIDToken, nonce string) (*oidc.IDToken, error) {
	s, err := p.session(ctx)
	if err != nil {
		return nil, err
	}
	return s.std.VerifyIDToken(ctx, rawIDToken, nonce)
}
