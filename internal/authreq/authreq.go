// Package authreq builds the authorization request every vendor starts a
// login with: fresh state, nonce and PKCE verifier, and the authorize URL
// carrying them.
package authreq

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// Spec is one vendor's authorization request. Empty fields add nothing to
// the URL, so a URL that already carries parameters (LicenseSpring's) keeps
// them.
type Spec struct {
	Provider     string
	AuthURL      string // may already hold a query
	ResponseType string // "code"; empty: leave as in AuthURL
	ClientID     string
	RedirectURL  string
	Scopes       []string // the configured scopes; options add to them
	Nonce        bool     // OpenID Connect: send a nonce
	PKCE         *PKCE    // nil: no PKCE
	Now          func() time.Time

	// Issuer is the authorization server's issuer, which a callback's iss
	// must equal (RFC 9207); empty for OAuth2-only vendors.
	Issuer string
	// RequireIssuer: the discovery document says
	// authorization_response_iss_parameter_supported, so the callback must
	// carry iss.
	RequireIssuer bool
}

// reserved are the parameters the provider sets for the login's safety, or
// that would change what the callback brings back and how (response_type,
// response_mode), or that could carry any of them in a request object
// (request, request_uri; OpenID Connect Core §6). WithParam cannot set them,
// in any letter case; keep this list and WithParam's doc comment the same.
var reserved = []string{
	"state", "nonce", "code_challenge", "code_challenge_method", "redirect_uri",
	"client_id", "response_type", "response_mode", "scope", "prompt", "login_hint",
	"request", "request_uri",
}

// New returns a fresh AuthRequest for spec and the caller's options.
func New(spec Spec, opts []oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	o := oauthkit.CollectAuthOptions(opts)
	for k := range o.Params {
		if slices.Contains(reserved, strings.ToLower(k)) {
			return nil, fmt.Errorf("%s: authorize: parameter %q is set by the provider and cannot be overridden (use WithScopes, WithPrompt or WithLoginHint where there is one)", spec.Provider, k)
		}
	}
	u, err := url.Parse(spec.AuthURL)
	if err != nil {
		return nil, fmt.Errorf("%s: authorize: authorization URL does not parse", spec.Provider)
	}
	q := u.Query()
	for k, vs := range o.Params {
		q[k] = append(q[k], vs...)
	}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	maxAge := o.MaxAge
	if maxAge <= 0 {
		maxAge = oauthkit.DefaultLoginMaxAge
	}
	issued := now(spec.Now)
	ar := &oauthkit.AuthRequest{
		Provider:      spec.Provider,
		State:         State(),
		RedirectURL:   spec.RedirectURL,
		IssuedAt:      issued,
		ExpiresAt:     issued.Add(maxAge),
		Issuer:        spec.Issuer,
		RequireIssuer: spec.RequireIssuer,
		Now:           spec.Now,
	}
	set("response_type", spec.ResponseType)
	set("client_id", spec.ClientID)
	set("redirect_uri", spec.RedirectURL)
	set("scope", strings.Join(Scopes(spec.Scopes, o.Scopes), " "))
	set("state", ar.State)
	if spec.Nonce {
		ar.Nonce = Nonce()
		set("nonce", ar.Nonce)
	}
	if spec.PKCE != nil {
		var challenge string
		ar.CodeVerifier, challenge = spec.PKCE.Verifier()
		set("code_challenge", challenge)
		set("code_challenge_method", string(spec.PKCE.Method))
	}
	set("prompt", o.Prompt)
	set("login_hint", o.LoginHint)
	u.RawQuery = q.Encode()
	ar.URL = u.String()
	return ar, nil
}

// Scopes joins configured and extra scopes, in order, without repeats.
func Scopes(configured, extra []string) []string {
	out := make([]string, 0, len(configured)+len(extra))
	for _, s := range slices.Concat(configured, extra) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func now(f func() time.Time) time.Time {
	if f != nil {
		return f()
	}
	return time.Now()
}

// CheckExchange refuses an exchange that cannot be right — no code, no
// AuthRequest, one made by another provider, one expired at now
// (oauthkit.ErrLoginExpired) or one whose code was already exchanged
// (oauthkit.ErrAuthRequestUsed) — and otherwise marks ar exchanged. Call it
// with the vendor's clock (Config.Now), before the code is sent.
func CheckExchange(provider, code string, ar *oauthkit.AuthRequest, now time.Time) error {
	switch {
	case ar == nil:
		return fmt.Errorf("%s: exchange: nil AuthRequest", provider)
	case ar.Provider != provider:
		return fmt.Errorf("%s: exchange: AuthRequest was made by provider %q", provider, ar.Provider)
	case code == "":
		return fmt.Errorf("%s: exchange: %w", provider, oauthkit.ErrMissingCode)
	}
	if err := ar.UseForExchange(now); err != nil {
		return fmt.Errorf("%s: exchange: %w", provider, err)
	}
	return nil
}

// ResponseTypes returns the response_type values an authorization URL asks
// for ("code", "token", "id_token"), or nil when it names none or does not
// parse. Callers decide what an absent value means for them.
func ResponseTypes(authURL string) []string {
	u, err := url.Parse(authURL)
	if err != nil {
		return nil
	}
	return strings.Fields(u.Query().Get("response_type"))
}

// RequestsCode reports whether an authorization URL asks for a code.
func RequestsCode(authURL string) bool {
	return slices.Contains(ResponseTypes(authURL), "code")
}
