package oauthkit

import (
	"context"
	"encoding/json"
	"fmt"
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
	RevocationURL    string // RFC 7009 revocation_endpoint; "" when the provider has none

	// PushedAuthorizationURL is the RFC 9126 pushed_authorization_request_endpoint.
	PushedAuthorizationURL string
	// DeviceAuthorizationURL is the RFC 8628 device_authorization_endpoint.
	DeviceAuthorizationURL string
}

// OAuth2 returns the authorization and token URLs as an [oauth2.Endpoint].
func (e *Endpoints) OAuth2() oauth2.Endpoint {
	return oauth2.Endpoint{AuthURL: e.AuthURL, TokenURL: e.TokenURL}
}

// DefaultLoginMaxAge is how long a login may take, from [Provider.AuthCodeURL]
// to the callback and the exchange, unless [WithMaxAge] says otherwise.
const DefaultLoginMaxAge = 10 * time.Minute

// AuthRequest is one login in progress: the URL the browser goes to and the
// values the callback is checked against. Keep it server-side, or in a sealed
// (encrypted and authenticated) cookie, until the callback; it serializes to
// JSON.
//
// # Single use and expiry
//
// A login is used once and expires. [CheckCallback] (and so [Complete])
// accepts one callback for an AuthRequest value and refuses every later one
// with [ErrAuthRequestUsed]; every vendor's [Provider.Exchange] accepts one
// exchange and refuses a second. Both refuse a request past its expiry
// (ExpiresAt; [DefaultLoginMaxAge] after IssuedAt unless [WithMaxAge] was
// given) with [ErrLoginExpired]. Concurrent Completes of one value let
// exactly one through.
//
// Single use is a property of the value in memory. The used state is part of
// the JSON ("used": true), so a used request that is stored and read back
// stays refused, but a copy stored before its use knows nothing of it: a store
// must delete the request when it is first read at the callback (a
// server-side session entry deleted on read, or a state cookie cleared on
// every callback, whatever the outcome). The expiry bounds what a copy that
// escaped this — a stolen cookie, a replicated session — is worth.
//
// # Logging
//
// An AuthRequest formats and logs itself (fmt, [log/slog]) without its state,
// nonce and verifier. Its JSON is the storage form and holds them: log the
// AuthRequest, not a struct around it under a JSON handler.
type AuthRequest struct {
	Provider     string    `json:"provider"`
	URL          string    `json:"url"`
	State        string    `json:"state"`
	Nonce        string    `json:"nonce,omitempty"`         // OpenID Connect vendors only
	CodeVerifier string    `json:"code_verifier,omitempty"` // PKCE (RFC 7636)
	RedirectURL  string    `json:"redirect_url,omitempty"`
	IssuedAt     time.Time `json:"issued_at"`

	// ExpiresAt is when the login stops being accepted. Zero (a request
	// stored before the field existed): IssuedAt + DefaultLoginMaxAge. A
	// request with neither has expired.
	ExpiresAt time.Time `json:"expires_at,omitzero"`

	// Issuer is the authorization server's issuer identifier, which the
	// callback's iss parameter must equal (RFC 9207). Empty for OAuth2-only
	// vendors, whose callbacks must carry no iss at all.
	Issuer string `json:"issuer,omitempty"`
	// RequireIssuer: the server's metadata says it sends iss
	// (authorization_response_iss_parameter_supported), so a callback
	// without iss is refused (RFC 9207 §2.4).
	RequireIssuer bool `json:"require_issuer,omitempty"`

	// RequestURIExpiresAt is, for a pushed authorization request (RFC
	// 9126), when the request_uri URL carries stops being accepted (the
	// server's expires_in): send the browser there before. Zero without PAR.
	RequestURIExpiresAt time.Time `json:"request_uri_expires_at,omitzero"`

	// Now is the clock [CheckCallback] checks the expiry against: the clock
	// of the provider that made the request. It is not serialized; nil (as
	// after a JSON round trip): time.Now.
	Now func() time.Time `json:"-"`

	// stage is fresh, callbackAccepted or exchanged, read and written only
	// with sync/atomic. A plain integer rather than an atomic type or a
	// mutex, so that copying an AuthRequest is not a copylocks finding.
	stage uint32
}

// The stages of an AuthRequest's use: fresh → callback accepted → exchanged.
// CheckCallback moves fresh to callbackAccepted; an exchange moves fresh or
// callbackAccepted to exchanged.
const (
	stageFresh uint32 = iota
	stageCallbackAccepted
	stageExchanged
)

// Expiry is when the login stops being accepted: ExpiresAt, or IssuedAt +
// [DefaultLoginMaxAge] when ExpiresAt is zero.
func (ar *AuthRequest) Expiry() time.Time {
	if !ar.ExpiresAt.IsZero() {
		return ar.ExpiresAt
	}
	if ar.IssuedAt.IsZero() {
		return time.Time{}
	}
	return ar.IssuedAt.Add(DefaultLoginMaxAge)
}

// Used reports whether a callback was accepted or a code exchanged for the
// request.
func (ar *AuthRequest) Used() bool {
	return atomic.LoadUint32(&ar.stage) != stageFresh
}

