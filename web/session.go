package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// SessionCookie is the base name of the session cookie. A Secure session
// cookie (see Config.InsecureCookies) is named "__Host-" + SessionCookie:
// browsers take a cookie of that name only from this host, Secure, with
// Path=/ and no Domain, so a sibling subdomain cannot plant a session.
// [Handler.SessionCookieName] returns the name a handler uses.
const SessionCookie = "oauthkit_session"

// hostPrefix and securePrefix are the cookie name prefixes browsers
// enforce (RFC 6265bis §4.1.3): "__Host-" for a Secure cookie with Path=/
// and no Domain, "__Secure-" for any Secure cookie.
const (
	hostPrefix   = "__Host-"
	securePrefix = "__Secure-"
)

// SessionCookieName returns the name of h's session cookie:
// "__Host-oauthkit_session" when its cookies are Secure, else
// [SessionCookie].
func (h *Handler) SessionCookieName() string { return h.sessionName }

var sessionAD = []byte("oauthkit/web session")

// Session is who is logged in: the identity a login established, sealed
// into the session cookie. It holds no token; those stay on the server, in
// the [TokenStore], under ID.
type Session struct {
	ID       string `json:"id"` // random, new for every login; the TokenStore key
	Provider string `json:"p"`  // the provider's Name()
	Tenant   string `json:"t,omitempty"`
	Subject  string `json:"sub"` // the provider's subject for the user
	// Name and Email are the provider's, cut to 256 bytes (at a UTF-8
	// boundary) so that the session cookie stays small enough for
	// browsers; the whole values are in the [oauthkit.Login] OnLogin gets.
	Name    string    `json:"name,omitempty"`
	Email   string    `json:"email,omitempty"`
	LoginAt time.Time `json:"iat"`
	Expires time.Time `json:"exp"` // the absolute end: LoginAt + Config.SessionMaxAge
	// IdleExpires is when the session ends if it is not used again
	// (Config.IdleTimeout after its last use); zero without an idle
	// timeout. It is not sealed into the cookie: the store knows the last
	// use. [Session.Ends] is the earlier of the two.
	IdleExpires time.Time `json:"-"`
}

// ErrNotLoggedIn: the request has no valid session — no cookie, one that
// does not open or has expired, or one whose tokens are gone (logged out).
// It wraps [oauthkit.ErrNoRefreshToken], so [oauthkit.NeedsLogin] is true.
var ErrNotLoggedIn = fmt.Errorf("web: not logged in: %w", oauthkit.ErrNoRefreshToken)

// Ends returns when the session ends unless it is used again: the earlier
// of its absolute end (Expires, Config.SessionMaxAge after the login) and
// its idle end (IdleExpires, Config.IdleTimeout after its last use).
func (s *Session) Ends() time.Time {
	if !s.IdleExpires.IsZero() && s.IdleExpires.Before(s.Expires) {
		return s.IdleExpires
	}
	return s.Expires
}

// ErrUnavailable: the token store could not be reached (Redis down or
// slow). Nothing was ended: the same cookie works once the store answers
// again. The handlers answer 503; an application that calls
// [Handler.TokenSource] or [Handler.Client] itself should do the same
// (errors.Is(err, web.ErrUnavailable)).
var ErrUnavailable = errors.New("web: the token store is unavailable")

// touchEvery is how often a session's last use is written back to the
// store, at most: the idle timeout slides by this much at a time.
const touchEvery = time.Minute

// maxSessionField bounds the Name and Email a session cookie seals: the
// provider's values have no bound of their own.
const maxSessionField = 256

// startSession stores login's tokens under a new session ID, filed under
// the user's index entries, calls OnLogin and sets the session cookie. A
// session whose cookie would be too large for browsers (a very long
// subject) is refused with [ErrCookieTooLarge] before anything is stored,
// or, when OnLogin made it so, after, and its tokens are deleted again.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, tenant string, login *oauthkit.Login) (*Session, error) {
	now := h.now()
	s := &Session{
		ID:       newID(),
		Provider: login.Provider,
		Tenant:   tenant,
		Subject:  login.UserInfo.Subject,
		Name:     cutUTF8(login.UserInfo.Name, maxSessionField),
		Email:    cutUTF8(login.UserInfo.Email, maxSessionField),
		LoginAt:  now,
		Expires:  now.Add(h.cfg.SessionMaxAge),
	}
	if h.cfg.IdleTimeout > 0 {
		s.IdleExpires = now.Add(h.cfg.IdleTimeout)
	}
	if _, err := h.sealSession(s); err != nil {
		return nil, err
	}
	st := &StoredTokens{Token: login.Token, Expires: s.Expires, Seen: now, Refs: sessionRefs(s, login)}
	if login.Token != nil {
		st.IDToken, _ = login.Token.Extra("id_token").(string)
	}
	if err := h.tokens.Save(r.Context(), s.ID, st); err != nil {
		return nil, fmt.Errorf("token store: %w: %w", ErrUnavailable, err)
	}
	if h.cfg.OnLogin != nil {
		if err := h.cfg.OnLogin(r, s, login); err != nil {
			h.tokens.Delete(r.Context(), s.ID)
			return nil, fmt.Errorf("OnLogin: %w", err)
		}
	}
	value, err := h.sealSession(s) // again: OnLogin may have changed s
	if err != nil {
		h.tokens.Delete(r.Context(), s.ID)
		return nil, err
	}
	h.setCookie(w, h.sessionName, value, "/", h.cfg.SessionMaxAge)
	return s, nil
}

