package licensespring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// maxFragment bounds the fragment a web page posts back. Two JWTs and a few
// short fields fit many times over; anything longer is not a redirect.
const maxFragment = 64 << 10

// CompleteImplicit finishes an implicit-grant login (response type "token";
// docs/vendors/licensespring.md#grants: the redirect carries id_token,
// access_token, expires_in and token_type in the URL fragment). The fragment
// never reaches the server by itself: a page at the redirect URI reads
// location.hash and posts it back, and that string is fragment (with or
// without the leading "#", or the whole redirect URL).
//
// It is checked like a code callback, with [oauthkit.CheckCallback] and
// [oauthkit.FinishImplicitLogin]:
//
//  1. the state is compared with ar.State in constant time, and ar is
//     marked used (missing, different or reused → [oauthkit.ErrStateMismatch]);
//  2. an error redirect (error=…) becomes an [*oauthkit.Error];
//  3. the ID token is required and verified — signature, issuer, audience,
//     expiry, nonce — and must carry at_hash binding it to the access token
//     (OpenID Connect Core §3.2.2.10 requires it when the response holds an
//     access token); one without at_hash, or with one that does not match,
//     is refused with [oauthkit.ErrAccessTokenHash].
//
// The Login's Token holds the access token, its expiry from expires_in, and
// the raw ID token in Extra("id_token"); pass the Login to
// [Provider.ActivationFromLogin] to activate a license with it.
func (p *Provider) CompleteImplicit(ctx context.Context, ar *oauthkit.AuthRequest, fragment string) (*oauthkit.Login, error) {
	vals, err := parseFragment(fragment)
	if err != nil {
		return nil, &oauthkit.Error{Provider: name, Op: "implicit callback", Err: oauthkit.ErrMalformedResponse, Description: err.Error()}
	}
	if ar != nil && authreq.RequestsCode(ar.URL) {
		return nil, fmt.Errorf("%s: implicit callback: the AuthRequest asked for a code, not tokens (use oauthkit.Complete or CompleteActivation): %w", name, ErrWrongFlow)
	}
	code, err := oauthkit.CheckCallback(name, ar, vals)
	if err != nil {
		return nil, err
	}
	if code != "" { // parseFragment refuses a code; this keeps it so if that changes
		return nil, fmt.Errorf("%s: implicit callback: the fragment carries a code: %w", name, ErrWrongFlow)
	}
	tok, err := p.fragmentToken(vals)
	if err != nil {
		return nil, err
	}
	return oauthkit.FinishImplicitLogin(ctx, p, ar, tok)
}

// parseFragment reads an implicit-grant redirect fragment (RFC 6749
// §4.2.2: application/x-www-form-urlencoded parameters). A parameter given
// twice is refused, so that no two readers can see different values, and so
// is a code: the request asked for tokens only.
func parseFragment(fragment string) (url.Values, error) {
	if len(fragment) > maxFragment {
		return nil, fmt.Errorf("fragment is longer than %d bytes", maxFragment)
	}
	if _, after, ok := strings.Cut(fragment, "#"); ok {
		fragment = after
	}
	vals, err := url.ParseQuery(fragment)
	if err != nil {
		return nil, errors.New("fragment does not parse as form parameters")
	}
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, fmt.Errorf("parameter %q repeated", redact.Text(k))
		}
		// RFC 6749 §A: tokens, state and codes are printable ASCII; invalid
		// UTF-8 is never a value a server sent.
		if !utf8.ValidString(k) || !utf8.ValidString(vs[0]) {
			return nil, errors.New("fragment is not valid UTF-8")
		}
	}
	if vals.Has("code") {
		return nil, errors.New("fragment carries a code, but tokens were asked for")
	}
	return vals, nil
}

// fragmentToken turns the fragment's token parameters into a token, with the
// checks a token response gets (oauthwire.ParseToken): access_token
// present, expires_in a number in range. RFC 6749 §4.2.2 requires
// token_type; a type other than Bearer is refused.
func (p *Provider) fragmentToken(vals url.Values) (*oauth2.Token, error) {
	fail := func(why string) error {
		return &oauthkit.Error{Provider: name, Op: "implicit callback", Err: oauthkit.ErrMalformedResponse, Description: why}
	}
	if tt := vals.Get("token_type"); !strings.EqualFold(tt, "Bearer") {
		if tt == "" {
			return nil, fail("fragment has no token_type")
		}
		return nil, fail(fmt.Sprintf("token_type %q is not Bearer", redact.Text(tt)))
	}
	fields := make(map[string]string, len(vals))
	for k := range vals {
		if k != "state" && k != "code" {
			fields[k] = vals.Get(k)
		}
	}
	body, _ := json.Marshal(fields)
	// JSON of strings: ParseToken reads expires_in as a numeric string, and
	// Extra("id_token") stays a string.
	tok, err := oauthwire.ParseToken("application/json", body, p.cfg.Now())
	if err != nil {
		return nil, fail(strings.Replace(err.Error(), "token response", "fragment", 1))
	}
	return tok, nil
}
