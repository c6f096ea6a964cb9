package openidtest

import (
	"net/http"
	"sync"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

var (
	foreignMu   sync.Mutex
	foreignKeys = map[string]*fakeidp.Key{}
)

// foreign returns a key under kid that no fake publishes.
func foreign(kid string) *fakeidp.Key {
	foreignMu.Lock()
	defer foreignMu.Unlock()
	k, ok := foreignKeys[kid]
	if !ok {
		k = fakeidp.NewKey(kid)
		foreignKeys[kid] = k
	}
	return k
}

// userinfo is the userinfo endpoint (OpenID Connect Core §5.3): the
// access token in the Authorization header only (RFC 6750 §2.1), the
// user's claims as JSON, or as a JWT signed with the current key when
// Options.SignedUserInfo is set (§5.3.2) — with a foreign key under the
// ForeignUserInfoKey mix-up.
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "use GET or POST", http.StatusMethodNotAllowed)
		return
	}
	tok, g, _, ok := s.resourceToken(w, r, s.Issuer()+"/userinfo") // Bearer or DPoP (dpop.go)
	if !ok {
		return
	}
	s.mu.Lock()
	user := s.user
	s.mu.Unlock()
	if tok.refresh || g.subject == g.clientID {
		w.Header().Set("WWW-Authenticate", `Bearer realm="userinfo", error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	claims := map[string]any{"sub": g.subject}
	if user.Subject == g.subject {
		addProfile(claims, user)
	}
	if !s.opts.SignedUserInfo {
		fakeidp.WriteJSON(w, http.StatusOK, claims)
		return
	}
	claims["iss"] = s.Issuer()
	claims["aud"] = g.clientID
	key := s.signingKey()
	if s.mixUps().ForeignUserInfoKey {
		key = foreign(key.ID)
	}
	w.Header().Set("Content-Type", "application/jwt")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(key.Sign(claims)))
}
