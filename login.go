package oauthkit

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// Login is a completed login: who logged in, and the tokens to act for them.
//
// A Login formats, logs and marshals itself without its tokens: fmt, [log/slog]
// and encoding/json show the provider, the user and the token's expiry. Store
// Token itself where the tokens must be kept.
type Login struct {
	Provider string
	Token    *oauth2.Token
	IDToken  *oidc.IDToken // verified; nil for OAuth2-only vendors
	UserInfo UserInfo      // Subject always set
}

// Format prints the provider and user, never the tokens.
func (l Login) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "oauthkit.Login{Provider:%q Subject:%q Email:%q Name:%q Expiry:%s Token:%s}",
		l.Provider, l.UserInfo.Subject, l.UserInfo.Email, l.UserInfo.Name, l.expiry().Format(time.RFC3339), redacted)
}

// LogValue implements [slog.LogValuer]: provider, subject, email, name and
// the access token's expiry; never a token.
func (l Login) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", l.Provider),
		slog.String("subject", l.UserInfo.Subject),
		slog.String("email", l.UserInfo.Email),
		slog.String("name", l.UserInfo.Name),
		slog.Time("expiry", l.expiry()),
	)
}

// MarshalJSON encodes what LogValue shows, so that a Login inside a struct
// logged by a JSON handler shows no token either.
func (l Login) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Provider string    `json:"provider"`
		Subject  string    `json:"subject"`
		Email    string    `json:"email,omitempty"`
		Name     string    `json:"name,omitempty"`
		Expiry   time.Time `json:"expiry,omitzero"`
		Token    string    `json:"token"`
	}{l.Provider, l.UserInfo.Subject, l.UserInfo.Email, l.UserInfo.Name, l.expiry(), redacted})
}

func (l Login) expiry() time.Time {
	if l.Token == nil {
		return time.Time{}
	}
	return l.Token.Expiry
}

// UserInfo is who logged in, normalized across vendors.
//
// Raw holds claims, not secrets, but an ID token's claims include its spent
// nonce and token hashes: UserInfo formats and logs itself with the names of
// the raw claims only. Print Raw itself to see the values.
type UserInfo struct {
	Subject, Email, Name string
	Raw                  map[string]any // the claims or profile as the vendor sent them
}

// Format prints the subject, email, name and the names of the raw claims.
func (u UserInfo) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "oauthkit.UserInfo{Subject:%q Email:%q Name:%q Raw:%v}", u.Subject, u.Email, u.Name, u.claimNames())
}

// LogValue implements [slog.LogValuer]: subject, email, name and the names
// of the raw claims.
func (u UserInfo) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("subject", u.Subject),
		slog.String("email", u.Email),
		slog.String("name", u.Name),
		slog.Any("claims", u.claimNames()),
	)
}

func (u UserInfo) claimNames() []string {
	return slices.Sorted(maps.Keys(u.Raw))
}

// IDTokenVerifier is implemented by OpenID Connect providers. VerifyIDToken
// checks the signature against the issuer's published keys, then iss, aud,
// exp, nbf, iat (the vendors here refuse one more than five minutes ahead of
// their clock) and nonce, and returns the token only if all pass; the errors
// wrap [ErrInvalidIDToken] and name the failed check ([ErrIDTokenSignature],
// [ErrIDTokenIssuer], [ErrIDTokenAudience], [ErrIDTokenExpired],
// [ErrNonceMismatch]).
type IDTokenVerifier interface {
	VerifyIDToken(ctx context.Context, rawIDToken, nonce string) (*oidc.IDToken, error)
}

// UserInfoFetcher is implemented by providers with a user-profile endpoint.
type UserInfoFetcher interface {
	FetchUserInfo(ctx context.Context, tok *oauth2.Token) (*UserInfo, error)
}

