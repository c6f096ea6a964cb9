package licensespringtest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func sign(key, date string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("licenseSpring\ndate: " + date))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// TestLicenseAPIChecks drives the fake's signature and parameter checks
// with hand-built requests: the vendor's error codes, status 400, and the
// {status, code, message} body.
func TestLicenseAPIChecks(t *testing.T) {
	srv := NewServer(Options{Now: func() time.Time { return now }, APIKey: "ak", SharedKey: "sk"})
	defer srv.Close()
	date := now.Format(http.TimeFormat)
	good := `algorithm="hmac-sha256",headers="date",signature="` + sign("sk", date) + `",apikey="ak"`
	const query = "?product=oauthkit-demo&customer_account_code=acme&response_type=code"
	tests := []struct {
		name         string
		date, auth   string
		query        string
		code         string // "" for success
		messageHasIt string
	}{
		{name: "good", date: date, auth: good, query: query},
		{name: "vendor example spacing", date: date, auth: `algorithm="hmac-sha256", headers="date", signature="` + sign("sk", date) + `", apikey="ak"`, query: query},
		{name: "no Date", auth: good, query: query, code: "missing_headers"},
		{name: "no Authorization", date: date, query: query, code: "missing_headers"},
		{name: "no signature", date: date, auth: `algorithm="hmac-sha256",headers="date",apikey="ak"`, query: query, code: "authorization_missing_params", messageHasIt: "signature"},
		{name: "no apikey", date: date, auth: `algorithm="hmac-sha256",headers="date",signature="x"`, query: query, code: "authorization_missing_params", messageHasIt: "apikey"},
		{name: "scheme word", date: date, auth: "Signature " + good, query: query, code: "authorization_invalid_headers"},
		{name: "unquoted", date: date, auth: `algorithm=hmac-sha256`, query: query, code: "authorization_invalid_headers"},
		{name: "other algorithm", date: date, auth: strings.Replace(good, "hmac-sha256", "hmac-sha1", 1), query: query, code: "hmac_required"},
		{name: "other headers", date: date, auth: strings.Replace(good, `headers="date"`, `headers="host"`, 1), query: query, code: "authorization_invalid_headers"},
		{name: "unknown api key", date: date, auth: strings.Replace(good, `apikey="ak"`, `apikey="zz"`, 1), query: query, code: "invalid_api_key"},
		{name: "date 16 minutes old", date: now.Add(-16 * time.Minute).Format(http.TimeFormat), auth: `algorithm="hmac-sha256",headers="date",signature="` + sign("sk", now.Add(-16*time.Minute).Format(http.TimeFormat)) + `",apikey="ak"`, query: query, code: "date_header_diff"},
		{name: "date 14 minutes old", date: now.Add(-14 * time.Minute).Format(http.TimeFormat), auth: `algorithm="hmac-sha256",headers="date",signature="` + sign("sk", now.Add(-14*time.Minute).Format(http.TimeFormat)) + `",apikey="ak"`, query: query},
		{name: "date 16 minutes ahead", date: now.Add(16 * time.Minute).Format(http.TimeFormat), auth: `algorithm="hmac-sha256",headers="date",signature="` + sign("sk", now.Add(16*time.Minute).Format(http.TimeFormat)) + `",apikey="ak"`, query: query, code: "date_header_diff"},
		{name: "date not a date", date: "yesterday", auth: `algorithm="hmac-sha256",headers="date",signature="` + sign("sk", "yesterday") + `",apikey="ak"`, query: query, code: "date_header_diff"},
		{name: "signature of another date", date: date, auth: `algorithm="hmac-sha256",headers="date",signature="` + sign("sk", now.Add(time.Second).Format(http.TimeFormat)) + `",apikey="ak"`, query: query, code: "signature_mismatch"},
		{name: "wrong shared key", date: date, auth: `algorithm="hmac-sha256",headers="date",signature="` + sign("not-sk", date) + `",apikey="ak"`, query: query, code: "signature_mismatch"},
		{name: "unpadded signature", date: date, auth: strings.Replace(good, `=",apikey`, `",apikey`, 1), query: query, code: "signature_mismatch"},
		{name: "missing product", date: date, auth: good, query: "?customer_account_code=acme", code: "missing_parameters", messageHasIt: "product"},
		{name: "missing customer account", date: date, auth: good, query: "?product=oauthkit-demo", code: "missing_parameters", messageHasIt: "customer_account_code"},
		{name: "unknown product", date: date, auth: good, query: "?product=x&customer_account_code=acme", code: "unknown_product"},
		{name: "unknown customer", date: date, auth: good, query: "?product=oauthkit-demo&customer_account_code=x", code: "customer_not_found"},
		{name: "bad response_type", date: date, auth: good, query: query + "x", code: "validation_error"},
		{name: "unknown parameter", date: date, auth: good, query: query + "&foo=1", code: "validation_error"},
		{name: "redirect not enabled", date: date, auth: good, query: query + "&redirect_uri=http://evil", code: "validation_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v4/sso_url/"+tt.query, nil)
			require.NoError(t, err)
			if tt.date != "" {
				req.Header.Set("Date", tt.date)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var body map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			if tt.code == "" {
				require.Equal(t, http.StatusOK, resp.StatusCode, body)
				assert.Contains(t, body["url"], srv.Issuer()+"/protocol/openid-connect/auth?")
				return
			}
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, "application/json;charset=UTF-8", resp.Header.Get("Content-Type"))
			require.Len(t, body, 3, "exactly status, code and message (docs/vendors/licensespring.md#errors)")
			assert.Equal(t, float64(400), body["status"])
			assert.Equal(t, tt.code, body["code"])
			assert.Contains(t, body["message"], tt.messageHasIt)
		})
	}
}

