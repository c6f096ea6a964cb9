package native_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/native"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// openidVendor is a generic OpenID Provider (openidtest) registered for
// the listener's redirect URL, which it compares exactly: it needs the
// listener first, so it returns both.
func openidVendor(t *testing.T) (vendor, *native.Listener, oauthkit.Provider) {
	t.Helper()
	l, err := native.Listen("http://127.0.0.1/auth/openid/callback")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	srv := openidtest.NewServer(openidtest.Options{Apps: []openidtest.App{{ID: "client", Secret: "client-secret", RedirectURLs: []string{l.RedirectURL()}}}})
	t.Cleanup(srv.Close)
	srv.SetUser(openidtest.User{Subject: "oidc-user-1"})
	p, err := openid.New(srv.Config("client"))
	require.NoError(t, err)
	v := vendor{
		name:    openid.DefaultName,
		signIn:  func(ctx context.Context, u string) (*url.URL, error) { return srv.SignIn(ctx, nil, u) },
		deny:    srv.Deny,
		subject: "oidc-user-1",
	}
	return v, l, p
}

// statelessError sends the listener an error redirect without state, as a
// web page in the user's browser can (it targets 127.0.0.1 directly, so the
// Host check passes).
func statelessError(ctx context.Context, l *native.Listener) (page, error) {
	cb, err := url.Parse(l.RedirectURL())
	if err != nil {
		return page{}, err
	}
	cb.RawQuery = url.Values{"error": {"access_denied"}, "error_description": {"forged"}}.Encode()
	return get(ctx, cb)
}

// TestLoginStatelessErrorIgnored: for a provider not documented to send an
// error redirect without state, one does not end the wait: it gets the
// page of a callback that matches no login, and the real callback then
// completes the login.
func TestLoginStatelessErrorIgnored(t *testing.T) {
	type setup func(t *testing.T) (vendor, *native.Listener, oauthkit.Provider)
	fromVendor := func(mk func(*testing.T) vendor) setup {
		return func(t *testing.T) (vendor, *native.Listener, oauthkit.Provider) {
			v := mk(t)
			l, p := listen(t, v)
			return v, l, p
		}
	}
	for name, mk := range map[string]setup{
		"webuntis":      fromVendor(webuntisVendor),
		"unisignin":     fromVendor(unisigninVendor),
		"licensespring": fromVendor(func(t *testing.T) vendor { return licensespringVendor(t, licensespring.ResponseTypeCode) }),
		"openid":        openidVendor,
	} {
		t.Run(name, func(t *testing.T) {
			v, l, p := mk(t)
			require.Equal(t, name, p.Name())
			var forged page
			open := func(ctx context.Context, authURL string) error {
				var err error
				if forged, err = statelessError(ctx, l); err != nil {
					return err
				}
				cb, err := v.signIn(ctx, authURL)
				if err != nil {
					return err
				}
				_, err = get(ctx, cb)
				return err
			}
			login, err := l.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
			require.NoError(t, err, "a stateless error redirect ended the login")
			if v.subject != "" {
				assert.Equal(t, v.subject, login.UserInfo.Subject)
			}
			assert.Equal(t, http.StatusBadRequest, forged.status)
			assert.Contains(t, forged.body, "Login not completed")
			requireSafePage(t, forged)
			requireClosed(t, l.Addr())
		})
	}
}

// TestLoginStatelessErrorCounted: a refused stateless error is counted in
// the error at the end of the wait, like a callback with another state.
func TestLoginStatelessErrorCounted(t *testing.T) {
	v := unisigninVendor(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	l, p := listen(t, v)
	open := func(octx context.Context, authURL string) error {
		got, err := statelessError(octx, l)
		assert.NoError(t, err)
		assert.Equal(t, http.StatusBadRequest, got.status)
		cancel() // the user gives up
		return nil
	}
	_, err := l.Login(ctx, p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, oauthkit.ErrAccessDenied)
	assert.Contains(t, err.Error(), "1 callback(s) with another state refused")
}

// TestLoginStatelessErrorJustimmo: Justimmo documents a denial without
// state (docs/vendors/justimmo.md#authorization-code), so for it such a
// redirect still ends the login with the vendor's error.
func TestLoginStatelessErrorJustimmo(t *testing.T) {
	v := justimmoVendor(t)
	l, p := listen(t, v)
	require.Equal(t, "justimmo", p.Name())
	pages := make(chan page, 1)
	open := func(ctx context.Context, authURL string) error {
		got, err := statelessError(ctx, l)
		if err != nil {
			return err
		}
		pages <- got
		return nil
	}
	_, err := l.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.ErrorIs(t, err, oauthkit.ErrAccessDenied)
	var oe *oauthkit.Error
	require.ErrorAs(t, err, &oe)
	got := <-pages
	assert.Equal(t, http.StatusOK, got.status)
	assert.Contains(t, got.body, "Login not completed")
	requireClosed(t, l.Addr())
}