// Complete finishes a login at the redirect URL. It is the safe path:
//
//  1. the callback's state is compared with ar.State in constant time
//     (missing or different → [ErrStateMismatch]), ar's expiry is checked
//     ([ErrLoginExpired]) and ar is marked used (a second callback →
//     [ErrAuthRequestUsed], which wraps ErrStateMismatch);
//  2. the callback's iss is checked against ar.Issuer (RFC 9207; →
//     [ErrIssuerMismatch]);
//  3. an error redirect (error=…) becomes an [*Error] with the vendor's
//     description, message and hint;
//  4. the code is exchanged with [Provider.Exchange], which refuses an
//     expired or already exchanged ar too;
//  5. for a provider that implements [IDTokenVerifier], the ID token is
//     required and verified — signature, issuer, audience, expiry, iat,
//     nonce — and, when it carries at_hash, bound to the access token;
//  6. for a provider that implements [UserInfoFetcher], the profile is
//     fetched, and its subject must match the ID token's.
//
// An error redirect without a state (Justimmo documents one) is reported as
// the vendor's error: nothing is exchanged, so nothing is trusted.
func Complete(ctx context.Context, p Provider, ar *AuthRequest, callback url.Values) (*Login, error) {
	name := p.Name()
	code, err := CheckCallback(name, ar, callback)
	if err != nil {
		return nil, err
	}
	if code == "" {
		return nil, fmt.Errorf("%s: callback: %w", name, ErrMissingCode)
	}
	tok, err := p.Exchange(ctx, code, ar)
	if err != nil {
		return nil, err
	}
	return FinishLogin(ctx, p, ar, tok)
}

// CheckCallback is the first half of [Complete]: it compares the callback's
// state with ar.State in constant time, refuses an expired ar, marks ar used
// (it accepts one callback per AuthRequest value), checks the callback's iss
// against ar.Issuer, turns an error redirect into an [*Error], and returns
// the callback's code ("" when it carries none). It exchanges nothing.
//
// The expiry is checked against ar.Now (the clock of the provider that made
// ar), or time.Now.
//
// RFC 9207: a callback's iss must equal ar.Issuer; it is required when
// ar.RequireIssuer is set; and a callback for a provider without an issuer
// (ar.Issuer empty, the OAuth2-only vendors) must carry none — such a server
// never sends one, so an iss there came from somewhere else (RFC 9207 §2.4:
// clients SHOULD discard it).
//
// Use it directly only where the code goes somewhere other than the
// provider's token endpoint (LicenseSpring's license activation takes the
// code itself), or where the tokens arrive in the redirect (the implicit
// grant, finished with [FinishImplicitLogin]), and finish with
// [FinishLogin].
func CheckCallback(provider string, ar *AuthRequest, callback url.Values) (code string, err error) {
	if ar == nil {
		return "", fmt.Errorf("%s: callback: nil AuthRequest: %w", provider, ErrStateMismatch)
	}
	if ar.Provider != provider {
		return "", fmt.Errorf("%s: callback: AuthRequest was made by provider %q: %w", provider, ar.Provider, ErrStateMismatch)
	}
	if err := checkState(provider, ar, callback); err != nil {
		return "", err
	}
	if err := checkIssuer(ar, callback); err != nil {
		return "", fmt.Errorf("%s: callback: %w", provider, err)
	}
	if callback.Has("error") {
		return "", callbackError(provider, callback)
	}
	code, err = single(callback, "code")
	if err != nil {
		return "", fmt.Errorf("%s: callback: %v: %w", provider, err, ErrMissingCode)
	}
	return code, nil
}

// FinishLogin is the second half of [Complete]: given the tokens of ar's
// login, it requires and verifies the ID token for a provider that
// implements [IDTokenVerifier] (signature, issuer, audience, expiry, iat,
// nonce, and at_hash when present), fetches the profile for one that
// implements [UserInfoFetcher] (its subject must match the ID token's), and
// returns the Login. It refuses an ar whose callback [CheckCallback] has not
// accepted ([ErrStateMismatch]).
func FinishLogin(ctx context.Context, p Provider, ar *AuthRequest, tok *oauth2.Token) (*Login, error) {
	return finishLogin(ctx, p, ar, tok, false)
}

