package licensespringtest

import (
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// Lifetimes the fake chooses (Keycloak's defaults are of this order).
const (
	codeLifetime  = time.Minute
	tokenLifetime = 300 * time.Second
)

func (s *Server) oidcBase() string { return s.Issuer() + "/protocol/openid-connect" }

// discovery answers the realm's OpenID Connect discovery document, with
// Keycloak's endpoint layout.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	base := s.oidcBase()
	fakeidp.WriteJSON(w, http.StatusOK, map[string]any{
		"issuer":                                     s.Issuer(),
		"authorization_endpoint":                     base + "/auth",
		"token_endpoint":                             base + "/token",
		"introspection_endpoint":                     base + "/token/introspect",
		"end_session_endpoint":                       s.endSessionURL(),
		"revocation_endpoint":                        base + "/revoke",
		"jwks_uri":                                   base + "/certs",
		"response_types_supported":                   []string{"code", "none", "id_token", "token", "id_token token", "code id_token", "code token", "code id_token token"},
		"response_modes_supported":                   []string{"query", "fragment", "form_post"},
		"grant_types_supported":                      []string{"authorization_code", "implicit", "refresh_token"},
		"subject_types_supported":                    []string{"public", "pairwise"},
		"id_token_signing_alg_values_supported":      []string{"RS256"},
		"scopes_supported":                           []string{"openid", "profile", "email"},
		"token_endpoint_auth_methods_supported":      []string{"private_key_jwt", "client_secret_basic", "client_secret_post", "none"},
		"code_challenge_methods_supported":           []string{"plain", "S256"},
		"backchannel_logout_supported":               true,
		"backchannel_logout_session_supported":       true,
		"revocation_endpoint_auth_methods_supported": []string{"private_key_jwt", "client_secret_basic", "client_secret_post", "none"},
	})
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(fakeidp.JWKS(s.key))
}

// errorPage is what Keycloak shows, instead of redirecting, for a request
// whose client or redirect URI cannot be trusted.
func errorPage(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte("<html><body><h1>We are sorry...</h1><p>" + html.EscapeString(msg) + "</p></body></html>"))
}

