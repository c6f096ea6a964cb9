package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// TokenSource returns the logged-in user's tokens for r's session as an
// [oauth2.TokenSource] that refreshes them ahead of expiry and writes the
// refreshed tokens back to the token store. For a provider that implements
// [oauthkit.UserTokenProvider] (every vendor here) the refresh goes through
// its token cache, one at a time per session, each with the newest refresh
// token; for another provider through [oauthkit.Provider.Refresh], under a
// lock per session.
//
// When there is no session, or its refresh token is dead or missing, Token
// fails with an error for which [oauthkit.NeedsLogin] is true: send the
// user to the login again. The source is bound to r's context; make one
// per request.
func (h *Handler) TokenSource(r *http.Request) oauth2.TokenSource {
	return &sessionSource{h: h, r: r}
}

type sessionSource struct {
	h *Handler
	r *http.Request
}

// Token implements [oauth2.TokenSource].
func (ss *sessionSource) Token() (*oauth2.Token, error) {
	h, r := ss.h, ss.r
	ctx := r.Context()
	s, err := h.Session(r)
	if err != nil {
		return nil, err
	}
	p, _, err := h.provider(r, s.Provider, s.Tenant)
	if err != nil {
		return nil, fmt.Errorf("web: token source: %w", err)
	}
	unlock := h.locks.lock(s.ID)
	defer unlock()
	st, err := h.tokens.Load(ctx, s.ID)
	if err != nil {
		if errors.Is(err, ErrNoTokens) {
			return nil, ErrNotLoggedIn
		}
		return nil, err
	}
	if st.Token == nil {
		return nil, ErrNotLoggedIn
	}
	var tok *oauth2.Token
	if utp, ok := p.(oauthkit.UserTokenProvider); ok {
		tok, err = utp.UserTokenSource(s.ID, st.Token).Token()
	} else {
		tok, err = refreshDirect(ctx, p, st.Token, h.now())
	}
	if err != nil {
		return nil, err
	}
	if tok.AccessToken != st.Token.AccessToken || tok.RefreshToken != st.Token.RefreshToken {
		next := *st
		next.Token = tok
		if err := h.tokens.Save(ctx, s.ID, &next); err != nil {
			return nil, fmt.Errorf("web: token store: %w", err)
		}
	}
	return tok, nil
}

// expiryMargin is how long before its expiry a token is refreshed.
const expiryMargin = 30 * time.Second

func refreshDirect(ctx context.Context, p oauthkit.Provider, tok *oauth2.Token, now time.Time) (*oauth2.Token, error) {
	if tok.Expiry.IsZero() || now.Add(expiryMargin).Before(tok.Expiry) {
		return tok, nil
	}
	if tok.RefreshToken == "" {
		return nil, fmt.Errorf("web: %s: %w", p.Name(), oauthkit.ErrNoRefreshToken)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	next, err := p.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		return nil, err
	}
	if next.RefreshToken == "" {
		kept := *next
		kept.RefreshToken = tok.RefreshToken
		next = &kept
	}
	return next, nil
}

// keyedMutex is one mutex per key, dropped when unused.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	n int
}

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.n++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.n--; l.n == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
