package licensespring_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
)

const (
	stubAPIKey    = "api-key-1"
	stubSharedKey = "shared-key-1"
)

// stub is a License API and Keycloak realm on one [fakeidp.Recorder] that
// records every request and answers what the test sets.
type stub struct {
	*fakeidp.Recorder
	sso func(w http.ResponseWriter) // answers sso_url; nil: a good answer
}

func newStub(t *testing.T) *stub {
	s := &stub{}
	s.Recorder = fakeidp.NewRecorder(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v4/sso_url/":
			if s.sso != nil {
				s.sso(w)
				return
			}
			a := s.answer("code")
			if ru := r.URL.Query().Get("redirect_uri"); ru != "" {
				// LicenseSpring puts the chosen redirect URI in the URL.
				a["url"] = strings.Replace(a["url"].(string), "redirect_uri=http%3A%2F%2Flocalhost", "redirect_uri="+url.QueryEscape(ru), 1)
			}
			fakeidp.WriteJSON(w, 200, a)
		case "/realms/user-portal/protocol/openid-connect/token":
			fakeidp.WriteJSON(w, 200, map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, "refresh_token": "rt-2"})
		default:
			http.NotFound(w, r)
		}
	})
	t.Cleanup(s.Close)
	return s
}

// answer is a good sso_url answer for the stub's realm, in the shape of
// the vendor's example (docs/vendors/licensespring.md#answer).
func (s *stub) answer(responseType string) map[string]any {
	issuer := s.URL + "/realms/user-portal"
	return map[string]any{
		"url": issuer + "/protocol/openid-connect/auth?scope=openid&response_type=" + url.QueryEscape(responseType) +
			"&client_id=license-users&redirect_uri=http%3A%2F%2Flocalhost&kc_idp_hint=foo-bar",
		"openid_configuration": map[string]any{
			"issuer":                 issuer,
			"end_session_endpoint":   issuer + "/protocol/openid-connect/logout",
			"token_endpoint":         issuer + "/protocol/openid-connect/token",
			"introspection_endpoint": issuer + "/protocol/openid-connect/token/introspect",
		},
	}
}

func (s *stub) config() licensespring.Config {
	return licensespring.Config{
		APIURL:              s.URL,
		APIKey:              stubAPIKey,
		SharedKey:           stubSharedKey,
		Product:             "prod-x",
		CustomerAccountCode: "cust-y",
		HTTPClient:          s.Client(),
		Now:                 clock,
	}
}

// hmacSignature computes the documented signature independently of the
// package: base64(HMAC-SHA256(key, "licenseSpring\ndate: " + date)).
func hmacSignature(key, date string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("licenseSpring\ndate: " + date))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestSSOURLRequest(t *testing.T) {
	const date = "Mon, 23 Nov 2026 10:00:00 GMT" // testNow as IMF-fixdate
	tests := []struct {
		name  string
		cfg   func(*licensespring.Config)
		query url.Values
	}{
		{
			name:  "code (default)",
			query: url.Values{"product": {"prod-x"}, "customer_account_code": {"cust-y"}, "response_type": {"code"}},
		},
		{
			name:  "token",
			cfg:   func(c *licensespring.Config) { c.ResponseType = licensespring.ResponseTypeToken },
			query: url.Values{"product": {"prod-x"}, "customer_account_code": {"cust-y"}, "response_type": {"token"}},
		},
		{
			name:  "redirect_uri when set",
			cfg:   func(c *licensespring.Config) { c.RedirectURL = "http://localhost:8080/cb" },
			query: url.Values{"product": {"prod-x"}, "customer_account_code": {"cust-y"}, "response_type": {"code"}, "redirect_uri": {"http://localhost:8080/cb"}},
		},
		{
			name:  "APIURL given with /api/v4",
			cfg:   func(c *licensespring.Config) { c.APIURL += "/api/v4/" },
			query: url.Values{"product": {"prod-x"}, "customer_account_code": {"cust-y"}, "response_type": {"code"}},
		},
		{
			name:  "values escaped",
			cfg:   func(c *licensespring.Config) { c.Product = "a&b=c"; c.CustomerAccountCode = "ü #1" },
			query: url.Values{"product": {"a&b=c"}, "customer_account_code": {"ü #1"}, "response_type": {"code"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			cfg := s.config()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			if cfg.ResponseType == licensespring.ResponseTypeToken {
				s.sso = func(w http.ResponseWriter) { fakeidp.WriteJSON(w, 200, s.answer("token")) }
			}
			p, err := licensespring.New(cfg)
			require.NoError(t, err)
			_, err = p.SSOURL(context.Background())
			require.NoError(t, err)

			reqs := s.Requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, http.MethodGet, r.Method)
			assert.Equal(t, "/api/v4/sso_url/", r.Path)
			assert.Equal(t, tt.query, r.Query)
			assert.Equal(t, "application/json", r.Header.Get("Accept"))
			assert.Equal(t, date, r.Header.Get("Date"))
			assert.Equal(t,
				`algorithm="hmac-sha256",headers="date",signature="`+hmacSignature(stubSharedKey, date)+`",apikey="`+stubAPIKey+`"`,
				r.Header.Get("Authorization"))
			assert.Empty(t, r.Header.Get("Content-Type"))
		})
	}
}

