package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// revokeTimeout bounds a revocation request at logout.
const revokeTimeout = 5 * time.Second

// revoke asks s's provider to revoke the session's refresh token (RFC
// 7009), where the provider has a revocation endpoint: a logout then ends
// the tokens too, not only the session. A failure is logged; the session
// has ended either way.
func (h *Handler) revoke(r *http.Request, s *Session, st *StoredTokens) {
	if st.Token == nil || st.Token.RefreshToken == "" {
		return
	}
	p, pr, err := h.provider(r, s.Provider, s.Tenant)
	if err != nil {
		return
	}
	h.revokeToken(pr.Context(), p, s, st.Token.RefreshToken)
}

func (h *Handler) revokeToken(ctx context.Context, p oauthkit.Provider, s *Session, refreshToken string) {
	rv, ok := p.(oauthkit.TokenRevoker)
	if !ok || refreshToken == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeTimeout)
	defer cancel()
	if err := rv.RevokeToken(ctx, refreshToken, "refresh_token"); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		h.log.Warn("web: revoking the session's refresh token failed", "provider", s.Provider, "err", err)
	}
}
