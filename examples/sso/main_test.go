package main

import (
	"crypto/rand"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// TestApp runs the README's app against the WebUntis and UniSignIn fakes,
// configured as its environment would configure it, and for each vendor
// signs a user in as a browser would: the app's sign-in page, the vendor's
// sign-in form, back to the protected page, whose API call with the user's
// token the vendor answers; then logout, and the notice that says so.
// (TestReadmeSnippetsCompile, in the module's root, checks that README.md
// shows this app's main.go whole.)
func TestApp(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil) // its address is known before it starts
	t.Cleanup(srv.Close)
	appURL := "http://" + srv.Listener.Addr().String()

	wu := webuntistest.NewServer(webuntistest.Options{LoginPage: true, Tenant: webuntistest.Tenant{RedirectURLs: []string{appURL + "/auth/webuntis/callback"}}})
	t.Cleanup(wu.Close)
	wu.SetUser(webuntistest.User{Subject: "untis-user-1", Claims: map[string]any{"name": "Grace Hopper"}})
	usi := unisignintest.NewServer(unisignintest.Options{LoginPage: true, App: unisignintest.App{RedirectURLs: []string{appURL + "/auth/unisignin/callback"}}})
	t.Cleanup(usi.Close)

	key := make([]byte, 32)
	rand.Read(key)
	wc, uc := wu.Config(), usi.Config()
	env := map[string]string{
		"APP_URL":                          appURL,
		"OAUTHKIT_WEBUNTIS_BASE_URL":       wc.BaseURL,
		"OAUTHKIT_WEBUNTIS_TENANT":         wc.Tenant,
		"OAUTHKIT_WEBUNTIS_CLIENT_ID":      wc.ClientID,
		"OAUTHKIT_WEBUNTIS_CLIENT_SECRET":  wc.ClientSecret.Reveal(),
		"OAUTHKIT_UNISIGNIN_BASE_URL":      uc.BaseURL,
		"OAUTHKIT_UNISIGNIN_CLIENT_ID":     uc.ClientID,
		"OAUTHKIT_UNISIGNIN_CLIENT_SECRET": uc.ClientSecret.Reveal(),
		"SESSION_KEY":                      base64.StdEncoding.EncodeToString(key),
	}
	app, err := newApp(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = app
	srv.Start()

	u := usi.Users()[0]
	for _, tt := range []struct {
		vendor, user string
		apiCalls     func() int
	}{
		{"WebUntis", "Grace Hopper", func() int { return wu.Requests(webuntistest.EndpointOneRoster) }},
		{"UniSignIn", u.FirstName + " " + u.LastName, func() int { return usi.Requests(unisignintest.EndpointUser) }},
	} {
		t.Run(tt.vendor, func(t *testing.T) {
			b := newBrowser(t, appURL)

			// The protected page sends a visitor to the sign-in page.
			signIn := b.get(appURL + "/")
			if signIn.url.Path != "/auth/sign-in" || !strings.Contains(signIn.body, "Sign in with WebUntis") || !strings.Contains(signIn.body, "Sign in with UniSignIn") {
				t.Fatalf("GET / without a session ended at %s: %.300q, want the sign-in page with both vendors", signIn.url.Path, signIn.body)
			}
			login := link(t, signIn, "Sign in with "+tt.vendor)

			// The vendor's sign-in form, then back to the protected page.
			form := b.get(login)
			if form.url.Host == b.app.Host {
				t.Fatalf("the login stayed in the app, at %s", form.url.Path)
			}
			home := b.submit(form)
			if home.url.String() != appURL+"/" || home.status != http.StatusOK {
				t.Fatalf("after the vendor's sign-in: status %d at %s", home.status, home.url)
			}
			if want := "<h1>Hello, " + html.EscapeString(tt.user) + "</h1>"; !strings.Contains(home.body, want) {
				t.Errorf("protected page %.300q, want %s", home.body, want)
			}
			if !strings.Contains(home.body, "Your vendor's API answered: 200 OK") {
				t.Errorf("protected page %.300q, want the API's 200 OK", home.body)
			}
			// Each load of the page calls the API (the login may have too:
			// UniSignIn's profile is its user info).
			calls := tt.apiCalls()
			if again := b.get(appURL + "/"); !strings.Contains(again.body, "Your vendor's API answered: 200 OK") {
				t.Errorf("protected page, again: %.300q, want the API's 200 OK", again.body)
			}
			if got := tt.apiCalls(); got != calls+1 {
				t.Errorf("the vendor's API got %d requests while the page loaded, want 1", got-calls)
			}

			// Logout, as the page's form posts it from the app's origin.
			out := b.post(appURL+"/auth/logout", url.Values{})
			if out.url.Path != "/auth/sign-in" || !strings.Contains(out.body, "You have signed out.") {
				t.Fatalf("after logout: at %s, %.300q; want the sign-in page saying so", out.url.Path, out.body)
			}
			if again := b.get(appURL + "/"); again.url.Path != "/auth/sign-in" || strings.Contains(again.body, "You have signed out.") {
				t.Errorf("after logout, GET /: at %s, notice shown again: %v", again.url.Path, strings.Contains(again.body, "You have signed out."))
			}
		})
	}
}

// browser is a cookie-jar client that follows redirects.
type browser struct {
	t   *testing.T
	c   *http.Client
	app *url.URL
}

type response struct {
	url    *url.URL // where the redirects ended
	status int
	body   string
}

func newBrowser(t *testing.T, appURL string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	app, _ := url.Parse(appURL)
	return &browser{t: t, c: &http.Client{Jar: jar}, app: app}
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		b.t.Fatal(err)
	}
	return response{resp.Request.URL, resp.StatusCode, string(body)}
}

func (b *browser) get(u string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

// post sends a form as a browser does, with the Origin of the page.
func (b *browser) post(u string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	target, _ := url.Parse(u)
	req.Header.Set("Origin", target.Scheme+"://"+target.Host)
	return b.do(req)
}

var (
	formRE   = regexp.MustCompile(`(?s)<form[^>]*\saction="([^"]*)"[^>]*>(.*?)</form>`)
	hiddenRE = regexp.MustCompile(`<input[^>]*\stype="hidden"[^>]*>`)
	buttonRE = regexp.MustCompile(`<button[^>]*>`)
	attrRE   = regexp.MustCompile(`\s(name|value)="([^"]*)"`)
)

// submit presses the first submit button of p's first form, as a browser
// would: the form's hidden fields and the button's name and value, posted
// to the form's action.
func (b *browser) submit(p response) response {
	b.t.Helper()
	m := formRE.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("no form on %s: %.300q", p.url.Path, p.body)
	}
	action, err := p.url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		b.t.Fatal(err)
	}
	form := url.Values{}
	fields := hiddenRE.FindAllString(m[2], -1)
	if button := buttonRE.FindString(m[2]); button != "" {
		fields = append(fields, button)
	}
	for _, f := range fields {
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(f, -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		if attrs["name"] != "" {
			form.Add(attrs["name"], attrs["value"])
		}
	}
	return b.post(action.String(), form)
}

// link returns the absolute URL of the link on p whose text is text.
func link(t *testing.T, p response, text string) string {
	t.Helper()
	for _, m := range regexp.MustCompile(`<a[^>]*\shref="([^"]*)"[^>]*>([^<]*)</a>`).FindAllStringSubmatch(p.body, -1) {
		if html.UnescapeString(m[2]) == text {
			u, err := p.url.Parse(html.UnescapeString(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			return u.String()
		}
	}
	t.Fatalf("no link %q on %s: %.300q", text, p.url.Path, p.body)
	return ""
}
