package fakeidp

import (
	"html/template"
	"net/http"
	"strings"
)

// signInField is the name of the sign-in page's two buttons; signInValue
// and cancelValue are what each posts.
const (
	signInField = "fake_login"
	signInValue = "sign-in"
	cancelValue = "cancel"
)

// ConsentHeader on an authorize request carries the simulated user's answer
// when there is no sign-in page: "deny" declines, as the page's Cancel
// button does. [Browse] sets it; a real browser never sends it.
const ConsentHeader = "X-Fake-Consent"

// Account is the signed-in user as the vendor's ID token or user profile
// will then name them: what an application's signed-in page shows.
type Account struct {
	Subject string // the ID token's sub, the profile's id; "" is no session
	Name    string // the name claim or profile name; "" when the vendor gives none
	Email   string
}

// Page is what a fake's sign-in page shows.
type Page struct {
	Vendor   string // "WebUntis"
	Accent   string // CSS colour of the Sign in button, the vendor's in the example app
	ClientID string // the application asking
	User     Account
}

// Consent is the outcome of an authorization request's sign-in step.
type Consent int

// The outcomes of [SignInStep].
const (
	// Answered: the step wrote the response (the sign-in page, or an
	// error); the endpoint does nothing more.
	Answered Consent = iota
	// Approved: the user signed in; issue the code (or the tokens).
	Approved
	// Denied: the user cancelled; redirect with error=access_denied, as
	// the vendor does (RFC 6749 §4.1.2.1).
	Denied
)

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in to {{.Vendor}} (fake)</title>
<style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f6f8;color:#1d2329}
main{max-width:32rem;margin:4rem auto;background:#fff;padding:2rem 2.5rem;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{margin-top:0;font-size:1.6rem}
.fake{display:inline-block;font-size:.75rem;font-weight:600;letter-spacing:.04em;text-transform:uppercase;color:#5f6b76;background:#e3e7eb;border-radius:4px;padding:.1rem .45rem;margin-bottom:.8rem}
dl{display:grid;grid-template-columns:6rem 1fr;gap:.3rem 1rem}dt{color:#5f6b76}dd{margin:0;word-break:break-all}
.actions{display:grid;gap:.6rem;margin-top:1.5rem}
button{font:inherit;width:100%;padding:.7rem 1rem;border:0;border-radius:8px;background:{{.Accent}};color:#fff;cursor:pointer}
button:hover{filter:brightness(1.1)}
button.secondary{background:#e3e7eb;color:#1d2329}
footer{text-align:center;color:#8a949e;font-size:.85rem;margin-bottom:2rem}
</style></head>
<body><main>
<span class="fake">in-process fake</span>
<h1 id="fake-login-title">Sign in to {{.Vendor}} (fake)</h1>
<p><strong id="fake-login-client">{{.ClientID}}</strong> asks you to sign in with your {{.Vendor}} account.</p>
<dl id="fake-login-account">
<dt>Name</dt><dd id="fake-login-user">{{or .User.Name "—"}}</dd>
<dt>Email</dt><dd id="fake-login-email">{{or .User.Email "—"}}</dd>
<dt>Subject</dt><dd id="fake-login-subject">{{.User.Subject}}</dd>
</dl>
<form method="post" action="{{.Action}}" id="fake-login">
<div class="actions">
<button type="submit" id="fake-sign-in" name="` + signInField + `" value="` + signInValue + `">Sign in</button>
<button type="submit" id="fake-cancel" name="` + signInField + `" value="` + cancelValue + `" class="secondary">Cancel</button>
</div>
</form>
</main><footer>oauthkit — a fake of {{.Vendor}} for tests and examples, not {{.Vendor}} itself</footer></body></html>
`))

// accent is a CSS colour: the page's template puts it in a style sheet,
// where html/template would refuse anything else.
func accent(c string) template.CSS {
	if c == "" || strings.ContainsAny(c, ";{}<>\"'\\") {
		return "#0b57d0"
	}
	return template.CSS(c)
}

// LoginPage answers an authorization request with the fake's sign-in page:
// "Sign in to <vendor> (fake)", the application's client id, the user as
// the vendor will name them (name, email, subject: what the application's
// signed-in page shows), a "Sign in" button and a "Cancel" button, both
// posting a form back to the same URL, the authorization request's query
// kept. The fake issues the code (or the tokens) only for the Sign in post,
// and redirects with error=access_denied for Cancel ([SignInStep]).
func LoginPage(w http.ResponseWriter, r *http.Request, p Page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	loginPage.Execute(w, struct {
		Page
		Accent template.CSS
		Action string
	}{p, accent(p.Accent), r.URL.RequestURI()})
}

// SignInStep is an authorization endpoint's sign-in step, once the request
// has passed the endpoint's checks and a user has a session. Without
// loginPage a GET goes through at once (the user is signed in already),
// declined when it carries [ConsentHeader] "deny"; with it, a GET answers
// the sign-in page ([LoginPage]) and only its form post goes through: the
// Sign in button approves, Cancel declines. Any other POST is refused.
func SignInStep(w http.ResponseWriter, r *http.Request, loginPage bool, p Page) Consent {
	switch {
	case r.Method != http.MethodPost && loginPage:
		LoginPage(w, r, p)
		return Answered
	case r.Method != http.MethodPost && strings.EqualFold(r.Header.Get(ConsentHeader), "deny"):
		return Denied
	case r.Method != http.MethodPost:
		return Approved
	case loginPage && IsForm(r) && r.PostFormValue(signInField) == signInValue:
		return Approved
	case loginPage && IsForm(r) && r.PostFormValue(signInField) == cancelValue:
		return Denied
	}
	w.Header().Set("Allow", http.MethodGet)
	http.Error(w, "the authorization endpoint takes a GET, or the sign-in form's POST", http.StatusMethodNotAllowed)
	return Answered
}
