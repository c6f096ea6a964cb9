package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// app is one replica of the web app: the sign-in page, the page of who is
// logged in, the API call, and package web's handler under /auth/.
type app struct {
	auth    *web.Handler
	vendors map[string]vendor
	order   []string
	mux     *http.ServeMux
	replica string // "replica 2 of 3", in every page's footer
	n       int
}

// appConfig configures one replica of the app.
type appConfig struct {
	Vendors []vendor
	// Key seals the state and session cookies; nil: a random one.
	Key []byte
	// Tokens keeps the sessions' tokens; nil: web's memory store.
	Tokens web.TokenStore
	// Replica is this replica's number (1-based) of Replicas.
	Replica, Replicas int
	Logger            *slog.Logger
}

// newApp builds the app.
func newApp(cfg appConfig) (*app, error) {
	key := cfg.Key
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key)
	}
	if cfg.Replica == 0 {
		cfg.Replica, cfg.Replicas = 1, 1
	}
	a := &app{vendors: map[string]vendor{}, n: cfg.Replica, replica: fmt.Sprintf("replica %d of %d", cfg.Replica, cfg.Replicas)}
	var providers []oauthkit.Provider
	for _, v := range cfg.Vendors {
		providers = append(providers, v.provider)
		a.vendors[v.provider.Name()] = v
		a.order = append(a.order, v.provider.Name())
	}
	auth, err := web.New(web.Config{
		Providers:  providers,
		Keys:       [][]byte{key},
		Tokens:     cfg.Tokens,
		SignInPath: "/",
		Logger:     cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	a.auth = auth

	mux := http.NewServeMux()
	mux.Handle("/auth/", auth)
	mux.HandleFunc("GET /{$}", a.signIn)
	mux.Handle("GET /me", auth.RequireLogin(http.HandlerFunc(a.me)))
	mux.Handle("POST /me/api", http.NewCrossOriginProtection().Handler(auth.RequireLogin(http.HandlerFunc(a.me))))
	mux.HandleFunc("GET /style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Write([]byte(css))
	})
	a.mux = mux
	return a, nil
}

// replicaHeader names the replica that answered, on every response.
const replicaHeader = "X-Webapp-Replica"

func (a *app) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self' http: https:; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set(replicaHeader, strconv.Itoa(a.n))
	a.mux.ServeHTTP(w, r)
}

type button struct{ Label, LoginURL, Name string }

// signIn shows a button per vendor, or sends a logged-in user to /me.
func (a *app) signIn(w http.ResponseWriter, r *http.Request) {
	if _, err := a.auth.Session(r); err == nil {
		http.Redirect(w, r, "/me", http.StatusFound)
		return
	}
	var bs []button
	for _, n := range a.order {
		bs = append(bs, button{a.vendors[n].label, a.auth.LoginPath(n), n})
	}
	a.render(w, http.StatusOK, "signin", map[string]any{"Buttons": bs, "ReturnTo": web.SafeReturnTo(r.URL.Query().Get("return_to")), "SignedOut": a.auth.SignedOut(w, r)})
}

// me shows who is logged in; on POST it also calls the vendor's API with
// the user's refreshing token.
func (a *app) me(w http.ResponseWriter, r *http.Request) {
	s := web.SessionFrom(r)
	v := a.vendors[s.Provider]
	data := map[string]any{"S": s, "Vendor": v.label, "Logout": a.auth.LogoutPath()}
	status := http.StatusOK
	tok, err := a.auth.TokenSource(r).Token()
	switch {
	case oauthkit.NeedsLogin(err):
		data["Error"] = "Your sign-in has ended — please sign in again."
	case errors.Is(err, web.ErrUnavailable):
		// The session store (Redis) or the session's refresh elsewhere in
		// the fleet did not answer in time; nothing was ended.
		status = http.StatusServiceUnavailable
		data["Error"] = "Your session cannot be read right now — try again in a moment."
	case err != nil:
		data["Error"] = "Could not get a token for you right now."
	default:
		data["TokenExpiry"] = tok.Expiry.Format("2006-01-02 15:04:05 MST")
		if r.Method == http.MethodPost {
			if out, err := v.callAPI(r.Context(), tok); err != nil {
				data["Error"] = "The API call failed."
			} else {
				data["APIResult"] = out
			}
		}
	}
	a.render(w, status, "me", data)
}

