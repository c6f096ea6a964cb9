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
	"github.com/seed-e8f4a5f7/oauthkit/internal/authgen"
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
	Scopes       []string      // the configured scopes; options add to them
	Nonce        bool          // OpenID Connect: send a nonce
	PKCE         *authgen.PKCE // nil: no PKCE
	Now          func() time.Time
}

// reserved are the parameters the provider sets for the login's safety;
// WithParam cannot set them.
var reserved = []string{
	"state", "nonce", "code_challenge", "code_challenge_method", "redirect_uri",
	"client_id", "response_type", "scope", "prompt", "login_hint",
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
	ar := &oauthkit.AuthRequest{
		Provider:    spec.Provider,
		State:       authgen.State(),
		RedirectURL: spec.RedirectURL,
		IssuedAt:    now(spec.Now),
	}
	set("response_type", spec.ResponseType)
	set("client_id", spec.ClientID)
	set("redirect_uri", spec.RedirectURL)
	set("scope", strings.Join(Scopes(spec.Scopes, o.Scopes), " "))
	set("state", ar.State)
	if spec.Nonce {
		ar.Nonce = authgen.Nonce()
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

// CheckExchange refuses an exchange that cannot be right: no code, no
// AuthRequest, or one made by another provider.
func CheckExchange(provider, code string, ar *oauthkit.AuthRequest) error {
	switch {
	case ar == nil:
		return fmt.Errorf("%s: exchange: nil AuthRequest", provider)
	case ar.Provider != provider:
		return fmt.Errorf("%s: exchange: AuthRequest was made by provider %q", provider, ar.Provider)
	case code == "":
		return fmt.Errorf("%s: exchange: %w", provider, oauthkit.ErrMissingCode)
	}
	return nil
}
