package native_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/native"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// vendor is one vendor's fake, as a native login test needs it.
type vendor struct {
	name       string
	registered string // the fake's registered loopback redirect URL (no port)
	// provider builds the provider for the listener's redirect URL.
	provider func(t *testing.T, redirectURL string) oauthkit.Provider
	// signIn and deny play the user at the fake's authorization endpoint
	// and return the callback URL the vendor redirects to.
	signIn, deny func(ctx context.Context, authURL string) (*url.URL, error)
	subject      string
}

func webuntisVendor(t *testing.T) vendor {
	srv := webuntistest.NewServer(webuntistest.Options{LoginPage: true})
	t.Cleanup(srv.Close)
	return vendor{
		name: "webuntis", registered: "http://127.0.0.1/auth/webuntis/callback",
		provider: func(t *testing.T, redirectURL string) oauthkit.Provider {
			p, err := webuntis.New(srv.ConfigFor(redirectURL))
			require.NoError(t, err)
			return p
		},
		signIn:  func(ctx context.Context, u string) (*url.URL, error) { return srv.SignIn(ctx, nil, u) },
		deny:    srv.Deny,
		subject: "untis-user-1",
	}
}

func unisigninVendor(t *testing.T) vendor {
	srv := unisignintest.NewServer(unisignintest.Options{})
	t.Cleanup(srv.Close)
	return vendor{
		name: "unisignin", registered: "http://127.0.0.1/auth/unisignin/callback",
		provider: func(t *testing.T, redirectURL string) oauthkit.Provider {
			p, err := unisignin.New(srv.ConfigFor(redirectURL))
			require.NoError(t, err)
			return p
		},
		signIn:  func(ctx context.Context, u string) (*url.URL, error) { return srv.SignIn(ctx, nil, u) },
		deny:    srv.Deny,
		subject: strconv.FormatInt(srv.Users()[0].ID, 10),
	}
}

func justimmoVendor(t *testing.T) vendor {
	srv := justimmotest.NewServer(justimmotest.Options{})
	t.Cleanup(srv.Close)
	return vendor{
		name: "justimmo", registered: "http://127.0.0.1/auth/justimmo/callback",
		provider: func(t *testing.T, redirectURL string) oauthkit.Provider {
			p, err := justimmo.New(srv.ConfigFor(redirectURL))
			require.NoError(t, err)
			return p
		},
		signIn: func(ctx context.Context, u string) (*url.URL, error) { return srv.SignIn(ctx, nil, u) },
		deny:   srv.Deny,
	}
}

func licensespringVendor(t *testing.T, responseType string) vendor {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	t.Cleanup(srv.Close)
	return vendor{
		name: "licensespring", registered: "http://127.0.0.1/auth/licensespring/callback",
		provider: func(t *testing.T, redirectURL string) oauthkit.Provider {
			cfg := srv.ConfigFor(redirectURL)
			cfg.ResponseType = responseType
			p, err := licensespring.New(cfg)
			require.NoError(t, err)
			return p
		},
		signIn:  func(ctx context.Context, u string) (*url.URL, error) { return srv.SignIn(ctx, nil, u) },
		deny:    srv.Deny,
		subject: "license-user-1",
	}
}

func vendors(t *testing.T) []vendor {
	return []vendor{webuntisVendor(t), unisigninVendor(t), justimmoVendor(t), licensespringVendor(t, licensespring.ResponseTypeCode)}
}

// page is what the test's browser got at the callback.
type page struct {
	status int
	header http.Header
	body   string
}

// get requests u as the browser would, without the fragment (a browser
// never sends it). It runs in OpenBrowser's goroutine, so it reports a
// failure as an error rather than stopping the test there.
func get(ctx context.Context, u *url.URL) (page, error) {
	v := *u
	v.Fragment, v.RawFragment = "", ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.String(), nil)
	if err != nil {
		return page{}, err
	}
	return do(req)
}

func do(req *http.Request) (page, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return page{resp.StatusCode, resp.Header, string(b)}, err
}

