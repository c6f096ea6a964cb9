package unisignin_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

// TestUserTokenSourceRotation: two request handlers hold sources for one
// user; across several refreshes, 200 concurrent callers each time trigger
// exactly one refresh, each with the newest refresh token, the old one is
// revoked by the fake, and OnTokenChange hands every rotated refresh token
// to the application.
func TestUserTokenSourceRotation(t *testing.T) {
	srv, clock := newFake(t, 8)
	var mu sync.Mutex
	var stored []*oauth2.Token // what the application persisted
	events := make(chan tokencache.RefreshEvent, 16)
	cache := tokencache.New(tokencache.Config{
		Clock:     clock,
		OnRefresh: func(ev tokencache.RefreshEvent) { events <- ev },
		OnTokenChange: func(ch tokencache.TokenChange) {
			assert.Equal(t, "42", ch.User, "the hook is told whose token it is")
			mu.Lock()
			stored = append(stored, ch.New)
			mu.Unlock()
		},
	})
	defer cache.Close()
	cfg := srv.Config()
	cfg.Cache, cfg.Now = cache, clock.Now
	p := mustNew(t, cfg)
	ctx := context.Background()

	login, err := p.PasswordToken(ctx, "ada@example.com", oauthkit.Secret("correct horse+battery"))
	require.NoError(t, err)
	a := p.UserTokenSource("42", login)
	b := p.UserTokenSource("42", login)
	_, err = a.Token()
	require.NoError(t, err)
	<-events // the login's token, handed to the cache without a request

	tokenRequests := srv.Requests(unisignintest.EndpointToken)
	previous := login.RefreshToken
	for round := range 3 {
		clock.Advance(time.Hour - 30*time.Second) // stale: the fake's tokens live 3599 s
		var wg sync.WaitGroup
		for i := range 200 {
			src := a
			if i%2 == 1 {
				src = b
			}
			wg.Go(func() {
				tok, err := src.Token()
				assert.NoError(t, err)
				assert.NotEmpty(t, tok.AccessToken)
			})
		}
		wg.Wait()
		ev := <-events
		require.NoError(t, ev.Err, "round %d", round)
		tok, err := b.Token()
		require.NoError(t, err)
		require.NotEqual(t, previous, tok.RefreshToken, "rotated")
		assert.Equal(t, "revoked", srv.RefreshTokenState(previous))
		assert.Equal(t, "live", srv.RefreshTokenState(tok.RefreshToken))
		previous = tok.RefreshToken
	}
	assert.Equal(t, tokenRequests+3, srv.Requests(unisignintest.EndpointToken), "one refresh per round for 400 calls on two sources")

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, stored)
	assert.Equal(t, previous, stored[len(stored)-1].RefreshToken, "the application was told the newest refresh token")
}

// Compile-time checks: UniSignIn has users' cached logins, and no cached
// client-credentials methods (it offers no such grant).
var _ oauthkit.UserTokenProvider = (*unisignin.Provider)(nil)

// TestOnTokenChangeNamesTheUserWhoseTokenRotated: two users' logins share one
// cache; when each one's token is refreshed (and its refresh token rotated),
// OnTokenChange learns which user it belongs to, so the application stores
// each rotated refresh token in the right user's place — though the cache
// key holds the user only hashed.
func TestOnTokenChangeNamesTheUserWhoseTokenRotated(t *testing.T) {
	clock := tokencachetest.NewClock(testNow)
	users := []unisignintest.User{
		{ID: 1, Email: "ada@example.com", Password: "pw-ada-1"},
		{ID: 2, Email: "bob@example.com", Password: "pw-bob-2"},
	}
	srv := unisignintest.NewServer(unisignintest.Options{Now: clock.Now, Users: users})
	t.Cleanup(srv.Close)
	var mu sync.Mutex
	stored := map[string]string{} // user → refresh token, the application's storage
	events := make(chan tokencache.RefreshEvent, 16)
	cache := tokencache.New(tokencache.Config{
		Clock:     clock,
		OnRefresh: func(ev tokencache.RefreshEvent) { events <- ev },
		OnTokenChange: func(ch tokencache.TokenChange) {
			assert.NotContains(t, ch.Key, "@", "the key holds no user in clear")
			if ch.RefreshTokenChanged() {
				mu.Lock()
				stored[ch.User] = ch.New.RefreshToken
				mu.Unlock()
			}
		},
	})
	defer cache.Close()
	cfg := srv.Config()
	cfg.Cache, cfg.Now = cache, clock.Now
	p := mustNew(t, cfg)
	ctx := context.Background()

	sources := map[string]oauth2.TokenSource{}
	for _, u := range users {
		login, err := p.PasswordToken(ctx, u.Email, oauthkit.Secret(u.Password))
		require.NoError(t, err)
		sources[u.Email] = p.UserTokenSource(u.Email, login)
		_, err = sources[u.Email].Token()
		require.NoError(t, err)
		<-events // the login's token, handed to the cache
	}

	clock.Advance(time.Hour - 30*time.Second) // stale: one refresh each
	want := map[string]string{}
	for _, u := range users {
		_, err := sources[u.Email].Token()
		require.NoError(t, err)
		require.NoError(t, (<-events).Err)
		tok, err := sources[u.Email].Token()
		require.NoError(t, err)
		want[u.Email] = tok.RefreshToken
	}
	require.NotEqual(t, want[users[0].Email], want[users[1].Email])

	mu.Lock()
	defer mu.Unlock()
	for _, u := range users {
		// By position, never by value: refresh tokens stay out of failures.
		assert.True(t, stored[u.Email] == want[u.Email], "%s's stored refresh token is not its newest", u.Email)
	}
}

// TestNoCachedClientCredentials: UniSignIn offers no client-credentials
// grant, so its Provider has none of the cached client-credentials methods.
func TestNoCachedClientCredentials(t *testing.T) {
	srv, _ := newFake(t, 8)
	var provider oauthkit.Provider = mustNew(t, srv.Config())
	_, ok := provider.(oauthkit.TokenProvider)
	assert.False(t, ok, "TokenProvider")
	_, ok = provider.(oauthkit.ClientProvider)
	assert.False(t, ok, "ClientProvider")
}
