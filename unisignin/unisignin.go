package unisignin

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/league"
)

const name = "unisignin"

// The vendor's PKCE rule (docs/vendors/unisignin.md#pkce):
// code_challenge_method=plain, and the challenge — the verifier itself —
// holds only letters and digits, more than 48 and fewer than 128 of them.
// RFC 7636 also allows - . _ ~, which UniSignIn refuses, so x/oauth2's
// verifier cannot be used. 64 of 62 symbols: 381 bits, above RFC 7636
// §7.1's 256.
const verifierLength = 64

var pkce = authreq.PKCE{Method: authreq.Plain, Alphabet: authreq.Alphanumeric, Length: verifierLength}

// Provider is UniSignIn's OAuth2 server for one OAuth application. It
// implements [oauthkit.Provider], [oauthkit.UserInfoFetcher] and, on
// Config.Cache, [oauthkit.UserTokenProvider] (UserTokenSource; see "Cached
// tokens" in the package documentation). It is safe for concurrent use;
// make one and keep it.
type Provider struct {
	cfg    Config
	server league.Server // endpoints, token endpoint, HTTP client

	*userTokens // UserTokenSource (cache.go)
}

var (
	_ oauthkit.Provider        = (*Provider)(nil)
	_ oauthkit.UserInfoFetcher = (*Provider)(nil)
)

// New validates cfg and returns a Provider. It sends no request.
func New(cfg Config) (*Provider, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	// docs/vendors/unisignin.md#client-authentication: client_id and, for a
	// web client, client_secret in the form body; an app client has no
	// secret and proves itself with PKCE.
	p := &Provider{cfg: cfg, server: league.NewServer(name, cfg.wire(), oauthkit.Endpoints{
		AuthURL:     cfg.BaseURL + authPath,
		TokenURL:    cfg.BaseURL + tokenPath,
		UserInfoURL: cfg.BaseURL + userPath,
	}, cfg.ClientID, cfg.ClientSecret, advise)}
	if err := p.initCache(); err != nil {
		return nil, err
	}
	return p, nil
}

// Name returns "unisignin".
func (p *Provider) Name() string { return name }

// RedirectURL returns Config.RedirectURL: where UniSignIn sends the browser
// after login, "" when none is configured. Package web reads it to decide
// whether its cookies must be Secure.
func (p *Provider) RedirectURL() string { return p.cfg.RedirectURL }

// IsApp reports whether the provider runs the app flow: no client secret,
// PKCE only.
func (p *Provider) IsApp() bool { return p.cfg.ClientSecret.IsZero() }

// Discover returns the documented endpoints
// (docs/vendors/unisignin.md#endpoints); UniSignIn publishes no discovery
// document, so nothing is fetched.
func (p *Provider) Discover(context.Context) (*oauthkit.Endpoints, error) {
	return p.server.Discover(), nil
}

// AuthCodeURL starts a login at {BaseURL}/oauth/v2/authorize with
// response_type=code, client_id, redirect_uri, the configured scopes
// (default "public"), a fresh state (docs/vendors/unisignin.md#web-flow: the
// client keeps the state and compares it with the one that comes back,
// against cross-site request forgery), and PKCE by the vendor's rule:
// code_challenge_method=plain with a verifier of 64 letters and digits.
//
// The app flow requires PKCE (docs/vendors/unisignin.md#app-flow). The web
// flow sends it too: the vendor documents PKCE, league/oauth2-server (≥ 8)
// checks it for any client that sends a challenge, and it binds the code to
// this login so that a code stolen from another one cannot be injected here.
func (p *Provider) AuthCodeURL(_ context.Context, opts ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	if p.cfg.RedirectURL == "" {
		return nil, &oauthkit.ConfigError{Provider: name, Field: "RedirectURL", Reason: "is required for the code flow"}
	}
	return authreq.New(authreq.Spec{
		Provider:     name,
		AuthURL:      p.server.Endpoints.AuthURL,
		ResponseType: "code",
		ClientID:     p.cfg.ClientID,
		RedirectURL:  p.cfg.RedirectURL,
		Scopes:       p.cfg.Scopes,
		PKCE:         &pkce,
		Now:          p.cfg.Now,
	}, opts)
}

// Exchange trades a code for tokens at {BaseURL}/oauth/v2/access_token, in
// the form body: grant_type=authorization_code, code, redirect_uri,
// client_id, code_verifier, and in the web flow client_secret
// (docs/vendors/unisignin.md#web-flow, docs/vendors/unisignin.md#app-flow).
// The request is never resent once it may have reached the server: a code
// works once. Most callers want [oauthkit.Complete].
func (p *Provider) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	return p.server.Token.Exchange(ctx, code, ar)
}

// PasswordToken gets tokens for a user's own email and password
// (docs/vendors/unisignin.md#password-grant): grant_type=password, client_id
// (and client_secret in the web flow), username, password and scope (default
// "public").
//
// The password is an [oauthkit.Secret] so that it cannot reach a log line
// or an error by accident on its way here: convert it where it is read
// (oauthkit.Secret(r.PostFormValue("password"))). It is sent in the form
// body and scrubbed from every error.
func (p *Provider) PasswordToken(ctx context.Context, username string, password oauthkit.Secret) (*oauth2.Token, error) {
	return p.server.Token.Password(ctx, username, password, p.cfg.Scopes)
}

// Refresh trades a refresh token for new tokens (RFC 6749 §6) at the token
// endpoint, with the same client authentication as the login.
//
// UniSignIn's refresh tokens rotate (league/oauth2-server revokes the one
// used): the returned token's RefreshToken replaces the old one, which is
// dead from now on — store the new one, and never refresh twice with the
// same one. When the refresh token is dead, [oauthkit.NeedsLogin] reports
// true for the error: send the user to log in again.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	return p.server.Token.Refresh(ctx, refreshToken)
}

// ClientCredentials is not offered: UniSignIn documents the authorization
// code, PKCE and password grants only
// (docs/vendors/unisignin.md#not-offered). The error satisfies
// errors.Is(err, errors.ErrUnsupported); no request is sent.
func (p *Provider) ClientCredentials(context.Context) (*oauth2.Token, error) {
	return nil, fmt.Errorf("%s: %s: UniSignIn documents no client-credentials grant: %w", name, oauthkit.OpClientCredentials, errors.ErrUnsupported)
}
