package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// Kind is what went wrong, in the terms the error page uses.
type Kind string

// The kinds of [Error].
const (
	KindNotFound    Kind = "not_found"     // no such provider or endpoint (404)
	KindNoLogin     Kind = "no_login"      // the callback matches no login in flight: replayed, another browser's, tampered (400)
	KindExpired     Kind = "expired"       // the login took longer than LoginMaxAge (400)
	KindDenied      Kind = "denied"        // the user or provider refused access: error=access_denied (403)
	KindProvider    Kind = "provider"      // the provider answered with an error, or not at all (502)
	KindCrossSite   Kind = "cross_site"    // a POST from another site (403)
	KindNotLoggedIn Kind = "not_logged_in" // RequireLogin without a sign-in path (401)
	KindUnavailable Kind = "unavailable"   // the token store could not be reached; nothing was ended (503)
	KindBadLogout   Kind = "bad_logout"    // a back-channel logout token was refused (400)
	KindInternal    Kind = "internal"      // a configuration or store failure (500)
)

// Error is a failed login, callback or logout, as [Config.OnError] gets it.
// Err is the cause for logs; it is never shown to the user. Code is the
// OAuth error code of an error redirect or error response, when there was
// one, the only text from the provider the default page shows.
type Error struct {
	Kind     Kind
	Provider string // the provider's Name(), "" when unknown
	Status   int    // the HTTP status of the default page
	Code     string // OAuth error code (access_denied, invalid_grant, …), or ""
	Err      error
}

func (e *Error) Error() string {
	s := "web: " + string(e.Kind)
	if e.Provider != "" {
		s += ": " + e.Provider
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Message is the default page's sentence for the error, in plain words.
func (e *Error) Message() string {
	v := vendorName(e.Provider)
	switch e.Kind {
	case KindNotFound:
		return "There is no such sign-in here."
	case KindNoLogin:
		return "This sign-in link has already been used, was opened in another browser, or has expired — please sign in again."
	case KindExpired:
		return "The sign-in took too long — please try again."
	case KindDenied:
		return "Access was denied at " + v + "."
	case KindProvider:
		if e.Code != "" {
			return v + " could not complete the sign-in (" + e.Code + ") — please try again."
		}
		return v + " could not complete the sign-in — please try again later."
	case KindCrossSite:
		return "This request came from another site and was refused."
	case KindNotLoggedIn:
		return "Please sign in first."
	case KindUnavailable:
		return "We cannot reach our session store right now — you are still signed in; please try again in a moment."
	}
	return "Something went wrong on our side — please try again later."
}

func vendorName(provider string) string {
	switch provider {
	case "webuntis":
		return "WebUntis"
	case "unisignin":
		return "UniSignIn"
	case "justimmo":
		return "Justimmo"
	case "licensespring":
		return "LicenseSpring"
	case "":
		return "the sign-in provider"
	}
	return provider
}

// codeRE is what an OAuth error code may look like (RFC 6749 §4.1.2.1:
// %x20-21 / %x23-5B / %x5D-7E; here narrowed to the names in use).
var codeRE = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)

func oauthCode(s string) string {
	if codeRE.MatchString(s) {
		return s
	}
	return ""
}

// classify turns a Complete error into an Error.
func classify(provider string, err error) *Error {
	e := &Error{Provider: provider, Err: err}
	var oe *oauthkit.Error
	if errors.As(err, &oe) {
		e.Code = oauthCode(oe.Code)
	}
	switch {
	case errors.Is(err, oauthkit.ErrLoginExpired):
		e.Kind, e.Status = KindExpired, http.StatusBadRequest
	case errors.Is(err, oauthkit.ErrAccessDenied):
		e.Kind, e.Status = KindDenied, http.StatusForbidden
	case errors.Is(err, oauthkit.ErrStateMismatch):
		e.Kind, e.Status = KindNoLogin, http.StatusBadRequest
	default:
		e.Kind, e.Status = KindProvider, http.StatusBadGateway
	}
	return e
}

// fail logs e and answers with OnError or the default page.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, e *Error) {
	if e.Status == 0 {
		e.Status = http.StatusInternalServerError
	}
	level := h.log.Warn
	if e.Status >= 500 {
		level = h.log.Error
	}
	level("web: "+string(e.Kind), "provider", e.Provider, "status", e.Status, "code", e.Code, "err", e.Err)
	if h.cfg.OnError != nil {
		h.cfg.OnError(w, r, e)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY") // frame-ancestors for browsers without CSP Level 2
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	errorPage.Execute(w, struct{ Message, Retry string }{e.Message(), h.retryLink(e)})
}

// retryLink is the error page's "Try again" link: the login of the
// provider the error names, for the kinds a new login can cure, or "". The
// handlers name only a configured provider (or, with Resolve, one a sealed
// cookie vouched for); the link is a path under BasePath, its segment
// escaped, and never one a browser would read as another host.
func (h *Handler) retryLink(e *Error) string {
	if e.Provider == "" || !nameRE.MatchString(e.Provider) {
		return ""
	}
	if e.Kind != KindNoLogin && e.Kind != KindExpired && e.Kind != KindDenied && e.Kind != KindProvider {
		return ""
	}
	link := h.loginPath(url.PathEscape(e.Provider))
	if !strings.HasPrefix(link, "/") || strings.HasPrefix(link, "//") || strings.HasPrefix(link, "/\\") {
		return ""
	}
	return link
}

var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign-in problem</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}a{color:#0b57d0}</style>
</head><body>
<h1>Sign-in problem</h1>
<p>{{.Message}}</p>
<p>{{if .Retry}}<a href="{{.Retry}}">Try again</a> · {{end}}<a href="/">Home</a></p>
</body></html>
`))

// fragmentPage is served at the callback of an implicit-grant login: the
// tokens are in the URL fragment, which only the browser sees, so a script
// posts it back to the same path (and removes it from the address bar).
func (h *Handler) fragmentPage(w http.ResponseWriter, r *http.Request, name string) {
	b := make([]byte, 16)
	rand.Read(b)
	nonce := base64.RawStdEncoding.EncodeToString(b)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Frame-Options", "DENY") // frame-ancestors for browsers without CSP Level 2
	w.Header().Set("X-Content-Type-Options", "nosniff")
	fragmentTmpl.Execute(w, struct{ Action, Nonce string }{h.callbackPath(name), nonce})
}

var fragmentTmpl = template.Must(template.New("fragment").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing in…</title></head><body>
<form id="f" method="post" action="{{.Action}}"><input type="hidden" name="fragment" id="v">
<noscript><p>Signing in needs JavaScript to finish.</p></noscript></form>
<script nonce="{{.Nonce}}">
var h = location.hash.slice(1);
history.replaceState(null, "", location.pathname);
document.getElementById("v").value = h;
document.getElementById("f").submit();
</script>
</body></html>
`))
