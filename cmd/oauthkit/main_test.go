package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// secrets collects every secret the fakes of a test generated and every
// token a command obtained, for the leak checks.
type secrets struct {
	mu     sync.Mutex
	values []string
}

func (s *secrets) add(v ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range v {
		if x != "" {
			s.values = append(s.values, x)
		}
	}
}

func (s *secrets) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.values...)
}

// watch installs the hooks that report the fakes' secrets and the tokens.
func watch(t *testing.T) *secrets {
	s := &secrets{}
	fakeStarted = func(v []string) { s.add(v...) }
	tokenSeen = func(tok *oauth2.Token) {
		idt, _ := tok.Extra("id_token").(string)
		s.add(tok.AccessToken, tok.RefreshToken, idt)
	}
	t.Cleanup(func() { fakeStarted, tokenSeen = nil, nil })
	return s
}

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command in-process with an empty environment.
func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

func TestCommandsAgainstFakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"doctor", "webuntis", "--fake"}, 0, []string{"ok    client credentials", "ok    JWKS", "all 8 checks passed"}},
		{[]string{"doctor", "unisignin", "--fake"}, 0, []string{"ok    client", "web flow"}},
		{[]string{"doctor", "unisignin", "--fake", "--app"}, 0, []string{"ok    PKCE verifier", "app flow"}},
		{[]string{"doctor", "justimmo", "--fake"}, 0, []string{"ok    client credentials"}},
		{[]string{"doctor", "--fake", "licensespring"}, 0, []string{"ok    signed request (sso_url)", "ok    clock skew"}},
		{[]string{"doctor", "openid", "--fake"}, 0, []string{"ok    discovery", "ok    auth method", "ok    client credentials", "ok    login"}},
		{[]string{"token", "webuntis", "--fake"}, 0, []string{"type     Bearer", "scopes   roster-core.readonly"}},
		{[]string{"token", "openid", "--fake"}, 0, []string{"vendor   openid", "type     Bearer"}},
		{[]string{"token", "openid", "--fake", "--auth-method", "private_key_jwt"}, 0, []string{"type     Bearer"}},
		{[]string{"token", "justimmo", "--fake"}, 0, []string{"type     Bearer", "expiry"}},
		{[]string{"token", "unisignin", "--fake"}, 1, []string{"offers no client credentials"}},
		{[]string{"token", "licensespring", "--fake"}, 1, []string{"offers no client credentials"}},
		{[]string{"login", "webuntis", "--fake"}, 0, []string{"webuntis: logged in", "sub            untis-user-1"}},
		{[]string{"login", "unisignin", "--fake"}, 0, []string{"email      ada@example.com"}},
		{[]string{"login", "unisignin", "--fake", "--app"}, 0, []string{"unisignin: logged in"}},
		{[]string{"login", "justimmo", "--fake"}, 0, []string{"tenant_id  5678"}},
		{[]string{"login", "licensespring", "--fake"}, 0, []string{"sub            license-user-1"}},
		{[]string{"login", "openid", "--fake"}, 0, []string{"openid: logged in", "sub            user-1"}},
		{[]string{"webhook", "verify", "--fake"}, 0, []string{"signature  valid (SHA256withRSA)", "secret     [redacted]", "password   [redacted]"}},
		{[]string{"demo"}, 0, []string{"VENDOR", "licensespring", "refused as expected"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			assert.Equal(t, tc.code, r.code, "exit status; stderr: %s", r.stderr)
			for _, w := range tc.want {
				assert.Contains(t, r.stdout, w)
			}
		})
	}
}

