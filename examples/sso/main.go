// Command sso is the README's app: sign-in with WebUntis or UniSignIn, an API call with the user's token, logout.
package main

import (
	"cmp"
	"encoding/base64"
	"errors"
	"html/template"
	"log"
	"net/http"
	"net/url"
	"os"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

func main() {
	app, err := newApp(os.Getenv)
	if err == nil {
		err = http.ListenAndServe(os.Getenv("ADDR"), app) // ADDR=127.0.0.1:8080
	}
	log.Fatal(err)
}

func newApp(env func(string) string) (http.Handler, error) { // env: os.Getenv, or the test's settings for the fakes
	app, untis := env("APP_URL"), cmp.Or(env("OAUTHKIT_WEBUNTIS_BASE_URL"), webuntis.DefaultBaseURL) // APP_URL=http://127.0.0.1:8080
	wu, err1 := webuntis.New(webuntis.Config{BaseURL: untis, Tenant: env("OAUTHKIT_WEBUNTIS_TENANT"), ClientID: env("OAUTHKIT_WEBUNTIS_CLIENT_ID"),
		ClientSecret: oauthkit.Secret(env("OAUTHKIT_WEBUNTIS_CLIENT_SECRET")), RedirectURL: app + "/auth/webuntis/callback"})
	usi, err2 := unisignin.New(unisignin.Config{BaseURL: env("OAUTHKIT_UNISIGNIN_BASE_URL"), ClientID: env("OAUTHKIT_UNISIGNIN_CLIENT_ID"),
		ClientSecret: oauthkit.Secret(env("OAUTHKIT_UNISIGNIN_CLIENT_SECRET")), RedirectURL: app + "/auth/unisignin/callback"})
	key, err3 := base64.StdEncoding.DecodeString(env("SESSION_KEY")) // 32 random bytes: openssl rand -base64 32
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	h, err := web.New(web.Config{Providers: []oauthkit.Provider{wu, usi}, Keys: [][]byte{key}})
	if err != nil {
		return nil, err
	}
	api := map[string]string{"webuntis": untis + "/ims/oneroster/v1p1/users", // each vendor's API for the user's token
		"unisignin": env("OAUTHKIT_UNISIGNIN_BASE_URL") + "/oauth/v2/user?client_id=" + url.QueryEscape(env("OAUTHKIT_UNISIGNIN_CLIENT_ID"))}
	mux := http.NewServeMux()
	mux.Handle("/auth/", h) // the sign-in page, each vendor's login and callback, logout
	mux.Handle("/", h.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, answer := web.SessionFrom(r), "no answer"
		if resp, err := h.Client(r, nil).Get(api[s.Provider]); err == nil { // the user's token, refreshed
			answer = resp.Status
			resp.Body.Close()
		}
		page.Execute(w, map[string]string{"Name": cmp.Or(s.Name, s.Subject), "API": answer, "Logout": h.LogoutPath()})
	})))
	return mux, nil
}

var page = template.Must(template.New("").Parse(`<!doctype html><html lang="en"><title>BestApp</title><h1>Hello, {{.Name}}</h1>
<p>Your vendor's API answered: {{.API}}</p><form method="post" action="{{.Logout}}"><button>Sign out</button></form>`))
