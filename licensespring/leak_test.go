package licensespring_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

const secretKey = "SUPER-secret-shared-key-7f3a"

// formats renders v every way a log line or error message might.
func formats(v any) []string {
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%T %v"} {
		out = append(out, fmt.Sprintf(verb, v))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
	out = append(out, buf.String())
	if err, ok := v.(error); ok {
		out = append(out, err.Error())
	}
	return out
}

func assertNoSecret(t *testing.T, what string, v any, secrets ...string) {
	t.Helper()
	for _, s := range formats(v) {
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("%s shows a secret in %q", what, s)
			}
		}
	}
}

func TestSharedKeyNeverPrinted(t *testing.T) {
	srv := licensespringtest.NewServer(licensespringtest.Options{Now: clock, SharedKey: secretKey})
	defer srv.Close()
	cfg := srv.Config()
	p, err := licensespring.New(cfg)
	require.NoError(t, err)
	signer := p.Signer()

	assertNoSecret(t, "Config", cfg, secretKey)
	assertNoSecret(t, "*Config", &cfg, secretKey)
	assertNoSecret(t, "Provider", p, secretKey)
	assertNoSecret(t, "Signer", signer, secretKey)
	assertNoSecret(t, "Signer value", *signer, secretKey)
	assertNoSecret(t, "Transport", signer.Transport(nil), secretKey)
	s, err := p.SSOURL(context.Background())
	require.NoError(t, err)
	assertNoSecret(t, "SSOURL", s, secretKey)
}

func TestErrorsNeverShowSecrets(t *testing.T) {
	h, err := (&licensespring.Signer{APIKey: stubAPIKey, SharedKey: secretKey, Now: clock}).Header()
	require.NoError(t, err)
	auth := h.Get("Authorization")
	sig := auth[strings.Index(auth, `signature="`)+len(`signature="`):]
	sig = sig[:strings.IndexByte(sig, '"')]

	// Answers that echo the request's credentials back, as debug pages and
	// careless servers do.
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
	}{
		{"json message", 400, "application/json", `{"status":400,"code":"signature_mismatch","message":"expected key ` + secretKey + ` signature ` + sig + `"}`},
		{"html page", 500, "text/html", `<html><body><pre>Authorization: ` + auth + `
key=` + secretKey + `</pre></body></html>`},
		{"plain text", 403, "text/plain", "denied for " + secretKey},
		{"200 not an answer", 200, "application/json", `{"debug":"` + secretKey + `"`},
		{"200 without url", 200, "application/json", `{"message":"` + secretKey + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStub(t)
			s.sso = func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}
			cfg := s.config()
			cfg.SharedKey = secretKey
			p, err := licensespring.New(cfg)
			require.NoError(t, err)
			_, err = p.SSOURL(context.Background())
			require.Error(t, err)
			assertNoSecret(t, "error", err, secretKey, sig)
			var e *oauthkit.Error
			if errors.As(err, &e) {
				assertNoSecret(t, "*oauthkit.Error", *e, secretKey, sig)
			}
		})
	}
}

func TestFakeRefusalsNeverShowSecrets(t *testing.T) {
	srv := licensespringtest.NewServer(licensespringtest.Options{Now: clock, SharedKey: secretKey})
	defer srv.Close()
	for _, edit := range []func(*licensespring.Config){
		func(c *licensespring.Config) { c.SharedKey = "another-secret-key-1234" },
		func(c *licensespring.Config) { c.Now = ago(20 * time.Minute) },
	} {
		cfg := srv.Config()
		edit(&cfg)
		p, err := licensespring.New(cfg)
		require.NoError(t, err)
		_, err = p.SSOURL(context.Background())
		require.Error(t, err)
		assertNoSecret(t, "error", err, secretKey, "another-secret-key-1234")
	}
}

func TestActivationCredentialsNeverPrinted(t *testing.T) {
	const code, idToken = "code-5ecret-value", "eyJhbGciOi.secret-id-token.sig"
	for _, a := range []licensespring.ActivationCredentials{
		{CustomerAccountCode: "acme", Code: code, Product: "p", HardwareID: "hw"},
		{CustomerAccountCode: "acme", IDToken: idToken},
		{CustomerAccountCode: "acme", Code: code, IDToken: idToken},
	} {
		assertNoSecret(t, "ActivationCredentials", a, code, idToken)
		assertNoSecret(t, "*ActivationCredentials", &a, code, idToken)
		// fmt only: slog's JSON handler marshals a slice with MarshalJSON,
		// which writes the request body, credential included.
		for _, s := range []string{fmt.Sprint([]licensespring.ActivationCredentials{a}), fmt.Sprintf("%+v", map[string]*licensespring.ActivationCredentials{"a": &a})} {
			assert.NotContains(t, s, code)
			assert.NotContains(t, s, idToken)
		}
	}
}

// Secrets with characters that escaping changes (/, +, =, &, <), so an
// escaped leak is not missed.
const (
	leakSharedKey = "shared/KEY+value=7f3a&<x>"
	leakCode      = "code/VALUE+9c1e=&<y>"
	leakIDToken   = "eyJhbGciOiJSUzI1NiJ9.id+token/body.sig&<z>"
)

// TestSecretHoldersRedactAsValues: Provider's String, GoString and Format
// had pointer receivers, so a Provider value (or a struct holding one)
// printed with %v, %+v or %#v showed the shared key. Every exported type of
// the package that holds a secret formats and logs itself without it —
// as a value, as a pointer and nested — in every encoding.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	cfg := licensespring.Config{
		APIURL:              "https://api.licensespring.com",
		APIKey:              "api-key-1",
		SharedKey:           oauthkit.Secret(leakSharedKey),
		Product:             "p",
		CustomerAccountCode: "acme",
		HTTPClient:          &http.Client{},
	}
	p, err := licensespring.New(cfg)
	require.NoError(t, err)
	signer := p.Signer()
	code := licensespring.ActivationCredentials{CustomerAccountCode: "acme", Code: leakCode, Product: "p", HardwareID: "hw"}
	idt := licensespring.ActivationCredentials{CustomerAccountCode: "acme", IDToken: leakIDToken}

	// An ActivationCredentials' JSON is the activate_license request body,
	// so slog's JSON handler, which marshals a nested struct without asking
	// for its LogValue, writes the credential. Its doc says so; every other
	// rendering is checked.
	asBody := []string{providertest.NestedJSON, providertest.NestedJSONPointer}
	holders := []struct {
		name string
		v    any
		skip []string
	}{
		{"Config", cfg, nil},
		{"*Config", &cfg, nil},
		{"Provider", *p, nil},
		{"*Provider", p, nil},
		{"Signer", *signer, nil},
		{"*Signer", signer, nil},
		{"Transport", signer.Transport(nil), nil},
		{"ActivationCredentials (code)", code, asBody},
		{"*ActivationCredentials (code)", &code, asBody},
		{"ActivationCredentials (id_token)", idt, asBody},
		{"*ActivationCredentials (id_token)", &idt, asBody},
	}
	for _, h := range holders {
		providertest.Rendered(t, h.name, h.v, h.skip, leakSharedKey, leakCode, leakIDToken)
	}
	// The redacted forms still say what they describe.
	require.True(t, strings.Contains(fmt.Sprint(*p), "acme"), "a Provider value names its customer account")
	require.True(t, strings.Contains(fmt.Sprint(cfg), "api-key-1"), "a Config names its API key")
}
