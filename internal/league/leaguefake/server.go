package leaguefake

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// Client is a registered OAuth client.
type Client struct {
	ID string
	// Secret is the client secret. Empty: a public client, which sends no
	// secret and must use PKCE for the code grant (league ≥ 8,
	// requireCodeChallengeForPublicClients).
	Secret       string
	RedirectURIs []string
}

// Confidential reports whether the client has a secret.
func (c Client) Confidential() bool { return c.Secret != "" }

// Grant types.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantPassword          = "password"
	GrantClientCredentials = "client_credentials"
)

// Server is league's AuthorizationServer with the code, refresh, password
// and client-credentials grants. Set the fields before serving; the methods
// are safe for concurrent use.
type Server struct {
	Version   Version
	Now       fakeidp.Clock
	Grants    []string // the grant types offered
	BasicAuth bool     // also read client credentials from a raw Basic header (league ≥ 5.1)
	Scopes    []string // the scopes the server knows; nil: any

	CodeTTL              time.Duration // zero: 10 minutes (league's example server)
	AccessTTL            time.Duration // zero: 1 hour
	RefreshTTL           time.Duration // zero: one month (league's P1M)
	ClientCredentialsTTL time.Duration // zero: AccessTTL

	// PKCERule is the vendor's rule on top of RFC 7636 for the code_challenge
	// at authorize and the code_verifier at the token endpoint; param names
	// which one. Nil: RFC 7636 only.
	PKCERule func(param, value string) *Error
	// ExpiredRefresh is the vendor's answer to an expired refresh token.
	// Nil: league's invalidRefreshToken("Token has expired").
	ExpiredRefresh *Error
	// LoginPage makes Authorize answer a sign-in page, naming Vendor (its
	// Sign in button in the Accent colour), and issue the code only for its
	// Sign in post ([fakeidp.SignInStep]); its Cancel button, or a declining
	// [fakeidp.ConsentHeader] without the page, is league's access_denied
	// redirect.
	LoginPage bool
	Vendor    string
	Accent    string
	// Authenticate checks a user's credentials for the password grant and
	// returns the user's subject.
	Authenticate func(username, password string) (subject string, ok bool)

	codes  fakeidp.Codes
	access fakeidp.Tokens

	mu      sync.Mutex
	clients map[string]Client
	used    map[string]bool // redeemed codes, for league's "has been revoked"
	refresh map[string]*refreshRecord
}

// refreshRecord is one issued refresh token.
type refreshRecord struct {
	clientID, subject, scope string
	access                   string // the access token issued with it
	expires                  time.Time
	revoked                  bool
}

// AddClient registers c, replacing a client with the same id.
func (s *Server) AddClient(c Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clients == nil {
		s.clients = map[string]Client{}
	}
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	s.clients[c.ID] = c
}

func (s *Server) client(id string) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	return c, ok
}

// AccessToken returns the record of a live access token.
func (s *Server) AccessToken(tok string) (fakeidp.Issued, bool) {
	return s.access.Lookup(tok, s.Now.Now())
}

// BearerToken returns the record of the request's live Bearer token.
func (s *Server) BearerToken(r *http.Request) (fakeidp.Issued, bool) {
	tok, ok := fakeidp.Bearer(r)
	if !ok {
		return fakeidp.Issued{}, false
	}
	return s.AccessToken(tok)
}

// RefreshTokenState reports what the server knows of a refresh token:
// "live", "revoked", "expired" or "unknown".
func (s *Server) RefreshTokenState(tok string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.refresh[tok]
	switch {
	case !ok:
		return "unknown"
	case rec.revoked:
		return "revoked"
	case !s.Now.Now().Before(rec.expires):
		return "expired"
	}
	return "live"
}

