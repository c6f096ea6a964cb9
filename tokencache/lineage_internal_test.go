package tokencache

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// TestLineageForgottenWithItsSources: the newest token of a key's
// RefreshingSources is kept while one of them is in use, shared by all of
// them, and forgotten with the last one.
func TestLineageForgottenWithItsSources(t *testing.T) {
	c := New(Config{})
	defer c.Close()
	renew := func(context.Context, *oauth2.Token) (*oauth2.Token, error) { return nil, nil }
	seed := &oauth2.Token{AccessToken: "a", RefreshToken: "r", Expiry: time.Now().Add(time.Hour)}

	a := c.RefreshingSource("k", seed, renew)
	b := c.RefreshingSource("k", seed, renew)
	c.linMu.Lock()
	n, live := len(c.lineages), c.lineages["k"].ptr.Value() != nil
	c.linMu.Unlock()
	assert.Equal(t, 1, n, "one lineage per key")
	assert.True(t, live, "kept while a source is in use")
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)

	require.Eventually(t, func() bool {
		runtime.GC()
		c.linMu.Lock()
		defer c.linMu.Unlock()
		return len(c.lineages) == 0
	}, 5*time.Second, 10*time.Millisecond, "forgotten once no source is in use")
}
