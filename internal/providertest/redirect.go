package providertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// ClientProvider is a vendor Provider with a cached client-credentials
// token and a client that sends it.
type ClientProvider interface {
	oauthkit.TokenProvider
	oauthkit.ClientProvider
}

// ClientRefusesCrossHostRedirect checks p.Client(): an API answering a
// redirect to another host does not get the token sent there — whether the
// client's CheckRedirect or, with CheckRedirect cleared, the transport stops
// it — and the error wraps oauthkit.ErrCrossOriginRedirect; a redirect within
// the API's host is followed, with the token.
func ClientRefusesCrossHostRedirect(t *testing.T, p ClientProvider) {
	t.Helper()
	tok, err := p.Token(context.Background())
	require.NoError(t, err)

	var otherHits, otherAuth atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		if r.Header.Get("Authorization") != "" {
			otherAuth.Add(1)
		}
	}))
	defer other.Close()
	var sameHostAuth atomic.Value
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/elsewhere", http.StatusFound)
		case "/old":
			http.Redirect(w, r, "/new", http.StatusFound)
		case "/new":
			sameHostAuth.Store(r.Header.Get("Authorization"))
		}
	}))
	defer api.Close()

	for _, tc := range []struct {
		name          string
		checkRedirect bool // keep the client's CheckRedirect
	}{
		{"client", true},
		{"transport", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := *p.Client() // a copy: the Provider's client is not modified
			if !tc.checkRedirect {
				client.CheckRedirect = nil // the default follows any redirect
			}
			resp, err := client.Get(api.URL + "/away")
			if resp != nil {
				resp.Body.Close()
			}
			require.ErrorIs(t, err, oauthkit.ErrCrossOriginRedirect)
			assert.Zero(t, otherAuth.Load(), "the other host saw an Authorization header")
			if tc.checkRedirect {
				assert.Zero(t, otherHits.Load(), "the redirect was not followed")
			}
		})
	}

	resp, err := p.Client().Get(api.URL + "/old")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "/new", resp.Request.URL.Path, "the same-host redirect is followed")
	got, _ := sameHostAuth.Load().(string)
	assert.True(t, got == "Bearer "+tok.AccessToken, "the same-host redirect carries the token")
}
