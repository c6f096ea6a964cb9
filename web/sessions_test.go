package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// alive reports whether replica i still takes cookie as a session.
func (f *fleet) alive(i int, cookie *http.Cookie) bool {
	f.t.Helper()
	_, err := f.replicas[i].Session(request(cookie))
	if err != nil && !errors.Is(err, web.ErrNotLoggedIn) {
		f.t.Fatalf("Session: %v", err)
	}
	return err == nil
}

// TestFleetSessionsSurviveRestart: every replica is replaced by a new one
// (same Keys, same store): the session, and its refresh, go on.
func TestFleetSessionsSurviveRestart(t *testing.T) {
	fleetSessionsSurviveRestart(t, memoryStores())
}

func fleetSessionsSurviveRestart(t *testing.T, stores func(*testing.T) web.TokenStore) {
	f := newFleet(t, 3, stores, nil)
	cookie := f.login("u1", time.Now().Add(-time.Minute))
	f.replicas = nil
	for range 3 {
		f.add(stores(t), nil) // the restarted replicas
	}
	for i := range f.replicas {
		if !f.alive(i, cookie) {
			t.Fatalf("restarted replica %d: the session is gone", i)
		}
		if _, err := f.token(i, cookie); err != nil {
			t.Fatalf("restarted replica %d: token: %v", i, err)
		}
	}
	if n := f.idp.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

// TestEndSessionsEverywhere: EndSessions on one replica ends every session
// of the user on every replica, and no other user's.
func TestEndSessionsEverywhere(t *testing.T) {
	fleetEndSessionsEverywhere(t, memoryStores())
}

func fleetEndSessionsEverywhere(t *testing.T, stores func(*testing.T) web.TokenStore) {
	f := newFleet(t, 3, stores, nil)
	later := time.Now().Add(time.Hour)
	a, b, other := f.login("u1", later), f.login("u1", later), f.login("u2", later)
	n, err := f.replicas[1].EndSessions(context.Background(), "idp", "", "u1")
	must(t, err)
	if n != 2 {
		t.Errorf("EndSessions ended %d sessions, want 2", n)
	}
	for i := range f.replicas {
		if f.alive(i, a) || f.alive(i, b) {
			t.Errorf("replica %d still takes an ended session", i)
		}
		if !f.alive(i, other) {
			t.Errorf("replica %d: another user's session ended", i)
		}
	}
}

// bclIDP is an idp that sends back-channel logout tokens; its "verifier"
// knows the tokens the test made (the real checks are each vendor's and
// internal/discovery's, tested there).
type bclIDP struct {
	*idp
	mu     sync.Mutex
	tokens map[string]*oauthkit.LogoutToken
}

func (p *bclIDP) VerifyLogoutToken(_ context.Context, raw string) (*oauthkit.LogoutToken, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lt, ok := p.tokens[raw]
	if !ok {
		return nil, oauthkit.ErrInvalidLogoutToken
	}
	return lt, nil
}

// backchannel posts a logout token to replica i's back-channel endpoint.
func (f *fleet) backchannel(i int, token string) int {
	form := url.Values{"logout_token": {token}}
	r := httptest.NewRequest("POST", "https://app.example/auth/idp/backchannel-logout", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	f.replicas[i].ServeHTTP(w, r)
	return w.Code
}

// TestBackchannelLogout: a verified logout token posted to one replica ends
// the user's sessions on every replica; the same token again, or a token
// the provider does not verify, is refused with 400 and ends nothing; a
// token with a sid no session has ends its sub's sessions without sid.
func TestBackchannelLogout(t *testing.T) {
	fleetBackchannelLogout(t, memoryStores())
}

func fleetBackchannelLogout(t *testing.T, stores func(*testing.T) web.TokenStore) {
	p := &bclIDP{tokens: map[string]*oauthkit.LogoutToken{}}
	f := newFleet(t, 3, stores, func(c *web.Config) {
		p.idp = c.Providers[0].(*idp)
		c.Providers = []oauthkit.Provider{p}
	})
	later := time.Now().Add(time.Hour)
	a, b, other := f.login("u1", later), f.login("u1", later), f.login("u2", later)
	p.tokens["lt-u1"] = &oauthkit.LogoutToken{Issuer: "https://idp.example", Subject: "u1", ID: "jti-1", IssuedAt: time.Now(), Expiry: later}

	if got := f.backchannel(2, "forged"); got != http.StatusBadRequest {
		t.Errorf("a forged logout token: %d, want 400", got)
	}
	for i := range f.replicas {
		if !f.alive(i, a) {
			t.Fatal("a refused logout token ended a session")
		}
	}
	if got := f.backchannel(1, "lt-u1"); got != http.StatusOK {
		t.Fatalf("a valid logout token: %d, want 200", got)
	}
	for i := range f.replicas {
		if f.alive(i, a) || f.alive(i, b) {
			t.Errorf("replica %d still takes a session the logout token ended", i)
		}
		if !f.alive(i, other) {
			t.Errorf("replica %d: another user's session ended", i)
		}
	}
	again := f.login("u1", later)
	if got := f.backchannel(0, "lt-u1"); got != http.StatusBadRequest {
		t.Errorf("the same logout token again (on another replica): %d, want 400", got)
	}
	if !f.alive(2, again) {
		t.Error("a replayed logout token ended the user's new session")
	}

	// A sid no session is filed under, with a sub: the sub's sessions whose
	// login named no sid (these logins had no ID token) end, on every
	// replica; nobody else's.
	p.mu.Lock()
	p.tokens["lt-u2-sid"] = &oauthkit.LogoutToken{Issuer: "https://idp.example", Subject: "u2", SessionID: "gone", ID: "jti-2", IssuedAt: time.Now(), Expiry: later}
	p.mu.Unlock()
	if got := f.backchannel(2, "lt-u2-sid"); got != http.StatusOK {
		t.Fatalf("a logout token with an unknown sid: %d, want 200", got)
	}
	for i := range f.replicas {
		if f.alive(i, other) {
			t.Errorf("replica %d still takes a session without sid of the logout token's sub", i)
		}
		if !f.alive(i, again) {
			t.Errorf("replica %d: another user's session ended", i)
		}
	}
}

// TestBackchannelLogoutOnlyForProvidersThatSendIt: a provider that does
// not implement LogoutTokenVerifier has no back-channel endpoint.
func TestBackchannelLogoutOnlyForProvidersThatSendIt(t *testing.T) {
	f := newFleet(t, 1, memoryStores(), nil)
	if got := f.backchannel(0, "anything"); got != http.StatusNotFound {
		t.Errorf("back-channel logout for a provider without it: %d, want 404", got)
	}
}

// TestIdleTimeout: a session unused for longer than IdleTimeout ends; each
// use moves its end on; the absolute end holds however active it is.
func TestIdleTimeout(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	store := web.NewMemoryTokenStore()
	store.Now = clock
	f := newFleet(t, 1, func(*testing.T) web.TokenStore { return store }, func(c *web.Config) {
		c.Now = clock
		c.IdleTimeout = time.Hour
		c.SessionMaxAge = 3 * time.Hour
	})
	cookie := f.login("u1", now.Add(24*time.Hour))
	for range 3 { // 3 × 55 min: active past the idle timeout, within the maximum
		now = now.Add(55 * time.Minute)
		s, err := f.replicas[0].Session(request(cookie))
		if err != nil {
			t.Fatalf("an active session ended: %v", err)
		}
		if want := now.Add(time.Hour); !s.Ends().Equal(want) && !s.Ends().Equal(s.Expires) {
			t.Errorf("Ends: %v, want %v (or the absolute end)", s.Ends(), want)
		}
	}
	now = now.Add(30 * time.Minute) // 3 h 15 min after the login
	if f.alive(0, cookie) {
		t.Error("the session outlived SessionMaxAge")
	}

	idle := f.login("u2", now.Add(24*time.Hour))
	now = now.Add(61 * time.Minute)
	if f.alive(0, idle) {
		t.Error("a session idle for longer than IdleTimeout still works")
	}
}

// TestClientRenewsARejectedToken: an API that answers 401 invalid_token to
// the session's token gets the request once more with a renewed token.
func TestClientRenewsARejectedToken(t *testing.T) {
	f := newFleet(t, 1, memoryStores(), nil)
	cookie := f.login("u1", time.Now().Add(time.Hour))
	var mu sync.Mutex
	var seen []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		n := len(seen)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer api.Close()
	resp, err := f.replicas[0].Client(request(cookie), nil).Get(api.URL)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 after one renewal", resp.StatusCode)
	}
	if len(seen) != 2 || seen[0] == seen[1] || !strings.HasPrefix(seen[1], "Bearer ") {
		t.Errorf("%d requests, the second with a new token: %v", len(seen), seen[0] != seen[1])
	}
	if n := f.idp.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

// TestLogoutRevokesTheRefreshToken: logout asks a provider with a
// revocation endpoint to revoke the session's refresh token.
func TestLogoutRevokesTheRefreshToken(t *testing.T) {
	store := web.NewMemoryTokenStore()
	f := newFleet(t, 1, func(*testing.T) web.TokenStore { return store }, nil)
	cookie := f.login("u1", time.Now().Add(time.Hour))
	s, err := f.replicas[0].Session(request(cookie))
	must(t, err)
	st, err := store.Load(context.Background(), s.ID)
	must(t, err)
	r := httptest.NewRequest("POST", "https://app.example/auth/logout", nil)
	r.AddCookie(cookie)
	w := httptest.NewRecorder()
	f.replicas[0].ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", w.Code)
	}
	f.idp.mu.Lock()
	revoked := append([]string(nil), f.idp.revoked...)
	f.idp.mu.Unlock()
	if len(revoked) != 1 || revoked[0] != st.Token.RefreshToken {
		t.Errorf("revoked %d tokens, want the session's refresh token", len(revoked))
	}
}

// TestRefreshAfterLogoutDoesNotBringTheSessionBack: a refresh that
// finishes after the session was logged out on another replica does not
// store its tokens (the session stays ended) and revokes the new refresh
// token.
func TestRefreshAfterLogoutDoesNotBringTheSessionBack(t *testing.T) {
	f := newFleet(t, 2, memoryStores(), nil)
	gate := make(chan struct{})
	f.idp.gate = gate
	cookie := f.login("u1", time.Now().Add(-time.Minute))
	done := make(chan error, 1)
	go func() {
		_, err := f.token(0, cookie)
		done <- err
	}()
	<-f.idp.entered
	r := httptest.NewRequest("POST", "https://app.example/auth/logout", nil)
	r.AddCookie(cookie)
	f.replicas[1].ServeHTTP(httptest.NewRecorder(), r)
	close(gate)
	if err := <-done; !oauthkit.NeedsLogin(err) {
		t.Errorf("a refresh finished after logout: %v, want an error for which NeedsLogin is true", err)
	}
	for i := range f.replicas {
		if f.alive(i, cookie) {
			t.Errorf("replica %d: the logged-out session came back", i)
		}
	}
	f.idp.mu.Lock()
	n := len(f.idp.revoked)
	f.idp.mu.Unlock()
	if n != 2 { // the old refresh token at logout, the new one after the refresh
		t.Errorf("%d refresh tokens revoked, want 2", n)
	}
}
