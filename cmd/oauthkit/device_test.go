package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

// TestLoginDevice: `login openid --device --fake` shows the verification
// URI and the user code (stderr with --json), the fake's user approves,
// and the login is printed as login prints it; no secret (the device code
// included) in any output.
func TestLoginDevice(t *testing.T) {
	t.Run("text", func(t *testing.T) {
		s := watch(t)
		r := runCLI(t, "", "login", "openid", "--device", "--fake")
		require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
		assert.Regexp(t, `To log in, open http://127\.0\.0\.1:\d+/realms/oauthkit/device and enter the code [A-Z]{4}-[A-Z]{4}\n`, r.stdout)
		assert.Contains(t, r.stdout, "openid: logged in")
		assert.Contains(t, r.stdout, "a device login has no nonce")
		assert.Contains(t, r.stdout, "subject    user-1")
		assert.Contains(t, r.stderr, "Waiting for the approval")
		providertest.Text(t, "stdout", r.stdout, s.all()...)
		providertest.Text(t, "stderr", r.stderr, s.all()...)
	})
	t.Run("json", func(t *testing.T) {
		s := watch(t)
		r := runCLI(t, "", "login", "openid", "--device", "--fake", "--json")
		require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
		var out struct {
			OK       bool              `json:"ok"`
			Verified bool              `json:"id_token_verified"`
			Profile  map[string]string `json:"profile"`
			LoginURL string            `json:"login_url"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), "stdout is only the JSON: %s", r.stdout)
		assert.True(t, out.OK)
		assert.True(t, out.Verified)
		assert.Equal(t, "user-1", out.Profile["subject"])
		assert.True(t, strings.HasSuffix(out.LoginURL, "/device"))
		assert.Contains(t, r.stderr, "enter the code")
		providertest.Text(t, "stdout", r.stdout, s.all()...)
		providertest.Text(t, "stderr", r.stderr, s.all()...)
	})
}

// TestLoginDeviceUnsupported: a vendor without the grant fails with a
// clear message, before any setting is asked for.
func TestLoginDeviceUnsupported(t *testing.T) {
	for _, v := range []string{"webuntis", "unisignin", "justimmo", "licensespring"} {
		t.Run(v, func(t *testing.T) {
			r := runCLI(t, "", "login", v, "--device")
			assert.Equal(t, exitFailed, r.code)
			assert.Contains(t, r.stdout, v+": device authorization failed")
			assert.Contains(t, r.stdout, "unsupported operation")
			assert.Contains(t, r.stdout, "does not offer the device authorization grant (RFC 8628)")
		})
	}
}

// TestLoginDeviceServerWithoutEndpoint: an openid server that publishes no
// device_authorization_endpoint fails the device login with that cause.
func TestLoginDeviceServerWithoutEndpoint(t *testing.T) {
	srv := metadataServer(t, nil, oneKey)
	env := map[string]string{"OAUTHKIT_OPENID_ISSUER": srv.URL, "OAUTHKIT_OPENID_CLIENT_ID": "c"}
	var out, errOut bytes.Buffer
	code := run([]string{"login", "openid", "--device", "--timeout", "10s"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	assert.Equal(t, exitFailed, code, errOut.String())
	assert.Contains(t, out.String(), "openid: device authorization failed")
	assert.Contains(t, out.String(), "no device_authorization_endpoint")
	assert.Contains(t, out.String(), "log in without --device")
}

// TestLoginDeviceEscapesServerText: the verification URIs and the user
// code come from the server; login --device prints a control character
// in them (a terminal escape, a bidirectional override) escaped, never
// raw (RFC 8628 §5.4: what the user is shown must be what it seems).
func TestLoginDeviceEscapesServerText(t *testing.T) {
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": srv.URL, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/token",
			"jwks_uri": srv.URL + "/jwks", "device_authorization_endpoint": srv.URL + "/device",
		})
	})
	mux.HandleFunc("POST /device", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"device_code": "device-code-of-the-hostile-server", "user_code": hostile, "expires_in": 600, "interval": 0.001,
			"verification_uri":          srv.URL + "/device\u202egnp.exe",
			"verification_uri_complete": srv.URL + "/device?user_code=\u202e",
		})
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"access_denied"}`))
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	env := map[string]string{"OAUTHKIT_OPENID_ISSUER": srv.URL, "OAUTHKIT_OPENID_CLIENT_ID": "c", "OAUTHKIT_OPENID_CLIENT_SECRET": "hostile-server-client-secret"}
	for _, args := range [][]string{{}, {"--json"}} {
		var out, errOut bytes.Buffer
		code := run(append([]string{"login", "openid", "--device", "--timeout", "10s"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
		assert.Equal(t, exitFailed, code, out.String()+errOut.String())
		all := out.String() + errOut.String()
		assert.Contains(t, all, "the user declined")
		assert.Contains(t, all, `enter the code "Mallory\x1b]0;pwned\a\x1b[2K\rroot\u202e`)
		assert.Contains(t, all, `open "`+srv.URL+`/device\u202egnp.exe"`)
		requireNoControl(t, "login --device "+strings.Join(args, " "), all)
	}
}
