package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/idsub"
	"github.com/seed-e8f4a5f7/oauthkit/internal/leased"
)

// TokenSource returns the logged-in user's tokens for r's session as an
// [oauth2.TokenSource] that refreshes them ahead of expiry and writes the
// refreshed tokens back to the token store.
//
// A session's refresh token is sent once, by one caller of the whole
// fleet: the one that holds the session's refresh lease in the
// [TokenStore] (and, within a process, a lock per session). Every other
// caller — another goroutine, another replica — gets the still-valid token
// at once, or, once it has expired, waits for the holder's new token; when
// the holder takes longer than the lease it fails with [ErrRefreshBusy]
// rather than send the same refresh token again, and when the store cannot
// be reached with [ErrUnavailable] (both retryable: answer 503).
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
	s, st, err := ss.h.load(ss.r)
	if err != nil {
		return nil, err
	}
	return ss.h.sessionToken(ss.r, s, st, "")
}

// ErrRefreshBusy: another caller — usually another replica — holds the
// session's refresh lease and did not finish in time, and the session's
// access token has expired. The refresh token is not sent a second time;
// try again shortly (the handlers answer 503).
var ErrRefreshBusy = fmt.Errorf("web: the session's refresh is in progress elsewhere: %w", ErrUnavailable)

const (
	// expiryMargin is how long before its expiry a token is refreshed.
	expiryMargin = 30 * time.Second
	// refreshTimeout bounds one refresh request; leaseMargin is how much
	// longer a session's refresh lease lasts, for the write back, so that
	// the lease never ends while its holder may still be sending. A caller
	// that finds the lease held waits at most the lease for the holder's
	// token.
	refreshTimeout = 30 * time.Second
	leaseMargin    = 10 * time.Second
	// How a caller polls the store for the lease holder's token: backoff
	// from pollMin, doubling up to pollMax, in real time.
	pollMin = 5 * time.Millisecond
	pollMax = 200 * time.Millisecond
)

// sessionToken returns a usable access token for session s, whose state st
// was just loaded. rejected, when set, is an access token a resource server
// refused (401 invalid_token): it is renewed even before it expires, unless
// another caller already replaced it.
func (h *Handler) sessionToken(r *http.Request, s *Session, st *StoredTokens, rejected string) (*oauth2.Token, error) {
	if st.Token == nil {
		return nil, ErrNotLoggedIn
	}
	if rejected == "" && h.fresh(st.Token) {
		return st.Token, nil
	}
	p, _, err := h.provider(r, s.Provider, s.Tenant)
	if err != nil {
		return nil, fmt.Errorf("web: token source: %w", err)
	}
	ctx := r.Context()
	// A token that is still valid is renewed ahead, in the background, by
	// the one caller that gets both the process's lock and the fleet's
	// lease; everyone else goes on with it meanwhile.
	ahead := rejected == "" && h.valid(st.Token)
	var unlock func()
	if ahead {
		var ok bool
		if unlock, ok = h.locks.tryLock(s.ID); !ok {
			return st.Token, nil
		}
	} else {
		unlock = h.locks.lock(s.ID)
	}
	handedOff := false
	defer func() {
		if !handedOff {
			unlock()
		}
	}()
	// Another goroutine of this process may have renewed it while this one
	// waited for the lock. (A refresh ahead took the lock without waiting:
	// the reload after taking the lease below catches a renewal that
	// finished just before.)
	if !ahead {
		if st, err = h.reload(ctx, s); err != nil {
			return nil, err
		}
	}
	if rejected != "" && !sameToken(st.Token.AccessToken, rejected) {
		rejected = "" // already replaced
	}
	if rejected == "" && h.fresh(st.Token) {
		return st.Token, nil
	}
	if st.Token.RefreshToken == "" {
		if rejected == "" && h.valid(st.Token) {
			return st.Token, nil
		}
		return nil, fmt.Errorf("web: %s: %w", p.Name(), oauthkit.ErrNoRefreshToken)
	}
	if rejected != "" || !h.valid(st.Token) {
		return h.refreshShared(ctx, p, s, st, rejected != "")
	}
	l, err := h.takeLease(ctx, s)
	if err != nil {
		if !errors.Is(err, ErrLeaseHeld) {
			h.log.Warn("web: token store lease failed; serving the still-valid token", "provider", s.Provider, "err", err)
		}
		return st.Token, nil
	}
	cur, err := h.reload(ctx, s) // the previous holder may have written just before releasing
	if err != nil || !sameToken(cur.Token.AccessToken, st.Token.AccessToken) {
		h.release(ctx, s, l)
		if err != nil {
			return nil, err
		}
		return cur.Token, nil
	}
	handedOff = true
	go func() {
		defer unlock()
		bctx := context.WithoutCancel(ctx)
		defer h.release(bctx, s, l)
		if _, err := h.refreshHeld(bctx, p, s, cur, true, l); err != nil {
			h.log.Warn("web: refresh ahead of expiry failed; the still-valid token is served until it expires", "provider", s.Provider, "err", err)
		}
	}()
	return st.Token, nil
}

