package webuntis

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
)

const name = "webuntis"

// Provider is WebUntis SSO v3 for one tenant. It implements
// [oauthkit.Provider], [oauthkit.IDTokenVerifier] and, on Config.Cache, the
// cached-token methods of [oauthkit.TokenProvider] (Token, TokenSource,
// InvalidateToken), [oauthkit.ClientProvider] (Client) and
// [oauthkit.UserTokenProvider] (UserTokenSource); see "Cached tokens" in the
// package documentation. It is safe for concurrent use; make one per tenant
// and keep it.
type Provider struct {
	cfg   Config
	base  string // {BaseURL}/WebUntis/api/sso/v3/{Tenant}
	http  *httpc.Client
	token *oauthwire.Client
	disc  *discovery.Discovery // the tenant's discovery document, kept for the process
	std   *standard.Provider   // the login: OpenID Connect with WebUntis' exceptions (login.go)
	basic *basicChoice         // the Basic form the server accepted (BasicAuto)
	held  *held                // made by Tenants: follows the tenant's record (replicas.go); nil otherwise

	*clientTokens // Token, TokenSource, Client, InvalidateToken (cache.go)
	*userTokens   // UserTokenSource (cache.go)
}

var (
	_ oauthkit.Provider        = (*Provider)(nil)
	_ oauthkit.IDTokenVerifier = (*Provider)(nil)
)

// New validates cfg and returns a Provider. It sends no request: discovery
// happens on first use.
func New(cfg Config) (*Provider, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	wire := oauthwire.New(name, cfg.wire())
	base := cfg.BaseURL + "/WebUntis/api/sso/v3/" + url.PathEscape(cfg.Tenant)
	p := &Provider{
		cfg:   cfg,
		base:  base,
		http:  wire.HTTP,
		token: wire,
		disc:  discovery.NewDiscovery(name, base+"/.well-known/openid-configuration", cfg.Issuer, wire.HTTP),
		basic: &basicChoice{},
	}
	p.std = standard.New(p.loginOptions(), wire)
	if err := p.initCache(); err != nil {
		return nil, err
	}
	return p, nil
}

// Name returns "webuntis".
func (p *Provider) Name() string { return name }

// RedirectURL returns Config.RedirectURL: where WebUntis sends the browser
// after login, "" when none is configured. Package web reads it to decide
// whether its cookies must be Secure.
func (p *Provider) RedirectURL() string { return p.cfg.RedirectURL }

// LoginEndsSession reports true: WebUntis requires that every request to a
// partner app's Login URL — the one the Untis Platform dashboard opens,
// from another site — start a new login and end the app's current session
// first, so that the user logged in is always the one who launched the app
// (docs/vendors/webuntis.md#login-url). Package web ends the session at
// login start for providers that report this.
func (p *Provider) LoginEndsSession() bool { return true }

// Tenant returns the tenant id the provider was made for.
func (p *Provider) Tenant() string { return p.cfg.Tenant }

// Discover returns the tenant's endpoints from
// {base}/.well-known/openid-configuration
// (docs/vendors/webuntis.md#endpoints), fetched on first use and kept; a
// failed fetch is retried by the next call.
func (p *Provider) Discover(ctx context.Context) (*oauthkit.Endpoints, error) {
	return p.std.Discover(ctx)
}

// AuthCodeURL starts a login: response_type=code, the configured scopes,
// redirect_uri, a fresh state and nonce, and PKCE S256. WebUntis' documents
// do not mention PKCE; an authorization server ignores parameters it does not
// know (RFC 6749 §3.1), so the challenge costs nothing where it is
// unsupported and protects the code where it is.
//
// The vendor asks that a partner app's Login URL start a new login on every
// request, ending any local session first
// (docs/vendors/webuntis.md#login-url): call AuthCodeURL for every visit,
// never reuse an AuthRequest.
func (p *Provider) AuthCodeURL(ctx context.Context, opts ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	if err := p.codeFlowConfig("the code flow"); err != nil {
		return nil, err
	}
	return p.std.AuthCodeURL(ctx, opts...)
}

// Exchange trades a code for tokens at the discovered token endpoint, with
// client_id and client_secret (the OIDC secret) in the form body
// (docs/vendors/webuntis.md#authorization-code). The vendor's example puts
// them in the query string; they go in the body here (RFC 6749 §2.3.1, and a
// query string ends up in access logs). The request is never resent once it
// may have reached the server: a code is single-use.
//
// A provider [Tenants] made whose client secret is refused while the store
// holds newer credentials answers with advice that says so and uses them
// from the next request on; the code is not sent again.
func (p *Provider) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	if c := p.current(); c != p {
		return c.Exchange(ctx, code, ar)
	}
	if err := p.codeFlowConfig("the code flow"); err != nil {
		return nil, err
	}
	// Discovery before the exchange, which spends the AuthRequest: an
	// exchange that fails on configuration or discovery has not spent it.
	if _, err := p.disc.Get(ctx); err != nil {
		return nil, err
	}
	tok, err := p.std.Exchange(ctx, code, ar)
	if err != nil {
		return nil, p.secretRefused(ctx, err)
	}
	return tok, nil
}

