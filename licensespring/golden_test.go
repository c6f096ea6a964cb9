package licensespring_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
)

// TestGoldenSSOURL round-trips the vendor's example answer
// (docs/vendors/licensespring.md#answer) and reads it through the Provider.
// Nothing reaches auth.licensespring.com: the URL is only parsed.
func TestGoldenSSOURL(t *testing.T) {
	raw, err := os.ReadFile("testdata/sso_url.json")
	require.NoError(t, err)

	var a licensespring.SSOURL
	require.NoError(t, json.Unmarshal(raw, &a))
	back, err := json.Marshal(&a)
	require.NoError(t, err)
	assert.JSONEq(t, string(raw), string(back))

	s := newStub(t)
	s.sso = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(raw)
	}
	p, err := licensespring.New(s.config())
	require.NoError(t, err)
	got, err := p.SSOURL(context.Background())
	require.NoError(t, err)
	assert.Equal(t, &a, got)
	assert.Equal(t, "license-users", got.ClientID())
	assert.Equal(t, "http://localhost", got.RedirectURL())
	assert.Equal(t, "code", got.ResponseType())
	assert.Equal(t, "https://auth.licensespring.com/realms/user-portal", got.Issuer())

	ar, err := p.ActivationURL(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "http://localhost", ar.RedirectURL)
	q := mustQuery(t, ar.URL)
	assert.Equal(t, "foo-bar", q.Get("kc_idp_hint"))
	assert.Len(t, s.Requests(), 1)
}

func TestGoldenError(t *testing.T) {
	raw, err := os.ReadFile("testdata/error.json")
	require.NoError(t, err)
	s := newStub(t)
	s.sso = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write(raw)
	}
	p, err := licensespring.New(s.config())
	require.NoError(t, err)
	_, err = p.SSOURL(context.Background())
	var e *oauthkit.Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, oauthkit.Error{
		Provider:   "licensespring",
		Op:         "sso url",
		StatusCode: 400,
		Code:       "date_header_diff",
		Message:    "Date header is more than 15 minutes old",
		Advice:     e.Advice,
	}, *e)
	assert.Contains(t, e.Advice, "15 minutes")
	assert.Equal(t, "licensespring: sso url: date_header_diff (HTTP 400): message: Date header is more than 15 minutes old; advice: "+e.Advice, err.Error())
}
