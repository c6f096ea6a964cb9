package discovery

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// MaxLogoutTokenAge is how old (by its iat) a logout token may be. The
// provider sends one at the moment a session ends (OpenID Connect
// Back-Channel Logout 1.0 §2.5), so an older one is a replay of a token
// seen before, or a delivery so late that it no longer describes the
// present. §2.6 checks iat as for an ID token, and OpenID Connect Core
// §3.1.3.7 step 10 lets the client refuse a token issued too far from the
// current time. Ten minutes bounds, too, how long the receiver must remember
// the token's jti to refuse a second use: a token is accepted only until
// iat + MaxLogoutTokenAge (and before its exp).
const MaxLogoutTokenAge = 10 * time.Minute

// LogoutVerifier checks back-channel logout tokens of one issuer for one
// client (OpenID Connect Back-Channel Logout 1.0 §2.6,
// https://openid.net/specs/openid-connect-backchannel-1_0.html).
type LogoutVerifier struct {
	v *Verifier
}

// LogoutVerifier returns a logout-token verifier for clientID against the
// discovered issuer and keys. It does not depend on
// BackchannelLogoutSupported: a token the issuer's keys sign is the
// issuer's word whatever its metadata says.
func (m *Metadata) LogoutVerifier(provider, clientID string, now func() time.Time) *LogoutVerifier {
	return &LogoutVerifier{v: m.Verifier(provider, clientID, now)}
}

// Verify checks raw as §2.6 asks, and returns its claims:
//
//  1. go-oidc checks the signature with the issuer's keys (and the
//     algorithm against id_token_signing_alg_values_supported), iss, aud
//     and exp, as for an ID token, and the presence of events, jti, exp and
//     sub or sid and the absence of nonce;
//  2. the JOSE header's typ, when present, is logout+jwt (or
//     application/logout+jwt), or JWT, so that an access token (at+jwt)
//     or another explicitly typed JWT does not pass as a logout token
//     (§2.4, §4.1). JWT is taken because explicit typing is only
//     RECOMMENDED, and Keycloak 24 and older send it; an ID token, typed
//     JWT too, is still refused by steps 3 and 4 (no events, a nonce);
//  3. events is a JSON object whose member
//     [oauthkit.BackchannelLogoutEvent] is a JSON object (§2.4);
//  4. there is no nonce claim, whatever its value (§2.4: it tells an ID
//     token from a logout token);
//  5. sub, sid or both are present, and jti and exp are (§2.4);
//  6. iat is present, at most [MaxClockSkew] ahead of the clock and at most
//     [MaxLogoutTokenAge] behind it;
//  7. with several audiences, or an azp at all, azp is this client, as for
//     ID tokens (OpenID Connect Core §3.1.3.7).
//
// Every refusal wraps [oauthkit.ErrInvalidLogoutToken] with a reason that
// names the check; none quotes the token. A key set that could not be
// fetched, or a context that ended, is not a refusal of the token: that
// error does not wrap ErrInvalidLogoutToken, and the sender may try again.
//
// Single use of the jti is the caller's to check, across every replica.
func (lv *LogoutVerifier) Verify(ctx context.Context, raw string) (*oauthkit.LogoutToken, error) {
	failure := &fetchFailure{}
	if err := ctx.Err(); err != nil { // as in Verifier.verify
		return nil, lv.classify(ctx, raw, err, failure)
	}
	ctx = context.WithValue(ctx, fetchFailureKey{}, failure)
	lt, err := lv.v.verifier(false).VerifyLogout(ctx, raw)
	if err != nil {
		return nil, lv.classify(ctx, raw, err, failure)
	}
	var claims map[string]json.RawMessage
	if err := lt.Claims(&claims); err != nil {
		return nil, lv.fail("claims are not a JSON object")
	}
	if reason := lv.check(raw, claims); reason != "" {
		return nil, lv.fail(reason)
	}
	return &oauthkit.LogoutToken{
		Issuer:    lt.Issuer,
		Audience:  slices.Clone(lt.Audience),
		Subject:   lt.Subject,
		SessionID: lt.SessionID,
		ID:        lt.TokenID,
		IssuedAt:  lt.IssuedAt,
		Expiry:    lt.Expiry,
	}, nil
}

// classify names the check go-oidc refused. The decision is go-oidc's; this
// reads the claims of a token whose signature verifies to say which claim
// failed.
func (lv *LogoutVerifier) classify(ctx context.Context, raw string, err error, failure *fetchFailure) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: verify logout token: %w", lv.v.Provider, ctx.Err())
	}
	if failure.err != nil {
		return fmt.Errorf("%s: verify logout token: %w", lv.v.Provider, failure.err)
	}
	if e, ok := errors.AsType[*oidc.TokenExpiredError](err); ok {
		return lv.fail(fmt.Sprintf("exp passed %s ago", lv.v.now().Sub(e.Expiry).Round(time.Second)))
	}
	payload, serr := lv.v.keys.VerifySignature(ctx, raw)
	switch {
	case failure.err != nil:
		return fmt.Errorf("%s: verify logout token: %w", lv.v.Provider, failure.err)
	case serr != nil:
		return lv.fail("signature does not verify with the issuer's keys: " + serr.Error())
	}
	var claims map[string]json.RawMessage
	if json.Unmarshal(payload, &claims) != nil {
		return lv.fail("claims are not a JSON object")
	}
	if iss := stringClaim(claims, "iss"); iss != lv.v.Issuer {
		return lv.fail(fmt.Sprintf("iss %q, expected %q", bound(iss), lv.v.Issuer))
	}
	if !slices.Contains(audience(claims["aud"]), lv.v.ClientID) {
		return lv.fail(fmt.Sprintf("aud does not hold client %q", lv.v.ClientID))
	}
	if reason := lv.check(raw, claims); reason != "" {
		return lv.fail(reason)
	}
	return lv.fail(err.Error()) // a check go-oidc added, or the signing algorithm
}

