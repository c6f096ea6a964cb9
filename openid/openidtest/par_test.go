package openidtest_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// TestFakeRequirePARRefusesPlainRequests: with RequirePAR, an
// authorization request that is not pushed gets an error page.
func TestFakeRequirePARRefusesPlainRequests(t *testing.T) {
	s := openidtest.NewServer(openidtest.Options{RequirePAR: true})
	defer s.Close()
	q := url.Values{"client_id": {"client"}, "redirect_uri": {"http://127.0.0.1/callback"}, "response_type": {"code"}, "scope": {"openid"}}
	_, err := s.Authorize(context.Background(), s.Issuer()+"/authorize?"+q.Encode())
	require.Error(t, err)
}

// TestFakePARRefusesBadPushes: no client authentication, a request_uri
// inside the push, an unregistered redirect URI.
func TestFakePARRefusesBadPushes(t *testing.T) {
	s := openidtest.NewServer(openidtest.Options{})
	defer s.Close()
	app, _ := s.App("client")
	for name, tc := range map[string]struct {
		form   url.Values
		auth   bool
		status int
	}{
		"no client auth":      {url.Values{"redirect_uri": {"http://127.0.0.1/callback"}}, false, http.StatusUnauthorized},
		"request_uri in push": {url.Values{"redirect_uri": {"http://127.0.0.1/callback"}, "request_uri": {"urn:x"}}, true, http.StatusBadRequest},
		"unregistered":        {url.Values{"redirect_uri": {"http://evil.example/cb"}}, true, http.StatusBadRequest},
		"good":                {url.Values{"redirect_uri": {"http://127.0.0.1/callback"}}, true, http.StatusCreated},
	} {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.Issuer()+"/par", strings.NewReader(tc.form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.auth {
				req.SetBasicAuth("client", url.QueryEscape(app.Secret))
			}
			resp, err := s.Client().Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
		})
	}
}