// render writes page name with data and this replica's name.
func (a *app) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	data["Replica"] = a.replica
	data["N"] = a.n
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	pages.ExecuteTemplate(w, name, data)
}

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>oauthkit webapp</title><link rel="stylesheet" href="/style.css"></head><body><main>{{end}}
{{define "foot"}}</main><footer>oauthkit example — package web — served by <span id="replica" data-n="{{.N}}">{{.Replica}}</span></footer></body></html>{{end}}

{{define "signin"}}{{template "head"}}
<h1>Sign in</h1>
{{if .SignedOut}}<p id="signed-out" role="status">You have signed out.</p>
{{end}}<p>Choose where your account is.</p>
<ul class="buttons">{{range .Buttons}}
<li><form method="get" action="{{.LoginURL}}"><input type="hidden" name="return_to" value="{{$.ReturnTo}}">
<button type="submit" id="signin-{{.Name}}" class="vendor {{.Name}}">Sign in with {{.Label}}</button></form></li>{{end}}
</ul>{{template "foot" .}}{{end}}

{{define "me"}}{{template "head"}}
<h1>Signed in</h1>
<dl id="who">
<dt>Vendor</dt><dd id="vendor">{{.Vendor}}</dd>
<dt>Subject</dt><dd id="subject">{{.S.Subject}}</dd>
<dt>Name</dt><dd id="name">{{or .S.Name "—"}}</dd>
<dt>Email</dt><dd id="email">{{or .S.Email "—"}}</dd>
<dt>Signed in at</dt><dd id="login-at">{{.S.LoginAt.Format "2006-01-02 15:04:05.000 MST"}}</dd>
<dt>Token expires</dt><dd id="expiry">{{or .TokenExpiry "—"}}</dd>
</dl>
{{with .APIResult}}<p class="ok" id="api-result">{{.}}</p>{{end}}
{{with .Error}}<p class="error" id="error">{{.}}</p>{{end}}
<div class="actions">
<form method="post" action="/me/api"><button type="submit" id="call-api">Call the API with my token</button></form>
<form method="post" action="{{.Logout}}"><button type="submit" id="logout" class="secondary">Log out</button></form>
</div>{{template "foot" .}}{{end}}
`))

const css = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f4f6f8;color:#1d2329}
main{max-width:32rem;margin:4rem auto;background:#fff;padding:2rem 2.5rem;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
h1{margin-top:0;font-size:1.6rem}
ul.buttons{list-style:none;padding:0;margin:1.5rem 0 0}
ul.buttons li{margin:.6rem 0}
button{font:inherit;width:100%;padding:.7rem 1rem;border:0;border-radius:8px;background:#0b57d0;color:#fff;cursor:pointer}
button:hover{filter:brightness(1.1)}
button.secondary{background:#e3e7eb;color:#1d2329}
button.webuntis{background:#f49b00}button.unisignin{background:#3f51b5}button.justimmo{background:#00897b}button.licensespring{background:#6a1b9a}button.openid{background:#37474f}
dl{display:grid;grid-template-columns:9rem 1fr;gap:.3rem 1rem}dt{color:#5f6b76}dd{margin:0;word-break:break-all}
.actions{display:grid;gap:.6rem;margin-top:1.5rem}
.ok{background:#e6f4ea;padding:.6rem .8rem;border-radius:8px}.error{background:#fce8e6;padding:.6rem .8rem;border-radius:8px}
footer{text-align:center;color:#8a949e;font-size:.85rem;margin-bottom:2rem}
`
