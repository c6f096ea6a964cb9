package openidtest

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
)

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// authError is a refused client authentication.
type authError struct {
	status int
	code   string
	desc   string
}

// authenticateClient checks the client authentication of a token,
// revocation or introspection request (RFC 6749 §2.3, RFC 7523 §3, OpenID
// Connect Core §9): exactly one method, the one the client is registered
// with. r's form must be parsed.
func (s *Server) authenticateClient(r *http.Request) (App, *authError) {
	invalid := func(desc string) (App, *authError) {
		return App{}, &authError{http.StatusUnauthorized, "invalid_client", desc}
	}
	f := r.PostForm
	basicID, basicSecret, hasBasic, ok := basicCredentials(r)
	if !ok {
		return invalid("Authorization header is not valid Basic credentials")
	}
	methods := 0
	for _, present := range []bool{hasBasic, f.Has("client_secret"), f.Has("client_assertion")} {
		if present {
			methods++
		}
	}
	if methods > 1 {
		// RFC 6749 §2.3: a client MUST NOT use more than one method.
		return App{}, &authError{http.StatusBadRequest, "invalid_request", "more than one client authentication method"}
	}
	var method openid.AuthMethod
	id := f.Get("client_id")
	switch {
	case hasBasic:
		method = openid.AuthClientSecretBasic
		if id != "" && id != basicID {
			return invalid("client_id differs from the Basic user")
		}
		id = basicID
	case f.Has("client_secret"):
		method = openid.AuthClientSecretPost
	case f.Has("client_assertion"):
		method = openid.AuthPrivateKeyJWT
	default:
		method = openid.AuthNone
	}
	if method == openid.AuthPrivateKeyJWT && id == "" {
		// RFC 7523 §3: client_id is optional; the assertion's sub names it.
		id = unverifiedSubject(f.Get("client_assertion"))
	}
	s.mu.Lock()
	c, known := s.clients[id]
	s.mu.Unlock()
	switch {
	case id == "":
		return invalid("no client authentication")
	case !known:
		return invalid("unknown client")
	case c.AuthMethod != method:
		return invalid("the client is registered for " + string(c.AuthMethod) + ", not " + string(method))
	}
	switch method {
	case openid.AuthClientSecretBasic:
		if !equal(basicSecret, c.Secret) {
			return invalid("wrong client secret")
		}
	case openid.AuthClientSecretPost:
		if !equal(f.Get("client_secret"), c.Secret) {
			return invalid("wrong client secret")
		}
	case openid.AuthPrivateKeyJWT:
		if f.Get("client_assertion_type") != assertionType {
			return invalid("client_assertion_type must be " + assertionType)
		}
		if desc := s.verifyAssertion(c, f.Get("client_assertion")); desc != "" {
			return invalid(desc)
		}
	}
	return c, nil
}

// basicCredentials reads Basic credentials, form-URL-decoding both parts
// as RFC 6749 §2.3.1 requires. ok is false for a malformed header.
func basicCredentials(r *http.Request) (id, secret string, present, ok bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", "", false, true
	}
	scheme, payload, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, false
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return "", "", true, false
	}
	rawID, rawSecret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", true, false
	}
	if id, err = url.QueryUnescape(rawID); err != nil {
		return "", "", true, false
	}
	if secret, err = url.QueryUnescape(rawSecret); err != nil {
		return "", "", true, false
	}
	return id, secret, true, true
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// unverifiedSubject reads an assertion's sub without verifying it, to find
// the client whose key verifies it.
func unverifiedSubject(raw string) string {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		return ""
	}
	var c jwt.Claims
	if tok.UnsafeClaimsWithoutVerification(&c) != nil {
		return ""
	}
	return c.Subject
}

// verifyAssertion checks a client assertion (RFC 7523 §3): signed by the
// client's registered key under its kid with RS256, ES256 or EdDSA; iss and
// sub the client; aud the issuer (or, unless
// Options.AssertionAudienceIssuerOnly, the token endpoint); exp ahead and
// no more than five minutes after iat; a jti never seen before. It returns
// why it refuses, or "".
func (s *Server) verifyAssertion(c App, raw string) string {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA})
	if err != nil {
		return "client_assertion is not a JWS signed with RS256, ES256 or EdDSA"
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID != c.KeyID {
		return "client_assertion's kid is not the client's registered key"
	}
	if c.PublicKey == nil {
		return "the client has no registered key"
	}
	var claims jwt.Claims
	if err := tok.Claims(c.PublicKey, &claims); err != nil {
		return "client_assertion's signature does not verify with the client's key"
	}
	now := s.now.Now()
	auds := []string{s.Issuer()}
	if !s.opts.AssertionAudienceIssuerOnly {
		auds = append(auds, s.TokenURL())
	}
	switch {
	case claims.Issuer != c.ID || claims.Subject != c.ID:
		return "client_assertion's iss and sub must be the client_id"
	case !slices.ContainsFunc(auds, claims.Audience.Contains):
		return "client_assertion's aud is not this server"
	case claims.Expiry == nil:
		return "client_assertion has no exp"
	case !now.Before(claims.Expiry.Time()):
		return "client_assertion has expired"
	case claims.IssuedAt != nil && claims.Expiry.Time().Sub(claims.IssuedAt.Time()) > maxAssertionLifetime:
		return "client_assertion lives longer than five minutes"
	case claims.IssuedAt == nil && claims.Expiry.Time().Sub(now) > maxAssertionLifetime:
		return "client_assertion lives longer than five minutes"
	case claims.NotBefore != nil && now.Add(time.Minute).Before(claims.NotBefore.Time()):
		return "client_assertion is not valid yet"
	case claims.ID == "":
		return "client_assertion has no jti"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for j, exp := range s.jtis {
		if !now.Before(exp) {
			delete(s.jtis, j)
		}
	}
	key := c.ID + "\x00" + claims.ID
	if _, seen := s.jtis[key]; seen {
		return "client_assertion's jti was used before"
	}
	s.jtis[key] = claims.Expiry.Time()
	return ""
}

// writeAuthError answers a refused client authentication.
func writeAuthError(w http.ResponseWriter, e *authError) {
	fakeidp.OAuthError(w, e.status, e.code, e.desc)
}
