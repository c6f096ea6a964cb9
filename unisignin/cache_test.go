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
		OnTokenChange: func(_ string, _, tok *oauth2.Token) {
			mu.Lock()
			stored = append(stored, tok)
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
