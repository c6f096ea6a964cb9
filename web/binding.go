package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"regexp"
)

// bindingCookie is the base name of the login binding cookie: a random
// value per browser that ties each login to the browser that started it.
// A Secure one is named "__Host-" + bindingCookie, like the session cookie.
//
// The state cookies cannot do this alone. They are path-scoped
// ({BasePath}/{provider}), so they can carry only the "__Secure-" prefix,
// and a sibling subdomain on https may set a "__Secure-" cookie for the
// parent domain: an attacker who started a login, signed in at the provider
// as themselves and stopped before the callback could plant that state
// cookie in a victim's browser and send the victim to the callback URL,
// logging the victim in as the attacker (login CSRF). A "__Host-" cookie
// only this host can set (Secure, Path=/, no Domain), so the binding value
// a state was sealed with is one only the starting browser holds, and the
// callback refuses a state whose binding is not the browser's.
const bindingCookie = "oauthkit_login"

// bindingRE is the form of a binding value: 16 random bytes, base64url.
var bindingRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// bindBrowser returns r's browser binding value, making one when r carries
// none, and sets its cookie, whose max age covers the login starting now.
// A value the browser has is kept: logins in other tabs were sealed with
// it and stay valid.
func (h *Handler) bindBrowser(w http.ResponseWriter, r *http.Request) string {
	v := h.browserBinding(r)
	if v == "" {
		b := make([]byte, 16)
		rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
	}
	h.setCookie(w, h.bindingName, v, "/", h.cfg.LoginMaxAge)
	return v
}

// browserBinding returns the binding value r's cookie holds, or "".
func (h *Handler) browserBinding(r *http.Request) string {
	c, err := r.Cookie(h.bindingName)
	if err != nil || !bindingRE.MatchString(c.Value) {
		return ""
	}
	return c.Value
}

// bindingHash is what a state cookie seals of the binding value: a hash,
// so that the state cookie never holds the value itself.
func bindingHash(v string) string {
	sum := sha256.Sum256([]byte("oauthkit/web login binding\x00" + v))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// boundHere reports whether st, opened from a state cookie of r, was sealed
// in r's browser: whether r's binding value hashes to the one st holds.
func (h *Handler) boundHere(r *http.Request, st *loginState) bool {
	v := h.browserBinding(r)
	if v == "" || st.Binding == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(bindingHash(v)), []byte(st.Binding)) == 1
}
