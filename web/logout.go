package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// logout ends the session (cookie and stored tokens) and, where the
// provider publishes an end_session_endpoint, sends the browser there
// (OpenID Connect RP-Initiated Logout 1.0) with id_token_hint and
// post_logout_redirect_uri. It is POST only, behind
// http.CrossOriginProtection: a cross-site form post (by its Sec-Fetch-Site
// or Origin header) never gets here. The page it lands on learns from
// [Handler.SignedOut] that the user has just signed out.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	r.ParseForm()
	returnTo := SafeReturnTo(r.PostForm.Get("return_to"))
	s, st, err := h.endSession(w, r)
	if err != nil {
		// Not ended: the user is told so, keeps the cookie and may try
		// again; a logout reported as done is never undone by a copy of it.
		h.fail(w, r, storeError(err))
		return
	}
	h.setSignedOut(w)
	if s == nil {
		http.Redirect(w, r, returnTo, http.StatusSeeOther)
		return
	}
	h.log.Info("web: logout", "provider", s.Provider, "tenant", s.Tenant, "subject", s.Subject)
	if end := h.endSessionURL(r, s, st, returnTo); end != "" {
		http.Redirect(w, r, end, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
}

// endSessionURL is the provider's end_session_endpoint with id_token_hint
// and post_logout_redirect_uri, or "" when it has none.
func (h *Handler) endSessionURL(r *http.Request, s *Session, st *StoredTokens, returnTo string) string {
	p, pr, err := h.provider(r, s.Provider, s.Tenant)
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(pr.Context(), 10*time.Second)
	defer cancel()
	ep, err := p.Discover(ctx)
	if err != nil || ep == nil || ep.EndSessionURL == "" {
		if err != nil {
			h.log.Warn("web: logout: discovery failed; no RP-initiated logout", "provider", s.Provider, "err", err)
		}
		return ""
	}
	if httpc.CheckURL(ep.EndSessionURL) != nil { // https, or http on loopback
		return ""
	}
	u, err := url.Parse(ep.EndSessionURL)
	if err != nil {
		return ""
	}
	q := u.Query()
	if st != nil && st.IDToken != "" {
		q.Set("id_token_hint", st.IDToken)
	}
	post := h.cfg.PostLogoutRedirectURL
	if post == "" {
		scheme := "https"
		if !h.secure {
			scheme = "http"
		}
		post = scheme + "://" + r.Host + returnTo
	}
	q.Set("post_logout_redirect_uri", post)
	u.RawQuery = q.Encode()
	return u.String()
}
