package licensespringtest

import (
	"context"
	"crypto"
	"html"
	"net/http"
	"net/url"
	"slices"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// endSessionURL is the realm's end_session_endpoint, as Keycloak lays it
// out; the discovery document and the sso_url answer both name it.
func (s *Server) endSessionURL() string { return s.oidcBase() + "/logout" }

// endSession is the realm's end-session endpoint (OpenID Connect
// RP-Initiated Logout 1.0, with Keycloak's checks and pages since version
// 18): GET with the parameters in the query, or POST with a form body (any
// other body is 415).
//
//   - redirect_uri, the parameter of Keycloak before 18, is refused;
//   - post_logout_redirect_uri needs id_token_hint or client_id;
//   - id_token_hint must be an ID token of this realm (its key, its iss,
//     typ "ID", aud the realm's client); an expired one is accepted (§2);
//   - client_id, when sent, must be the realm's client and the hint's azp;
//   - post_logout_redirect_uri must be one of the client's valid
//     post-logout redirect URIs (Options.PostLogoutRedirectURLs);
//   - without id_token_hint Keycloak asks the user "Do you want to log
//     out?" (the logout ends the browser's session, here every session of
//     the signed-in user, once the form is posted);
//   - then the session ends (see [Server.endSession]) and the browser goes
//     to post_logout_redirect_uri with state, or sees "You are logged out".
//
// Errors are Keycloak's 400 pages; none repeats a parameter.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	var p url.Values
	switch r.Method {
	case http.MethodGet:
		p = r.URL.Query()
	case http.MethodPost:
		if !fakeidp.IsForm(r) {
			// Keycloak's endpoint consumes forms only.
			http.Error(w, "Unsupported Media Type", http.StatusUnsupportedMediaType)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if r.ParseForm() != nil {
			errorPage(w, "Invalid Request")
			return
		}
		p = r.PostForm
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	hint, clientID, post, state := p.Get("id_token_hint"), p.Get("client_id"), p.Get("post_logout_redirect_uri"), p.Get("state")
	if p.Has("redirect_uri") {
		// Keycloak 18 dropped it for post_logout_redirect_uri.
		errorPage(w, "Invalid parameter: redirect_uri")
		return
	}
	if post != "" && hint == "" && clientID == "" {
		// §2: the OP needs to know the client to check the URI.
		errorPage(w, "Missing parameter: id_token_hint")
		return
	}
	var tok *hintToken
	if hint != "" {
		var ok bool
		if tok, ok = s.verifyHint(r.Context(), hint); !ok {
			errorPage(w, "Invalid parameter: id_token_hint")
			return
		}
	}
	if clientID != "" {
		if clientID != s.opts.ClientID {
			errorPage(w, "Invalid parameter: client_id")
			return
		}
		if tok != nil && tok.client != clientID {
			errorPage(w, "Invalid parameter: id_token_hint")
			return
		}
	}
	if post != "" && !s.postLogoutRedirectRegistered(post) {
		errorPage(w, "Invalid redirect uri")
		return
	}
	now := s.now.Now()
	if tok == nil {
		// No hint: Keycloak asks the user, and ends the browser's session.
		if r.Method != http.MethodPost || p.Get("confirm_logout") == "" {
			confirmPage(w, s.endSessionURL(), clientID, post, state)
			return
		}
		user, _ := s.currentUser()
		for _, sid := range s.activeSessions(user.Subject) {
			s.endSessionOf(Logout{ClientID: s.opts.ClientID, Subject: user.Subject, SID: sid, PostLogoutRedirectURL: post}, now)
		}
	} else {
		s.endSessionOf(Logout{ClientID: tok.client, Subject: tok.subject, SID: tok.sid, PostLogoutRedirectURL: post}, now)
	}
	if post == "" {
		infoPage(w, "You are logged out")
		return
	}
	u, _ := url.Parse(post) // checked: it is a registered URI
	if state != "" {
		q := u.Query()
		q.Set("state", state)
		u.RawQuery = q.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// hintToken is what the end-session endpoint takes from a verified
// id_token_hint.
type hintToken struct {
	client, subject, sid string
}

// verifyHint checks raw as Keycloak checks an id_token_hint: signed by the
// realm's key, iss the realm, aud its client, typ "ID" (not an access or
// logout token); an expired one is accepted, as RP-Initiated Logout §2
// allows.
func (s *Server) verifyHint(ctx context.Context, raw string) (*hintToken, bool) {
	v := oidc.NewVerifier(s.Issuer(),
		&oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&s.key.Private.PublicKey}},
		&oidc.Config{ClientID: s.opts.ClientID, SupportedSigningAlgs: []string{oidc.RS256}, SkipExpiryCheck: true, Now: s.now.Now})
	t, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, false
	}
	var c struct {
		Typ string `json:"typ"`
		Azp string `json:"azp"`
		SID string `json:"sid"`
	}
	if t.Claims(&c) != nil || c.Typ != "ID" {
		return nil, false
	}
	client := c.Azp
	if client == "" {
		client = s.opts.ClientID // the audience it was verified for
	}
	return &hintToken{client: client, subject: t.Subject, sid: c.SID}, true
}

// postLogoutRedirectRegistered reports whether uri is one of the client's
// valid post-logout redirect URIs, under the redirect URIs' rule (exact, or
// a loopback one on any port); "+" stands for every redirect URI, as in
// Keycloak.
func (s *Server) postLogoutRedirectRegistered(uri string) bool {
	valid := s.opts.PostLogoutRedirectURLs
	if i := slices.Index(valid, "+"); i >= 0 {
		valid = slices.Concat(valid[:i], s.opts.RedirectURLs, valid[i+1:])
	}
	return fakeidp.RedirectRegistered(valid, uri)
}

// confirmPage is Keycloak's logout confirmation: a form that posts the
// request back with confirm_logout.
func confirmPage(w http.ResponseWriter, action, clientID, post, state string) {
	e := html.EscapeString
	hidden := ""
	for _, kv := range [][2]string{{"client_id", clientID}, {"post_logout_redirect_uri", post}, {"state", state}} {
		if kv[1] != "" {
			hidden += `<input type="hidden" name="` + kv[0] + `" value="` + e(kv[1]) + `">`
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(`<html><body><h1 id="kc-page-title">Logging out</h1><p>Do you want to log out?</p>` +
		`<form method="post" action="` + e(action) + `">` + hidden +
		`<button type="submit" id="kc-logout" name="confirm_logout" value="yes">Logout</button></form></body></html>`))
}

// infoPage is Keycloak's information page, such as "You are logged out".
func infoPage(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(`<html><body><h1 id="kc-page-title">` + html.EscapeString(msg) + `</h1></body></html>`))
}
