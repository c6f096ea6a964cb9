package web

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// logout ends the session (cookie and stored tokens) and, where the
// provider publishes an end_session_endpoint, sends the browser there
// (OpenID Connect RP-Initiated Logout 1.0 §2) with client_id,
// id_token_hint and the one post_logout_redirect_uri registered for the app
// (see [Handler.postLogoutURL]). It is POST only, behind
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
	if end := h.endSessionURL(w, r, s, st, returnTo); end != "" {
		http.Redirect(w, r, end, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, returnTo, http.StatusSeeOther)
}

// endSessionURL is the provider's end_session_endpoint with client_id,
// id_token_hint and post_logout_redirect_uri, or "" when it has none.
//
// The post_logout_redirect_uri is always the same URL, whatever the
// logout's return_to: servers compare it with the registered ones exactly
// (§2, §3; Keycloak answers any other with 400 "Invalid redirect uri").
// When it is the handler's own {BasePath}/signed-out, return_to crosses
// the round trip in a sealed cookie bound to the request's state (§2),
// and that endpoint sends the browser on to it; any other
// post_logout_redirect_uri is the end of the trip.
func (h *Handler) endSessionURL(w http.ResponseWriter, r *http.Request, s *Session, st *StoredTokens, returnTo string) string {
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
	hint := ""
	if st != nil {
		hint = st.IDToken
	}
	post := h.postLogoutURL(r, p)
	state := ""
	if h.returnsHere(post) {
		state = authreq.State()
	}
	var end string
	if b, ok := p.(oauthkit.EndSessionURLBuilder); ok {
		// client_id always: §2's way to name the client when the session
		// has no ID token left (ended by EndSessions, back-channel logout or
		// idle), without which the server may not redirect at all.
		if end, err = b.BuildEndSessionURL(ctx, hint, post, state); err != nil {
			h.log.Warn("web: logout: no RP-initiated logout", "provider", s.Provider, "err", err)
			return ""
		}
	} else {
		// A provider of the app's own that does not build the URL names no
		// client_id: without a hint, a server may refuse a
		// post_logout_redirect_uri that names no client (§2), stranding
		// the user on its error page; it then ends its session only.
		if hint == "" {
			post, state = "", ""
		}
		if end, err = discovery.EndSessionURL(ep.EndSessionURL, "", hint, post, state); err != nil {
			return ""
		}
	}
	if httpc.CheckURL(end) != nil { // https, or http on loopback
		return ""
	}
	if state != "" {
		h.setLogoutReturn(w, state, returnTo)
	}
	return end
}

// postLogoutURL is where the provider sends the browser back after a
// logout, one URL for every logout (register it with the provider):
// Config.PostLogoutRedirectURL, else "/" on the app's origin as the
// configuration names it (appOrigin), never as the request's Host header
// does (a client, or a proxy passing it on, sets that). Only when no
// provider reports its redirect URL (a provider of the app's own without a
// RedirectURL method; with Resolve, the tenant's) does the configuration
// name no origin: then, and only then, the request's host is used, over
// https unless cookies are not Secure.
func (h *Handler) postLogoutURL(r *http.Request, p oauthkit.Provider) string {
	if h.cfg.PostLogoutRedirectURL != "" {
		return h.cfg.PostLogoutRedirectURL
	}
	if origin := h.appOrigin(p); origin != "" {
		return origin + "/"
	}
	scheme := "https"
	if !h.secure {
		scheme = "http"
	}
	return scheme + "://" + r.Host + "/"
}

// appOrigin returns the app's origin (scheme://host[:port]) from the
// redirect URL p reports (the four vendor packages' providers do), else,
// with Config.Providers, from the first provider that reports one: New has
// checked that each is this handler's callback. "" when none reports one.
func (h *Handler) appOrigin(p oauthkit.Provider) string {
	if o := redirectOrigin(p); o != "" {
		return o
	}
	for _, q := range h.cfg.Providers {
		if o := redirectOrigin(q); o != "" {
			return o
		}
	}
	return ""
}

// redirectOrigin is the origin of the redirect URL p reports, or "".
func redirectOrigin(p oauthkit.Provider) string {
	rp, ok := p.(redirectReporter)
	if !ok {
		return ""
	}
	u, err := url.Parse(rp.RedirectURL())
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