func TestAuthCodeURLKeepsTheVendorsParameters(t *testing.T) {
	s := newStub(t)
	p, err := licensespring.New(s.config())
	require.NoError(t, err)
	ctx := context.Background()

	ar, err := p.AuthCodeURL(ctx, oauthkit.WithScopes("email"), oauthkit.WithPrompt("login"))
	require.NoError(t, err)
	u, err := url.Parse(ar.URL)
	require.NoError(t, err)
	assert.Equal(t, s.URL+"/realms/user-portal/protocol/openid-connect/auth", u.Scheme+"://"+u.Host+u.Path)
	q := u.Query()
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		assert.NotEmpty(t, q.Get(k), k)
	}
	for k := range q {
		assert.Len(t, q[k], 1, k)
	}
	q.Del("state")
	q.Del("nonce")
	q.Del("code_challenge")
	assert.Equal(t, url.Values{
		"scope":                 {"openid email"},
		"response_type":         {"code"},
		"client_id":             {"license-users"},
		"redirect_uri":          {"http://localhost"},
		"kc_idp_hint":           {"foo-bar"},
		"code_challenge_method": {"S256"},
		"prompt":                {"login"},
	}, q)
	assert.Equal(t, "http://localhost", ar.RedirectURL)
	assert.Equal(t, "licensespring", ar.Provider)
	assert.Equal(t, testNow, ar.IssuedAt)

	_, err = p.AuthCodeURL(ctx, oauthkit.WithParam("client_id", "other"))
	require.Error(t, err, "the vendor's client_id cannot be overridden")
}

func TestTokenRequests(t *testing.T) {
	tests := []struct {
		name string
		call func(p *licensespring.Provider, ar *oauthkit.AuthRequest) error
		form func(ar *oauthkit.AuthRequest) url.Values
	}{
		{
			name: "exchange",
			call: func(p *licensespring.Provider, ar *oauthkit.AuthRequest) error {
				_, err := p.Exchange(context.Background(), "the-code", ar)
				return err
			},
			form: func(ar *oauthkit.AuthRequest) url.Values {
				return url.Values{
					"grant_type":    {"authorization_code"},
					"code":          {"the-code"},
					"redirect_uri":  {"http://localhost"},
					"code_verifier": {ar.CodeVerifier},
					"client_id":     {"license-users"},
				}
			},
		},
		{
			name: "refresh",
			call: func(p *licensespring.Provider, _ *oauthkit.AuthRequest) error {
				_, err := p.Refresh(context.Background(), "rt-1")
				return err
			},
			form: func(*oauthkit.AuthRequest) url.Values {
				return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt-1"}, "client_id": {"license-users"}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			p, err := licensespring.New(s.config())
			require.NoError(t, err)
			ar, err := p.AuthCodeURL(context.Background())
			require.NoError(t, err)
			require.NoError(t, tt.call(p, ar))

			reqs := s.Requests()
			require.Len(t, reqs, 2, "sso_url, then the token endpoint the answer names (no discovery needed)")
			r := reqs[1]
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, "/realms/user-portal/protocol/openid-connect/token", r.Path)
			assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
			assert.Equal(t, "application/json", r.Header.Get("Accept"))
			assert.Empty(t, r.Header.Get("Authorization"), "a public client sends no credentials")
			assert.Empty(t, r.Query)
			assert.Equal(t, tt.form(ar), r.Form)
		})
	}
}

