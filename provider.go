package oauthkit

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// Provider is one vendor's OAuth 2.0 / OpenID Connect server, configured for
// one client. Every method is safe for concurrent use.
//
// A flow the vendor does not offer returns an error for which
// errors.Is(err, errors.ErrUnsupported) is true.
type Provider interface {
	// Name is the vendor's name: "webuntis", "unisignin", "justimmo" or
	// "licensespring".
	Name() string

	// Discover returns the vendor's endpoints, fetching them on first use
	// where the vendor publishes a discovery document.
	Discover(ctx context.Context) (*Endpoints, error)

	// AuthCodeURL starts an authorization-code login: it returns the URL to
	// send the browser to, with a fresh state, nonce (OpenID Connect vendors)
	// and PKCE verifier (where the vendor allows it). Keep the AuthRequest
	// until the callback and pass it to [Complete].
	AuthCodeURL(ctx context.Context, opts ...AuthOption) (*AuthRequest, error)

	// Exchange trades an authorization code for tokens, using ar's redirect
	// URL and PKCE verifier. Most callers want [Complete], which checks the
	// callback and verifies the ID token too.
	Exchange(ctx context.Context, code string, ar *AuthRequest) (*oauth2.Token, error)

	// ClientCredentials gets a server-to-server token (RFC 6749 §4.4).
	ClientCredentials(ctx context.Context) (*oauth2.Token, error)

	// Refresh trades a refresh token for new tokens (RFC 6749 §6).
	Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error)
}

// Endpoints are a vendor's server URLs, from its discovery document or its
// documentation. Empty fields are endpoints the vendor does not have.
type Endpoints struct {
	Issuer           string // OpenID Connect issuer; empty for OAuth2-only vendors
	AuthURL          string
	TokenURL         string
	JWKSURL          string
	UserInfoURL      string
	EndSessionURL    string
	IntrospectionURL string
}

// OAuth2 returns the authorization and token URLs as an [oauth2.Endpoint].
func (e *Endpoints) OAuth2() oauth2.Endpoint {
	return oauth2.Endpoint{AuthURL: e.AuthURL, TokenURL: e.TokenURL}
}

// AuthRequest is one login in progress: the URL the browser goes to and the
// values the callback is checked against. Keep it server-side, or in a sealed
// (encrypted and authenticated) cookie, until the callback; it serializes to
// JSON. Use it once: [Complete] refuses a second callback for the same
// AuthRequest value.
//
// An AuthRequest formats itself without its state, nonce and verifier.
type AuthRequest struct {
	Provider     string    `json:"provider"`
	URL          string    `json:"url"`
	State        string    `json:"state"`
	Nonce        string    `json:"nonce,omitempty"`         // OpenID Connect vendors only
	CodeVerifier string    `json:"code_verifier,omitempty"` // PKCE (RFC 7636)
	RedirectURL  string    `json:"redirect_url,omitempty"`
	IssuedAt     time.Time `json:"issued_at"`

	used atomic.Bool
}

// Format prints the request without its state, nonce and verifier.
func (ar *AuthRequest) Format(f fmt.State, verb rune) {
	if ar == nil {
		io.WriteString(f, "<nil>")
		return
	}
	fmt.Fprintf(f, "oauthkit.AuthRequest{Provider:%q RedirectURL:%q IssuedAt:%s State:%s Nonce:%s CodeVerifier:%s}",
		ar.Provider, ar.RedirectURL, ar.IssuedAt.Format(time.RFC3339), redacted, redacted, redacted)
}

// LogValue implements [slog.LogValuer] without the state, nonce and verifier.
func (ar *AuthRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", ar.Provider),
		slog.String("redirect_url", ar.RedirectURL),
		slog.Time("issued_at", ar.IssuedAt),
	)
}

// AuthOption changes one authorization request. Make one with [WithScopes],
// [WithParam], [WithPrompt] or [WithLoginHint].
type AuthOption interface {
	applyAuth(*AuthOptions)
}

// AuthOptions is the sum of the [AuthOption] values passed to
// [Provider.AuthCodeURL]. Provider implementations read it with
// [CollectAuthOptions]; application code does not need it.
type AuthOptions struct {
	Scopes    []string   // added to the provider's configured scopes
	Params    url.Values // extra query parameters
	Prompt    string     // OpenID Connect "prompt"
	LoginHint string     // OpenID Connect "login_hint"
}

// CollectAuthOptions applies opts, in order, to a zero AuthOptions.
func CollectAuthOptions(opts []AuthOption) AuthOptions {
	var o AuthOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyAuth(&o)
		}
	}
	return o
}

type authOptionFunc func(*AuthOptions)

func (f authOptionFunc) applyAuth(o *AuthOptions) { f(o) }

// WithScopes asks for scopes beyond the provider's configured ones.
func WithScopes(scopes ...string) AuthOption {
	scopes = append([]string(nil), scopes...)
	return authOptionFunc(func(o *AuthOptions) { o.Scopes = append(o.Scopes, scopes...) })
}

// WithParam adds a query parameter to the authorization URL. Parameters the
// provider sets itself for the login's safety (state, nonce, PKCE,
// redirect_uri, client_id, response_type, scope) cannot be set this way:
// [Provider.AuthCodeURL] refuses them.
func WithParam(key, value string) AuthOption {
	return authOptionFunc(func(o *AuthOptions) {
		if o.Params == nil {
			o.Params = url.Values{}
		}
		o.Params.Add(key, value)
	})
}

// WithPrompt sets the OpenID Connect prompt parameter ("login", "consent",
// "none", "select_account") where the vendor supports it.
func WithPrompt(prompt string) AuthOption {
	return authOptionFunc(func(o *AuthOptions) { o.Prompt = prompt })
}

// WithLoginHint sets the OpenID Connect login_hint parameter where the vendor
// supports it.
func WithLoginHint(hint string) AuthOption {
	return authOptionFunc(func(o *AuthOptions) { o.LoginHint = hint })
}
