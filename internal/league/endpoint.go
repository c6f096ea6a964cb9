package league

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// Endpoint is one client of a league/oauth2-server token endpoint. It is
// safe for concurrent use.
type Endpoint struct {
	Provider string // names the vendor in errors
	TokenURL string
	ClientID string
	// Secret is the client secret. Zero: a public client (RFC 6749 §2.1),
	// which sends client_id alone and proves itself with PKCE.
	Secret oauthkit.Secret
	Client *oauthwire.Client

	// Advise returns the vendor's documented cause for an error (e.Op names
	// the operation), or ""; it is consulted before league's own advice.
	// Nil: league's only.
	Advise func(e *oauthkit.Error) string
}

// NewEndpoint returns the Endpoint at tokenURL for clientID and secret,
// sending through client (whose Provider names the vendor) and consulting
// advise first.
func NewEndpoint(client *oauthwire.Client, tokenURL, clientID string, secret oauthkit.Secret, advise func(*oauthkit.Error) string) *Endpoint {
	return &Endpoint{Provider: client.Provider, TokenURL: tokenURL, ClientID: clientID, Secret: secret, Client: client, Advise: advise}
}

// Exchange trades an authorization code for tokens (RFC 6749 §4.1.3):
// grant_type, code, redirect_uri (league requires it when the authorization
// request carried one) and, when the login used PKCE, code_verifier. The
// request is never resent once it may have reached the server: a code works
// once.
func (e *Endpoint) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	if err := authreq.CheckExchange(e.Provider, code, ar, e.now()); err != nil {
		return nil, err
	}
	params := url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {code},
		"redirect_uri": {ar.RedirectURL},
	}
	if ar.CodeVerifier != "" {
		params.Set("code_verifier", ar.CodeVerifier)
	}
	return e.token(ctx, oauthkit.OpExchange, params, true)
}

// Refresh trades a refresh token for new tokens (RFC 6749 §6). league
// rotates refresh tokens: the answer carries a new one and the one sent is
// revoked, so the returned token's RefreshToken replaces the old one, which
// must not be used again. If the answer carries none, the returned token
// keeps the one sent (RFC 6749 §6: the server MAY issue a new one; x/oauth2
// keeps the old one the same way).
func (e *Endpoint) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	if refreshToken == "" {
		return nil, fmt.Errorf("%s: %s: empty refresh token: %w", e.Provider, oauthkit.OpRefresh, oauthkit.ErrNoRefreshToken)
	}
	params := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	tok, err := e.token(ctx, oauthkit.OpRefresh, params, false)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = refreshToken
	}
	return tok, nil
}

// Password gets tokens for a user's own credentials (RFC 6749 §4.3):
// grant_type=password, username, password and, when scopes are given, scope.
func (e *Endpoint) Password(ctx context.Context, username string, password oauthkit.Secret, scopes []string) (*oauth2.Token, error) {
	switch {
	case username == "":
		return nil, fmt.Errorf("%s: %s: empty username", e.Provider, oauthkit.OpPassword)
	case password.IsZero():
		return nil, fmt.Errorf("%s: %s: empty password", e.Provider, oauthkit.OpPassword)
	}
	params := url.Values{
		"grant_type": {"password"},
		"username":   {username},
		"password":   {password.Reveal()},
	}
	setScope(params, scopes)
	return e.token(ctx, oauthkit.OpPassword, params, false)
}

// ClientCredentials gets a token for the client itself (RFC 6749 §4.4). It
// needs a client secret: league ≥ 8 refuses the grant to public clients.
func (e *Endpoint) ClientCredentials(ctx context.Context, scopes []string) (*oauth2.Token, error) {
	if e.Secret.IsZero() {
		return nil, fmt.Errorf("%s: %s: a client secret is required", e.Provider, oauthkit.OpClientCredentials)
	}
	params := url.Values{"grant_type": {"client_credentials"}}
	setScope(params, scopes)
	return e.token(ctx, oauthkit.OpClientCredentials, params, false)
}

// now is the vendor's clock (Config.Now, passed on in Client.Now).
func (e *Endpoint) now() time.Time {
	if e.Client != nil && e.Client.Now != nil {
		return e.Client.Now()
	}
	return time.Now()
}

func (e *Endpoint) token(ctx context.Context, op string, params url.Values, singleUse bool) (*oauth2.Token, error) {
	auth := oauthwire.AuthInBody
	if e.Secret.IsZero() {
		auth = oauthwire.AuthPublic
	}
	return e.Client.Token(ctx, oauthwire.Request{
		Op:        op,
		TokenURL:  e.TokenURL,
		Params:    params,
		ClientID:  e.ClientID,
		Secret:    e.Secret,
		Auth:      auth,
		SingleUse: singleUse,
		Advise: func(err *oauthkit.Error) string {
			if e.Advise != nil {
				if a := e.Advise(err); a != "" {
					return a
				}
			}
			return Advise(err)
		},
	})
}

func setScope(params url.Values, scopes []string) {
	if s := strings.Join(authreq.Scopes(scopes, nil), " "); s != "" {
		params.Set("scope", s)
	}
}

// Server is a league/oauth2-server vendor whose endpoints are documented,
// not discovered: the endpoints, the token endpoint's client and the HTTP
// client of the vendor's other calls (the user profile).
type Server struct {
	Endpoints oauthkit.Endpoints
	Token     *Endpoint
	HTTP      *httpc.Client
}

// NewServer returns the Server of provider at ep, whose token endpoint
// authenticates clientID with secret in the form body (zero: a public
// client) and consults advise first; o sets up the HTTP client
// ([oauthwire.New]).
func NewServer(provider string, o oauthwire.Options, ep oauthkit.Endpoints, clientID string, secret oauthkit.Secret, advise func(*oauthkit.Error) string) Server {
	wire := oauthwire.New(provider, o)
	return Server{Endpoints: ep, Token: NewEndpoint(wire, ep.TokenURL, clientID, secret, advise), HTTP: wire.HTTP}
}

// Discover returns a copy of the documented endpoints: the vendor
// publishes no discovery document, so nothing is fetched.
func (s *Server) Discover() *oauthkit.Endpoints {
	ep := s.Endpoints
	return &ep
}
