package main

import (
	"bytes"
	"encoding/json"
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