// sealSession returns the session cookie's value for s, or an error
// wrapping [ErrCookieTooLarge] when browsers would not keep the cookie.
func (h *Handler) sealSession(s *Session) (string, error) {
	return h.sealCookie("session cookie", h.sessionName, s, sessionAD)
}

// sessionRefs are the index entries a session is filed under: its user
// (provider, tenant, subject), which [Handler.EndSessions] and a logout
// token without sid name, and either the provider's session (sid) its ID
// token names or, when it names none, its user's sessions without sid,
// which a logout token with a sid that no session is filed under falls
// back to (see endLogoutSessions).
func sessionRefs(s *Session, login *oauthkit.Login) []string {
	refs := []string{userRef(s.Provider, s.Tenant, s.Subject)}
	if login.IDToken != nil {
		var c struct {
			SID string `json:"sid"`
		}
		if login.IDToken.Claims(&c) == nil && c.SID != "" {
			return append(refs, sidRef(s.Provider, s.Tenant, c.SID))
		}
	}
	return append(refs, noSIDRef(s.Provider, s.Tenant, s.Subject))
}

// userRef, sidRef and noSIDRef name index entries; the store hashes them.
func userRef(provider, tenant, subject string) string {
	return "sub\x00" + provider + "\x00" + tenant + "\x00" + subject
}

func sidRef(provider, tenant, sid string) string {
	return "sid\x00" + provider + "\x00" + tenant + "\x00" + sid
}

func noSIDRef(provider, tenant, subject string) string {
	return "nosid\x00" + provider + "\x00" + tenant + "\x00" + subject
}

func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookieSession opens the session cookie, without asking the token store.
func (h *Handler) cookieSession(r *http.Request) (*Session, error) {
	c, err := r.Cookie(h.sessionName)
	if err != nil {
		return nil, ErrNotLoggedIn
	}
	raw, err := h.sealer.Open(c.Value, sessionAD)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNotLoggedIn, err)
	}
	var s Session
	if err := json.Unmarshal(raw, &s); err != nil || s.ID == "" {
		return nil, ErrNotLoggedIn
	}
	if !h.now().Before(s.Expires) {
		return nil, fmt.Errorf("%w (session expired)", ErrNotLoggedIn)
	}
	return &s, nil
}

// Session returns the request's session: its session cookie opened, not
// expired, not idle for longer than Config.IdleTimeout, and its tokens
// still in the token store (so a copy of the cookie is worthless after
// logout). The error is [ErrNotLoggedIn] when there is no valid session,
// and wraps [ErrUnavailable] when the store could not say.
func (h *Handler) Session(r *http.Request) (*Session, error) {
	s, _, err := h.load(r)
	return s, err
}

// loaded is what RequireLogin found, kept in the request's context so that
// TokenSource and Client need not read the store again.
type loaded struct {
	s  *Session
	st *StoredTokens
}

type sessionKey struct{}

