package web

import (
	"html/template"
	"net/http"
	"net/url"
	"time"
)

// signInSegment is the sign-in page's path under BasePath: one segment,
// where no provider's path can be (theirs are {BasePath}/{provider}/…).
const signInSegment = "/sign-in"

// signedOutCookie names the one-time notice a logout leaves for the next
// page ("__Host-" first when cookies are Secure). It holds no secret: a
// planted one makes a page say "You have signed out", nothing more.
const signedOutCookie = "oauthkit_signed_out"

// signedOutMaxAge is how long the notice waits to be shown: long enough
// for a round trip through the provider's end_session_endpoint.
const signedOutMaxAge = 5 * time.Minute

// SignInPath returns the path of the handler's sign-in page,
// {BasePath}/sign-in, a button per provider of Config.Providers. With
// Config.Resolve there is no such page: the app has its own
// (Config.SignInPath).
func (h *Handler) SignInPath() string { return h.signInPath() }

func (h *Handler) signInPath() string { return h.cfg.BasePath + signInSegment }

// LoginURL returns the URL of provider name's login that comes back to
// returnTo: {BasePath}/{name}/login?return_to=…, with returnTo checked by
// [SafeReturnTo] (anything else becomes "/") and query-escaped, so that a
// return_to holding "&" or "#" arrives whole. An empty returnTo adds no
// return_to (the login then comes back to "/"). With Config.Resolve, add
// the login's tenant parameter to it.
func (h *Handler) LoginURL(name, returnTo string) string {
	u := h.loginPath(url.PathEscape(name))
	if returnTo == "" {
		return u
	}
	return u + "?return_to=" + url.QueryEscape(SafeReturnTo(returnTo))
}

// SignedOut reports whether r comes right after a logout (POST
// {BasePath}/logout set a short-lived, HttpOnly notice cookie for the page
// it redirects to), and clears the notice so that a page says "You have
// signed out" once. The handler's own sign-in page calls it; an app with
// its own SignInPath, or whose return_to page is public, calls it there.
// A completed login clears the notice too.
func (h *Handler) SignedOut(w http.ResponseWriter, r *http.Request) bool {
	if !h.hasSignedOut(r) {
		return false
	}
	h.clearSignedOut(w, r)
	return true
}

func (h *Handler) hasSignedOut(r *http.Request) bool {
	_, err := r.Cookie(h.signedOutName)
	return err == nil
}

// setSignedOut leaves the one-time notice for the page after a logout.
func (h *Handler) setSignedOut(w http.ResponseWriter) {
	h.setCookie(w, h.signedOutName, "1", "/", signedOutMaxAge)
}

func (h *Handler) clearSignedOut(w http.ResponseWriter, r *http.Request) {
	if h.hasSignedOut(r) {
		h.deleteCookie(w, r, h.signedOutName, "/")
	}
}

// signIn serves the sign-in page: a link, styled as a button, to each
// provider's login in the order of Config.Providers, carrying the page's
// return_to; and, right after a logout, "You have signed out."
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	returnTo := SafeReturnTo(r.URL.Query().Get("return_to"))
	type button struct{ Label, URL string }
	var buttons []button
	for _, p := range h.cfg.Providers {
		n := p.Name()
		buttons = append(buttons, button{vendorName(n), h.LoginURL(n, returnTo)})
	}
	signedOut := h.SignedOut(w, r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY") // frame-ancestors for browsers without CSP Level 2
	w.Header().Set("X-Content-Type-Options", "nosniff")
	signInPage.Execute(w, struct {
		SignedOut bool
		Buttons   []button
	}{signedOut, buttons})
}

// signInPage is the error page's small style, with links that look like
// buttons and show where the keyboard focus is; no script.
var signInPage = template.Must(template.New("sign-in").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
ul{list-style:none;padding:0}li{margin:.75rem 0}
a.button{display:block;padding:.75rem 1rem;border:2px solid #0b57d0;border-radius:8px;color:#0b57d0;font-weight:600;text-align:center;text-decoration:none}
a.button:hover{background:#e8f0fe}a.button:focus-visible{outline:3px solid #222;outline-offset:3px}
.notice{padding:.5rem .75rem;border-left:4px solid #188038;background:#e6f4ea}</style>
</head><body>
<main>
<h1>Sign in</h1>
{{if .SignedOut}}<p class="notice" role="status">You have signed out.</p>
{{end}}<ul>
{{range .Buttons}}<li><a class="button" href="{{.URL}}">Sign in with {{.Label}}</a></li>
{{end}}</ul>
</main>
</body></html>
`))