// FinishImplicitLogin is [FinishLogin] for tokens that arrived in the
// redirect (OpenID Connect Core §3.2, response type "id_token token"): the
// ID token must carry at_hash, and it must match the access token (§3.2.2.10
// makes at_hash required there: it is what binds an access token in a URL
// fragment to the login). A missing or different at_hash is
// [ErrAccessTokenHash]. Call it after [CheckCallback] accepted the
// callback, with the access token, its type and expiry, and the raw ID token
// in Extra("id_token").
func FinishImplicitLogin(ctx context.Context, p Provider, ar *AuthRequest, tok *oauth2.Token) (*Login, error) {
	return finishLogin(ctx, p, ar, tok, true)
}

func finishLogin(ctx context.Context, p Provider, ar *AuthRequest, tok *oauth2.Token, requireAtHash bool) (*Login, error) {
	name := p.Name()
	if ar == nil {
		return nil, fmt.Errorf("%s: login: nil AuthRequest: %w", name, ErrStateMismatch)
	}
	if !ar.Used() {
		return nil, fmt.Errorf("%s: login: the AuthRequest's callback was not checked (call CheckCallback first): %w", name, ErrStateMismatch)
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("%s: login has no access token: %w", name, ErrMalformedResponse)
	}
	login := &Login{Provider: name, Token: tok}

	v, oidcProvider := p.(IDTokenVerifier)
	if requireAtHash && !oidcProvider {
		return nil, fmt.Errorf("%s: implicit login: the provider verifies no ID token: %w", name, ErrMissingIDToken)
	}
	if oidcProvider {
		raw, _ := tok.Extra("id_token").(string)
		if raw == "" {
			return nil, fmt.Errorf("%s: exchange: %w", name, ErrMissingIDToken)
		}
		idt, err := v.VerifyIDToken(ctx, raw, ar.Nonce)
		if err != nil {
			return nil, err
		}
		// The provider checked the nonce; checking again here keeps the
		// login safe with any Provider implementation.
		if ar.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(ar.Nonce)) != 1 {
			return nil, fmt.Errorf("%s: verify id token: %w", name, ErrNonceMismatch)
		}
		if requireAtHash && idt.AccessTokenHash == "" {
			return nil, fmt.Errorf("%s: verify id token: no at_hash, which OpenID Connect Core §3.2.2.10 requires with an access token in the redirect: %w", name, ErrAccessTokenHash)
		}
		if idt.AccessTokenHash != "" {
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				return nil, fmt.Errorf("%s: verify id token: at_hash does not match the access token: %w", name, ErrAccessTokenHash)
			}
		}
		login.IDToken = idt
		if login.UserInfo, err = userInfoFromIDToken(idt); err != nil {
			return nil, fmt.Errorf("%s: verify id token: %w", name, err)
		}
	}

	if f, ok := p.(UserInfoFetcher); ok {
		ui, err := f.FetchUserInfo(ctx, tok)
		if err != nil {
			return nil, err
		}
		if login.IDToken != nil && ui.Subject != login.IDToken.Subject {
			return nil, fmt.Errorf("%s: user info: %w", name, ErrSubjectMismatch)
		}
		login.UserInfo = mergeUserInfo(login.UserInfo, *ui)
	}
	if login.UserInfo.Subject == "" {
		return nil, fmt.Errorf("%s: login has no subject: %w", name, ErrMalformedResponse)
	}
	return login, nil
}