// authorize is the realm's authorization endpoint: code in the query,
// implicit tokens in the fragment (RFC 6749 §4.1.2, §4.2.2).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.ClientID {
		errorPage(w, "Client not found.")
		return
	}
	redirect := q.Get("redirect_uri")
	if !fakeidp.RedirectRegistered(s.opts.RedirectURLs, redirect) {
		errorPage(w, "Invalid parameter: redirect_uri")
		return
	}
	types := strings.Fields(q.Get("response_type"))
	code := slices.Contains(types, "code")
	implicit := !code
	back := func(params url.Values) {
		if st := q.Get("state"); st != "" {
			params.Set("state", st)
		}
		if implicit {
			http.Redirect(w, r, redirect+"#"+params.Encode(), http.StatusFound)
			return
		}
		u, _ := url.Parse(redirect)
		rq := u.Query()
		for k, vs := range params {
			rq[k] = vs
		}
		u.RawQuery = rq.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	if len(types) == 0 || slices.ContainsFunc(types, func(t string) bool { return t != "code" && t != "token" && t != "id_token" }) {
		back(url.Values{"error": {"unsupported_response_type"}, "error_description": {"Invalid parameter: response_type"}})
		return
	}
	openid := slices.Contains(strings.Fields(q.Get("scope")), "openid")
	if implicit && q.Get("nonce") == "" {
		// OpenID Connect Core §3.2.2.1; Keycloak refuses it likewise.
		back(url.Values{"error": {"invalid_request"}, "error_description": {"Missing parameter: nonce"}})
		return
	}
	method := q.Get("code_challenge_method")
	if q.Get("code_challenge") != "" && method == "" {
		method = "plain"
	}
	if method != "" && method != "plain" && method != "S256" {
		back(url.Values{"error": {"invalid_request"}, "error_description": {"Invalid parameter: code challenge method is not matching the configured one"}})
		return
	}
	user, _ := s.currentUser()
	if user.Subject == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<html><body><h1>Sign in to your account</h1></body></html>"))
		return
	}
	switch fakeidp.SignInStep(w, r, s.opts.LoginPage, fakeidp.Page{Vendor: "LicenseSpring", Accent: "#6a1b9a", ClientID: s.opts.ClientID, User: account(user)}) {
	case fakeidp.Answered:
		return
	case fakeidp.Denied:
		// Keycloak's answer to a user who cancels: access_denied, with the
		// state and its issuer (RFC 9207 §2 asks for iss in error
		// responses too).
		back(url.Values{"error": {"access_denied"}, "iss": {s.Issuer()}})
		return
	}
	sessionState := fakeidp.Random(12)
	if code {
		c := s.codes.Issue(fakeidp.CodeGrant{
			ClientID:      s.opts.ClientID,
			RedirectURI:   redirect,
			Subject:       user.Subject,
			Scope:         q.Get("scope"),
			Nonce:         q.Get("nonce"),
			Challenge:     q.Get("code_challenge"),
			ChallengeMode: method,
			Extra:         map[string]string{"session_state": sessionState},
			Expires:       s.now.Now().Add(codeLifetime),
		})
		back(url.Values{"code": {c}, "session_state": {sessionState}, "iss": {s.Issuer()}})
		return
	}
	now := s.now.Now()
	params := url.Values{"session_state": {sessionState}, "iss": {s.Issuer()}}
	var access string
	if slices.Contains(types, "token") {
		access = s.access.Issue(fakeidp.Issued{ClientID: s.opts.ClientID, Subject: user.Subject, Scope: q.Get("scope"), Expires: now.Add(tokenLifetime)})
		params.Set("access_token", access)
		params.Set("token_type", "Bearer")
		params.Set("expires_in", "300")
	}
	s.track(sessionState, user.Subject, access)
	if slices.Contains(types, "id_token") && openid {
		params.Set("id_token", s.idToken(user, q.Get("nonce"), access, sessionState, now))
	}
	back(params)
}

// account is u as the ID token will name them (see idToken), for the
// sign-in page.
func account(u User) fakeidp.Account {
	a := fakeidp.Account{Subject: u.Subject, Name: u.Name, Email: u.Email}
	if a.Name == "" {
		a.Name, _ = u.Claims["name"].(string)
	}
	if a.Email == "" {
		a.Email, _ = u.Claims["email"].(string)
	}
	return a
}

// token is the realm's token endpoint for a public client.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if !fakeidp.TokenRequest(w, r) {
		return
	}
	f := r.PostForm
	for k, vs := range f {
		if len(vs) > 1 {
			fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "duplicated parameter "+k)
			return
		}
	}
	if f.Get("client_id") != s.opts.ClientID {
		// Keycloak's words for an unknown client.
		fakeidp.OAuthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		s.codeGrant(w, f)
	case "refresh_token":
		s.refreshGrant(w, f)
	case "":
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_request", "Missing form parameter: grant_type")
	default:
		fakeidp.OAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
	}
}

// codeGrant redeems a code with Keycloak's checks and descriptions, PKCE
// included: a challenge at authorization needs the verifier here, and a
// verifier without a challenge is refused.
func (s *Server) codeGrant(w http.ResponseWriter, f url.Values) {
	now := s.now.Now()
	g, err := s.codes.Redeem(f.Get("code"), now)
	verifier := f.Get("code_verifier")
	switch {
	case err != nil, s.sessionEnded(g.Extra["session_state"]):
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "Code not valid")
		return
	case g.RedirectURI != f.Get("redirect_uri"):
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "Incorrect redirect_uri")
		return
	case g.Challenge != "" && verifier == "":
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "PKCE code verifier not specified")
		return
	case g.Challenge == "" && verifier != "":
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "PKCE code verifier specified but challenge not present in authorization")
		return
	case !g.VerifyPKCE(verifier):
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed: Code mismatch")
		return
	}
	user, _ := s.currentUser()
	if user.Subject != g.Subject {
		user = User{Subject: g.Subject}
	}
	s.issueTokens(w, user, g.Scope, g.Nonce, g.Extra["session_state"], now)
}

