package web

import (
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// StateCookieName is h's name of the state cookie of provider's login with
// state, for tests that plant a cookie.
func StateCookieName(h *Handler, provider, state string) string {
	return h.stateCookieName(provider, state)
}

// SetRefreshTimeout shortens h's refresh bound, and with it the lease
// (timeout plus margin), for tests that wait for a lease to end.
func SetRefreshTimeout(h *Handler, timeout, margin time.Duration) {
	h.refreshTimeout, h.leaseTTL = timeout, timeout+margin
}

// StartSession starts a session for login as the callback does, and returns
// the session cookie it set.
func StartSession(h *Handler, r *http.Request, tenant string, login *oauthkit.Login) (*Session, *http.Cookie, error) {
	w := httptest.NewRecorder()
	s, err := h.startSession(w, r, tenant, login)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == h.sessionName {
			return s, c, nil
		}
	}
	return s, nil, nil
}
