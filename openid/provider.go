package openid

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// Provider is one client of one OpenID Provider or OAuth 2.0 authorization
// server. It implements [oauthkit.Provider], [oauthkit.IDTokenVerifier],
// [oauthkit.UserInfoFetcher], [oauthkit.LogoutTokenVerifier],
// [oauthkit.TokenRevoker] and, on Config.Cache, [oauthkit.TokenProvider],
// [oauthkit.ClientProvider] and [oauthkit.UserTokenProvider]. It is safe for
// concurrent use; make one per server and client, and keep it.
type Provider struct {
	cfg    Config
	wire   *oauthwire.Client
	disc   *discovery.Refreshing // nil with Config.Endpoints
	static *discovery.Metadata   // with Config.Endpoints

	*clientTokens // Token, TokenSource, Client, InvalidateToken (cache.go)
	*userTokens   // UserTokenSource (cache.go)
}

var (
	_ oauthkit.Provider            = (*Provider)(nil)
	_ oauthkit.IDTokenVerifier     = (*Provider)(nil)
	_ oauthkit.UserInfoFetcher     = (*Provider)(nil)
	_ oauthkit.LogoutTokenVerifier = (*Provider)(nil)
	_ oauthkit.TokenRevoker        = (*Provider)(nil)
	_ oauthkit.TokenProvider       = (*Provider)(nil)
	_ oauthkit.ClientProvider      = (*Provider)(nil)
	_ oauthkit.UserTokenProvider   = (*Provider)(nil)
)

// New validates cfg and returns a Provider. It sends no request: the
// metadata is fetched on first use.
func New(cfg Config) (*Provider, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p := &Provider{cfg: cfg, wire: oauthwire.New(cfg.Name, cfg.wire())}
	if cfg.Endpoints != nil {
		p.static = discovery.Static(*cfg.Endpoints, p.wire.HTTP)
		p.static.SigningAlgs = cfg.IDTokenSigningAlgs
	} else {
		d := discovery.NewDiscovery(cfg.Name, cfg.discoveryURL(), cfg.Issuer, p.wire.HTTP)
		d.OAuthOnly = !cfg.openID()
		p.disc = discovery.NewRefreshing(d, cfg.Now)
	}
	if err := p.initCache(); err != nil {
		return nil, err
	}
	return p, nil
}

// Name returns Config.Name ("openid" by default).
func (p *Provider) Name() string { return p.cfg.Name }

// RedirectURL returns Config.RedirectURL. Package web reads it to decide
// whether its cookies must be Secure.
func (p *Provider) RedirectURL() string { return p.cfg.RedirectURL }

// metadata returns the server's current metadata.
func (p *Provider) metadata(ctx context.Context) (*discovery.Metadata, error) {
	if p.static != nil {
		return p.static, nil
	}
	return p.disc.Get(ctx)
}

// Discover returns the server's endpoints: from its metadata document,
// fetched on first use and again once it has aged (by its Cache-Control,
// within a minute and a day), or Config.Endpoints. A failed re-fetch keeps
// the last good document.
func (p *Provider) Discover(ctx context.Context) (*oauthkit.Endpoints, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	e := md.Endpoints
	return &e, nil
}