// TestDoctorDocumentedMixups runs each mistake the vendors document and
// checks the failed check names the library's (or the vendor's) advice.
func TestDoctorDocumentedMixups(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		check string
		fix   string
	}{
		{"OIDC secret for client credentials", []string{"doctor", "webuntis", "--fake", "--mixup", "secret-for-password"},
			"client credentials", "take the platform password"},
		{"swapped WebUntis credentials", []string{"doctor", "webuntis", "--fake", "--mixup", "swapped-credentials"},
			"the other credential", "swap them"},
		{"platform password as the OIDC secret", []string{"doctor", "webuntis", "--fake", "--mixup", "password-for-secret"},
			"two credentials", "OIDC client secret"},
		{"16-minute clock skew", []string{"doctor", "licensespring", "--fake", "--mixup", "clock-skew"},
			"clock skew", "synchronise it (NTP)"},
		{"wrong shared key", []string{"doctor", "licensespring", "--fake", "--mixup", "wrong-shared-key"},
			"signed request (sso_url)", "Config.SharedKey must be the shared key"},
		{"wrong shared key by flag", []string{"doctor", "licensespring", "--fake", "--shared-key", "some-other-key"},
			"signed request (sso_url)", "Config.SharedKey must be the shared key"},
		{"UniSignIn verifier with a dash", []string{"doctor", "unisignin", "--fake", "--mixup", "dash-verifier"},
			"authorize (redirect URL)", "letters and digits only"},
		{"expired Justimmo refresh token", []string{"doctor", "justimmo", "--fake", "--mixup", "expired-refresh"},
			"refresh token", "send the user to log in again"},
		{"unregistered redirect URI (WebUntis)", []string{"doctor", "webuntis", "--fake", "--mixup", "unregistered-redirect"},
			"authorize (redirect URL)", "Platform Application Manager"},
		{"unregistered redirect URI (Justimmo)", []string{"doctor", "justimmo", "--fake", "--mixup", "unregistered-redirect"},
			"authorize (redirect URL)", "registered redirect URIs"},
		{"unregistered redirect URI (LicenseSpring)", []string{"doctor", "licensespring", "--fake", "--mixup", "unregistered-redirect"},
			"signed request (sso_url)", "SSO redirect URIs enabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", append(tc.args, "--json")...)
			assert.Equal(t, exitFailed, r.code)
			var rep struct {
				OK     bool
				Checks []struct {
					Name, Status, Cause, Fix string
				}
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), "doctor --json prints JSON")
			assert.False(t, rep.OK)
			found := false
			for _, c := range rep.Checks {
				if c.Name == tc.check {
					found = true
					assert.Equal(t, "FAIL", c.Status, "check %q", c.Name)
					assert.Contains(t, c.Fix, tc.fix, "check %q", c.Name)
					assert.NotEmpty(t, c.Cause)
				}
			}
			assert.True(t, found, "no check %q", tc.check)

			text := runCLI(t, "", tc.args...)
			assert.Equal(t, exitFailed, text.code)
			assert.Contains(t, text.stdout, "FAIL  "+tc.check)
			assert.Contains(t, text.stdout, "fix:   ")
		})
	}
}

func TestLoginDocumentedMixups(t *testing.T) {
	for _, tc := range []struct {
		name, fix string
		args      []string
	}{
		{"platform password for the code flow", "takes the OIDC client secret", []string{"login", "webuntis", "--fake", "--mixup", "password-for-secret"}},
		{"UniSignIn app flow with a dash in the verifier", "letters and digits only", []string{"login", "unisignin", "--fake", "--mixup", "dash-verifier"}},
		{"unregistered loopback redirect", "Platform Application Manager", []string{"login", "webuntis", "--fake", "--mixup", "unregistered-redirect"}},
		{"unregistered loopback redirect (UniSignIn)", "registered redirect URIs", []string{"login", "unisignin", "--fake", "--mixup", "unregistered-redirect"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			assert.Equal(t, exitFailed, r.code)
			assert.Contains(t, r.stdout, "fix:   ")
			assert.Contains(t, r.stdout, tc.fix)
		})
	}
}

