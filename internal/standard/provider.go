package standard

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// Provider is the standards engine behind package openid, for every
// provider that follows the RFCs and the OpenID specifications with the
// documented exceptions its Options name. It implements the methods of
// [oauthkit.Provider], [oauthkit.IDTokenVerifier],
// [oauthkit.UserInfoFetcher], [oauthkit.LogoutTokenVerifier] and
// [oauthkit.TokenRevoker]; a public package wraps it, adds its Config's
// validation and its cached tokens. It is safe for concurrent use.
type Provider struct {
	o      Options
	wire   *oauthwire.Client
	disc   *discovery.Refreshing // nil with Options.Endpoints or Options.Metadata
	static *discovery.Metadata   // with Options.Endpoints
}

// New returns the engine for o, which the caller has validated, sending
// through wire (oauthwire.New). It sends no request.
func New(o Options, wire *oauthwire.Client) *Provider {
	if o.Now == nil {
		o.Now = time.Now
	}
	p := &Provider{o: o, wire: wire}
	switch {
	case o.Metadata != nil:
	case o.Endpoints != nil:
		p.static = discovery.Static(*o.Endpoints, wire.HTTP)
		p.static.SigningAlgs = o.IDTokenSigningAlgs
	default:
		d := discovery.NewDiscovery(o.Name, o.DiscoveryURL, o.Issuer, wire.HTTP)
		d.OAuthOnly = !o.OpenID
		p.disc = discovery.NewRefreshing(d, o.Now)
	}
	return p
}

// Name returns Options.Name.
func (p *Provider) Name() string { return p.o.Name }

// metadata returns the server's current metadata.
func (p *Provider) metadata(ctx context.Context) (*discovery.Metadata, error) {
	if p.o.Metadata != nil {
		return p.o.Metadata(ctx)
	}
	if p.static != nil {
		return p.static, nil
	}
	return p.disc.Get(ctx)
}

// Discover returns the server's endpoints: from its metadata document,
// fetched on first use and again once it has aged (by its Cache-Control,
// within a minute and a day), or Options.Endpoints. A failed re-fetch keeps
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
// state, a nonce (OpenID Connect), PKCE as Options.PKCE says (the standard:
// S256), max_age and acr_values from the Options, and the options' prompt,
// login_hint, extra scopes and parameters. The
// callback's iss must be the issuer (RFC 9207), and must be present when the
// metadata says authorization_response_iss_parameter_supported.
//
// With pushed authorization requests (RFC 9126: the server requires them,
// or Options.PushedAuthorization), the request is sent to the server
// first, and the URL carries only client_id and request_uri.
//
// max_age cannot be given with [oauthkit.WithParam]: set Options.MaxAge, so
// that the ID token's auth_time is checked against it.
func (p *Provider) AuthCodeURL(ctx context.Context, opts ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	for k := range oauthkit.CollectAuthOptions(opts).Params {
		if strings.EqualFold(k, "max_age") && !p.o.Unchanged.MaxAgeParam {
			return nil, fmt.Errorf("%s: authorize: set max_age with Config.MaxAge, which checks auth_time too", p.o.Name)
		}
	}
	if p.o.RedirectURL == "" {
		return nil, &oauthkit.ConfigError{Provider: p.o.Name, Field: "RedirectURL", Reason: "is required for logins"}
	}
	md, err := p.metadata(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.checkDPoP(md); err != nil { // before the user is sent off
		return nil, err
	}
	if md.Endpoints.AuthURL == "" {
		return nil, fmt.Errorf("%s: authorize: the server has no authorization_endpoint: %w", p.o.Name, errors.ErrUnsupported)
	}
	spec := authreq.Spec{
		Provider:      p.o.Name,
		AuthURL:       md.Endpoints.AuthURL,
		ResponseType:  "code",
		ClientID:      p.o.ClientID,
		RedirectURL:   p.o.RedirectURL,
		Scopes:        p.o.Scopes,
		Nonce:         p.o.OpenID,
		Now:           p.o.Now,
		Issuer:        md.Endpoints.Issuer,
		RequireIssuer: md.IssuerParameterSupported,
	}
	spec.PKCE = p.o.PKCE
	extra := opts
	if p.o.MaxAge > 0 {
		extra = append(extra[:len(extra):len(extra)], oauthkit.WithParam("max_age", strconv.FormatInt(int64(p.o.MaxAge.Seconds()), 10)))
	}
	if p.o.DPoP != nil {
		// RFC 9449 §10: binds the code to the key.
		extra = append(extra[:len(extra):len(extra)], oauthkit.WithParam("dpop_jkt", p.o.DPoP.Thumbprint()))
	}
	if len(p.o.ACRValues) > 0 {
		extra = append(extra[:len(extra):len(extra)], oauthkit.WithParam("acr_values", strings.Join(p.o.ACRValues, " ")))
	}
	par, err := p.usePAR(md)
	if err != nil {
		return nil, err
	}
	ar, err := authreq.New(spec, extra)
	if err != nil || !par {
		return ar, err
	}
	if err := p.push(ctx, md, ar); err != nil {
		return nil, err
	}
	return ar, nil
}

// Exchange trades a code for tokens (RFC 6749 §4.1.3) with ar's redirect
// URI and PKCE verifier and the client's authentication. It is sent once:
// a code is single-use. Use [oauthkit.Complete], which checks the callback
// and verifies the ID token too.
func (p *Provider) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	if err := authreq.CheckExchange(p.o.Name, code, ar, p.o.Now()); err != nil {
		return nil, err
	}
	return p.Redeem(ctx, code, ar)
}

