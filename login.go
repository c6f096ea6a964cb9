package oauthkit

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// Login is a completed login: who logged in, and the tokens to act for them.
//
// A Login formats itself without its tokens.
type Login struct {
	Provider string
	Token    *oauth2.Token
	IDToken  *oidc.IDToken // verified; nil for OAuth2-only vendors
	UserInfo UserInfo      // Subject always set
}

// Format prints the provider and user, never the tokens.
func (l *Login) Format(f fmt.State, verb rune) {
	if l == nil {
		io.WriteString(f, "<nil>")
		return
	}
	fmt.Fprintf(f, "oauthkit.Login{Provider:%q Subject:%q Email:%q Name:%q Token:%s}",
		l.Provider, l.UserInfo.Subject, l.UserInfo.Email, l.UserInfo.Name, redacted)
}

// UserInfo is who logged in, normalized across vendors.
type UserInfo struct {
	Subject, Email, Name string
	Raw                  map[string]any // the claims or profile as the vendor sent them
}

// IDTokenVerifier is implemented by OpenID Connect providers. VerifyIDToken
// checks the signature against the issuer's published keys, then iss, aud,
// exp and nonce, and returns the token only if all pass; the errors wrap
// [ErrInvalidIDToken] and name the failed check ([ErrIDTokenSignature],
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
//  1. the callback's state is compared with ar.State in constant time, and ar
//     is marked used (missing, different or reused → [ErrStateMismatch]);
//  2. an error redirect (error=…) becomes an [*Error] with the vendor's
//     description, message and hint;
//  3. the code is exchanged with [Provider.Exchange];
//  4. for a provider that implements [IDTokenVerifier], the ID token is
//     required and verified — signature, issuer, audience, expiry, nonce —
//     and, when it carries at_hash, bound to the access token;
//  5. for a provider that implements [UserInfoFetcher], the profile is
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
// state with ar.State in constant time and marks ar used, turns an error
// redirect into an [*Error], and returns the callback's code ("" when it
// carries none). It exchanges nothing.
//
// Use it directly only where the code goes somewhere other than the
// provider's token endpoint (LicenseSpring's license activation takes the
// code itself), or where the tokens arrive in the redirect (the implicit
// grant), and finish with [FinishLogin].
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
// implements [IDTokenVerifier] (signature, issuer, audience, expiry, nonce,
// and at_hash when present), fetches the profile for one that implements
// [UserInfoFetcher] (its subject must match the ID token's), and returns the
// Login. Call it only after [CheckCallback] accepted the callback.
func FinishLogin(ctx context.Context, p Provider, ar *AuthRequest, tok *oauth2.Token) (*Login, error) {
	name := p.Name()
	if ar == nil {
		return nil, fmt.Errorf("%s: login: nil AuthRequest: %w", name, ErrStateMismatch)
	}
	if tok == nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("%s: login has no access token: %w", name, ErrMalformedResponse)
	}
	login := &Login{Provider: name, Token: tok}

	if v, ok := p.(IDTokenVerifier); ok {
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
		if idt.AccessTokenHash != "" {
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				return nil, fmt.Errorf("%s: verify id token: at_hash does not match the access token: %w", name, ErrInvalidIDToken)
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

// checkState compares the callback's state with ar.State in constant time and
// marks ar used. An error redirect without any state passes (see Complete).
func checkState(name string, ar *AuthRequest, callback url.Values) error {
	got, err := single(callback, "state")
	if err != nil {
		return fmt.Errorf("%s: callback: %v: %w", name, err, ErrStateMismatch)
	}
	errorWithoutState := got == "" && callback.Has("error")
	if !errorWithoutState && (ar.State == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ar.State)) != 1) {
		return fmt.Errorf("%s: callback: %w", name, ErrStateMismatch)
	}
	if !ar.used.CompareAndSwap(false, true) {
		return fmt.Errorf("%s: callback: AuthRequest already used: %w", name, ErrStateMismatch)
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
