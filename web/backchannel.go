package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
)

// maxLogoutRequest bounds a back-channel logout request's body: a form with
// one JWT.
const maxLogoutRequest = 16 << 10

// jtiTTL is how long a logout token's jti is remembered at least: longer
// than the verifier goes on accepting the token. The verifier takes a token
// whose iat is up to [discovery.MaxClockSkew] ahead of its clock and until
// [discovery.MaxLogoutTokenAge] after that iat: 15 minutes after it first
// accepts it, by the provider's clock. The record's TTL runs on the
// store's clock (Redis') and starts a little later (the verification and
// the store call take time), so jtiMargin more keeps the record until
// after the last moment the token verifies: a replay is never taken
// because its record ran out first.
const jtiTTL = discovery.MaxClockSkew + discovery.MaxLogoutTokenAge + jtiMargin

// jtiMargin is how much longer than the verifier takes it a logout token's
// jti is remembered; see jtiTTL.
const jtiMargin = time.Minute

// backchannelLogout receives an OpenID Connect Back-Channel Logout 1.0
// logout request (https://openid.net/specs/openid-connect-backchannel-1_0.html
// §2.5): a POST from the provider's server with a logout_token. The token
// is verified by the provider ([oauthkit.LogoutTokenVerifier]: signature,
// iss, aud, iat, exp, events, sub/sid, no nonce), its jti is used once
// across the fleet (the [TokenStore]'s Once), and the sessions it names
// end on every replica: the one of its sid, or, without a sid, all of its
// sub (see endLogoutSessions). 200 when done; 400 with
// a JSON error for a token that is refused (nothing ends); 503 when the
// store cannot be reached, so that the provider retries.
func (h *Handler) backchannelLogout(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("provider")
	w.Header().Set("Cache-Control", "no-store")
	tenant := ""
	if h.cfg.Resolve != nil {
		tenant = r.URL.Query().Get("tenant")
		if tenant != "" && !nameRE.MatchString(tenant) {
			logoutError(w, http.StatusBadRequest, "invalid_request", "the tenant parameter is not a plain name")
			return
		}
	}
	p, pr, err := h.provider(r, name, tenant)
	if err != nil {
		logoutError(w, http.StatusNotFound, "invalid_request", "no such provider")
		return
	}
	v, ok := p.(oauthkit.LogoutTokenVerifier)
	if !ok {
		logoutError(w, http.StatusNotFound, "invalid_request", "this provider does not send back-channel logout")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLogoutRequest)
	if err := r.ParseForm(); err != nil {
		logoutError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	raw := r.PostForm.Get("logout_token")
	if raw == "" {
		logoutError(w, http.StatusBadRequest, "invalid_request", "no logout_token")
		return
	}
	ctx, cancel := context.WithTimeout(pr.Context(), 10*time.Second)
	defer cancel()
	lt, err := v.VerifyLogoutToken(ctx, raw)
	if err != nil {
		h.log.Warn("web: back-channel logout refused", "provider", name, "tenant", tenant, "err", err)
		if errors.Is(err, oauthkit.ErrInvalidLogoutToken) {
			logoutError(w, http.StatusBadRequest, "invalid_request", "the logout token was refused")
			return
		}
		logoutError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the provider's keys could not be read")
		return
	}
	// exp adds nothing the iat bound does not (the verifier takes a token
	// at most until iat + MaxLogoutTokenAge), but a provider's own
	// verifier may allow longer: the record lasts until exp, and the
	// margin, too.
	ttl := jtiTTL
	if until := time.Until(lt.Expiry) + jtiMargin; until > ttl {
		ttl = until
	}
	jti := "bcl\x00" + name + "\x00" + tenant + "\x00" + lt.Issuer + "\x00" + lt.ID
	first, err := h.tokens.Once(ctx, jti, ttl)
	if err != nil {
		h.log.Error("web: back-channel logout: token store", "provider", name, "err", err)
		logoutError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the session store is unavailable")
		return
	}
	if !first {
		h.log.Warn("web: back-channel logout refused: jti used before", "provider", name, "tenant", tenant)
		logoutError(w, http.StatusBadRequest, "invalid_request", "the logout token was used before")
		return
	}
	n, err := h.endLogoutSessions(ctx, name, tenant, lt)
	if err != nil {
		h.log.Error("web: back-channel logout: token store", "provider", name, "err", err)
		// The provider may retry after a 503 (§2.8): the jti is taken back,
		// or the retry would be refused as a replay and the sessions live on.
		if f, ok := h.tokens.(OnceForgetter); ok {
			if ferr := f.ForgetOnce(context.WithoutCancel(ctx), jti); ferr != nil {
				h.log.Error("web: back-channel logout: the logout token's jti could not be forgotten; the provider's retry will be refused", "provider", name, "err", ferr)
			}
		}
		logoutError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the session store is unavailable")
		return
	}
	h.log.Info("web: back-channel logout", "provider", name, "tenant", tenant, "subject", lt.Subject, "sessions", n)
	w.WriteHeader(http.StatusOK)
}

// endLogoutSessions ends the sessions a logout token names (§2.7). Without
// a sid, every session of its subject. With a sid, only the session filed
// under that sid; when none is (the RP ended it already — its own logout
// ran before the provider's back-channel call — or its ID token had no
// sid), and the token has a sub, the subject's sessions whose ID token
// named no sid, which cannot be told apart from the one the provider ended.
// A session with another sid — the user's other device — lives on.
func (h *Handler) endLogoutSessions(ctx context.Context, provider, tenant string, lt *oauthkit.LogoutToken) (int, error) {
	if lt.SessionID == "" {
		return h.tokens.DeleteRef(ctx, userRef(provider, tenant, lt.Subject))
	}
	n, err := h.tokens.DeleteRef(ctx, sidRef(provider, tenant, lt.SessionID))
	if err != nil || n > 0 || lt.Subject == "" {
		return n, err
	}
	return h.tokens.DeleteRef(ctx, noSIDRef(provider, tenant, lt.Subject))
}

// logoutError answers a back-channel logout request with §2.8's 400 (or
// another status) and a JSON error.
func logoutError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{code, description})
}