// browser returns an OpenBrowser that plays the user with signIn and
// requests the callback, and the channel of the page it got.
func browser(signIn func(context.Context, string) (*url.URL, error)) (func(context.Context, string) error, <-chan page) {
	pages := make(chan page, 1)
	return func(ctx context.Context, authURL string) error {
		cb, err := signIn(ctx, authURL)
		if err != nil {
			return err
		}
		p, err := get(ctx, cb)
		if err != nil {
			return err
		}
		pages <- p
		return nil
	}, pages
}

// status is the page's status, or -1 when the request failed.
func status(p page, err error) int {
	if err != nil {
		return -1
	}
	return p.status
}

// requireClosed checks that nothing listens at addr any more.
func requireClosed(t *testing.T, addr net.Addr) {
	t.Helper()
	c, err := net.Dial(addr.Network(), addr.String())
	if err == nil {
		c.Close()
	}
	require.Error(t, err, "the listener at %s still accepts connections", addr)
}

func requireSafePage(t *testing.T, p page) {
	t.Helper()
	assert.Equal(t, "no-store", p.header.Get("Cache-Control"))
	assert.Equal(t, "nosniff", p.header.Get("X-Content-Type-Options"))
	assert.Contains(t, p.header.Get("Content-Security-Policy"), "default-src 'none'")
	assert.Equal(t, "text/html; charset=utf-8", p.header.Get("Content-Type"))
}

// listen opens the listener on v's registered redirect URL and builds v's
// provider for it.
func listen(t *testing.T, v vendor) (*native.Listener, oauthkit.Provider) {
	t.Helper()
	l, err := native.Listen(v.registered)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	require.NotEqual(t, v.registered, l.RedirectURL(), "the listener's URL carries its port")
	return l, v.provider(t, l.RedirectURL())
}

func TestLoginEachVendor(t *testing.T) {
	for _, v := range vendors(t) {
		t.Run(v.name, func(t *testing.T) {
			ctx := t.Context()
			l, p := listen(t, v)
			open, pages := browser(v.signIn)
			login, err := l.Login(ctx, p, native.Options{OpenBrowser: open, Timeout: time.Minute})
			require.NoError(t, err)
			assert.Equal(t, v.name, login.Provider)
			assert.NotEmpty(t, login.UserInfo.Subject)
			if v.subject != "" {
				assert.Equal(t, v.subject, login.UserInfo.Subject)
			}
			got := <-pages
			assert.Equal(t, http.StatusOK, got.status)
			assert.Contains(t, got.body, "Logged in")
			assert.NotContains(t, got.body, login.Token.AccessToken, "the page shows no token")
			requireSafePage(t, got)
			requireClosed(t, l.Addr())
		})
	}
}

