package providertest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// LoopbackFake is what [LoopbackRedirectAnyPort] needs of a vendor's fake,
// started with http://127.0.0.1/auth/{vendor}/callback and
// https://app.example/auth/{vendor}/callback registered.
type LoopbackFake struct {
	Vendor string
	// Provider builds the vendor's Provider with redirect as its
	// RedirectURL.
	Provider func(t *testing.T, redirect string) oauthkit.Provider
	Client   *http.Client
	// Authorize is the fake's Authorize: the redirect a signed-in user gets.
	Authorize func(ctx context.Context, authURL string) (*url.URL, error)
	// RefusedStatus and RefusedCode: the fake's answer to an unregistered
	// redirect URL.
	RefusedStatus int
	RefusedCode   string
	// Subject is the signed-in user's.
	Subject string
}

// LoopbackRedirectAnyPort checks a fake against RFC 8252 §7.3: a
// registered loopback redirect URL matches on any port, through authorize
// and exchange; any other matches exactly (scheme, host, port, path) or is
// refused as the vendor refuses it.
func LoopbackRedirectAnyPort(t *testing.T, f LoopbackFake) {
	ctx := context.Background()
	path := "/auth/" + f.Vendor + "/callback"
	for _, tt := range []struct {
		redirect string
		ok       bool
	}{
		{"http://127.0.0.1:49152" + path, true},
		{"http://127.0.0.1" + path, true},
		{"https://app.example" + path, true},
		{"https://app.example:8443" + path, false},
		{"http://localhost:49152" + path, false},
		{"http://127.0.0.1:49152" + path + "/", false},
		{"http://127.0.0.1:49152/callback", false},
	} {
		p := f.Provider(t, tt.redirect)
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		if !tt.ok {
			resp, err := f.Client.Get(ar.URL)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, f.RefusedStatus, resp.StatusCode, tt.redirect)
			assert.Contains(t, string(body), f.RefusedCode, tt.redirect)
			continue
		}
		cb, err := f.Authorize(ctx, ar.URL)
		require.NoError(t, err, tt.redirect)
		assert.Equal(t, tt.redirect, cb.Scheme+"://"+cb.Host+cb.Path, "the redirect goes to the port asked for")
		login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
		require.NoError(t, err, tt.redirect)
		assert.Equal(t, f.Subject, login.UserInfo.Subject)
	}
}