// check runs the checks go-oidc does not make, and repeats those whose
// failure it does not name, in the order of [LogoutVerifier.Verify]'s doc.
// It returns the reason for a refusal, or "".
func (lv *LogoutVerifier) check(raw string, claims map[string]json.RawMessage) string {
	if typ, ok := headerTyp(raw); ok && !isLogoutType(typ) {
		return fmt.Sprintf("typ header %q is neither logout+jwt nor JWT: not a logout token", bound(typ))
	}
	var events map[string]json.RawMessage
	switch ev, ok := claims["events"]; {
	case !ok:
		return "no events claim"
	case json.Unmarshal(ev, &events) != nil || events == nil:
		return "events claim is not a JSON object"
	}
	var event map[string]json.RawMessage
	switch ev, ok := events[oauthkit.BackchannelLogoutEvent]; {
	case !ok:
		return "events claim has no " + oauthkit.BackchannelLogoutEvent + " member"
	case json.Unmarshal(ev, &event) != nil || event == nil:
		return "the " + oauthkit.BackchannelLogoutEvent + " event is not a JSON object"
	}
	if _, ok := claims["nonce"]; ok {
		return "a nonce claim is present: an ID token is not a logout token"
	}
	for _, k := range []string{"sub", "sid", "jti"} {
		if v, ok := claims[k]; ok && !isString(v) {
			return k + " is not a string"
		}
	}
	if stringClaim(claims, "sub") == "" && stringClaim(claims, "sid") == "" {
		return "neither sub nor sid"
	}
	if stringClaim(claims, "jti") == "" {
		return "no jti"
	}
	if _, ok := numericDate(claims["exp"]); !ok {
		return "no exp"
	}
	iat, ok := numericDate(claims["iat"])
	now := lv.v.now()
	switch {
	case !ok:
		return "no iat"
	case iat.After(now.Add(MaxClockSkew)):
		return fmt.Sprintf("iat is %s ahead of the clock (at most %s)", iat.Sub(now).Round(time.Second), MaxClockSkew)
	case iat.Before(now.Add(-MaxLogoutTokenAge)):
		return fmt.Sprintf("iat is %s old (at most %s)", now.Sub(iat).Round(time.Second), MaxLogoutTokenAge)
	}
	azp := stringClaim(claims, "azp")
	if (len(audience(claims["aud"])) > 1 || azp != "") && azp != lv.v.ClientID {
		return fmt.Sprintf("azp %q is not client %q", bound(azp), lv.v.ClientID)
	}
	return ""
}

func (lv *LogoutVerifier) fail(reason string) error {
	return fmt.Errorf("%s: verify logout token: %w: %s", lv.v.Provider, oauthkit.ErrInvalidLogoutToken, reason)
}

// headerTyp returns the typ of raw's JOSE header, if it has one. Called on
// a token whose signature verified, so the header is the issuer's.
func headerTyp(raw string) (string, bool) {
	h, _, ok := strings.Cut(raw, ".")
	if !ok {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return "", false
	}
	var header struct {
		Typ *string `json:"typ"`
	}
	if json.Unmarshal(b, &header) != nil || header.Typ == nil {
		return "", false
	}
	return *header.Typ, true
}

// isLogoutType reports whether a JOSE typ may be a logout token's:
// logout+jwt (§2.4), or the generic JWT (RFC 7519 §5.1), which Keycloak
// sent before version 25 (docs/vendors/licensespring.md). typ is a media
// type, compared without regard to case, and "application/" may be left
// out (RFC 7515 §4.1.9).
func isLogoutType(typ string) bool {
	switch strings.TrimPrefix(strings.ToLower(typ), "application/") {
	case "logout+jwt", "jwt":
		return true
	}
	return false
}

func isString(v json.RawMessage) bool {
	var s string
	return json.Unmarshal(v, &s) == nil
}

func stringClaim(claims map[string]json.RawMessage, key string) string {
	var s string
	_ = json.Unmarshal(claims[key], &s)
	return s
}

// audience reads aud, a string or an array of strings (RFC 7519 §4.1.3).
func audience(v json.RawMessage) []string {
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(v, &many)
	return many
}

// numericDate reads a NumericDate claim (RFC 7519 §2).
func numericDate(v json.RawMessage) (time.Time, bool) {
	var f float64
	if v == nil || string(v) == "null" || json.Unmarshal(v, &f) != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// bound cuts a value from the token's claims or header for an error
// message: it is the sender's text, not the token, but not to be trusted
// with an unbounded length.
func bound(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// EndSessionURL is endpoint, an end_session_endpoint, with client_id,
// id_token_hint, post_logout_redirect_uri and state (RP-Initiated Logout
// 1.0 §2), each when not "", beside the endpoint's own query; an error
// when endpoint does not parse.
func EndSessionURL(endpoint, clientID, idTokenHint, postLogoutRedirectURL, state string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for _, kv := range [][2]string{{"client_id", clientID}, {"id_token_hint", idTokenHint}, {"post_logout_redirect_uri", postLogoutRedirectURL}, {"state", state}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