// checkState compares the callback's state with ar.State in constant time,
// refuses an expired ar, and marks ar used. An error redirect without any
// state passes (see Complete).
func checkState(name string, ar *AuthRequest, callback url.Values) error {
	got, err := single(callback, "state")
	if err != nil {
		return fmt.Errorf("%s: callback: %v: %w", name, err, ErrStateMismatch)
	}
	errorWithoutState := got == "" && callback.Has("error")
	if !errorWithoutState && (ar.State == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ar.State)) != 1) {
		return fmt.Errorf("%s: callback: %w", name, ErrStateMismatch)
	}
	if err := ar.checkExpiry(ar.now()); err != nil {
		return fmt.Errorf("%s: callback: %w", name, err)
	}
	if err := ar.acceptCallback(); err != nil {
		return fmt.Errorf("%s: callback: %w", name, err)
	}
	return nil
}

// checkIssuer applies RFC 9207 §2.4 to the callback's iss: equal to
// ar.Issuer when present, required when ar.RequireIssuer, and absent when
// the provider has no issuer.
func checkIssuer(ar *AuthRequest, callback url.Values) error {
	iss, err := single(callback, "iss")
	if err != nil {
		return fmt.Errorf("%v: %w", err, ErrIssuerMismatch)
	}
	switch {
	case !callback.Has("iss"):
		if ar.RequireIssuer {
			return fmt.Errorf("no iss, which the provider's metadata promises: %w", ErrIssuerMismatch)
		}
		return nil
	case ar.Issuer == "":
		return fmt.Errorf("iss %q from a provider that has no issuer: %w", redact.Text(iss), ErrIssuerMismatch)
	case iss != ar.Issuer:
		return fmt.Errorf("iss %q, expected %q: %w", redact.Text(iss), ar.Issuer, ErrIssuerMismatch)
	}
	return nil
}

// single returns the one value of key; a repeated parameter is refused so
// that no two parts of a stack can read different values.
func single(q url.Values, key string) (string, error) {
	switch vs := q[key]; len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	default:
		return "", fmt.Errorf("parameter %q repeated", key)
	}
}

// callbackError turns an error redirect (RFC 6749 §4.1.2.1, plus the
// league/oauth2-server message and hint) into an *Error.
func callbackError(name string, q url.Values) error {
	return &Error{
		Provider:    name,
		Op:          OpAuthorize,
		Code:        redact.Text(q.Get("error")),
		Description: redact.Text(q.Get("error_description")),
		Message:     redact.Text(q.Get("message")),
		Hint:        redact.Text(q.Get("hint")),
		URI:         redact.Text(q.Get("error_uri")),
	}
}

// userInfoFromIDToken reads the standard claims of a verified ID token.
func userInfoFromIDToken(idt *oidc.IDToken) (UserInfo, error) {
	var raw map[string]any
	if err := idt.Claims(&raw); err != nil {
		return UserInfo{}, err
	}
	ui := UserInfo{Subject: idt.Subject, Raw: raw}
	ui.Email, _ = raw["email"].(string)
	ui.Name = nameFromClaims(raw)
	return ui, nil
}

// nameFromClaims picks the display name from OpenID Connect standard claims.
func nameFromClaims(c map[string]any) string {
	if n, _ := c["name"].(string); n != "" {
		return n
	}
	given, _ := c["given_name"].(string)
	family, _ := c["family_name"].(string)
	switch {
	case given != "" && family != "":
		return given + " " + family
	case given != "" || family != "":
		return given + family
	}
	n, _ := c["preferred_username"].(string)
	return n
}

// mergeUserInfo fills what the ID token left empty from the profile.
func mergeUserInfo(base, profile UserInfo) UserInfo {
	if base.Subject == "" {
		base.Subject = profile.Subject
	}
	if base.Email == "" {
		base.Email = profile.Email
	}
	if base.Name == "" {
		base.Name = profile.Name
	}
	if base.Raw == nil {
		base.Raw = profile.Raw
	} else if profile.Raw != nil {
		merged := make(map[string]any, len(base.Raw)+len(profile.Raw))
		for k, v := range profile.Raw {
			merged[k] = v
		}
		for k, v := range base.Raw {
			merged[k] = v
		}
		base.Raw = merged
	}
	return base
}