func TestSSOURLAnswers(t *testing.T) {
	tests := []struct {
		name   string
		cfg    func(*licensespring.Config)
		answer func(s *stub) any
		want   string // in the error; "" for success
	}{
		{name: "vendor's shape", answer: func(s *stub) any { return s.answer("code") }},
		{name: "without openid_configuration", answer: func(s *stub) any { a := s.answer("code"); delete(a, "openid_configuration"); return a }},
		{name: "no url", answer: func(s *stub) any { a := s.answer("code"); delete(a, "url"); return a }, want: `no "url"`},
		{name: "url not https", answer: func(s *stub) any {
			return map[string]any{"url": "http://auth.example.com/realms/r/protocol/openid-connect/auth?client_id=c&response_type=code"}
		}, want: "must be https"},
		{name: "no client_id", answer: func(s *stub) any {
			return map[string]any{"url": s.URL + "/realms/r/protocol/openid-connect/auth?response_type=code"}
		}, want: "no client_id"},
		{name: "other response type", answer: func(s *stub) any { return s.answer("id_token token") }, want: "response_type"},
		{name: "other redirect uri", cfg: func(c *licensespring.Config) { c.RedirectURL = "http://localhost:9/cb" }, answer: func(s *stub) any { return s.answer("code") }, want: "redirect_uri"},
		{name: "issuer cannot be found", answer: func(s *stub) any {
			return map[string]any{"url": s.URL + "/login?client_id=c&response_type=code"}
		}, want: "issuer"},
		{name: "token endpoint not https", answer: func(s *stub) any {
			a := s.answer("code")
			a["openid_configuration"].(map[string]any)["token_endpoint"] = "http://evil.example/token"
			return a
		}, want: "token_endpoint"},
		{name: "an error body with status 200", answer: func(*stub) any {
			return map[string]any{"status": 400, "code": "unknown_product", "message": "x"}
		}, want: `no "url"`},
		{name: "not an object", answer: func(*stub) any { return []int{1} }, want: "expected shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			body := tt.answer(s)
			s.sso = func(w http.ResponseWriter) { fakeidp.WriteJSON(w, 200, body) }
			cfg := s.config()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			p, err := licensespring.New(cfg)
			require.NoError(t, err)
			got, err := p.SSOURL(context.Background())
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, "license-users", got.ClientID())
				assert.Equal(t, "http://localhost", got.RedirectURL())
				assert.Equal(t, s.URL+"/realms/user-portal", got.Issuer())
				return
			}
			require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
			assert.Contains(t, err.Error(), tt.want)
			var e *oauthkit.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, "sso url", e.Op)
		})
	}
}

func TestSSOURLIsCachedButFailuresAreNot(t *testing.T) {
	s := newStub(t)
	fail := true
	var mu sync.Mutex
	s.sso = func(w http.ResponseWriter) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			fail = false
			fakeidp.WriteJSON(w, 400, map[string]any{"status": 400, "code": "signature_mismatch", "message": "no"})
			return
		}
		fakeidp.WriteJSON(w, 200, s.answer("code"))
	}
	p, err := licensespring.New(s.config())
	require.NoError(t, err)
	ctx := context.Background()

	_, err = p.SSOURL(ctx)
	require.ErrorIs(t, err, licensespring.ErrSignatureMismatch)
	a, err := p.SSOURL(ctx)
	require.NoError(t, err)
	_, err = p.AuthCodeURL(ctx)
	require.NoError(t, err)
	_, err = p.ActivationURL(ctx)
	require.NoError(t, err)
	assert.Len(t, s.Requests(), 2, "one failed and one good fetch; the good one is kept")

	a.URL = "changed" // a copy
	b, err := p.SSOURL(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, "changed", b.URL)
}

// TestAnswerWithoutResponseTypeOrScope: a URL that names neither gets the
// configured grant's response_type and the openid scope.
func TestAnswerWithoutResponseTypeOrScope(t *testing.T) {
	for _, tt := range []struct{ responseType, want string }{
		{licensespring.ResponseTypeCode, "code"},
		{licensespring.ResponseTypeToken, "id_token token"},
	} {
		t.Run(tt.responseType, func(t *testing.T) {
			s := newStub(t)
			s.sso = func(w http.ResponseWriter) {
				fakeidp.WriteJSON(w, 200, map[string]any{"url": s.URL + "/realms/user-portal/protocol/openid-connect/auth?client_id=license-users&redirect_uri=http%3A%2F%2Flocalhost"})
			}
			cfg := s.config()
			cfg.ResponseType = tt.responseType
			p, err := licensespring.New(cfg)
			require.NoError(t, err)
			ar, err := p.AuthCodeURL(context.Background())
			require.NoError(t, err)
			q := mustQuery(t, ar.URL)
			assert.Equal(t, tt.want, q.Get("response_type"))
			assert.Equal(t, "openid", q.Get("scope"))
		})
	}
}
