package oauthkittest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// fake is one vendor's fake seen through what the four share.
type fake struct {
	label string // the vendor's name on the sign-in page
	// provider builds the vendor's Provider from Config (redirect "") or
	// from ConfigFor(redirect).
	provider func(t *testing.T, redirect string) oauthkit.Provider
	client   *http.Client
	// authorize, deny and signIn are the Server's methods.
	authorize, deny func(ctx context.Context, authURL string) (*url.URL, error)
	signIn          func(ctx context.Context, client *http.Client, startURL string) (*url.URL, error)
	// clientID, subject, name and email: what the sign-in page shows and
	// the login then carries.
	clientID, subject, name, email string
	// iss is the issuer the vendor's redirects carry (RFC 9207), "" for none.
	iss string
}

// redirecter is what every vendor Provider reports of its redirect URL.
type redirecter interface{ RedirectURL() string }

// fakes starts the four fakes for t, with a signed-in user each.
func fakes(t *testing.T, loginPage bool) map[string]fake {
	t.Helper()
	must := func(p oauthkit.Provider, err error) oauthkit.Provider {
		t.Helper()
		require.NoError(t, err)
		return p
	}
	wu := webuntistest.NewServer(webuntistest.Options{LoginPage: loginPage})
	wu.SetUser(webuntistest.User{Subject: "untis-7", Claims: map[string]any{"name": "Grace Hopper", "email": "grace@school.example"}})
	usi := unisignintest.NewServer(unisignintest.Options{LoginPage: loginPage})
	ji := justimmotest.NewServer(justimmotest.Options{LoginPage: loginPage})
	ls := licensespringtest.NewServer(licensespringtest.Options{LoginPage: loginPage})
	t.Cleanup(func() { wu.Close(); usi.Close(); ji.Close(); ls.Close() })
	return map[string]fake{
		"webuntis": {
			label: "WebUntis",
			provider: func(t *testing.T, redirect string) oauthkit.Provider {
				cfg := wu.Config()
				if redirect != "" {
					cfg = wu.ConfigFor(redirect)
				}
				return must(webuntis.New(cfg))
			},
			client: wu.Client(), authorize: wu.Authorize, deny: wu.Deny, signIn: wu.SignIn,
			clientID: wu.Tenant().ClientID, subject: "untis-7", name: "Grace Hopper", email: "grace@school.example",
		},
		"unisignin": {
			label: "UniSignIn",
			provider: func(t *testing.T, redirect string) oauthkit.Provider {
				cfg := usi.Config()
				if redirect != "" {
					cfg = usi.ConfigFor(redirect)
				}
				return must(unisignin.New(cfg))
			},
			client: usi.Client(), authorize: usi.Authorize, deny: usi.Deny, signIn: usi.SignIn,
			clientID: usi.App().ID, subject: "1", name: "Ada Lovelace", email: "ada@example.com",
		},
		"justimmo": {
			label: "Justimmo",
			provider: func(t *testing.T, redirect string) oauthkit.Provider {
				cfg := ji.Config()
				if redirect != "" {
					cfg = ji.ConfigFor(redirect)
				}
				return must(justimmo.New(cfg))
			},
			client: ji.Client(), authorize: ji.Authorize, deny: ji.Deny, signIn: ji.SignIn,
			clientID: ji.App().ID, subject: "1234",
		},
		"licensespring": {
			label: "LicenseSpring",
			provider: func(t *testing.T, redirect string) oauthkit.Provider {
				cfg := ls.Config()
				if redirect != "" {
					cfg = ls.ConfigFor(redirect)
				}
				return must(licensespring.New(cfg))
			},
			client: ls.Client(), authorize: ls.Authorize, deny: ls.Deny, signIn: ls.SignIn,
			clientID: ls.Options().ClientID, subject: "license-user-1", name: "Ada Lovelace", email: "ada@example.com",
			iss: ls.Issuer(),
		},
	}
}

// TestConfigRedirectIsWebCallback: each fake's Config names the callback
// of a package web handler at its default BasePath, so that
// web.New(fake.Config()) routes it; ConfigFor takes the application's
// callback on any loopback port and panics for a URL that is not
// registered.
func TestConfigRedirectIsWebCallback(t *testing.T) {
	for name, f := range fakes(t, false) {
		t.Run(name, func(t *testing.T) {
			p := f.provider(t, "")
			require.Equal(t, name, p.Name())
			u, err := url.Parse(p.(redirecter).RedirectURL())
			require.NoError(t, err)
			assert.Equal(t, "http", u.Scheme)
			assert.Equal(t, "127.0.0.1", u.Host)
			assert.Equal(t, web.DefaultBasePath+"/"+name+"/callback", u.Path)
			_, err = web.New(web.Config{Providers: []oauthkit.Provider{p}, Keys: [][]byte{make([]byte, 32)}})
			require.NoError(t, err)

			cb := "http://127.0.0.1:49152" + web.DefaultBasePath + "/" + name + "/callback"
			assert.Equal(t, cb, f.provider(t, cb).(redirecter).RedirectURL())
			for _, bad := range []string{
				"http://127.0.0.1:49152/callback",
				"http://localhost:49152" + web.DefaultBasePath + "/" + name + "/callback",
				"https://app.example" + web.DefaultBasePath + "/" + name + "/callback",
			} {
				assert.Panics(t, func() { f.provider(t, bad) }, bad)
			}
		})
	}
}

// element returns the text of the page's element with id, or fails.
func element(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `"[^>]*>([^<]*)<`).FindStringSubmatch(page)
	require.NotNil(t, m, "the sign-in page has no #%s", id)
	return m[1]
}

