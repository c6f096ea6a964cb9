package openidtest

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// errorPage is what a server shows, instead of redirecting, for a request
// whose client or redirect URI it cannot trust (RFC 6749 §4.1.2.1).
func errorPage(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	w.Write([]byte("<html><body><h1>Error</h1><p>" + html.EscapeString(msg) + "</p></body></html>"))
}

// authorize is the authorization endpoint (RFC 6749 §4.1.1, OpenID Connect
// Core §3.1.2): strict about the client, the exact redirect URI, the
// response type, PKCE S256 and (for openid) the nonce.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var parRefused string // why a known request_uri is refused
	if q.Has("request_uri") {
		var page string
		if q, parRefused, page = s.pushedRequest(q); q == nil {
			errorPage(w, page)
			return
		}
	} else if s.opts.RequirePAR {
		errorPage(w, "invalid_request: this server takes authorization requests only by PAR (require_pushed_authorization_requests)")
		return
	}
	s.mu.Lock()
	s.lastAuth = q
	c, known := s.clients[q.Get("client_id")]
	user, mix := s.user, s.mixUp
	s.mu.Unlock()
	for k, vs := range q {
		if len(vs) > 1 {
			errorPage(w, "parameter "+k+" is repeated")
			return
		}
	}
	redirect := q.Get("redirect_uri")
	switch {
	case !known:
		errorPage(w, "unknown client_id")
		return
	case !slices.Contains(c.RedirectURLs, redirect):
		errorPage(w, "redirect_uri is not registered for the client")
		return
	}
	iss := s.Issuer()
	if mix.CallbackIssuer != "" {
		iss = mix.CallbackIssuer
	}
	back := func(params url.Values) {
		if st := q.Get("state"); st != "" {
			params.Set("state", st)
		}
		if !s.opts.OmitIssuerParameter {
			params.Set("iss", iss)
		}
		u, _ := url.Parse(redirect)
		rq := u.Query()
		for k, vs := range params {
			rq[k] = vs
		}
		u.RawQuery = rq.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	fail := func(code, desc string) { back(url.Values{"error": {code}, "error_description": {desc}}) }
	if parRefused != "" {
		fail("invalid_request_uri", parRefused)
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	openID := slices.Contains(scopes, "openid")
	var maxAge int64 = -1
	if v := q.Get("max_age"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			fail("invalid_request", "max_age must be a non-negative integer")
			return
		}
		maxAge = n
	}
	switch {
	case q.Get("response_type") != "code":
		fail("unsupported_response_type", "only response_type=code is supported")
		return
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		fail("invalid_request", "PKCE with code_challenge_method=S256 is required")
		return
	case len(q.Get("code_challenge")) != 43:
		fail("invalid_request", "code_challenge must be a base64url SHA-256")
		return
	case openID && q.Get("nonce") == "":
		fail("invalid_request", "nonce is required")
		return
	case q.Get("request") != "":
		fail("request_not_supported", "request objects are not supported")
		return
	}
	prompt := strings.Fields(q.Get("prompt"))
	if user.Subject == "" {
		if slices.Contains(prompt, "none") {
			fail("login_required", "no session")
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<html><body><h1>Sign in</h1></body></html>"))
		return
	}
	switch fakeidp.SignInStep(w, r, s.opts.LoginPage, fakeidp.Page{Vendor: "OpenID Provider", Accent: "#37474f", ClientID: c.ID, User: fakeidp.Account{Subject: user.Subject, Name: user.Name, Email: user.Email}}) {
	case fakeidp.Answered:
		return
	case fakeidp.Denied:
		fail("access_denied", "the user declined")
		return
	}
	now := s.now.Now()
	authTime := user.AuthTime
	if authTime.IsZero() || slices.Contains(prompt, "login") || (maxAge >= 0 && now.Sub(authTime) > time.Duration(maxAge)*time.Second) {
		authTime = now // the user signs in again
	}
	extra := map[string]string{
		"sid":       fakeidp.Random(12),
		"auth_time": strconv.FormatInt(authTime.Unix(), 10),
	}
	if jkt := q.Get("dpop_jkt"); jkt != "" {
		extra["dpop_jkt"] = jkt // RFC 9449 §10
	}
	if acr := strings.Fields(q.Get("acr_values")); len(acr) > 0 {
		extra["acr"] = acr[0]
	}
	code := s.codes.Issue(fakeidp.CodeGrant{
		ClientID: c.ID, RedirectURI: redirect, Subject: user.Subject, Scope: q.Get("scope"),
		Nonce: q.Get("nonce"), Challenge: q.Get("code_challenge"), ChallengeMode: "S256",
		Extra: extra, Expires: now.Add(codeLifetime),
	})
	back(url.Values{"code": {code}})
}
