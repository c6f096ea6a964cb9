package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// idp is a provider whose Refresh behaves like a server that rotates
// refresh tokens and revokes the whole family when one is sent twice
// (UniSignIn, Justimmo, Keycloak): it records every refresh token it
// receives. gate, when set, holds each refresh until it is closed (or the
// refresh's ctx ends).
type idp struct {
	name  string
	life  time.Duration
	now   func() time.Time // zero: time.Now
	delay time.Duration    // how long a refresh takes (benchmarks)

	mu       sync.Mutex
	live     map[string]bool // refresh token → not yet used
	received map[string]int  // refresh token → times received
	revoked  []string
	n        int
	dead     bool // a refresh token was sent twice: the family is revoked

	refreshes atomic.Int64
	entered   chan struct{} // a refresh started (buffered, lossy)
	gate      chan struct{}
}

func newIDP(name string) *idp {
	return &idp{name: name, life: time.Hour, live: map[string]bool{}, received: map[string]int{}, entered: make(chan struct{}, 1024)}
}

// issue returns a new token pair.
func (p *idp) issue(expiry time.Time) *oauth2.Token {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	rt := fmt.Sprintf("rt-%s-%d", p.name, p.n)
	p.live[rt] = true
	return &oauth2.Token{AccessToken: fmt.Sprintf("at-%s-%d", p.name, p.n), RefreshToken: rt, TokenType: "Bearer", Expiry: expiry}
}

func (p *idp) Name() string { return p.name }
func (p *idp) Discover(context.Context) (*oauthkit.Endpoints, error) {
	return &oauthkit.Endpoints{}, nil
}
func (p *idp) AuthCodeURL(context.Context, ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	return nil, errors.ErrUnsupported
}
func (p *idp) Exchange(context.Context, string, *oauthkit.AuthRequest) (*oauth2.Token, error) {
	return nil, errors.ErrUnsupported
}
func (p *idp) ClientCredentials(context.Context) (*oauth2.Token, error) {
	return nil, errors.ErrUnsupported
}