// checkExpiry refuses a request whose expiry is not after now.
func (ar *AuthRequest) checkExpiry(now time.Time) error {
	if exp := ar.Expiry(); exp.IsZero() || !now.Before(exp) {
		return ErrLoginExpired
	}
	return nil
}

func (ar *AuthRequest) now() time.Time {
	if ar.Now != nil {
		return ar.Now()
	}
	return time.Now()
}

// acceptCallback moves a fresh request to callbackAccepted; only one caller
// of many can.
func (ar *AuthRequest) acceptCallback() error {
	if !atomic.CompareAndSwapUint32(&ar.stage, stageFresh, stageCallbackAccepted) {
		return ErrAuthRequestUsed
	}
	return nil
}

// UseForExchange is for [Provider] implementations: call it in Exchange
// before the code is sent. It refuses a request that has expired at now
// ([ErrLoginExpired]) or whose code was already exchanged
// ([ErrAuthRequestUsed]), and marks it exchanged. A request whose callback
// [CheckCallback] accepted is exchanged once, as is one given to Exchange
// directly.
func (ar *AuthRequest) UseForExchange(now time.Time) error {
	if err := ar.checkExpiry(now); err != nil {
		return err
	}
	for {
		s := atomic.LoadUint32(&ar.stage)
		if s == stageExchanged {
			return ErrAuthRequestUsed
		}
		if atomic.CompareAndSwapUint32(&ar.stage, s, stageExchanged) {
			return nil
		}
	}
}

// authRequestJSON is AuthRequest without its methods, for encoding/json.
type authRequestJSON AuthRequest

// MarshalJSON encodes the request with "used": true once it is used. This
// is the storage form: it holds the state, nonce and verifier.
func (ar AuthRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		authRequestJSON
		Used bool `json:"used,omitempty"`
	}{authRequestJSON(ar), ar.stage != stageFresh})
}

// UnmarshalJSON decodes the request; one stored as used is refused by every
// check, callback and exchange alike.
func (ar *AuthRequest) UnmarshalJSON(b []byte) error {
	var v struct {
		authRequestJSON
		Used bool `json:"used"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*ar = AuthRequest(v.authRequestJSON)
	ar.stage = stageFresh
	if v.Used {
		ar.stage = stageExchanged
	}
	return nil
}

// Format prints the request without its state, nonce and verifier.
func (ar AuthRequest) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "oauthkit.AuthRequest{Provider:%q RedirectURL:%q Issuer:%q IssuedAt:%s ExpiresAt:%s Used:%t State:%s Nonce:%s CodeVerifier:%s}",
		ar.Provider, ar.RedirectURL, ar.Issuer, ar.IssuedAt.Format(time.RFC3339), ar.Expiry().Format(time.RFC3339), ar.stage != stageFresh, redacted, redacted, redacted)
}

// LogValue implements [slog.LogValuer] without the state, nonce and verifier.
func (ar AuthRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", ar.Provider),
		slog.String("redirect_url", ar.RedirectURL),
		slog.String("issuer", ar.Issuer),
		slog.Time("issued_at", ar.IssuedAt),
		slog.Time("expires_at", ar.Expiry()),
		slog.Bool("used", ar.stage != stageFresh),
	)
}

// AuthOption changes one authorization request. Make one with [WithScopes],
// [WithParam], [WithPrompt], [WithLoginHint] or [WithMaxAge].
type AuthOption interface {
	applyAuth(*AuthOptions)
}

// AuthOptions is the sum of the [AuthOption] values passed to
// [Provider.AuthCodeURL]. Provider implementations read it with
// [CollectAuthOptions]; application code does not need it.
type AuthOptions struct {
	Scopes    []string      // added to the provider's configured scopes
	Params    url.Values    // extra query parameters
	Prompt    string        // OpenID Connect "prompt"
	LoginHint string        // OpenID Connect "login_hint"
	MaxAge    time.Duration // how long the login may take; zero: DefaultLoginMaxAge
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
// provider sets itself, or that would change what the callback brings back,
// cannot be set this way, in any letter case: [Provider.AuthCodeURL] refuses
// state, nonce, code_challenge, code_challenge_method, redirect_uri,
// client_id, response_type, response_mode, scope, prompt, login_hint,
// request and request_uri (a request object could carry any of the others;
// OpenID Connect Core §6). Use [WithScopes], [WithPrompt] and
// [WithLoginHint] for the three that have options.
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

// WithMaxAge sets how long the login may take, from AuthCodeURL to the
// callback and the exchange ([AuthRequest.ExpiresAt]). Zero or negative:
// [DefaultLoginMaxAge]. Keep it short: it bounds what a stolen copy of a
// stored AuthRequest is worth.
func WithMaxAge(d time.Duration) AuthOption {
	return authOptionFunc(func(o *AuthOptions) { o.MaxAge = d })
}

// WithLoginHint sets the OpenID Connect login_hint parameter where the vendor
// supports it.
func WithLoginHint(hint string) AuthOption {
	return authOptionFunc(func(o *AuthOptions) { o.LoginHint = hint })
}
