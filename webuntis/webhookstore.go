package webuntis

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// maxPutAttempts bounds the handler's read, check and compare-and-swap
// rounds for one event: each lost round means another event replaced the
// tenant's record meanwhile.
const maxPutAttempts = 3

// putCredentials is steps 3 to 5 of [NewWebhookHandler] for a verified
// event c: read the record, check c's password after that read, and store c
// only over the record read (compare-and-swap on its revision). The check
// comes after the read so that a RESET stored meanwhile, which retired c's
// password, either fails the swap or fails the check of the next round.
func (h *webhookHandler) putCredentials(ctx context.Context, w http.ResponseWriter, c *Credentials) (oauthkit.WebhookInfo, error) {
	for range maxPutAttempts {
		prev, rev, err := h.stored(ctx, c.TenantID)
		switch {
		case err != nil:
			// The store's error is the application's: not logged here, where
			// it might carry credentials.
			return answer(w, http.StatusInternalServerError, oauthkit.OutcomeStoreFailed, "could not read the stored credentials", nil)
		case prev != nil && prev.sameAs(c):
			// An event already applied, sent again: acknowledged, not
			// stored again.
			w.WriteHeader(http.StatusNoContent)
			return oauthkit.WebhookInfo{Outcome: oauthkit.OutcomeOK, StatusCode: http.StatusNoContent}, nil
		}
		if h.check != nil && !c.Password.IsZero() {
			if err := h.checkCredentials(ctx, c); err != nil {
				return h.refuseChecked(w, err, prev != nil)
			}
		}
		next := c.clone()
		next.Revision = rev
		_, err = h.creds.Put(ctx, next)
		if errors.Is(err, ErrRevisionConflict) {
			continue // another event replaced the record: read and decide again
		}
		if err != nil {
			// The store's error is the application's: it is not logged
			// here, where it might carry the credentials it failed to store.
			return answer(w, http.StatusInternalServerError, oauthkit.OutcomeStoreFailed, "could not store the credentials", nil)
		}
		if _, isTenants := h.creds.(*Tenants); prev != nil && !isTenants && h.check != nil {
			// Tenants invalidates the old credentials' tokens itself.
			invalidateCredentials(ctx, *h.check, prev)
		}
		w.WriteHeader(http.StatusNoContent)
		return oauthkit.WebhookInfo{Outcome: oauthkit.OutcomeOK, StatusCode: http.StatusNoContent}, nil
	}
	w.Header().Set("Retry-After", "10")
	return answer(w, http.StatusServiceUnavailable, oauthkit.OutcomeStoreFailed, "the stored credentials kept changing", ErrRevisionConflict)
}

// stored returns the tenant's record and its revision: nil and 0 for none;
// nil and the record's revision for one that cannot be read, after
// reporting it.
func (h *webhookHandler) stored(ctx context.Context, tenant string) (*Credentials, uint64, error) {
	prev, err := h.creds.Get(ctx, tenant)
	var ue *UnreadableError
	switch {
	case err == nil:
		return prev, prev.Revision, nil
	case errors.Is(err, ErrNoCredentials):
		return nil, 0, nil
	case errors.As(err, &ue):
		if h.log != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "webuntis: webhook: the stored credentials cannot be read; a verified event replaces them",
				slog.String("tenant", tenant))
		}
		if h.onUnreadable != nil {
			h.onUnreadable(ctx, tenant, err)
		}
		return nil, ue.Revision, nil
	}
	return nil, 0, err
}

// refuseChecked answers an event whose live check failed: 409 if the token
// endpoint refused the password — an older event, with advice saying so
// when the store holds other credentials — and 503 if it could not be
// asked.
func (h *webhookHandler) refuseChecked(w http.ResponseWriter, err error, storedOthers bool) (oauthkit.WebhookInfo, error) {
	if rejected(err) {
		if storedOthers {
			err = withAdvice(err, adviceOlderEvent)
		}
		return answer(w, http.StatusConflict, oauthkit.OutcomeRejected, "the credentials do not work: an older event?", err)
	}
	w.Header().Set("Retry-After", "60")
	return answer(w, http.StatusServiceUnavailable, oauthkit.OutcomeCheckFailed, "could not check the credentials", err)
}

// answer writes a refusal and describes it.
func answer(w http.ResponseWriter, status int, outcome oauthkit.Outcome, text string, err error) (oauthkit.WebhookInfo, error) {
	http.Error(w, text, status)
	return oauthkit.WebhookInfo{Outcome: outcome, StatusCode: status}, err
}