func (p *idp) Refresh(ctx context.Context, rt string) (*oauth2.Token, error) {
	p.refreshes.Add(1)
	p.mu.Lock()
	p.received[rt]++
	ok := p.live[rt] // the server takes the token when the request arrives
	delete(p.live, rt)
	if !ok {
		p.dead = true
	}
	gate := p.gate
	p.mu.Unlock()
	select {
	case p.entered <- struct{}{}:
	default:
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if !ok {
		return nil, &oauthkit.Error{Provider: p.name, Op: oauthkit.OpRefresh, StatusCode: 400, Code: string(oauthkit.ErrInvalidGrant)}
	}
	if p.delay > 0 { // the provider's answer time (benchmarks), cut short by ctx
		t := time.NewTimer(p.delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	return p.issue(now().Add(p.life)), nil
}

func (p *idp) RevokeToken(_ context.Context, token, hint string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked = append(p.revoked, token)
	delete(p.live, token)
	return nil
}

// sentTwice returns how many refresh tokens the idp received more than once.
func (p *idp) sentTwice() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.received {
		if c > 1 {
			n++
		}
	}
	return n
}

// fleet is n replicas of one app: handlers with the same Keys over one
// shared TokenStore (each replica's own store value, over one backend).
type fleet struct {
	t        *testing.T
	idp      *idp
	replicas []*web.Handler
	stores   []web.TokenStore
	key      []byte
}

// newFleet starts n replicas; newStore returns each replica's store.
func newFleet(t *testing.T, n int, newStore func(t *testing.T) web.TokenStore, mod func(*web.Config)) *fleet {
	t.Helper()
	f := &fleet{t: t, idp: newIDP("idp"), key: newKey()}
	for range n {
		f.add(newStore(t), mod)
	}
	return f
}

// add starts one more replica over store.
func (f *fleet) add(store web.TokenStore, mod func(*web.Config)) *web.Handler {
	cfg := web.Config{Providers: []oauthkit.Provider{f.idp}, Keys: [][]byte{f.key}, Tokens: store}
	if mod != nil {
		mod(&cfg)
	}
	h, err := web.New(cfg)
	must(f.t, err)
	f.replicas = append(f.replicas, h)
	f.stores = append(f.stores, store)
	return h
}

// login starts a session for subject on replica 0, with a token expiring
// at expiry (and sid, if set, in the index), and returns its cookie.
func (f *fleet) login(subject string, expiry time.Time) *http.Cookie {
	f.t.Helper()
	r := httptest.NewRequest("GET", "https://app.example/auth/idp/callback", nil)
	_, c, err := web.StartSession(f.replicas[0], r, "", &oauthkit.Login{Provider: f.idp.name, Token: f.idp.issue(expiry), UserInfo: oauthkit.UserInfo{Subject: subject}})
	must(f.t, err)
	if c == nil {
		f.t.Fatal("no session cookie")
	}
	return c
}

// request is a request of the browser holding cookie.
func request(cookie *http.Cookie) *http.Request {
	r := httptest.NewRequest("GET", "https://app.example/api", nil)
	r.AddCookie(cookie)
	return r
}

// token asks replica i for the session's token.
func (f *fleet) token(i int, cookie *http.Cookie) (*oauth2.Token, error) {
	return f.replicas[i].TokenSource(request(cookie)).Token()
}

func memoryStores() func(*testing.T) web.TokenStore {
	s := web.NewMemoryTokenStore()
	return func(*testing.T) web.TokenStore { return s }
}

// TestFleetOneRefreshPerSession: three replicas × many goroutines ask for
// one session's expired token at once: the refresh token is sent once, and
// everyone gets the one new token.
func TestFleetOneRefreshPerSession(t *testing.T) {
	fleetOneRefreshPerSession(t, memoryStores())
}

func fleetOneRefreshPerSession(t *testing.T, stores func(*testing.T) web.TokenStore) {
	f := newFleet(t, 3, stores, nil)
	cookie := f.login("u1", time.Now().Add(-time.Minute))
	const perReplica = 30
	var wg sync.WaitGroup
	got := make(chan string, 3*perReplica)
	for i := range f.replicas {
		for range perReplica {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, err := f.token(i, cookie)
				if err != nil {
					t.Errorf("replica %d: %v", i, err)
					return
				}
				got <- tok.AccessToken
			}()
		}
	}
	wg.Wait()
	close(got)
	seen := map[string]int{}
	for at := range got {
		seen[at]++
	}
	if n := f.idp.refreshes.Load(); n != 1 {
		t.Errorf("%d refresh requests for one session, want 1", n)
	}
	if n := f.idp.sentTwice(); n != 0 || f.idp.dead {
		t.Errorf("%d refresh tokens sent twice (the family is revoked: the user is logged out everywhere)", n)
	}
	if len(seen) != 1 {
		t.Errorf("the callers got %d different access tokens, want 1", len(seen))
	}
}

// countingStore counts the refused leases of a store (a caller polling
// while another holds the lease) and tells of them, and of each session
// replaced (a refresh written back), on its channels when set.
type countingStore struct {
	web.TokenStore
	refused   atomic.Int64
	failing   atomic.Bool   // every call fails, as a Redis that is down
	failLease atomic.Bool   // Lease fails, as a Redis slower than its timeout
	refusals  chan struct{} // a lease was refused (lossy)
	replaced  chan struct{} // a session was replaced (lossy)
}

// signal sends on ch without waiting; nil or full: dropped.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// await receives n signals from ch, failing t after limit.
func await(t testing.TB, ch chan struct{}, n int, limit time.Duration, what string) {
	t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for i := range n {
		select {
		case <-ch:
		case <-timer.C:
			t.Fatalf("%s: %d of %d in %v", what, i, n, limit)
		}
	}
}

func (s *countingStore) Replace(ctx context.Context, id string, t *web.StoredTokens) error {
	err := s.TokenStore.Replace(ctx, id, t)
	if err == nil {
		signal(s.replaced)
	}
	return err
}

var errDown = errors.New("store down")

func (s *countingStore) Lease(ctx context.Context, id string, ttl time.Duration) (func(context.Context) error, error) {
	if s.failing.Load() || s.failLease.Load() {
		return nil, errDown
	}
	release, err := s.TokenStore.Lease(ctx, id, ttl)
	if errors.Is(err, web.ErrLeaseHeld) {
		s.refused.Add(1)
		signal(s.refusals)
	}
	return release, err
}

func (s *countingStore) Load(ctx context.Context, id string) (*web.StoredTokens, error) {
	if s.failing.Load() {
		return nil, errDown
	}
	return s.TokenStore.Load(ctx, id)
}

func (s *countingStore) Delete(ctx context.Context, id string) error {
	if s.failing.Load() {
		return errDown
	}
	return s.TokenStore.Delete(ctx, id)
}

// TestFleetWaitsForTheSlowHolder: the provider takes longer than any short
// wait (the holder's refresh is held until the others have polled many
// times): no replica gives up and sends the refresh token itself; they all
// get the holder's token once it arrives.
func TestFleetWaitsForTheSlowHolder(t *testing.T) {
	fleetWaitsForTheSlowHolder(t, memoryStores())
}

func fleetWaitsForTheSlowHolder(t *testing.T, stores func(*testing.T) web.TokenStore) {
	refusals := make(chan struct{}, 64)
	f := newFleet(t, 3, func(t *testing.T) web.TokenStore {
		return &countingStore{TokenStore: stores(t), refusals: refusals}
	}, nil)
	gate := make(chan struct{})
	f.idp.gate = gate
	cookie := f.login("u1", time.Now().Add(-time.Minute))
	const callers = 12
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.token(i%3, cookie)
			errs <- err
		}()
	}
	<-f.idp.entered // the holder is at the provider
	await(t, refusals, 10, 30*time.Second, "the waiters' polls of the held lease")
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a caller failed: %v", err)
		}
	}
	if n := f.idp.refreshes.Load(); n != 1 {
		t.Errorf("%d refresh requests, want 1", n)
	}
	if n := f.idp.sentTwice(); n != 0 {
		t.Errorf("%d refresh tokens sent twice", n)
	}
}

