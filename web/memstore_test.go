package web_test

import (
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/web/webtest"
)

func TestMemoryTokenStore(t *testing.T) {
	webtest.TestTokenStore(t, func(*testing.T) web.TokenStore { return web.NewMemoryTokenStore() }, false)
}

// TestMemoryTokenStoreShared: one MemoryTokenStore used by two handlers of
// one process behaves as a shared store.
func TestMemoryTokenStoreShared(t *testing.T) {
	s := web.NewMemoryTokenStore()
	webtest.TestTokenStore(t, func(*testing.T) web.TokenStore { return s }, true)
}
