package tokencache_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// TestOnTokenChange: called for every new token with the one it replaces,
// not for an identical one.
func TestOnTokenChange(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	first := h.filled(t)
	h.clock.Advance(toStale)
	h.token(t)
	h.waitEvent(t)
	second := h.token(t)

	changes := h.tokenChanges()
	require.Len(t, changes, 2)
	assert.Nil(t, changes[0][0], "first fetch: no old token")
	assert.Same(t, first, changes[0][1])
	assert.Same(t, first, changes[1][0])
	assert.Same(t, second, changes[1][1])
	assert.Equal(t, "rt-2", changes[1][1].RefreshToken, "the rotated refresh token")

	// A vendor that hands out the same token again: no change.
	same := func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: second.AccessToken, RefreshToken: second.RefreshToken, Expiry: h.clock.Now().Add(life)}, nil
	}
	h.clock.Advance(toStale)
	_, err := h.cache.Token(context.Background(), testingKey, same)
	require.NoError(t, err)
	h.waitEvent(t)
	assert.Len(t, h.tokenChanges(), 2)

	// After Invalidate the cache holds no token: old is nil.
	require.NoError(t, h.cache.Invalidate(context.Background(), testingKey))
	h.token(t)
	h.waitEvent(t)
	changes = h.tokenChanges()
	require.Len(t, changes, 3)
	assert.Nil(t, changes[2][0])
	assert.Equal(t, "at-3", changes[2][1].AccessToken)
}

// TestOnTokenChangeBeforeWaiters: callers waiting for a fetch are released
// only after OnTokenChange returned, so a rotated refresh token is persisted
// before its access token is used.
func TestOnTokenChangeBeforeWaiters(t *testing.T) {
	inHook, leaveHook := make(chan struct{}), make(chan struct{})
	h := newHarness(t, tokencache.Config{OnTokenChange: func(tokencache.TokenChange) {
		close(inHook)
		<-leaveHook
	}})
	got := make(chan *oauth2.Token, 1)
	go func() {
		tok, _ := h.cache.Token(context.Background(), testingKey, h.up.fetch)
		got <- tok
	}()
	<-inHook
	select {
	case <-got:
		t.Fatal("waiter released before OnTokenChange returned")
	case <-time.After(5 * time.Millisecond):
	}
	close(leaveHook)
	assert.Equal(t, "at-1", (<-got).AccessToken)
}

// TestOnErrorNoSecrets: errors reported never carry a token.
func TestOnErrorNoSecrets(t *testing.T) {
	h := newHarness(t, tokencache.Config{})
	first := h.filled(t)
	h.up.failNext(errUpstream)
	h.clock.Advance(toStale)
	h.token(t)
	h.waitEvent(t)
	errs := h.errors()
	require.Len(t, errs, 1)
	assert.NotContains(t, errs[0].Error(), first.AccessToken)
	assert.NotContains(t, errs[0].Error(), first.RefreshToken)
}

// TestTokenChangeRedacts: a TokenChange printed, logged or marshalled shows
// neither its tokens nor its user.
func TestTokenChangeRedacts(t *testing.T) {
	ch := tokencache.TokenChange{
		Key:  testingKey,
		User: "user-secret-42@example.com",
		Old:  &oauth2.Token{AccessToken: "old-access-secret", RefreshToken: "old-refresh-secret"},
		New:  &oauth2.Token{AccessToken: "new-access-secret", RefreshToken: "new-refresh-secret", Expiry: time.Unix(1e9, 0)},
	}
	secrets := []string{ch.User, ch.Old.AccessToken, ch.Old.RefreshToken, ch.New.AccessToken, ch.New.RefreshToken}

	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("change", "ch", ch)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("change", "ch", ch)
	asJSON, err := json.Marshal(ch)
	require.NoError(t, err)
	providertest.Formatted(t, []any{ch, &ch, logged.String(), string(asJSON)}, secrets...)

	// Nor does the source that carries the user to the hook.
	c := tokencache.New(tokencache.Config{})
	defer c.Close()
	src := c.RefreshingSource(testingKey, ch.New, func(context.Context, *oauth2.Token) (*oauth2.Token, error) { return nil, errUpstream }, tokencache.ForUser(ch.User))
	providertest.Formatted(t, []any{src}, ch.User)

	assert.Contains(t, fmt.Sprint(ch), testingKey, "the key is shown")
	assert.True(t, ch.RefreshTokenChanged())
	assert.False(t, tokencache.TokenChange{Old: ch.New, New: ch.New}.RefreshTokenChanged())
}
