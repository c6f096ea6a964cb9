package licensespring_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
)

// Secrets with characters that escaping changes (/, +, =, &, <), so an
// escaped leak is not missed.
const (
	leakSharedKey = "shared/KEY+value=7f3a&<x>"
	leakCode      = "code/VALUE+9c1e=&<y>"
	leakIDToken   = "eyJhbGciOiJSUzI1NiJ9.id+token/body.sig&<z>"
)

// encodings returns s as it could show in a log line or error: raw, in
// every base64 alphabet, URL-escaped, hex, and escaped as a JSON or Go
// string.
func encodings(s string) []string {
	js, _ := json.Marshal(s)
	q := strconv.Quote(s)
	return []string{
		s,
		base64.StdEncoding.EncodeToString([]byte(s)),
		base64.RawStdEncoding.EncodeToString([]byte(s)),
		base64.URLEncoding.EncodeToString([]byte(s)),
		base64.RawURLEncoding.EncodeToString([]byte(s)),
		url.QueryEscape(s),
		url.PathEscape(s),
		hex.EncodeToString([]byte(s)),
		string(js[1 : len(js)-1]),
		q[1 : len(q)-1],
	}
}

// renderings prints v with every fmt verb and logs it through slog's JSON
// and text handlers, at the top level and nested in a struct. json=false
// skips the JSON handler's nested form (see the ActivationCredentials case).
func renderings(v any, nestedJSON bool) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	nested := struct{ Held any }{v}
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"slog JSON", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
		{"slog text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		log.Info("x", "v", v)
		out[h.name] = buf.String()
		if h.name == "slog JSON" && !nestedJSON {
			continue
		}
		buf.Reset()
		log.Info("x", slog.Any("nested", nested))
		out[h.name+" nested"] = buf.String()
		buf.Reset()
		log.Info("x", slog.Any("nested", &nested))
		out[h.name+" nested pointer"] = buf.String()
	}
	out["%+v nested"] = fmt.Sprintf("%+v", nested)
	out["%#v nested"] = fmt.Sprintf("%#v", nested)
	return out
}

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

	type holder struct {
		name       string
		v          any
		nestedJSON bool
	}
	holders := []holder{
		{"Config", cfg, true},
		{"*Config", &cfg, true},
		{"Provider", *p, true},
		{"*Provider", p, true},
		{"Signer", *signer, true},
		{"*Signer", signer, true},
		{"Transport", signer.Transport(nil), true},
		// An ActivationCredentials' JSON is the activate_license request
		// body, so slog's JSON handler, which marshals a nested struct
		// without asking for its LogValue, writes the credential. Its doc
		// says so; every other rendering is checked.
		{"ActivationCredentials (code)", code, false},
		{"*ActivationCredentials (code)", &code, false},
		{"ActivationCredentials (id_token)", idt, false},
		{"*ActivationCredentials (id_token)", &idt, false},
	}
	secrets := []string{leakSharedKey, leakCode, leakIDToken}
	for _, h := range holders {
		for how, text := range renderings(h.v, h.nestedJSON) {
			for i, s := range secrets {
				providertest.Text(t, fmt.Sprintf("%s via %s (secret #%d, some encoding)", h.name, how, i), text, encodings(s)...)
			}
		}
	}
	// The redacted forms still say what they describe.
	require.True(t, strings.Contains(fmt.Sprint(*p), "acme"), "a Provider value names its customer account")
	require.True(t, strings.Contains(fmt.Sprint(cfg), "api-key-1"), "a Config names its API key")
}
