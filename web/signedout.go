package web

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// signedOutSegment is the path under BasePath of the page a provider's
// end_session_endpoint may send the browser back to
// (Config.PostLogoutRedirectURL), which sends it on to the logout's
// return_to: one segment, where no provider's path can be.
const signedOutSegment = "/signed-out"

// logoutReturnCookie names the sealed cookie that carries a logout's
// return_to across the provider's end_session_endpoint ("__Host-" first
// when cookies are Secure).
const logoutReturnCookie = "oauthkit_logout"

// logoutReturnAD binds the sealed logout return to its purpose: no other
// sealed cookie of the handler opens as one.
var logoutReturnAD = []byte("oauthkit logout return")

// logoutReturn is what the logout return cookie holds: the state sent to
// the end_session_endpoint, which comes back to {BasePath}/signed-out, and
// where to go then.
type logoutReturn struct {
	State    string    `json:"state"`
	ReturnTo string    `json:"return_to"`
	Expires  time.Time `json:"expires"`
}

// SignedOutPath returns the path of the handler's post-logout page,
// {BasePath}/signed-out. Set Config.PostLogoutRedirectURL to it on the
// app's origin (https://bestapp.example/auth/signed-out), registered with
// each provider that has an end_session_endpoint, and a logout through the
// provider comes back to its return_to.
func (h *Handler) SignedOutPath() string { return h.cfg.BasePath + signedOutSegment }

// returnsHere reports whether post, the post_logout_redirect_uri, is the
// handler's post-logout page, which can send the browser on to return_to.
func (h *Handler) returnsHere(post string) bool {
	u, err := url.Parse(post)
	return err == nil && u.Path == h.SignedOutPath() && u.RawQuery == "" && u.Fragment == ""
}

func (h *Handler) logoutReturnName() string {
	if h.secure {
		return hostPrefix + logoutReturnCookie
	}
	return logoutReturnCookie
}

// setLogoutReturn seals returnTo, bound to state, into a cookie as
// short-lived as the signed-out notice: HttpOnly, SameSite=Lax (it is sent
// on the provider's top-level redirect back), "__Host-" when Secure.
func (h *Handler) setLogoutReturn(w http.ResponseWriter, state, returnTo string) {
	name := h.logoutReturnName()
	value, err := h.sealCookie("logout return cookie", name, logoutReturn{State: state, ReturnTo: keptReturnTo(returnTo), Expires: h.now().Add(signedOutMaxAge)}, logoutReturnAD)
	if err != nil {
		return
	}
	h.setCookie(w, name, value, "/", signedOutMaxAge)
}

// afterLogout serves GET {BasePath}/signed-out, where the provider's
// end_session_endpoint sends the browser back (RP-Initiated Logout 1.0 §3):
// it deletes the logout return cookie and redirects to the return_to
// sealed in it when the request's state is the one sealed with it and it
// has not expired; to "/" otherwise (a logout that took longer than five
// minutes at the provider, a page opened twice, another browser's link).
func (h *Handler) afterLogout(w http.ResponseWriter, r *http.Request) {
	to := "/"
	if c, err := r.Cookie(h.logoutReturnName()); err == nil {
		h.deleteCookie(w, r, c.Name, "/")
		state := r.URL.Query().Get("state")
		var lr logoutReturn
		if raw, err := h.sealer.Open(c.Value, logoutReturnAD); err == nil && json.Unmarshal(raw, &lr) == nil &&
			state != "" && subtle.ConstantTimeCompare([]byte(state), []byte(lr.State)) == 1 && h.now().Before(lr.Expires) {
			to = SafeReturnTo(lr.ReturnTo)
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