// load returns the request's session and its stored state: from the
// context when RequireLogin put them there, else from the cookie and the
// store. It ends a session idle for too long and moves an active one's
// last use on, at most once per touchEvery.
func (h *Handler) load(r *http.Request) (*Session, *StoredTokens, error) {
	if l, ok := r.Context().Value(sessionKey{}).(*loaded); ok {
		return l.s, l.st, nil
	}
	s, err := h.cookieSession(r)
	if err != nil {
		return nil, nil, err
	}
	ctx := r.Context()
	st, err := h.tokens.Load(ctx, s.ID)
	if err != nil {
		if errors.Is(err, ErrNoTokens) {
			return nil, nil, fmt.Errorf("%w (session ended)", ErrNotLoggedIn)
		}
		return nil, nil, fmt.Errorf("web: session: %w: %w", ErrUnavailable, err)
	}
	if idle := h.cfg.IdleTimeout; idle > 0 {
		now := h.now()
		seen := st.Seen
		if seen.IsZero() {
			seen = s.LoginAt
		}
		if !now.Before(seen.Add(idle)) {
			if err := h.tokens.Delete(ctx, s.ID); err != nil {
				h.log.Warn("web: token store delete of an idle session failed", "provider", s.Provider, "err", err)
			}
			return nil, nil, fmt.Errorf("%w (session idle)", ErrNotLoggedIn)
		}
		if now.Sub(seen) >= touchEvery {
			if err := h.tokens.Touch(ctx, s.ID, now); err != nil {
				h.log.Warn("web: token store touch failed", "provider", s.Provider, "err", err)
			} else {
				seen = now
			}
		}
		s.IdleExpires = seen.Add(idle)
	}
	return s, st, nil
}

// SessionFrom returns the session [Handler.RequireLogin] put in r's
// context, or nil.
func SessionFrom(r *http.Request) *Session {
	if l, ok := r.Context().Value(sessionKey{}).(*loaded); ok {
		return l.s
	}
	return nil
}

// RequireLogin serves next to requests with a valid session, which
// [SessionFrom] then returns; a GET or HEAD without one is redirected to
// Config.SignInPath (by default the handler's sign-in page, or the one
// provider's login) with return_to, anything else is answered 401. When the
// token store cannot be reached it answers 503 and ends nothing. Its own
// answers carry the headers of the handler's (Cache-Control: no-store,
// Referrer-Policy: no-referrer); next's are next's.
func (h *Handler) RequireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, st, err := h.load(r)
		if err != nil {
			setPrivate(w)
			if !errors.Is(err, ErrNotLoggedIn) {
				h.fail(w, r, storeError(err))
				return
			}
			if h.cfg.SignInPath != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				signIn := h.cfg.SignInPath
				if h.ownSignIn && h.hasSignedOut(r) {
					// Not straight back into the one provider's login: the
					// sign-in page says "You have signed out".
					signIn = h.signInPath()
				}
				http.Redirect(w, r, signIn+"?return_to="+url.QueryEscape(SafeReturnTo(r.URL.RequestURI())), http.StatusFound)
				return
			}
			h.fail(w, r, &Error{Kind: KindNotLoggedIn, Status: http.StatusUnauthorized, Err: err})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, &loaded{s: s, st: st})))
	})
}

// storeError is the error page of a store failure: 503 when the store was
// unreachable, else 500.
func storeError(err error) *Error {
	if errors.Is(err, ErrUnavailable) {
		return &Error{Kind: KindUnavailable, Status: http.StatusServiceUnavailable, Err: err}
	}
	return &Error{Kind: KindInternal, Status: http.StatusInternalServerError, Err: err}
}

// endSession ends the request's session, if it has one, and clears its
// cookie: see endRequestSession. It returns the session and its tokens (nil
// when there was none), and an error wrapping [ErrUnavailable] when the
// store could not delete it: then the cookie is kept, so that the user can
// try again, and nobody is told the session ended.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) (*Session, *StoredTokens, error) {
	if _, err := r.Cookie(h.sessionName); err != nil {
		return nil, nil, nil
	}
	s, st, err := h.endRequestSession(r)
	if err != nil {
		return nil, nil, err
	}
	h.deleteCookie(w, r, h.sessionName, "/")
	return s, st, nil
}

// endRequestSession ends the session r's cookie holds, if it holds one,
// and leaves the cookie alone (a new login's callback replaces it): the
// session's tokens are deleted from the store, which removes its index
// entries, the refresh token is revoked where the provider can, and
// OnLogout is told. A cookie that does not open holds no session. The
// error wraps [ErrUnavailable] when the store could not delete it; nobody
// has been told then.
func (h *Handler) endRequestSession(r *http.Request) (*Session, *StoredTokens, error) {
	s, err := h.cookieSession(r)
	if err != nil {
		return nil, nil, nil
	}
	ctx := r.Context()
	st, err := h.tokens.Load(ctx, s.ID)
	if err != nil && !errors.Is(err, ErrNoTokens) {
		return nil, nil, fmt.Errorf("web: end session: %w: %w", ErrUnavailable, err)
	}
	if err := h.tokens.Delete(ctx, s.ID); err != nil {
		return nil, nil, fmt.Errorf("web: end session: %w: %w", ErrUnavailable, err)
	}
	if st != nil {
		h.revoke(r, s, st)
	}
	if h.cfg.OnLogout != nil {
		h.cfg.OnLogout(r, s)
	}
	return s, st, nil
}
