package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "oauthkit_session"

var sessionAD = []byte("oauthkit/web session")

// Session is who is logged in: the identity a login established, sealed
// into the session cookie. It holds no token; those stay on the server, in
// the [TokenStore], under ID.
type Session struct {
	ID       string    `json:"id"` // random, new for every login; the TokenStore key
	Provider string    `json:"p"`  // the provider's Name()
	Tenant   string    `json:"t,omitempty"`
	Subject  string    `json:"sub"` // the provider's subject for the user
	Name     string    `json:"name,omitempty"`
	Email    string    `json:"email,omitempty"`
	LoginAt  time.Time `json:"iat"`
	Expires  time.Time `json:"exp"`
}

// LogValue implements [slog.LogValuer] without the session ID.
func (s *Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("provider", s.Provider), slog.String("tenant", s.Tenant), slog.String("subject", s.Subject), slog.Time("expires", s.Expires))
}

// ErrNotLoggedIn: the request has no valid session — no cookie, one that
// does not open or has expired, or one whose tokens are gone (logged out).
// It wraps [oauthkit.ErrNoRefreshToken], so [oauthkit.NeedsLogin] is true.
var ErrNotLoggedIn = fmt.Errorf("web: not logged in: %w", oauthkit.ErrNoRefreshToken)

// startSession stores login's tokens under a new session ID, calls OnLogin
// and sets the session cookie.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, tenant string, login *oauthkit.Login) (*Session, error) {
	now := h.now()
	s := &Session{
		ID:       newID(),
		Provider: login.Provider,
		Tenant:   tenant,
		Subject:  login.UserInfo.Subject,
		Name:     login.UserInfo.Name,
		Email:    login.UserInfo.Email,
		LoginAt:  now,
		Expires:  now.Add(h.cfg.SessionMaxAge),
	}
	st := &StoredTokens{Token: login.Token, Expires: s.Expires}
	if login.Token != nil {
		st.IDToken, _ = login.Token.Extra("id_token").(string)
	}
	if err := h.tokens.Save(r.Context(), s.ID, st); err != nil {
		return nil, fmt.Errorf("token store: %w", err)
	}
	if h.cfg.OnLogin != nil {
		if err := h.cfg.OnLogin(r, s, login); err != nil {
			h.tokens.Delete(r.Context(), s.ID)
			return nil, fmt.Errorf("OnLogin: %w", err)
		}
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    h.sealer.Seal(raw, sessionAD),
		Path:     "/",
		MaxAge:   int(h.cfg.SessionMaxAge / time.Second),
		HttpOnly: true,
		Secure:   secure(r),
		SameSite: http.SameSiteLaxMode,
	})
	return s, nil
}

func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookieSession opens the session cookie, without asking the token store.
func (h *Handler) cookieSession(r *http.Request) (*Session, error) {
	c, err := r.Cookie(SessionCookie)
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
// expired, and its tokens still in the token store (so a copy of the
// cookie is worthless after logout). The error is [ErrNotLoggedIn] when
// there is no valid session.
func (h *Handler) Session(r *http.Request) (*Session, error) {
	if s, ok := r.Context().Value(sessionKey{}).(*Session); ok {
		return s, nil
	}
	s, err := h.cookieSession(r)
	if err != nil {
		return nil, err
	}
	if _, err := h.tokens.Load(r.Context(), s.ID); err != nil {
		if errors.Is(err, ErrNoTokens) {
			return nil, fmt.Errorf("%w (session ended)", ErrNotLoggedIn)
		}
		return nil, err
	}
	return s, nil
}

type sessionKey struct{}

// SessionFrom returns the session [Handler.RequireLogin] put in r's
// context, or nil.
func SessionFrom(r *http.Request) *Session {
	s, _ := r.Context().Value(sessionKey{}).(*Session)
	return s
}

// RequireLogin serves next to requests with a valid session, which
// [SessionFrom] then returns; a GET or HEAD without one is redirected to
// Config.SignInPath with return_to, anything else is answered 401.
func (h *Handler) RequireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := h.Session(r)
		if err != nil {
			if !errors.Is(err, ErrNotLoggedIn) {
				h.fail(w, r, &Error{Kind: KindInternal, Status: http.StatusInternalServerError, Err: err})
				return
			}
			if h.cfg.SignInPath != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				http.Redirect(w, r, h.cfg.SignInPath+"?return_to="+url.QueryEscape(SafeReturnTo(r.URL.RequestURI())), http.StatusFound)
				return
			}
			h.fail(w, r, &Error{Kind: KindNotLoggedIn, Status: http.StatusUnauthorized, Err: err})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, s)))
	})
}

// endSession ends the request's session, if it has one: its tokens are
// deleted, OnLogout is told, and the cookie is cleared. It returns the
// session and its tokens (nil when there was none).
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) (*Session, *StoredTokens) {
	if _, err := r.Cookie(SessionCookie); err != nil {
		return nil, nil
	}
	h.deleteCookie(w, r, SessionCookie, "/")
	s, err := h.cookieSession(r)
	if err != nil {
		return nil, nil
	}
	st, _ := h.tokens.Load(r.Context(), s.ID)
	if err := h.tokens.Delete(r.Context(), s.ID); err != nil {
		h.log.Error("web: token store delete failed", "provider", s.Provider, "err", err)
	}
	if h.cfg.OnLogout != nil {
		h.cfg.OnLogout(r, s)
	}
	return s, st
}