// TestLoginAnotherState: a callback with another state gets the failure
// page and leaves the wait running; the real callback then completes the
// login (RFC 8252 §8.9).
func TestLoginAnotherState(t *testing.T) {
	v := unisigninVendor(t)
	ctx := t.Context()
	l, p := listen(t, v)
	var forged page
	open := func(ctx context.Context, authURL string) error {
		cb, err := v.signIn(ctx, authURL)
		if err != nil {
			return err
		}
		// Another process on the machine races the real callback with its
		// own code and state.
		bad := *cb
		q := bad.Query()
		q.Set("state", "attacker-state")
		q.Set("code", "attacker-code")
		bad.RawQuery = q.Encode()
		if forged, err = get(ctx, &bad); err != nil {
			return err
		}
		_, err = get(ctx, cb)
		return err
	}
	login, err := l.Login(ctx, p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.NoError(t, err)
	assert.NotEmpty(t, login.UserInfo.Subject)
	assert.Equal(t, http.StatusBadRequest, forged.status)
	assert.Contains(t, forged.body, "Login not completed")
	requireSafePage(t, forged)
	requireClosed(t, l.Addr())
}

// TestLoginOnlyAnotherState: when only callbacks with another state
// arrive, the wait ends at ctx's end, and the error counts them.
func TestLoginOnlyAnotherState(t *testing.T) {
	v := unisigninVendor(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l, p := listen(t, v)
	open := func(octx context.Context, authURL string) error {
		cb, _ := url.Parse(l.RedirectURL())
		cb.RawQuery = url.Values{"state": {"other"}, "code": {"c"}}.Encode()
		got, err := get(octx, cb)
		assert.NoError(t, err)
		assert.Equal(t, http.StatusBadRequest, got.status)
		cancel() // the user gives up
		return nil
	}
	_, err := l.Login(ctx, p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "1 callback(s) with another state refused")
	assert.NotContains(t, err.Error(), "code=c")
	requireClosed(t, l.Addr())
}

func TestLoginAccessDenied(t *testing.T) {
	for _, v := range vendors(t) {
		t.Run(v.name, func(t *testing.T) {
			l, p := listen(t, v)
			open, pages := browser(v.deny)
			_, err := l.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
			require.ErrorIs(t, err, oauthkit.ErrAccessDenied)
			var oe *oauthkit.Error
			require.ErrorAs(t, err, &oe)
			got := <-pages
			assert.Contains(t, got.body, "Login not completed")
			requireSafePage(t, got)
			requireClosed(t, l.Addr())
		})
	}
}

// TestLoginTimeout: no callback at all; the wait ends at Options.Timeout,
// or at ctx's deadline, with ErrTimeout. (The timeouts are real and short;
// nothing is waited for that could come.)
func TestLoginTimeout(t *testing.T) {
	for _, tc := range []struct {
		name        string
		timeout     time.Duration // Options.Timeout
		ctxDeadline time.Duration // 0: none
	}{
		{"Options.Timeout", 20 * time.Millisecond, 0},
		{"ctx deadline", time.Minute, 20 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := unisigninVendor(t)
			l, p := listen(t, v)
			ar, err := p.AuthCodeURL(t.Context())
			require.NoError(t, err)
			ctx := t.Context()
			if tc.ctxDeadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxDeadline)
				defer cancel()
			}
			opened := make(chan struct{})
			_, err = l.Complete(ctx, p, ar, native.Options{
				OpenBrowser: func(context.Context, string) error { close(opened); return nil },
				Timeout:     tc.timeout,
			})
			<-opened
			require.ErrorIs(t, err, native.ErrTimeout)
			if tc.ctxDeadline > 0 {
				require.ErrorIs(t, err, context.DeadlineExceeded)
			}
			assert.Contains(t, err.Error(), l.RedirectURL())
			requireClosed(t, l.Addr())
		})
	}
}

func TestLoginBrowserFails(t *testing.T) {
	v := justimmoVendor(t)
	l, p := listen(t, v)
	_, err := l.Login(t.Context(), p, native.Options{
		OpenBrowser: func(context.Context, string) error { return errors.New("no display") },
	})
	require.ErrorIs(t, err, native.ErrBrowser)
	assert.Contains(t, err.Error(), "no display")
	requireClosed(t, l.Addr())
}

// TestCallbackServesOnlyItsPath: other paths are 404, another Host 421,
// another method 405; none of them ends the login.
func TestCallbackServesOnlyItsPath(t *testing.T) {
	v := webuntisVendor(t)
	l, p := listen(t, v)
	cbURL, err := url.Parse(l.RedirectURL())
	require.NoError(t, err)
	open := func(ctx context.Context, authURL string) error {
		other := *cbURL
		other.Path = "/"
		assert.Equal(t, http.StatusNotFound, status(get(ctx, &other)))
		other.Path = cbURL.Path + "/x"
		assert.Equal(t, http.StatusNotFound, status(get(ctx, &other)))

		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cbURL.String()+"?state=x&code=y", nil)
		req.Host = "rebound.example:" + cbURL.Port()
		assert.Equal(t, http.StatusMisdirectedRequest, status(do(req)))

		req, _ = http.NewRequestWithContext(ctx, http.MethodPost, cbURL.String(), strings.NewReader("state=x"))
		assert.Equal(t, http.StatusMethodNotAllowed, status(do(req)))

		cb, err := v.signIn(ctx, authURL)
		if err != nil {
			return err
		}
		_, err = get(ctx, cb)
		return err
	}
	login, err := l.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, "untis-user-1", login.UserInfo.Subject)
}

