package openid

import (
	"context"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
)

// Provider is one client of one OpenID Provider or OAuth 2.0 authorization
// server. It implements [oauthkit.Provider], [oauthkit.IDTokenVerifier],
// [oauthkit.UserInfoFetcher], [oauthkit.LogoutTokenVerifier],
// [oauthkit.TokenRevoker], [oauthkit.EndSessionURLBuilder] and, on
// Config.Cache, [oauthkit.TokenProvider],
// [oauthkit.ClientProvider] and [oauthkit.UserTokenProvider]. It is safe for
// concurrent use; make one per server and client, and keep it.
type Provider struct {
	cfg Config
	std *standard.Provider // the protocol, written once for every provider

	*clientTokens // Token, TokenSource, Client, InvalidateToken (cache.go)
	*userTokens   // UserTokenSource (cache.go)

	wait standard.Wait // PollDevice's waits; nil: real time (tests set it)
}

var (
	_ oauthkit.Provider             = (*Provider)(nil)
	_ oauthkit.IDTokenVerifier      = (*Provider)(nil)
	_ oauthkit.UserInfoFetcher      = (*Provider)(nil)
	_ oauthkit.LogoutTokenVerifier  = (*Provider)(nil)
	_ oauthkit.TokenRevoker         = (*Provider)(nil)
	_ oauthkit.TokenProvider        = (*Provider)(nil)
	_ oauthkit.ClientProvider       = (*Provider)(nil)
	_ oauthkit.UserTokenProvider    = (*Provider)(nil)
	_ oauthkit.EndSessionURLBuilder = (*Provider)(nil)
)

// New validates cfg and returns a Provider. It sends no request: the
// metadata is fetched on first use.
func New(cfg Config) (*Provider, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	o := cfg.options()
	if err := cfg.dpopOptions(&o); err != nil { // dpop.go
		return nil, err
	}
	p := &Provider{cfg: cfg, std: standard.New(o, oauthwire.New(cfg.Name, cfg.wire()))}
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

// Discover returns the server's endpoints: from its metadata document,
// fetched on first use and again once it has aged (by its Cache-Control,
// within a minute and a day), or Config.Endpoints. A failed re-fetch keeps
// the last good document.
func (p *Provider) Discover(ctx context.Context) (*oauthkit.Endpoints, error) {
	return p.std.Discover(ctx)
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
	if p.cfg.RedirectURL == "" {
		return nil, &oauthkit.ConfigError{Provider: p.cfg.Name, Field: "RedirectURL", Reason: "is required for logins"}
	}
	return p.std.AuthCodeURL(ctx, opts...)
}

// Exchange trades a code for tokens (RFC 6749 §4.1.3) with ar's redirect
// URI and PKCE verifier and the client's authentication. It is sent once:
// a code is single-use. Use [oauthkit.Complete], which checks the callback
// and verifies the ID token too.
func (p *Provider) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	return p.std.Exchange(ctx, code, ar)
}

// Refresh trades a refresh token for new tokens (RFC 6749 §6). The server
// may rotate it: the answer's refresh token replaces the old one, and
// [Provider.UserTokenSource] keeps the old one when none comes back. The
// request is sent once: a rotating refresh token is spent by its first use.
// An ID token in the answer is verified (OpenID Connect Core §12.2:
// signature, iss, aud, exp, iat, sub; the caller compares its sub with the
// login's); one that fails is an error, the answer's tokens withheld.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	return p.std.Refresh(ctx, refreshToken)
}

// ClientCredentials gets a server-to-server token (RFC 6749 §4.4) with
// Config.ClientCredentialsScopes. A public client (no secret, no key) has
// none: its error matches errors.ErrUnsupported. Most callers want
// [Provider.Token], which caches it.
func (p *Provider) ClientCredentials(ctx context.Context) (*oauth2.Token, error) {
	return p.std.ClientCredentials(ctx)
}

// AuthMethod returns the client authentication the provider uses with the
// server: Config.AuthMethod, or the one chosen from the server's
// token_endpoint_auth_methods_supported (see Config.AuthMethod). It fetches
// the metadata if needed.
func (p *Provider) AuthMethod(ctx context.Context) (AuthMethod, error) {
	m, err := p.std.AuthMethod(ctx)
	return AuthMethod(m), err
}

// VerifyIDToken verifies an ID token (OpenID Connect Core §3.1.3.7) with
// go-oidc against the issuer's keys: signature (with the algorithms the
// metadata lists), iss, aud and azp, exp, sub and iat present, iat at most
// five minutes ahead, the nonce in constant time, and, with Config.MaxAge,
// auth_time. A token signed with a key the key set does not hold makes
// go-oidc fetch the keys again; if it still fails, the metadata is fetched
// again (at most once a minute), and the check repeated once if the
// jwks_uri moved.
func (p *Provider) VerifyIDToken(ctx context.Context, rawIDToken, nonce string) (*oidc.IDToken, error) {
	return p.std.VerifyIDToken(ctx, rawIDToken, nonce)
}

