package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

// secretValues are the values the tests below give to secret flags.
var secretValues = []string{"pw-value", "cs-value", "sk-value", "ak-value", "rt-value"}

// TestSecretFlagWarns: every secret given as a flag gets a warning on
// stderr that says flags are visible in the process list and names the
// environment variable to use instead; a setting that is not secret gets
// none. The warning holds no value.
func TestSecretFlagWarns(t *testing.T) {
	for _, tc := range []struct {
		args []string
		flag string // the secret flag given; "" for none
		env  string // the variable the warning names
	}{
		{[]string{"token", "webuntis", "--fake", "--password", "pw-value"}, "password", "OAUTHKIT_WEBUNTIS_PASSWORD"},
		{[]string{"token", "--fake", "--client-secret=cs-value", "justimmo"}, "client-secret", "OAUTHKIT_JUSTIMMO_CLIENT_SECRET"},
		{[]string{"doctor", "licensespring", "--fake", "--shared-key", "sk-value"}, "shared-key", "OAUTHKIT_LICENSESPRING_SHARED_KEY"},
		{[]string{"doctor", "licensespring", "--fake", "--api-key", "ak-value"}, "api-key", "OAUTHKIT_LICENSESPRING_API_KEY"},
		{[]string{"doctor", "justimmo", "--fake", "--refresh-token", "rt-value"}, "refresh-token", "OAUTHKIT_JUSTIMMO_REFRESH_TOKEN"},
		{[]string{"login", "--password", "pw-value", "--print-url"}, "password", "OAUTHKIT_<VENDOR>_PASSWORD"}, // no vendor named
		{[]string{"doctor", "openid", "--fake", "--client-secret", "cs-value"}, "client-secret", "OAUTHKIT_OPENID_CLIENT_SECRET"},
		{[]string{"token", "webuntis", "--fake", "--tenant", "4711"}, "", ""},
		{[]string{"token", "openid", "--fake", "--issuer", "https://sso.example.com", "--client-key-file", "/nonexistent/key.pem"}, "", ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			providertest.Text(t, "stdout and stderr", r.stdout+r.stderr, secretValues...)
			if tc.flag == "" {
				assert.NotContains(t, r.stderr, "warning")
				return
			}
			assert.Contains(t, r.stderr, "warning: --"+tc.flag+" on the command line is readable by other users and processes (ps")
			assert.Contains(t, r.stderr, "set "+tc.env+" in the environment")
		})
	}
}

// TestStrayArgumentNotEchoed: `--password foo bar` is most likely the
// password "foo bar" unquoted, so "bar" — the stray argument, or what
// parses as the vendor or as a flag — is never printed back once a secret
// flag is on the command line; the secret itself never is. Without a
// secret flag the stray argument is named, as before.
func TestStrayArgumentNotEchoed(t *testing.T) {
	for _, args := range [][]string{
		{"token", "webuntis", "--password", "s3cret", "extra-arg"},
		{"token", "webuntis", "--password=s3cret", "extra-arg"},
		{"doctor", "webuntis", "--client-secret", "s3cret", "extra-arg", "--tenant", "1"},
		{"token", "--password", "s3cret", "extra-arg"},             // extra-arg parses as the vendor
		{"token", "--password", "s3cret", "extra-arg", "webuntis"}, // and webuntis as the stray one
		{"login", "unisignin", "--client-secret", "s3cret", "-extra-arg"},
		{"token", "webuntis", "--password", "s3cret", "--extra-arg"},
		{"doctor", "licensespring", "--shared-key", "s3cret", "--timeout", "extra-arg"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runCLI(t, "", args...)
			assert.Equal(t, exitUsage, r.code)
			assert.Contains(t, r.stderr, "not shown: it may be part of a secret")
			providertest.Text(t, "stdout and stderr", r.stdout+r.stderr, "s3cret", "extra-arg")
		})
	}

	r := runCLI(t, "", "token", "webuntis", "--tenant", "4711", "extra-arg")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `unexpected argument "extra-arg"`, "no secret flag: the argument is named")
	r = runCLI(t, "", "token", "nosuchvendor")
	assert.Contains(t, r.stderr, `unknown vendor "nosuchvendor"`)
}