// TestLoginSecondCallback: once the login's callback is accepted, a replay
// of it gets the failure page.
func TestLoginSecondCallback(t *testing.T) {
	v := justimmoVendor(t)
	l, p := listen(t, v)
	replays := make(chan page, 1)
	open := func(ctx context.Context, authURL string) error {
		cb, err := v.signIn(ctx, authURL)
		if err != nil {
			return err
		}
		if _, err := get(ctx, cb); err != nil {
			return err
		}
		// The login has its result, but the listener serves until the
		// opener returns.
		replay, err := get(ctx, cb)
		if err != nil {
			return err
		}
		replays <- replay
		return nil
	}
	_, err := l.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.NoError(t, err)
	r := <-replays
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, r.body, "Login not completed")
}

func TestCompleteRedirectMismatch(t *testing.T) {
	v := justimmoVendor(t)
	l, err := native.Listen(v.registered)
	require.NoError(t, err)
	other, err := native.Listen(v.registered)
	require.NoError(t, err)
	defer other.Close()
	p := v.provider(t, other.RedirectURL()) // built for the other listener
	_, err = l.Login(t.Context(), p, native.Options{OpenBrowser: func(context.Context, string) error {
		t.Error("the browser was opened for a login that cannot complete")
		return nil
	}})
	require.ErrorIs(t, err, native.ErrRedirectURL)
	requireClosed(t, l.Addr())

	_, err = l.Login(t.Context(), p, native.Options{})
	require.ErrorIs(t, err, native.ErrListenerUsed)
}

// TestLoginFixedPort: the package-level Login listens on the provider's
// redirect URL when it names a port.
func TestLoginFixedPort(t *testing.T) {
	v := unisigninVendor(t)
	// A port that is free now: listen on it, note it, close it.
	probe, err := native.Listen(v.registered)
	require.NoError(t, err)
	redirect := probe.RedirectURL()
	addr := probe.Addr()
	require.NoError(t, probe.Close())

	p := v.provider(t, redirect)
	open, _ := browser(v.signIn)
	login, err := native.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.NoError(t, err)
	assert.NotEmpty(t, login.UserInfo.Subject)
	requireClosed(t, addr)

	_, err = native.Login(t.Context(), v.provider(t, v.registered), native.Options{OpenBrowser: open})
	require.ErrorIs(t, err, native.ErrRedirectURL, "a redirect URL without a port needs Listen first")
}

// TestLoginIPv6: a redirect URL registered on [::1] is served there.
func TestLoginIPv6(t *testing.T) {
	const registered = "http://[::1]/auth/justimmo/callback"
	probe, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	probe.Close()
	srv := justimmotest.NewServer(justimmotest.Options{App: justimmotest.App{RedirectURLs: []string{registered}}})
	t.Cleanup(srv.Close)
	l, err := native.Listen(registered)
	require.NoError(t, err)
	p, err := justimmo.New(srv.ConfigFor(l.RedirectURL()))
	require.NoError(t, err)
	open, pages := browser(func(ctx context.Context, u string) (*url.URL, error) { return srv.SignIn(ctx, nil, u) })
	login, err := l.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.NoError(t, err)
	assert.NotEmpty(t, login.UserInfo.Subject)
	assert.Equal(t, http.StatusOK, (<-pages).status)
	assert.Equal(t, "::1", l.Addr().(*net.TCPAddr).IP.String())
	requireClosed(t, l.Addr())
}

// TestLoginPublicClient: UniSignIn's app flow — the desktop app as a
// public client, no secret, PKCE (plain, the vendor's rule) — on a
// registered loopback redirect URL.
func TestLoginPublicClient(t *testing.T) {
	const registered = "http://127.0.0.1/desktop/callback"
	srv := unisignintest.NewServer(unisignintest.Options{PublicApp: unisignintest.App{RedirectURLs: []string{registered}}})
	t.Cleanup(srv.Close)
	l, err := native.Listen(registered)
	require.NoError(t, err)
	cfg := srv.PublicConfig()
	cfg.RedirectURL = l.RedirectURL()
	p, err := unisignin.New(cfg)
	require.NoError(t, err)
	open, _ := browser(func(ctx context.Context, u string) (*url.URL, error) { return srv.SignIn(ctx, nil, u) })
	login, err := l.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, "ada@example.com", login.UserInfo.Email)
	requireClosed(t, l.Addr())
}