// ClientCredentials gets a server-to-server token: POST {base}/token with
// body grant_type=client_credentials and Basic credentials of the OIDC client
// id and the platform password (docs/vendors/webuntis.md#client-credentials;
// encoding: docs/vendors/webuntis.md#basic-encoding). By default the Basic
// parts are not URL-escaped, as the vendor's own examples send them; see
// [BasicEncoding] for a server that URL-decodes them. Tokens live 3 minutes
// (expires_in); the vendor asks for new ones only when needed, so cache them.
//
// The documented token URL is used directly, so server-to-server calls do
// not depend on the discovery document.
//
// A provider [Tenants] made sends the request again, once, with the
// tenant's stored credentials when its password is refused and the store
// holds others (see [Tenants.Provider]).
func (p *Provider) ClientCredentials(ctx context.Context) (*oauth2.Token, error) {
	if p.held != nil {
		return p.held.clientCredentials(ctx, p)
	}
	return p.ownClientCredentials(ctx)
}

// ownClientCredentials is the client-credentials request with p's own
// credentials.
func (p *Provider) ownClientCredentials(ctx context.Context) (*oauth2.Token, error) {
	if err := p.cfg.need("Password", p.cfg.Password.IsZero(), "client credentials"); err != nil {
		return nil, err
	}
	return p.clientCredentialsBasic(ctx)
}

// clientCredentialsRequest sends one client-credentials request with the
// Basic form auth; encodingNote, when set, is added to the advice for
// refused credentials.
func (p *Provider) clientCredentialsRequest(ctx context.Context, auth oauthwire.AuthStyle, encodingNote string) (*oauth2.Token, error) {
	return p.token.Token(ctx, oauthwire.Request{
		Op:       oauthkit.OpClientCredentials,
		TokenURL: p.base + "/token",
		Params:   url.Values{"grant_type": {"client_credentials"}},
		ClientID: p.cfg.ClientID,
		Secret:   p.cfg.Password,
		Auth:     auth,
		Advise:   adviseClientCredentials(encodingNote),
	})
}

// Refresh trades a refresh token for new tokens (RFC 6749 §6), with the same
// client authentication as the code flow. The vendor does not document
// whether it issues refresh tokens; when the discovery document lists its
// grant types without refresh_token, Refresh reports errors.ErrUnsupported
// without a request. An ID token in the answer is verified as the login's
// is, but for the nonce (OpenID Connect Core §12.2); one that fails is an
// error wrapping [oauthkit.ErrInvalidIDToken], the answer's tokens withheld.
//
// Like Exchange, a provider [Tenants] made follows newer stored credentials
// after its client secret is refused, without sending the refresh token
// again.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if c := p.current(); c != p {
		return c.Refresh(ctx, refreshToken)
	}
	if refreshToken == "" {
		return nil, fmt.Errorf("%s: refresh: empty refresh token: %w", name, oauthkit.ErrNoRefreshToken)
	}
	if err := p.cfg.need("ClientSecret", p.cfg.ClientSecret.IsZero(), "refresh"); err != nil {
		return nil, err
	}
	md, err := p.disc.Get(ctx)
	if err != nil {
		return nil, err
	}
	if len(md.GrantTypes) > 0 && !slices.Contains(md.GrantTypes, "refresh_token") {
		return nil, fmt.Errorf("%s: refresh: the tenant's discovery document lists no refresh_token grant: %w", name, errors.ErrUnsupported)
	}
	tok, err := p.std.Refresh(ctx, refreshToken)
	if err != nil {
		return nil, p.secretRefused(ctx, err)
	}
	return tok, nil
}

// VerifyIDToken verifies an ID token with go-oidc against the tenant's
// published keys: signature, iss, aud (the client id), exp, then azp and
// nonce. The vendor recommends relying on "sub" only
// (docs/vendors/webuntis.md#authorization-code).
func (p *Provider) VerifyIDToken(ctx context.Context, rawIDToken, nonce string) (*oidc.IDToken, error) {
	return p.std.VerifyIDToken(ctx, rawIDToken, nonce)
}

func (p *Provider) codeFlowConfig(flow string) error {
	if err := p.cfg.need("ClientSecret", p.cfg.ClientSecret.IsZero(), flow); err != nil {
		return err
	}
	return p.cfg.need("RedirectURL", p.cfg.RedirectURL == "", flow)
}
