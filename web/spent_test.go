package web_test

import (
	"net/http"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// TestRefusedRefreshAnswerEndsTheRefreshToken: Keycloak answers a session's
// refresh, rotating its refresh token, but the answer's ID token fails the
// checks (another client's audience), so the answer is not used. The
// refresh token sent is spent: the session answers 401 (NeedsLogin) and
// never sends it again, which Keycloak would take for a replay.
func TestRefusedRefreshAnswerEndsTheRefreshToken(t *testing.T) {
	store := web.NewMemoryTokenStore()
	e := newEnv(t, func(_ *env, c *web.Config) { c.Tokens = store })
	b, _, _ := e.loginExpired(t, store, "licensespring", "")

	sent := e.ls.Requests(licensespringtest.EndpointToken)
	e.ls.MutateIDTokens(func(c map[string]any) { c["aud"], c["azp"] = "someone-elses-client", "someone-elses-client" })
	for i := range 2 {
		if got := b.get("/api"); got.status != http.StatusUnauthorized {
			t.Errorf("/api #%d after a refused refresh answer: status %d, want 401 (NeedsLogin)", i+1, got.status)
		}
	}
	if n := e.ls.Requests(licensespringtest.EndpointToken) - sent; n != 1 {
		t.Errorf("the spent refresh token was sent %d times, want once", n)
	}
}