func TestActivationPayloadChecks(t *testing.T) {
	srv := NewServer(Options{Now: func() time.Time { return now }, APIKey: "ak", SharedKey: "sk"})
	defer srv.Close()
	tests := []struct {
		name, body, code string
	}{
		{"both code and id_token", `{"product":"oauthkit-demo","hardware_id":"h","customer_account_code":"acme","code":"c","id_token":"t"}`, "validation_error"},
		{"neither", `{"product":"oauthkit-demo","hardware_id":"h","customer_account_code":"acme"}`, "missing_parameters"},
		{"no hardware_id", `{"product":"oauthkit-demo","customer_account_code":"acme","code":"c"}`, "missing_parameters"},
		{"no customer account", `{"product":"oauthkit-demo","hardware_id":"h","id_token":"t"}`, "missing_parameters"},
		{"not json", `product=x`, "invalid_json"},
		{"code not a string", `{"product":"oauthkit-demo","hardware_id":"h","customer_account_code":"acme","code":1}`, "validation_error"},
		{"unknown code", `{"product":"oauthkit-demo","hardware_id":"h","customer_account_code":"acme","code":"c"}`, "sso_authentication_failed"},
		{"forged id token", `{"product":"oauthkit-demo","hardware_id":"h","customer_account_code":"acme","id_token":"a.b.c"}`, "sso_authentication_failed"},
		{"unknown product", `{"product":"x","hardware_id":"h","customer_account_code":"acme","code":"c"}`, "unknown_product"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v4/activate_license", strings.NewReader(tt.body))
			require.NoError(t, err)
			date := now.Format(http.TimeFormat)
			req.Header.Set("Date", date)
			req.Header.Set("Authorization", `algorithm="hmac-sha256",headers="date",signature="`+sign("sk", date)+`",apikey="ak"`)
			req.Header.Set("Content-Type", "application/json")
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			var body map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, tt.code, body["code"])
		})
	}
	assert.Empty(t, srv.Activations())
}

func FuzzParseAuthorization(f *testing.F) {
	for _, seed := range []string{
		`algorithm="hmac-sha256",headers="date",signature="abc=",apikey="k"`,
		`algorithm="hmac-sha256", headers="date", signature="abc=", apikey="k"`,
		`a="1",a="2"`,
		`a="1",`,
		`Signature keyId="x"`,
		`a="unterminated`,
		`="x"`,
		``,
		`a = "b"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, h string) {
		params, ok := parseAuthorization(h)
		if !ok {
			return
		}
		if len(params) == 0 {
			t.Fatal("accepted with no parameters")
		}
		for k, v := range params {
			if k == "" || strings.ContainsAny(k, ` ",=`) || strings.Contains(v, `"`) {
				t.Fatalf("parameter %q=%q", k, v)
			}
		}
	})
}

// TestImplicitIDTokenCarriesAtHash: like Keycloak, the fake binds an
// implicit-grant ID token to its access token with at_hash (OpenID Connect
// Core §3.2.2.10), and MutateIDTokens can take it away.
func TestImplicitIDTokenCarriesAtHash(t *testing.T) {
	srv := NewServer(Options{Now: func() time.Time { return now }})
	defer srv.Close()
	o := srv.Options()
	authURL := srv.Issuer() + "/protocol/openid-connect/auth?" + url.Values{
		"client_id":     {o.ClientID},
		"redirect_uri":  {o.RedirectURLs[0]},
		"response_type": {"id_token token"},
		"scope":         {"openid"},
		"nonce":         {"n-1"},
		"state":         {"s-1"},
	}.Encode()
	claims := func() (map[string]any, string) {
		t.Helper()
		cb, err := srv.Authorize(context.Background(), authURL)
		require.NoError(t, err)
		f, err := url.ParseQuery(cb.EscapedFragment())
		require.NoError(t, err)
		parts := strings.Split(f.Get("id_token"), ".")
		require.Len(t, parts, 3)
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		var c map[string]any
		require.NoError(t, json.Unmarshal(payload, &c))
		return c, f.Get("access_token")
	}

	c, access := claims()
	require.NotEmpty(t, access)
	sum := sha256.Sum256([]byte(access))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:16]), c["at_hash"], "at_hash is not the left half of the access token's SHA-256")

	srv.MutateIDTokens(func(c map[string]any) { delete(c, "at_hash") })
	c, _ = claims()
	assert.NotContains(t, c, "at_hash")
}