// lease is a session's refresh lease in the store, held by this caller.
type lease struct {
	release func(context.Context) error
	// until is when the lease runs out at the latest: its TTL from just
	// before it was asked for, in real time.
	until time.Time
	// keep: the refreshed tokens could not be written back (see
	// refreshHeld), so the lease is not given back by its taker; the
	// write-back retry (see writeBack) gives it back once the tokens are
	// written, or lets it run out.
	keep bool
}

// takeLease takes session s's refresh lease (see [TokenStore.Lease]).
func (h *Handler) takeLease(ctx context.Context, s *Session) (*lease, error) {
	until := time.Now().Add(h.leaseTTL)
	release, err := h.tokens.Lease(ctx, s.ID, h.leaseTTL)
	if err != nil {
		return nil, err
	}
	return &lease{release: release, until: until}, nil
}

// release gives the session's refresh lease back, even after ctx ended,
// unless it is kept (see lease.keep).
func (h *Handler) release(ctx context.Context, s *Session, l *lease) {
	if !l.keep {
		h.giveBack(ctx, s, l)
	}
}

// giveBack releases l, even after ctx ended.
func (h *Handler) giveBack(ctx context.Context, s *Session, l *lease) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := l.release(rctx); err != nil {
		h.log.Warn("web: token store: releasing a refresh lease failed", "provider", s.Provider, "err", err)
	}
}

// refreshShared renews st under the session's lease in the store: it takes
// the lease and refreshes, or serves the still-valid token, or waits for
// the holder's new token. It never sends the refresh token without the
// lease.
func (h *Handler) refreshShared(ctx context.Context, p oauthkit.Provider, s *Session, st *StoredTokens, rejected bool) (*oauth2.Token, error) {
	old := st.Token.AccessToken
	deadline := time.Now().Add(h.leaseTTL)
	delay := pollMin
	for {
		l, err := h.takeLease(ctx, s)
		switch {
		case err == nil:
			defer h.release(ctx, s, l)
			// The previous holder may have written just before releasing.
			cur, err := h.reload(ctx, s)
			if err != nil {
				return nil, err
			}
			if !sameToken(cur.Token.AccessToken, old) && h.valid(cur.Token) {
				return cur.Token, nil
			}
			return h.refreshHeld(ctx, p, s, cur, rejected, l)
		case errors.Is(err, ErrLeaseHeld):
			if !rejected && h.valid(st.Token) {
				return st.Token, nil // the holder renews it; this one still works
			}
		default:
			if !rejected && h.valid(st.Token) {
				h.log.Warn("web: token store lease failed; serving the still-valid token", "provider", s.Provider, "err", err)
				return st.Token, nil
			}
			return nil, fmt.Errorf("web: token source: %w: %w", ErrUnavailable, err)
		}
		wait := min(delay, time.Until(deadline))
		if wait <= 0 {
			return nil, ErrRefreshBusy
		}
		if httpc.Sleep(ctx, wait) != nil {
			return nil, fmt.Errorf("web: token source: %w", ctx.Err())
		}
		delay = min(2*delay, pollMax)
		cur, err := h.reload(ctx, s)
		if err != nil {
			return nil, err
		}
		if !sameToken(cur.Token.AccessToken, old) && h.valid(cur.Token) {
			return cur.Token, nil
		}
	}
}

// refreshHeld sends st's refresh token, under the session's lease l, and
// writes the new tokens back while the session still exists.
//
// When the write back fails (the store is down or slow), the store may
// still hold the old refresh token, which the provider has just spent (and
// UniSignIn, Justimmo and Keycloak punish a second use of by revoking the
// whole token family). The lease is then kept, not released: until it
// runs out no caller on any replica takes it, so none sends the spent
// token; they serve a still-valid token or wait. Meanwhile writeBack
// tries the write again, and releases the lease once it lands; waiting
// callers then find the new tokens. Only if the store takes no write
// before the lease runs out may the old token be sent, and refused.
func (h *Handler) refreshHeld(ctx context.Context, p oauthkit.Provider, s *Session, st *StoredTokens, rejected bool, l *lease) (*oauth2.Token, error) {
	rctx, cancel := context.WithTimeout(ctx, h.refreshTimeout)
	defer cancel()
	next, err := p.Refresh(rctx, st.Token.RefreshToken)
	if err != nil {
		if oauthkit.NeedsLogin(err) {
			h.dropRefreshToken(ctx, s, st)
			return nil, err
		}
		if !rejected && h.valid(st.Token) {
			h.log.Warn("web: refresh failed; serving the still-valid token", "provider", s.Provider, "err", err)
			return st.Token, nil
		}
		return nil, err
	}
	if next.RefreshToken == "" { // not rotated: keep the one that still works
		kept := *next
		kept.RefreshToken = st.Token.RefreshToken
		next = &kept
	}
	// The write back outlives a cancelled request: the refresh token has
	// rotated, and only the store may keep the new one.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer wcancel()
	saved := *st
	saved.Token = next
	if !idsub.Keeps(s.Subject, next) {
		return nil, h.endForSubject(wctx, p, s, next.RefreshToken)
	}
	if id, ok := next.Extra("id_token").(string); ok && id != "" {
		saved.IDToken = id
	}
	if err := h.replace(wctx, s, &saved, l); err != nil {
		if errors.Is(err, ErrNoTokens) {
			h.revokeToken(wctx, p, s, next.RefreshToken)
			return nil, fmt.Errorf("%w (session ended during the refresh)", ErrNotLoggedIn)
		}
		l.keep = true // no caller sends the spent refresh token while the lease lasts
		h.log.Warn("web: token store: the refreshed tokens could not be saved; retrying while the refresh lease lasts", "provider", s.Provider, "err", err)
		go h.writeBack(context.WithoutCancel(ctx), p, s, &saved, l)
	}
	return next, nil
}