func (s *Server) ttl(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// rfc7636 is the form RFC 7636 §4.1 and §4.2 give verifiers and challenges,
// as league checks them.
var rfc7636 = regexp.MustCompile(`^[A-Za-z0-9\-._~]{43,128}$`)

// Authorize serves GET /authorize (AuthCodeGrant::validateAuthorizationRequest
// and completeAuthorizationRequest) for the logged-in user, whom the
// sign-in page shows; an empty Subject is no session, answered with a
// login page.
func (s *Server) Authorize(w http.ResponseWriter, r *http.Request, user fakeidp.Account) {
	subject := user.Subject
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") == "" {
		// No grant can respond to the request.
		s.Version.Write(w, r, s.Version.UnsupportedGrantType())
		return
	}
	c, ok := s.client(q.Get("client_id"))
	if !ok {
		s.Version.Write(w, r, InvalidClient())
		return
	}
	redirect := q.Get("redirect_uri")
	switch {
	case redirect != "" && !fakeidp.RedirectRegistered(c.RedirectURIs, redirect):
		s.Version.Write(w, r, InvalidClient())
		return
	case redirect == "" && len(c.RedirectURIs) != 1:
		s.Version.Write(w, r, InvalidClient())
		return
	}
	target := redirect
	if target == "" {
		target = c.RedirectURIs[0]
	}
	state := q.Get("state")
	if e := s.checkScopes(q.Get("scope"), nil); e != nil {
		s.Version.Redirect(w, r, target, state, e)
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" {
		if method == "" {
			method = "plain"
		}
		if method != "plain" && method != "S256" {
			s.Version.Write(w, r, InvalidRequest("code_challenge_method", "Code challenge method must be one of `plain` or `S256`"))
			return
		}
		if !rfc7636.MatchString(challenge) {
			s.Version.Write(w, r, InvalidRequest("code_challenge", "Code challenge must follow the specifications of RFC-7636."))
			return
		}
		if e := s.rule("code_challenge", challenge); e != nil {
			s.Version.Write(w, r, e)
			return
		}
	} else if !c.Confidential() {
		s.Version.Write(w, r, InvalidRequest("code_challenge", "Code challenge must be provided for public clients"))
		return
	}

	if subject == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><body><h1>Log in</h1><form method=post><input name=email><input type=password name=password></form></body></html>")
		return
	}
	switch fakeidp.SignInStep(w, r, s.LoginPage, fakeidp.Page{Vendor: s.Vendor, Accent: s.Accent, ClientID: c.ID, User: user}) {
	case fakeidp.Answered:
		return
	case fakeidp.Denied:
		// AuthCodeGrant::completeAuthorizationRequest for a user who did
		// not approve.
		s.Version.Redirect(w, r, target, state, AccessDenied("The user denied the request"))
		return
	}
	code := s.codes.Issue(fakeidp.CodeGrant{
		ClientID:      c.ID,
		RedirectURI:   redirect, // as sent: league stores null when it was left out
		Subject:       subject,
		Scope:         q.Get("scope"),
		Challenge:     challenge,
		ChallengeMode: method,
		Expires:       s.Now.Now().Add(s.ttl(s.CodeTTL, 10*time.Minute)),
	})
	back := url.Values{"code": {code}}
	if state != "" {
		back.Set("state", state)
	}
	http.Redirect(w, r, withQuery(target, back), http.StatusFound)
}

func (s *Server) rule(param, value string) *Error {
	if s.PKCERule == nil {
		return nil
	}
	return s.PKCERule(param, value)
}

// checkScopes refuses a scope the server does not know, or (refresh) one the
// original grant did not hold.
func (s *Server) checkScopes(requested string, allowed []string) *Error {
	for _, sc := range strings.Fields(requested) {
		if s.Scopes != nil && !slices.Contains(s.Scopes, sc) {
			return InvalidScope(sc)
		}
		if allowed != nil && !slices.Contains(allowed, sc) {
			return InvalidScope(sc)
		}
	}
	return nil
}

// Token serves POST /access_token (AuthorizationServer::
// respondToAccessTokenRequest).
func (s *Server) Token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	// league reads the parsed body only; PHP parses a body only when it is
	// form-encoded, and never merges the query string into it.
	form := url.Values{}
	if fakeidp.IsForm(r) {
		if err := r.ParseForm(); err == nil {
			form = r.PostForm
		}
	}
	grant := form.Get("grant_type")
	if !slices.Contains(s.Grants, grant) {
		s.Version.Write(w, r, s.Version.UnsupportedGrantType())
		return
	}
	c, e := s.authenticateClient(r, form)
	if e != nil {
		s.Version.Write(w, r, e)
		return
	}
	switch grant {
	case GrantAuthorizationCode:
		e = s.authorizationCode(w, c, form)
	case GrantRefreshToken:
		e = s.refreshToken(w, c, form)
	case GrantPassword:
		e = s.password(w, c, form)
	case GrantClientCredentials:
		e = s.clientCredentials(w, c, form)
	}
	if e != nil {
		s.Version.Write(w, r, e)
	}
}

// authenticateClient is AbstractGrant::validateClient: client_id and
// client_secret from the body, else (BasicAuth) from a Basic header that is
// base64-decoded and split at the first ':' — never URL-decoded.
func (s *Server) authenticateClient(r *http.Request, form url.Values) (Client, *Error) {
	id, idOK := form.Get("client_id"), form.Has("client_id")
	secret, secretOK := form.Get("client_secret"), form.Has("client_secret")
	if s.BasicAuth {
		if user, pass, ok := rawBasic(r.Header.Get("Authorization")); ok {
			if !idOK {
				id, idOK = user, true
			}
			if !secretOK {
				secret = pass
			}
		}
	}
	if !idOK {
		return Client{}, InvalidRequest("client_id", "")
	}
	c, ok := s.client(id)
	if !ok {
		return Client{}, InvalidClient()
	}
	if c.Confidential() && subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		return Client{}, InvalidClient()
	}
	return c, nil
}

// rawBasic is AbstractGrant::getBasicAuthCredentials.
func rawBasic(header string) (user, pass string, ok bool) {
	if !strings.HasPrefix(header, "Basic ") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(header[len("Basic "):])
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}
