package tokencache

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// TestInvalidateKeepsPlace: Invalidate of a key with no fill in flight keeps
// its entry and table slot for the next fill, which then writes nothing to
// the table; Len does not count it meanwhile, and the deadline it already
// had drops it when nobody asks for it again.
func TestInvalidateKeepsPlace(t *testing.T) {
	clock := tokencachetest.NewClock(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	c := New(Config{Clock: clock})
	defer c.Close()
	ctx := context.Background()
	fetches := 0
	fetch := func(context.Context) (*oauth2.Token, error) {
		fetches++
		return &oauth2.Token{AccessToken: fmt.Sprint("at-", fetches), Expiry: clock.Now().Add(time.Hour)}, nil
	}

	_, err := c.Token(ctx, "k", fetch)
	require.NoError(t, err)
	e := c.table.get("k")
	require.NotNil(t, e)

	require.NoError(t, c.Invalidate(ctx, "k"))
	require.Zero(t, c.Len(), "an invalidated key is not counted")
	tok, kept := c.table.hit("k")
	require.Nil(t, tok, "no hit serves the invalidated token")
	require.Same(t, e, kept, "the entry keeps its slot")

	tok, err = c.Token(ctx, "k", fetch)
	require.NoError(t, err)
	require.Equal(t, "at-2", tok.AccessToken)
	require.Same(t, e, c.table.get("k"), "refilled in place")
	require.Equal(t, 1, c.Len())
	hit, _ := c.table.hit("k")
	require.Same(t, tok, hit)

	require.NoError(t, c.Invalidate(ctx, "k"))
	clock.Advance(2 * time.Hour)
	require.True(t, e.dead(), "dropped at its old deadline")
	require.Zero(t, c.table.len())
	require.Zero(t, c.idle.Load())
	require.Equal(t, 2, fetches)
}