// TestSignInPage: the sign-in page names the vendor, the application's
// client id and the user as the login then carries them (the name, or "—"
// when the vendor gives none, the email and the subject), with the Sign
// in button and a Cancel button.
func TestSignInPage(t *testing.T) {
	ctx := context.Background()
	for name, f := range fakes(t, true) {
		t.Run(name, func(t *testing.T) {
			p := f.provider(t, "")
			ar, err := p.AuthCodeURL(ctx)
			require.NoError(t, err)
			resp, err := f.client.Get(ar.URL)
			require.NoError(t, err)
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page := string(raw)
			require.Equal(t, http.StatusOK, resp.StatusCode)

			assert.Equal(t, "Sign in to "+f.label+" (fake)", element(t, page, "fake-login-title"))
			assert.Equal(t, f.clientID, element(t, page, "fake-login-client"))
			assert.Equal(t, "Sign in", element(t, page, "fake-sign-in"))
			assert.Equal(t, "Cancel", element(t, page, "fake-cancel"))
			shown := func(v string) string {
				if v == "" {
					return "—"
				}
				return v
			}
			assert.Equal(t, shown(f.name), element(t, page, "fake-login-user"))
			assert.Equal(t, shown(f.email), element(t, page, "fake-login-email"))
			assert.Equal(t, f.subject, element(t, page, "fake-login-subject"))

			cb, err := f.authorize(ctx, ar.URL)
			require.NoError(t, err)
			login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
			require.NoError(t, err)
			assert.Equal(t, f.subject, login.UserInfo.Subject, "the page shows whom the login names")
			assert.Equal(t, f.name, login.UserInfo.Name)
			assert.Equal(t, f.email, login.UserInfo.Email)
		})
	}
}

// TestCancel: the sign-in page's Cancel button (Deny; with no page, Deny
// declines at once) sends the browser to the callback with
// error=access_denied, the state, and iss where the vendor sends one;
// Complete reports it as oauthkit.ErrAccessDenied.
func TestCancel(t *testing.T) {
	ctx := context.Background()
	for _, loginPage := range []bool{true, false} {
		for name, f := range fakes(t, loginPage) {
			t.Run(fmt.Sprintf("%s/page=%v", name, loginPage), func(t *testing.T) {
				p := f.provider(t, "")
				ar, err := p.AuthCodeURL(ctx)
				require.NoError(t, err)
				cb, err := f.deny(ctx, ar.URL)
				require.NoError(t, err)
				q := cb.Query()
				assert.Equal(t, p.(redirecter).RedirectURL(), cb.Scheme+"://"+cb.Host+cb.Path)
				assert.Equal(t, "access_denied", q.Get("error"))
				assert.Equal(t, ar.State, q.Get("state"))
				assert.Equal(t, f.iss, q.Get("iss"))
				assert.False(t, q.Has("code"))
				_, err = oauthkit.Complete(ctx, p, ar, q)
				assert.ErrorIs(t, err, oauthkit.ErrAccessDenied)
			})
		}
	}
}

// TestSignInWithCookieJar: Server.SignIn drives a login from a test's own
// cookie-jar client, without a browser or an HTML scraper: from the app's
// login URL through the fake (its sign-in page too) to the app's callback,
// which it returns unfollowed; the same client then completes the login.
// The app opens its listener after its fakes start: ConfigFor takes its
// port.
func TestSignInWithCookieJar(t *testing.T) {
	ctx := context.Background()
	for _, loginPage := range []bool{false, true} {
		for name, f := range fakes(t, loginPage) {
			t.Run(fmt.Sprintf("%s/page=%v", name, loginPage), func(t *testing.T) {
				mux := http.NewServeMux()
				app := httptest.NewUnstartedServer(mux)
				base := "http://" + app.Listener.Addr().String()
				p := f.provider(t, base+"/auth/"+name+"/callback")
				h, err := web.New(web.Config{Providers: []oauthkit.Provider{p}, Keys: [][]byte{make([]byte, 32)}})
				require.NoError(t, err)
				mux.Handle("/auth/", h)
				mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
					s, err := h.Session(r)
					if err != nil {
						http.Error(w, "no session", http.StatusUnauthorized)
						return
					}
					fmt.Fprint(w, s.Subject)
				})
				app.Start()
				defer app.Close()

				jar, err := cookiejar.New(nil)
				require.NoError(t, err)
				client := &http.Client{Jar: jar}
				cb, err := f.signIn(ctx, client, base+"/auth/"+name+"/login")
				require.NoError(t, err)
				assert.Equal(t, base+"/auth/"+name+"/callback", cb.Scheme+"://"+cb.Host+cb.Path, "SignIn stops at the app's callback")
				assert.True(t, cb.Query().Has("code"))

				resp, err := client.Get(cb.String())
				require.NoError(t, err)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, f.subject, string(body), "the app has a session for the fake's user")
			})
		}
	}
}

// TestSignInNeverReachingTheFake: a start URL that never leads to the
// fake's authorization endpoint is an error naming where it ended, without
// its query.
func TestSignInNeverReachingTheFake(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nothing here", http.StatusNotFound)
	}))
	defer app.Close()
	for name, f := range fakes(t, false) {
		_, err := f.signIn(context.Background(), nil, app.URL+"/auth/"+name+"/login?state=secret-state")
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "never reached", name)
		assert.Contains(t, err.Error(), "404", name)
		assert.NotContains(t, err.Error(), "secret-state", name)
		assert.False(t, errors.Is(err, context.Canceled))
	}
}