// VerifyLogoutToken verifies a back-channel logout token (OpenID Connect
// Back-Channel Logout 1.0 §2.6) against the issuer's keys: signature, iss,
// aud and azp, iat, exp, the events claim, sub and/or sid, no nonce, a jti
// (whose single use the receiver checks), and the JOSE typ. Any failure
// wraps [oauthkit.ErrInvalidLogoutToken].
func (p *Provider) VerifyLogoutToken(ctx context.Context, raw string) (*oauthkit.LogoutToken, error) {
	return p.std.VerifyLogoutToken(ctx, raw)
}

// ErrInvalidUserInfo: a signed userinfo answer (application/jwt) failed
// verification — its signature by the issuer's keys, its iss or its aud.
var ErrInvalidUserInfo = discovery.ErrInvalidUserInfo

// FetchUserInfo asks the userinfo endpoint (OpenID Connect Core §5.3) who
// tok's user is. A signed answer (application/jwt) is verified with the
// issuer's keys, and its iss and aud, when present, must be the issuer and
// this client ([ErrInvalidUserInfo]). [oauthkit.Complete] calls it after
// the ID token and refuses a subject other than the ID token's.
//
// A server without a userinfo_endpoint (it is optional, OpenID Connect
// Discovery §3) answers from tok's ID token instead, verified as after a
// refresh (signature, iss, aud, exp, iat, sub); without one either, the
// error matches errors.ErrUnsupported.
func (p *Provider) FetchUserInfo(ctx context.Context, tok *oauth2.Token) (*oauthkit.UserInfo, error) {
	return p.std.FetchUserInfo(ctx, tok)
}

// RevokeToken asks the server to invalidate token (RFC 7009): a refresh
// token (hint "refresh_token"; the server then revokes the grant's access
// tokens too, §2.1) or an access token ("access_token"), hint "" for none.
// It authenticates as for the token endpoint. A token the server no longer
// knows is not an error (§2.2); a server that does not revoke that type of
// token answers [ErrUnsupportedTokenType]. A server without a
// revocation_endpoint: an error matching errors.ErrUnsupported. Package
// web's logout calls it.
func (p *Provider) RevokeToken(ctx context.Context, token, hint string) error {
	return p.std.RevokeToken(ctx, token, hint)
}

// ErrUnsupportedTokenType is the error code of a revocation the server
// refuses because it does not revoke that type of token (RFC 7009
// §2.2.1: an access token, where only refresh tokens are revocable, or
// an unknown token_type_hint), for errors.Is on [Provider.RevokeToken]'s
// error. The token stays valid until it expires.
const ErrUnsupportedTokenType = oauthwire.ErrUnsupportedTokenType

// OpIntrospect names a token introspection in an [oauthkit.Error]'s Op.
const OpIntrospect = oauthwire.OpIntrospect

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
// inactive token is not an error. A public client (AuthMethod none, or
// neither ClientSecret nor ClientKey) cannot introspect (RFC 7662 §2.1): an
// [*oauthkit.ConfigError] of Field AuthMethod, and nothing is sent.
//
// Introspection is for resource servers checking tokens they were given:
// the answer comes over TLS from the server itself, so it is taken as it
// is, but the caller decides what Scope, Audience and Expiry must be.
func (p *Provider) Introspect(ctx context.Context, token, hint string) (*Introspection, error) {
	in, err := p.std.Introspect(ctx, token, hint)
	if err != nil {
		return nil, err
	}
	return &Introspection{
		Active: in.Active, Scope: in.Scope, ClientID: in.ClientID, Username: in.Username, TokenType: in.TokenType,
		Expiry: in.Expiry, IssuedAt: in.IssuedAt, NotBefore: in.NotBefore, Subject: in.Subject,
		Audience: in.Audience, Issuer: in.Issuer, ID: in.ID, Raw: in.Raw,
	}, nil
}

// EndSession is an RP-Initiated Logout request: the URL to send the
// browser to, and the state the server will hand back to
// Config.PostLogoutRedirectURL.
type EndSession struct {
	URL   string
	State string // "" without a PostLogoutRedirectURL
}

// EndSessionURL builds the RP-Initiated Logout URL (OpenID Connect
// RP-Initiated Logout 1.0 §2): the end_session_endpoint with client_id,
// id_token_hint (the raw ID token of the login, "" for none),
// post_logout_redirect_uri (Config.PostLogoutRedirectURL) and a fresh
// state, which the application keeps and compares when the browser
// returns. A server without an end_session_endpoint: an error matching
// errors.ErrUnsupported.
func (p *Provider) EndSessionURL(ctx context.Context, idTokenHint string) (*EndSession, error) {
	u, state, err := p.std.EndSessionURL(ctx, idTokenHint)
	if err != nil {
		return nil, err
	}
	return &EndSession{URL: u, State: state}, nil
}

// BuildEndSessionURL is [oauthkit.EndSessionURLBuilder]: the
// end_session_endpoint with client_id and, each when not "", id_token_hint,
// post_logout_redirect_uri and state, all as given (Config's
// PostLogoutRedirectURL is not used: the caller names its own, registered
// with the server). Package web's logout uses it; an application building
// its own logout wants [Provider.EndSessionURL].
func (p *Provider) BuildEndSessionURL(ctx context.Context, idTokenHint, postLogoutRedirectURL, state string) (string, error) {
	return p.std.BuildEndSessionURL(ctx, idTokenHint, postLogoutRedirectURL, state)
}
