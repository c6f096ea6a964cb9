package web_test

import (
	"crypto/rand"
	"fmt"
	"log"
	"net/http"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

func ExampleNew() {
	wu, err := webuntis.New(webuntis.Config{
		Tenant:       "1234",
		ClientID:     "BestApp",
		ClientSecret: "the OIDC secret",
		RedirectURL:  "https://bestapp.example/auth/webuntis/callback",
	})
	if err != nil {
		log.Fatal(err)
	}
	key := make([]byte, 32) // in production: a fixed secret key, so sessions survive restarts
	rand.Read(key)
	h, err := web.New(web.Config{Providers: []oauthkit.Provider{wu}, Keys: [][]byte{key}})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/auth/", h)
	mux.Handle("/", h.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %s", web.SessionFrom(r).Name)
	})))
	fmt.Println(h.LoginPath("webuntis"), h.LogoutPath())
	// Output: /auth/webuntis/login /auth/logout
}

func ExampleSafeReturnTo() {
	for _, s := range []string{"/reports?week=12", "//evil.example", "/%5Cevil.example", "https://evil.example"} {
		fmt.Println(web.SafeReturnTo(s))
	}
	// Output:
	// /reports?week=12
	// /
	// /
	// /
}

func ExampleHandler_TokenSource() {
	var h *web.Handler // from web.New
	http.HandleFunc("/report", func(w http.ResponseWriter, r *http.Request) {
		tok, err := h.TokenSource(r).Token()
		if oauthkit.NeedsLogin(err) {
			http.Redirect(w, r, h.LoginPath("webuntis")+"?return_to=/report", http.StatusFound)
			return
		}
		_ = tok // call the vendor's API with it, or use oauth2.NewClient(r.Context(), h.TokenSource(r))
	})
}

func ExampleHandler_SessionCookieName() {
	key := make([]byte, 32)
	rand.Read(key)
	for _, redirect := range []string{
		"https://bestapp.example/auth/webuntis/callback", // production: Secure cookies, prefixed names
		"http://127.0.0.1:8080/auth/webuntis/callback",   // plain http on loopback: development
	} {
		wu, err := webuntis.New(webuntis.Config{Tenant: "1234", ClientID: "BestApp", ClientSecret: "the OIDC secret", RedirectURL: redirect})
		if err != nil {
			log.Fatal(err)
		}
		h, err := web.New(web.Config{Providers: []oauthkit.Provider{wu}, Keys: [][]byte{key}})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(h.SessionCookieName())
	}
	// Output:
	// __Host-oauthkit_session
	// oauthkit_session
}

func ExampleHandler_LoginURL() {
	key := make([]byte, 32)
	rand.Read(key)
	wu, err := webuntis.New(webuntis.Config{Tenant: "1234", ClientID: "BestApp", ClientSecret: "the OIDC secret", RedirectURL: "https://bestapp.example/auth/webuntis/callback"})
	if err != nil {
		log.Fatal(err)
	}
	h, err := web.New(web.Config{Providers: []oauthkit.Provider{wu}, Keys: [][]byte{key}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.LoginURL("webuntis", "/reports?week=12&class=4b"))
	fmt.Println(h.LoginURL("webuntis", "https://evil.example/"))
	fmt.Println(h.SignInPath())
	// Output:
	// /auth/webuntis/login?return_to=%2Freports%3Fweek%3D12%26class%3D4b
	// /auth/webuntis/login?return_to=%2F
	// /auth/sign-in
}

func ExampleHandler_SignedOut() {
	var h *web.Handler // from web.New, with Config.SignInPath "/"
	http.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if h.SignedOut(w, r) { // once, right after POST /auth/logout
			fmt.Fprintln(w, "You have signed out.")
		}
		fmt.Fprintf(w, "Sign in with WebUntis: %s\n", h.LoginURL("webuntis", r.URL.Query().Get("return_to")))
	})
}

// A logout through the provider's end_session_endpoint comes back to the
// logout form's return_to when the post-logout URL is the handler's own
// page; register that URL with the provider.
func ExampleHandler_SignedOutPath() {
	kc, err := openid.New(openid.Config{
		Issuer:      "https://sso.example.com/realms/acme",
		ClientID:    "bestapp",
		RedirectURL: "https://bestapp.example/auth/openid/callback",
	})
	if err != nil {
		log.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	h, err := web.New(web.Config{
		Providers:             []oauthkit.Provider{kc},
		Keys:                  [][]byte{key},
		PostLogoutRedirectURL: "https://bestapp.example/auth/signed-out", // registered at the provider
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.SignedOutPath())
	// Output: /auth/signed-out
}
