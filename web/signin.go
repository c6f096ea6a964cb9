package web

import (
	"html/template"
	"net/http"
	"net/url"
)

// signInSegment is the sign-in page's path under BasePath: one segment,
// where no provider's path can be (theirs are {BasePath}/{provider}/…).
const signInSegment = "/sign-in"

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

// signIn serves the sign-in page: a link, styled as a button, to each
// provider's login in the order of Config.Providers, carrying the page's
// return_to.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	returnTo := SafeReturnTo(r.URL.Query().Get("return_to"))
	type button struct{ Label, URL string }
	var buttons []button
	for _, p := range h.cfg.Providers {
		n := p.Name()
		buttons = append(buttons, button{vendorName(n), h.LoginURL(n, returnTo)})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	signInPage.Execute(w, struct{ Buttons []button }{buttons})
}

// signInPage is the error page's small style, with links that look like
// buttons and show where the keyboard focus is; no script.
var signInPage = template.Must(template.New("sign-in").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
ul{list-style:none;padding:0}li{margin:.75rem 0}
a.button{display:block;padding:.75rem 1rem;border:2px solid #0b57d0;border-radius:8px;color:#0b57d0;font-weight:600;text-align:center;text-decoration:none}
a.button:hover{background:#e8f0fe}a.button:focus-visible{outline:3px solid #222;outline-offset:3px}</style>
</head><body>
<main>
<h1>Sign in</h1>
<ul>
{{range .Buttons}}<li><a class="button" href="{{.URL}}">Sign in with {{.Label}}</a></li>
{{end}}</ul>
</main>
</body></html>
`))
