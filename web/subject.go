package web

import (
	"context"
	"fmt"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// endForSubject ends session s, whose refresh answered another user's ID
// token (see [oauthkit.ErrSubjectChanged]): the stored tokens go, and the
// answer's refresh token (refresh, the other user's) is revoked. The
// returned error wraps [oauthkit.ErrSubjectChanged].
func (h *Handler) endForSubject(ctx context.Context, p oauthkit.Provider, s *Session, refresh string) error {
	h.log.Warn("web: a refresh answered another user's ID token; the session is ended", "provider", s.Provider, "tenant", s.Tenant, "subject", s.Subject)
	if err := h.tokens.Delete(ctx, s.ID); err != nil {
		h.log.Error("web: token store: the session could not be ended", "provider", s.Provider, "err", err)
	}
	h.revokeToken(ctx, p, s, refresh)
	return fmt.Errorf("web: %s: refresh: %w", p.Name(), oauthkit.ErrSubjectChanged)
}
