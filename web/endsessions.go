package web

import (
	"context"
	"fmt"
)

// EndSessions ends every session of one user — provider's subject, at
// tenant ("" without [Config.Resolve]) — on every replica that shares the
// [TokenStore]: their tokens are deleted, so their cookies stop working at
// their next request. Use it for "sign out everywhere", or when an account
// is locked. It returns how many sessions ended. OnLogout is not called
// (there is no request of the user's), and the tokens are not revoked.
func (h *Handler) EndSessions(ctx context.Context, provider, tenant, subject string) (int, error) {
	if subject == "" {
		return 0, fmt.Errorf("web: end sessions: no subject")
	}
	n, err := h.tokens.DeleteRef(ctx, userRef(provider, tenant, subject))
	if err != nil {
		return n, fmt.Errorf("web: end sessions: %w: %w", ErrUnavailable, err)
	}
	h.log.Info("web: sessions ended", "provider", provider, "tenant", tenant, "subject", subject, "sessions", n)
	return n, nil
}