// TestFleetGivesUpRetryablyWithoutResending: when the holder takes longer
// than the lease, a waiter whose token has expired fails with
// ErrRefreshBusy (retryable, not "log in again") instead of sending the
// same refresh token.
func TestFleetGivesUpRetryablyWithoutResending(t *testing.T) {
	f := newFleet(t, 2, memoryStores(), nil)
	for _, h := range f.replicas {
		web.SetRefreshTimeout(h, 30*time.Second, 10*time.Second)
	}
	web.SetRefreshTimeout(f.replicas[1], 50*time.Millisecond, 50*time.Millisecond) // the waiter's patience: its lease
	gate := make(chan struct{})
	f.idp.gate = gate
	cookie := f.login("u1", time.Now().Add(-time.Minute))
	holder := make(chan error, 1)
	go func() {
		_, err := f.token(0, cookie)
		holder <- err
	}()
	<-f.idp.entered
	_, err := f.token(1, cookie)
	if !errors.Is(err, web.ErrRefreshBusy) || !errors.Is(err, web.ErrUnavailable) || oauthkit.NeedsLogin(err) {
		t.Errorf("waiter: %v, want ErrRefreshBusy (retryable)", err)
	}
	close(gate)
	if err := <-holder; err != nil {
		t.Errorf("holder: %v", err)
	}
	if n := f.idp.refreshes.Load(); n != 1 {
		t.Errorf("%d refresh requests, want 1", n)
	}
}

