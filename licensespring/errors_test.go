package licensespring_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
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

func TestSSOURLErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		code    oauthkit.ErrorCode
		message string
		advice  string
	}{
		{"clock skew", 400, `{"status":400,"code":"date_header_diff","message":"Date header differs"}`, licensespring.ErrDateHeaderDiff, "Date header differs", "15 minutes"},
		{"wrong shared key", 400, `{"status":400,"code":"signature_mismatch","message":"Signature mismatch"}`, licensespring.ErrSignatureMismatch, "Signature mismatch", "Config.SharedKey"},
		{"unknown api key", 400, `{"status":400,"code":"invalid_api_key","message":"Invalid API key"}`, licensespring.ErrInvalidAPIKey, "Invalid API key", "Config.APIKey"},
		{"unknown product", 400, `{"status":400,"code":"unknown_product","message":"Unknown product"}`, licensespring.ErrUnknownProduct, "Unknown product", "short code"},
		{"missing headers", 400, `{"status":400,"code":"missing_headers","message":"m"}`, licensespring.ErrMissingHeaders, "m", "proxy"},
		{"other code, status 401", 401, `{"status":401,"code":"unauthorized","message":"no"}`, "unauthorized", "no", ""},
		{"html page", 500, `<html><body><h1>Internal Server Error</h1></body></html>`, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			s.sso = func(w http.ResponseWriter) {
				if strings.HasPrefix(tt.body, "<") {
					w.Header().Set("Content-Type", "text/html")
				} else {
					w.Header().Set("Content-Type", "application/json")
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}
			p, err := licensespring.New(s.config())
			require.NoError(t, err)
			_, err = p.SSOURL(context.Background())
			var e *oauthkit.Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.Equal(t, "licensespring", e.Provider)
			assert.Equal(t, "sso url", e.Op)
			assert.Equal(t, tt.status, e.StatusCode)
			assert.Equal(t, string(tt.code), e.Code)
			assert.Equal(t, tt.message, e.Message)
			if tt.code != "" {
				assert.ErrorIs(t, err, tt.code)
				assert.ErrorIs(t, err, oauthkit.ErrorCode(string(tt.code)))
			} else {
				assert.Equal(t, "Internal Server Error", e.Body)
			}
			if tt.advice != "" {
				assert.Contains(t, e.Advice, tt.advice)
			} else {
				assert.Empty(t, e.Advice)
			}
		})
	}
}

// TestActivationBodyNeedsProductAndHardwareID: activate_license refuses a
// body without product or hardware_id (missing_parameters), and the code
// in it is single-use: such a body is not made. It used to be, with both
// fields left out.
func TestActivationBodyNeedsProductAndHardwareID(t *testing.T) {
	full := licensespring.ActivationCredentials{CustomerAccountCode: "acme", Code: "code-7f3a", Product: "p", HardwareID: "hw"}
	body, err := json.Marshal(full)
	require.NoError(t, err)
	assert.JSONEq(t, `{"product":"p","hardware_id":"hw","customer_account_code":"acme","code":"code-7f3a"}`, string(body))

	for _, tc := range []struct {
		name  string
		clear func(*licensespring.ActivationCredentials)
		want  string
	}{
		{"no product", func(a *licensespring.ActivationCredentials) { a.Product = "" }, "product is required"},
		{"no hardware id", func(a *licensespring.ActivationCredentials) { a.HardwareID = "" }, "hardware_id is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := full
			tc.clear(&a)
			require.NoError(t, a.Validate(), "the single-sign-on part is complete")
			_, err := json.Marshal(a)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "code-7f3a")
		})
	}
}