// Redeem is Exchange without the checks of ar (authreq.CheckExchange),
// which spend it: for a vendor that checks ar itself, before checks of its
// own, as its Exchange always did.
func (p *Provider) Redeem(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
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
// a token cache (tokencache.Cache.RefreshingSource) keeps the old one when none comes back. The
// request is sent once: a rotating refresh token is spent by its first use.
// An ID token in the answer is verified (OpenID Connect Core §12.2:
// signature, iss, aud, exp, iat, sub; the caller compares its sub with the
// login's); one that fails is an error, the answer's tokens withheld.
func (p *Provider) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, fmt.Errorf("%s: refresh: empty refresh token: %w", p.o.Name, oauthkit.ErrNoRefreshToken)
	}
	tok, err := p.token(ctx, oauthkit.OpRefresh, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if err != nil {
		return nil, err
	}
	if err := p.checkRefreshed(ctx, tok); err != nil {
		return nil, p.refusedRefresh(ctx, refreshToken, tok, fmt.Errorf("%s: refresh: %w", p.o.Name, err))
	}
	return tok, nil
}

// ClientCredentials gets a server-to-server token (RFC 6749 §4.4) with
// Options.ClientCredentialsScopes. A public client (no secret, no key) has
// none: its error matches errors.ErrUnsupported. Most callers want
// a cached source of it.
func (p *Provider) ClientCredentials(ctx context.Context) (*oauth2.Token, error) {
	if p.o.ClientSecret.IsZero() && p.o.ClientKey == nil {
		return nil, fmt.Errorf("%s: client credentials: a public client cannot use the client-credentials grant: %w", p.o.Name, errors.ErrUnsupported)
	}
	params := url.Values{"grant_type": {"client_credentials"}}
	if len(p.o.ClientCredentialsScopes) > 0 {
		params.Set("scope", strings.Join(p.o.ClientCredentialsScopes, " "))
	}
	return p.token(ctx, oauthkit.OpClientCredentials, params)
}

// token sends one token request with the client's authentication. A
// device poll is sent once, never retried by the HTTP client: pollDevice
// decides when the next one goes (RFC 8628 §3.5).
func (p *Provider) token(ctx context.Context, op string, params url.Values) (*oauth2.Token, error) {
	tokenURL, a, err := p.tokenEndpoint(ctx)
	if err != nil {
		return nil, err
	}
	r := oauthwire.Request{
		Op: op, TokenURL: tokenURL, Params: params,
		ClientID: p.o.ClientID, Secret: p.o.ClientSecret, Auth: a.style, Assertion: a.assertion,
		Advise: p.o.Advise, NoRetry: op == OpDeviceToken,
	}
	if p.o.DPoP != nil {
		return p.dpopToken(ctx, r) // dpop.go
	}
	return p.wire.Token(ctx, r)
}

// tokenEndpoint returns the token endpoint and the client's authentication
// there: Options.TokenURL without metadata when the authentication needs
// none, else from the metadata, which must then take the DPoP key's
// algorithm (checkDPoP).
func (p *Provider) tokenEndpoint(ctx context.Context) (string, clientAuth, error) {
	if p.o.TokenURL != "" && p.o.AuthMethod != "" && p.o.AuthMethod != MethodPrivateKeyJWT {
		a, err := p.auth(&discovery.Metadata{})
		return p.o.TokenURL, a, err
	}
	md, err := p.metadata(ctx)
	if err != nil {
		return "", clientAuth{}, err
	}
	if err := p.checkDPoP(md); err != nil { // dpop.go
		return "", clientAuth{}, err
	}
	a, err := p.auth(md)
	if err != nil {
		return "", clientAuth{}, err
	}
	if p.o.TokenURL != "" {
		return p.o.TokenURL, a, nil
	}
	return md.Endpoints.TokenURL, a, nil
}
