package fakeidp

import (
	"html/template"
	"net/http"
)

// signInField and signInValue are what the sign-in page's button posts.
const (
	signInField = "fake_login"
	signInValue = "sign-in"
)

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to {{.Vendor}} (fake)</title></head>
<body>
<h1 id="fake-login-title">Sign in to {{.Vendor}} (fake)</h1>
<form method="post" action="{{.Action}}" id="fake-login">
<p>You are signing in as <strong id="fake-login-user">{{.User}}</strong>.</p>
<button type="submit" id="fake-sign-in" name="` + signInField + `" value="` + signInValue + `">Sign in</button>
</form>
</body></html>
`))

// LoginPage answers an authorization request with the fake's sign-in page:
// "Sign in to <vendor> (fake)", the user's name, and a "Sign in" button that
// posts a form back to the same URL, the authorization request's query
// kept. The fake issues the code (or the tokens) only for that POST
// ([SignedIn]).
func LoginPage(w http.ResponseWriter, r *http.Request, vendor, user string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	loginPage.Execute(w, struct{ Vendor, User, Action string }{vendor, user, r.URL.RequestURI()})
}

// SignedIn reports whether r is the sign-in page's form post.
func SignedIn(r *http.Request) bool {
	return r.Method == http.MethodPost && IsForm(r) && r.PostFormValue(signInField) == signInValue
}

// SignIn is an authorization endpoint's sign-in step, once the request has
// passed the endpoint's checks and a user has a session. Without loginPage
// a GET goes through at once (the user is signed in already); with it, a
// GET answers the sign-in page and only its form post goes through. A POST
// otherwise is refused. SignIn reports whether the caller should issue the
// code (or the tokens); when it does not, it has answered.
func SignIn(w http.ResponseWriter, r *http.Request, loginPage bool, vendor, user string) bool {
	switch {
	case r.Method != http.MethodPost && loginPage:
		LoginPage(w, r, vendor, user)
		return false
	case r.Method != http.MethodPost:
		return true
	case loginPage && SignedIn(r):
		return true
	}
	w.Header().Set("Allow", http.MethodGet)
	http.Error(w, "the authorization endpoint takes a GET, or the sign-in form's POST", http.StatusMethodNotAllowed)
	return false
}
