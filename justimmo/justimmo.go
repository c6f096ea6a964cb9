package justimmo

import (
	"context"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/league"
)

const name = "justimmo"

// Provider is Justimmo's OAuth server for one client. It implements
// [oauthkit.Provider], [oauthkit.UserInfoFetcher] and, on Config.Cache, the
// cached-token methods of [oauthkit.TokenProvider] (Token, TokenSource,
// InvalidateToken), [oauthkit.ClientProvider] (Client) and
// [oauthkit.UserTokenProvider] (UserTokenSource); see "Cached tokens" in the
// package documentation. It is safe for concurrent use; make one and keep
// it.
type Provider struct {
	cfg    Config
	server league.Server // endpoints, token endpoint, HTTP client

	*clientTokens // Token, TokenSource, Client, InvalidateToken (cache.go)
	*userTokens   // UserTokenSource (cache.go)
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
	// docs/vendors/justimmo.md#client-authentication: every grant sends
	// client_id and client_secret in the form body, never a Basic header.
	p := &Provider{cfg: cfg, server: league.NewServer(name, cfg.wire(), oauthkit.Endpoints{
		AuthURL:     cfg.AuthURL + authPath,
		TokenURL:    cfg.AuthURL + tokenPath,
		UserInfoURL: cfg.APIURL + userPath,
	}, cfg.ClientID, cfg.ClientSecret, advise)}
	if err := p.initCache(); err != nil {
		return nil, err
	}
	return p, nil
}

// Name returns "justimmo".
func (p *Provider) Name() string { return name }

// RedirectURL returns Config.RedirectURL: where Justimmo sends the browser
// after login, "" when none is configured. Package web reads it to decide
// whether its cookies must be Secure.
func (p *Provider) RedirectURL() string { return p.cfg.RedirectURL }

// Discover returns the documented endpoints
// (docs/vendors/justimmo.md#endpoints); Justimmo publishes no discovery
// document, so nothing is fetched.
func (p *Provider) Discover(context.Context) (*oauthkit.Endpoints, error) {
	return p.server.Discover(), nil
}

// AuthCodeURL starts a login at {AuthURL}/authorize with response_type=code,
// client_id and redirect_uri (docs/vendors/justimmo.md#authorization-code),
// the configured scopes if any, a fresh state, and PKCE S256.
//
// The vendor's example has neither state nor PKCE. The state is the
// callback's CSRF protection and league/oauth2-server returns it; the PKCE
// challenge is ignored by a league ≤ 7 server that has not enabled it and
// checked by one that has (and by every league ≥ 8), binding the code to
// this login where it can.
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
		PKCE:         &authreq.DefaultPKCE,
		Now:          p.cfg.Now,
	}, opts)
}

// Exchange trades a code for tokens at {AuthURL}/access_token with code,
// grant_type=authorization_code, client_id and client_secret in the form
// body (docs/vendors/justimmo.md#authorization-code), plus redirect_uri and
// code_verifier. The vendor's example body has no redirect_uri, but RFC 6749
// §4.1.3 and league/oauth2-server require it when the authorization request
// carried one, as it does here.
//
// Codes live one minute (docs/vendors/justimmo.md#authorization-code):
// exchange at once. Most callers want
// [oauthkit.Complete].
func (p *Provider) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	return p.server.Token.Exchange(ctx, code, ar)
}

// Refresh trades a refresh token for new tokens: refresh_token,
// grant_type=refresh_token, client_id and client_secret in the form body
// (docs/vendors/justimmo.md#refresh-token). Access tokens live a day,
// refresh tokens a month.
//
// Refresh tokens rotate (league/oauth2-server revokes the one used): the
// returned token's RefreshToken replaces the old one — store it, and never
// refresh twice with the same one. An expired refresh token answers
// invalid_request with the hint "Refresh token has expired"
// (docs/vendors/justimmo.md#errors); [oauthkit.NeedsLogin] reports true for
// it: send the user to log in again.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	return p.server.Token.Refresh(ctx, refreshToken)
}

// ClientCredentials gets a token for the client itself, for global and
// client resources (no user's personal ones): grant_type=client_credentials,
// client_id and client_secret in the form body
// (docs/vendors/justimmo.md#client-credentials), plus scope when
// Config.Scopes is set. No refresh token is issued; the vendor's example
// answers expires_in 2678400 (31 days), its table says a day — read Expiry.
func (p *Provider) ClientCredentials(ctx context.Context) (*oauth2.Token, error) {
	return p.server.Token.ClientCredentials(ctx, p.cfg.Scopes)
}