// TestFleetStoreDownNeverRefreshesWithoutLease: when the store cannot
// take the lease, a still-valid token is served, an expired one fails with
// ErrUnavailable, and the refresh token is never sent; when the store is
// down altogether, pages answer 503 and a logout is refused rather than
// reported done; once the store is back the same cookies work.
func TestFleetStoreDownNeverRefreshesWithoutLease(t *testing.T) {
	store := &countingStore{TokenStore: web.NewMemoryTokenStore()}
	f := newFleet(t, 1, func(*testing.T) web.TokenStore { return store }, nil)
	h := f.replicas[0]
	stale := f.login("u1", time.Now().Add(10*time.Second)) // due for a refresh, still valid
	expired := f.login("u2", time.Now().Add(-time.Second))

	store.failLease.Store(true)
	if _, err := f.token(0, stale); err != nil {
		t.Errorf("a still-valid token while the lease fails: %v, want the token", err)
	}
	_, err := f.token(0, expired)
	if !errors.Is(err, web.ErrUnavailable) || oauthkit.NeedsLogin(err) {
		t.Errorf("an expired token while the lease fails: %v, want ErrUnavailable", err)
	}
	if n := f.idp.refreshes.Load(); n != 0 {
		t.Fatalf("%d refresh requests without a lease, want 0", n)
	}

	store.failing.Store(true)
	app := h.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	w := httptest.NewRecorder()
	app.ServeHTTP(w, request(stale))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("RequireLogin with the store down: %d, want 503", w.Code)
	}
	logout := httptest.NewRequest("POST", "https://app.example/auth/logout", nil)
	logout.AddCookie(stale)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, logout)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("logout with the store down: %d, want 503 (not a logout reported done)", w.Code)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == h.SessionCookieName() {
			t.Error("a logout that failed cleared the session cookie")
		}
	}

	store.failing.Store(false)
	store.failLease.Store(false)
	for _, c := range []*http.Cookie{stale, expired} {
		w = httptest.NewRecorder()
		app.ServeHTTP(w, request(c))
		if w.Code != http.StatusOK {
			t.Errorf("the same cookie once the store is back: %d, want 200", w.Code)
		}
		if _, err := f.token(0, c); err != nil {
			t.Errorf("token once the store is back: %v", err)
		}
	}
	for range 2 { // the stale token's refresh runs in the background
		select {
		case <-f.idp.entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d refresh requests once the store is back, want 2", f.idp.refreshes.Load())
		}
	}
}

// TestRefreshAheadServesTheValidToken: a token due for renewal but still
// valid is served at once to every caller of every replica while one
// background refresh runs (held here until every caller has returned), and
// the new token is served once it is stored.
func TestRefreshAheadServesTheValidToken(t *testing.T) {
	store := &countingStore{TokenStore: web.NewMemoryTokenStore(), replaced: make(chan struct{}, 1)}
	f := newFleet(t, 3, func(*testing.T) web.TokenStore { return store }, nil)
	gate := make(chan struct{})
	f.idp.gate = gate
	cookie := f.login("u1", time.Now().Add(10*time.Second))
	s, err := f.replicas[0].Session(request(cookie))
	must(t, err)
	st, err := store.Load(context.Background(), s.ID)
	must(t, err)
	old := st.Token.AccessToken
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := f.token(i%3, cookie)
			if err != nil || tok.AccessToken != old {
				t.Errorf("a caller during the refresh ahead: %v, old token served: %v", err, err == nil && tok.AccessToken == old)
			}
		}()
	}
	wg.Wait() // nobody waited for the held refresh
	<-f.idp.entered
	close(gate)
	await(t, store.replaced, 1, 10*time.Second, "the background refresh's write")
	tok, err := f.token(1, cookie)
	must(t, err)
	if tok.AccessToken == old {
		t.Error("the refreshed token is not served once it is stored")
	}
	if n := f.idp.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}