func (s *Server) refreshGrant(w http.ResponseWriter, f url.Values) {
	now := s.now.Now()
	old, ok := s.refresh.Revoke(f.Get("refresh_token"), now) // rotation: each works once
	if !ok && s.loggedOut(f.Get("refresh_token")) {
		// Keycloak's words for a token whose session was logged out.
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "Session not active")
		return
	}
	if !ok || old.ClientID != s.opts.ClientID {
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_grant", "Invalid refresh token")
		return
	}
	user, _ := s.currentUser()
	if user.Subject != old.Subject {
		user = User{Subject: old.Subject}
	}
	s.issueTokens(w, user, old.Scope, old.Extra["nonce"], old.Extra["session_state"], now)
}

// issueTokens answers a token response as Keycloak shapes it.
func (s *Server) issueTokens(w http.ResponseWriter, user User, scope, nonce, sessionState string, now time.Time) {
	access := s.access.Issue(fakeidp.Issued{ClientID: s.opts.ClientID, Subject: user.Subject, Scope: scope, Expires: now.Add(tokenLifetime)})
	refresh := s.refresh.Issue(fakeidp.Issued{
		ClientID: s.opts.ClientID, Subject: user.Subject, Scope: scope, Expires: now.Add(30 * time.Minute),
		Extra: map[string]string{"nonce": nonce, "session_state": sessionState},
	})
	s.track(sessionState, user.Subject, access, refresh)
	body := map[string]any{
		"access_token":       access,
		"expires_in":         int(tokenLifetime / time.Second),
		"refresh_expires_in": 1800,
		"refresh_token":      refresh,
		"token_type":         "Bearer",
		"not-before-policy":  0,
		"session_state":      sessionState,
		"scope":              scope,
	}
	if slices.Contains(strings.Fields(scope), "openid") {
		body["id_token"] = s.idToken(user, nonce, access, sessionState, now)
	}
	fakeidp.WriteJSON(w, http.StatusOK, body)
}

// idToken signs an ID token with the claims Keycloak puts in one, then
// applies MutateIDTokens.
func (s *Server) idToken(user User, nonce, accessToken, sessionState string, now time.Time) string {
	claims := map[string]any{
		"iss":                s.Issuer(),
		"sub":                user.Subject,
		"aud":                s.opts.ClientID,
		"azp":                s.opts.ClientID,
		"typ":                "ID",
		"iat":                now.Unix(),
		"auth_time":          now.Unix(),
		"exp":                now.Add(tokenLifetime).Unix(),
		"session_state":      sessionState,
		"sid":                sessionState,
		"preferred_username": user.Subject,
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if user.Email != "" {
		claims["email"], claims["email_verified"] = user.Email, true
	}
	if user.Name != "" {
		claims["name"] = user.Name
	}
	if accessToken != "" {
		// OpenID Connect Core §3.2.2.9: the left half of the SHA-256 of the
		// access token, base64url.
		sum := sha256.Sum256([]byte(accessToken))
		claims["at_hash"] = base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
	}
	for k, v := range user.Claims {
		if _, taken := claims[k]; !taken {
			claims[k] = v
		}
	}
	_, mutate := s.currentUser()
	if mutate != nil {
		mutate(claims)
	}
	tok := s.key.Sign(claims)
	sub, _ := claims["sub"].(string)
	s.mu.Lock()
	s.idTokens[tok] = sub
	s.mu.Unlock()
	return tok
}
