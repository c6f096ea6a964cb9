package licensespringtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFakeRefusesNonIMFDate: the Date a request is signed with is an RFC
// 7231 IMF-fixdate (docs/vendors/licensespring.md#request-signing); the
// obsolete RFC 850 and asctime forms, which Go's http.ParseTime also reads,
// are refused as date_header_diff even when correctly signed and on time.
func TestFakeRefusesNonIMFDate(t *testing.T) {
	srv := NewServer(Options{Now: func() time.Time { return now }, APIKey: "ak", SharedKey: "sk"})
	defer srv.Close()
	for _, tt := range []struct {
		name, date string
		code       string
	}{
		{"IMF-fixdate", now.Format(http.TimeFormat), ""},
		{"RFC 850", now.Format("Monday, 02-Jan-06 15:04:05 GMT"), "date_header_diff"},
		{"asctime", now.Format(time.ANSIC), "date_header_diff"},
		{"RFC 1123 with a numeric zone", now.Format(time.RFC1123Z), "date_header_diff"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v4/sso_url/?product=oauthkit-demo&customer_account_code=acme&response_type=code", nil)
			require.NoError(t, err)
			req.Header.Set("Date", tt.date)
			req.Header.Set("Authorization", `algorithm="hmac-sha256",headers="date",signature="`+sign("sk", tt.date)+`",apikey="ak"`)
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var body map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			if tt.code == "" {
				assert.Equal(t, http.StatusOK, resp.StatusCode, body["code"])
				return
			}
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, tt.code, body["code"])
		})
	}
}

// TestLoginPageIssuesOnlyOnPost: with Options.LoginPage, the realm's
// authorization endpoint answers the sign-in page and issues the code only
// for its form post.
func TestLoginPageIssuesOnlyOnPost(t *testing.T) {
	srv := NewServer(Options{Now: func() time.Time { return now }, LoginPage: true})
	defer srv.Close()
	o := srv.Options()
	authURL := srv.Issuer() + "/protocol/openid-connect/auth?" + url.Values{
		"client_id": {o.ClientID}, "redirect_uri": {o.RedirectURLs[0]}, "response_type": {"code"},
		"scope": {"openid"}, "nonce": {"n-1"}, "state": {"s-1"},
	}.Encode()
	resp, err := srv.Client().Get(authURL)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), "Sign in to LicenseSpring (fake)")
	assert.Contains(t, string(page), "Ada Lovelace")

	resp, err = srv.Client().PostForm(authURL, url.Values{"other": {"x"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "a POST that is not the sign-in form")

	cb, err := srv.Authorize(context.Background(), authURL)
	require.NoError(t, err)
	assert.True(t, cb.Query().Has("code"), "Authorize signs in on the page")
	assert.Equal(t, "s-1", cb.Query().Get("state"))
}