const (
	// How writeBack spaces its attempts: backoff from writeBackMin,
	// doubling up to writeBackMax, in real time. Every write of refreshed
	// tokens (see replace) is bounded by writeBackTimeout and ends
	// leased.Guard before the lease runs out, so that none lands after
	// another caller may have taken the lease and read the spent refresh
	// token.
	writeBackMin     = 50 * time.Millisecond
	writeBackMax     = 2 * time.Second
	writeBackTimeout = 5 * time.Second
)

// writeBack writes saved, the tokens a refresh under lease l returned, for
// session s after the first write failed: again and again, with backoff,
// while l lasts. Once the store takes them it releases l, and the session
// goes on with the new refresh token; when the session ended meanwhile it
// revokes that token; when l is about to run out first it lets l run out
// (see refreshHeld).
func (h *Handler) writeBack(ctx context.Context, p oauthkit.Provider, s *Session, saved *StoredTokens, l *lease) {
	delay := writeBackMin
	for attempt := 2; ; attempt++ {
		if !leased.Left(l.until, delay) {
			h.log.Error("web: token store: the refreshed tokens could not be saved before the refresh lease ran out; the session may have to log in again once its token expires", "provider", s.Provider, "attempts", attempt-1)
			return
		}
		if httpc.Sleep(ctx, delay) != nil {
			return
		}
		delay = min(2*delay, writeBackMax)
		switch err := h.replace(ctx, s, saved, l); {
		case err == nil:
			h.log.Info("web: token store: the refreshed tokens were saved", "provider", s.Provider, "attempts", attempt)
			h.giveBack(ctx, s, l)
			return
		case errors.Is(err, ErrNoTokens):
			h.revokeToken(ctx, p, s, saved.Token.RefreshToken)
			return
		}
	}
}

// replace writes t, the tokens a refresh under lease l returned, for
// session s: with the lease, never after it (see writeBack's constants).
func (h *Handler) replace(ctx context.Context, s *Session, t *StoredTokens, l *lease) error {
	ctx, cancel := leased.Write(ctx, l.until, writeBackTimeout)
	defer cancel()
	return h.tokens.Replace(ctx, s.ID, t)
}

// dropRefreshToken saves st without its refresh token, which the provider
// has just refused for good: no caller on any replica sends it again, and
// the session's next token request fails with [oauthkit.ErrNoRefreshToken]
// once the access token is no longer valid.
func (h *Handler) dropRefreshToken(ctx context.Context, s *Session, st *StoredTokens) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	tok := *st.Token
	tok.RefreshToken = ""
	saved := *st
	saved.Token = &tok
	if err := h.tokens.Replace(wctx, s.ID, &saved); err != nil && !errors.Is(err, ErrNoTokens) {
		h.log.Warn("web: token store: the refused refresh token could not be dropped", "provider", s.Provider, "err", err)
	}
}

// reload reads the session's state from the store again.
func (h *Handler) reload(ctx context.Context, s *Session) (*StoredTokens, error) {
	st, err := h.tokens.Load(ctx, s.ID)
	switch {
	case errors.Is(err, ErrNoTokens):
		return nil, fmt.Errorf("%w (session ended)", ErrNotLoggedIn)
	case err != nil:
		return nil, fmt.Errorf("web: token source: %w: %w", ErrUnavailable, err)
	case st.Token == nil:
		return nil, ErrNotLoggedIn
	}
	return st, nil
}

// fresh: tok does not need renewing yet.
func (h *Handler) fresh(tok *oauth2.Token) bool {
	return tok.Expiry.IsZero() || h.now().Add(expiryMargin).Before(tok.Expiry)
}

// valid: tok has not expired.
func (h *Handler) valid(tok *oauth2.Token) bool {
	return tok.AccessToken != "" && (tok.Expiry.IsZero() || h.now().Before(tok.Expiry))
}

func sameToken(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

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
	return k.unlocker(key, l)
}

// tryLock is lock if key's mutex is free, else ok is false.
func (k *keyedMutex) tryLock(key string) (unlock func(), ok bool) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	if !l.TryLock() {
		k.mu.Unlock()
		return nil, false
	}
	l.n++
	k.mu.Unlock()
	return k.unlocker(key, l), true
}

func (k *keyedMutex) unlocker(key string, l *keyLock) func() {
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.n--; l.n == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