func TestWebhookVerify(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	ten := srv.Tenant()
	body := string(srv.WebhookBody("RESET"))
	sig := srv.SignWebhook([]byte(body))

	r := runCLI(t, body, "webhook", "verify", "--key", srv.WebhookKey(), "--signature", sig)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "eventType  RESET")
	providertest.Text(t, "webhook verify", r.stdout+r.stderr, ten.ClientSecret, ten.Password)

	captured := "POST /hook HTTP/1.1\r\nHost: app.example\r\nAlgorithm: SHA256withRSA\r\nAuthorization: " + sig +
		"\r\nContent-Type: application/json\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n" + body
	r = runCLI(t, captured, "webhook", "verify", "--key", srv.WebhookKey(), "--json")
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"secret": "[redacted]"`)
	providertest.Text(t, "webhook verify --json", r.stdout+r.stderr, ten.ClientSecret, ten.Password)

	r = runCLI(t, body+" ", "webhook", "verify", "--key", srv.WebhookKey(), "--signature", sig)
	assert.Equal(t, exitFailed, r.code, "a body changed by one byte")
	assert.Contains(t, r.stdout, "raw body bytes")
	providertest.Text(t, "webhook verify (bad signature)", r.stdout+r.stderr, ten.ClientSecret, ten.Password)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestNoSecretInAnyOutput runs every command, in text and --json, plain
// and with each mix-up, and looks for the fakes' secrets and the tokens
// in everything printed. The one exception is token --header.
func TestNoSecretInAnyOutput(t *testing.T) {
	var runs [][]string
	for _, v := range vendorNames {
		runs = append(runs, []string{"doctor", v}, []string{"token", v}, []string{"login", v})
	}
	for name, vendors := range mixups {
		for _, v := range vendors {
			runs = append(runs, []string{"doctor", v, "--mixup", name}, []string{"login", v, "--mixup", name}, []string{"token", v, "--mixup", name})
		}
	}
	runs = append(runs, []string{"webhook", "verify"}, []string{"login", "unisignin", "--app"})
	for _, args := range runs {
		for _, mode := range [][]string{nil, {"--json"}} {
			args := append(append(append([]string(nil), args...), "--fake"), mode...)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				s := watch(t)
				r := runCLI(t, "", args...)
				require.NotEmpty(t, s.all(), "the fake reported its secrets")
				providertest.Text(t, "stdout", r.stdout, s.all()...)
				providertest.Text(t, "stderr", r.stderr, s.all()...)
			})
		}
	}
	t.Run("token --header prints the token and no other secret", func(t *testing.T) {
		s := watch(t)
		r := runCLI(t, "", "token", "webuntis", "--fake", "--header")
		require.Equal(t, exitOK, r.code)
		all := s.all()
		var tok string
		for _, v := range all {
			if strings.Contains(r.stdout, v) {
				tok = v
			}
		}
		require.NotEmpty(t, tok, "the header holds the access token")
		assert.Regexp(t, `^Authorization: Bearer \S+\n$`, strings.ReplaceAll(r.stdout, tok, "TOKEN"))
		var others []string
		for _, v := range all {
			if v != tok {
				others = append(others, v)
			}
		}
		providertest.Text(t, "token --header", strings.ReplaceAll(r.stdout, tok, ""), others...)
	})
}

func TestCredentialsFromEnvironmentAndFile(t *testing.T) {
	// A base URL nobody listens on: doctor fails at the server, but the
	// settings were read (config ok) and no secret is printed.
	env := map[string]string{
		"OAUTHKIT_WEBUNTIS_BASE_URL":      "http://127.0.0.1:1",
		"OAUTHKIT_WEBUNTIS_TENANT":        "4711",
		"OAUTHKIT_WEBUNTIS_CLIENT_ID":     "env-client",
		"OAUTHKIT_WEBUNTIS_CLIENT_SECRET": "env-oidc-secret-value",
		"OAUTHKIT_WEBUNTIS_PASSWORD":      "env-platform-password",
	}
	var out, errOut bytes.Buffer
	code := run([]string{"doctor", "webuntis", "--timeout", "5s"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out.String(), "ok    config                       tenant 4711; client-id env-client; client-secret, password set")
	providertest.Text(t, "doctor from env", out.String()+errOut.String(), env["OAUTHKIT_WEBUNTIS_CLIENT_SECRET"], env["OAUTHKIT_WEBUNTIS_PASSWORD"])

	file := t.TempDir() + "/oauthkit.json"
	require.NoError(t, writeFile(file, `{"webuntis": {"base_url": "http://127.0.0.1:1", "tenant": "99", "client_id": "file-client", "password": "file-platform-password"}}`))
	out.Reset()
	code = run([]string{"doctor", "webuntis", "--config", file, "--tenant", "100", "--timeout", "5s"}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out.String(), "tenant 100; client-id file-client; password set", "a flag overrides the file")
	providertest.Text(t, "doctor from file", out.String(), "file-platform-password")
}

func TestHelpForEveryCommand(t *testing.T) {
	for _, cmd := range commands {
		for _, args := range [][]string{{"help", cmd.name}, {cmd.name, "-h"}} {
			r := runCLI(t, "", args...)
			assert.Equal(t, exitOK, r.code, "%v", args)
			assert.Contains(t, r.stdout, "Usage: oauthkit "+cmd.name, "%v", args)
			assert.Contains(t, r.stdout, "Example:\n  ", "%v", args)
			assert.Contains(t, cmd.example, "oauthkit "+cmd.name, "%v", args)
		}
	}
	r := runCLI(t, "")
	assert.Equal(t, exitUsage, r.code)
	r = runCLI(t, "", "doctor", "nosuchvendor")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "unknown vendor")
	r = runCLI(t, "", "doctor", "webuntis", "--mixup", "clock-skew")
	assert.Equal(t, exitUsage, r.code, "--mixup without --fake")
}

func writeFile(name, content string) error { return os.WriteFile(name, []byte(content), 0o600) }