// AuthCodeURL starts an authorization-code login: the authorization
// endpoint with response_type=code, client_id, redirect_uri, scope, a fresh
// state, a nonce (OpenID Connect), PKCE S256 (unless
// Config.InsecureDisablePKCE), max_age and acr_values from the Config, and
// the options' prompt, login_hint, extra scopes and parameters. The
// callback's iss must be the issuer (RFC 9207), and must be present when the
// metadata says authorization_response_iss_parameter_supported.
//
// max_age cannot be given with [oauthkit.WithParam]: set Config.MaxAge, so
// that the ID token's auth_time is checked against it.
func (p *Provider) AuthCodeURL(ctx context.Context, opts ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	for k := range oauthkit.CollectAuthOptions(opts).Params {
		if strings.EqualFold(k, "max_age") {
			return nil, fmt.Errorf("%s: authorize: set max_age with Config.MaxAge, which checks auth_time too", p.cfg.Name)
		}
	}
	if p.cfg.RedirectURL == "" {
		return nil, &oauthkit.ConfigError{Provider: p.cfg.Name, Field: "RedirectURL", Reason: "is required for logins"}
	}
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	if md.Endpoints.AuthURL == "" {
		return nil, fmt.Errorf("%s: authorize: the server has no authorization_endpoint: %w", p.cfg.Name, errors.ErrUnsupported)
	}
	spec := authreq.Spec{
		Provider:      p.cfg.Name,
		AuthURL:       md.Endpoints.AuthURL,
		ResponseType:  "code",
		ClientID:      p.cfg.ClientID,
		RedirectURL:   p.cfg.RedirectURL,
		Scopes:        p.cfg.Scopes,
		Nonce:         p.cfg.openID(),
		Now:           p.cfg.Now,
		Issuer:        md.Endpoints.Issuer,
		RequireIssuer: md.IssuerParameterSupported,
	}
	if !p.cfg.InsecureDisablePKCE {
		spec.PKCE = &authreq.DefaultPKCE
	}
	extra := opts
	if p.cfg.MaxAge > 0 {
		extra = append(extra[:len(extra):len(extra)], oauthkit.WithParam("max_age", strconv.FormatInt(int64(p.cfg.MaxAge.Seconds()), 10)))
	}
	if len(p.cfg.ACRValues) > 0 {
		extra = append(extra[:len(extra):len(extra)], oauthkit.WithParam("acr_values", strings.Join(p.cfg.ACRValues, " ")))
	}
	return authreq.New(spec, extra)
}

// Exchange trades a code for tokens (RFC 6749 §4.1.3) with ar's redirect
// URI and PKCE verifier and the client's authentication. It is sent once:
// a code is single-use. Use [oauthkit.Complete], which checks the callback
// and verifies the ID token too.
func (p *Provider) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	if err := authreq.CheckExchange(p.cfg.Name, code, ar, p.cfg.Now()); err != nil {
		return nil, err
	}
	params := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
	if ar.RedirectURL != "" {
		params.Set("redirect_uri", ar.RedirectURL)
	}
	if ar.CodeVerifier != "" {
		params.Set("code_verifier", ar.CodeVerifier)
	}
	return p.token(ctx, oauthkit.OpExchange, params)
}

// Refresh trades a refresh token for new tokens (RFC 6749 §6). The server
// may rotate it: the answer's refresh token replaces the old one, and
// [Provider.UserTokenSource] keeps the old one when none comes back. The
// request is sent once: a rotating refresh token is spent by its first use.
// An ID token in the answer is verified (OpenID Connect Core §12.2:
// signature, iss, aud, exp, iat, sub; the caller compares its sub with the
// login's); one that fails is an error, the answer's tokens withheld.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, fmt.Errorf("%s: refresh: empty refresh token: %w", p.cfg.Name, oauthkit.ErrNoRefreshToken)
	}
	tok, err := p.token(ctx, oauthkit.OpRefresh, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if err != nil {
		return nil, err
	}
	if err := p.checkRefreshed(ctx, tok); err != nil {
		return nil, fmt.Errorf("%s: refresh: %w", p.cfg.Name, err)
	}
	return tok, nil
}

// ClientCredentials gets a server-to-server token (RFC 6749 §4.4) with
// Config.ClientCredentialsScopes. A public client (no secret, no key) has
// none: its error matches errors.ErrUnsupported. Most callers want
// [Provider.Token], which caches it.
func (p *Provider) ClientCredentials(ctx context.Context) (*oauth2.Token, error) {
	if p.cfg.ClientSecret.IsZero() && p.cfg.ClientKey == nil {
		return nil, fmt.Errorf("%s: client credentials: a public client cannot use the client-credentials grant: %w", p.cfg.Name, errors.ErrUnsupported)
	}
	params := url.Values{"grant_type": {"client_credentials"}}
	if len(p.cfg.ClientCredentialsScopes) > 0 {
		params.Set("scope", strings.Join(p.cfg.ClientCredentialsScopes, " "))
	}
	return p.token(ctx, oauthkit.OpClientCredentials, params)
}

// token sends one token request with the client's authentication.
func (p *Provider) token(ctx context.Context, op string, params url.Values) (*oauth2.Token, error) {
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	a, err := p.auth(md)
	if err != nil {
		return nil, err
	}
	return p.wire.Token(ctx, oauthwire.Request{
		Op: op, TokenURL: md.Endpoints.TokenURL, Params: params,
		ClientID: p.cfg.ClientID, Secret: p.cfg.ClientSecret, Auth: a.style, Assertion: a.assertion,
	})
}
