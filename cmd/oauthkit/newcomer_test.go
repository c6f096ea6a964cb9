package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// What a newcomer meets in the first hour (issue 21): each test below
// failed on the CLI before the fix it names.

// TestMissingSettingsNamedForTheCommand: every setting the command needs
// and lacks is named in one run, and the fix names the flag the command
// needs (token webuntis needs --password, not --client-secret).
func TestMissingSettingsNamedForTheCommand(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		missing []string
		not     []string // flags the fix must not name
	}{
		{[]string{"token", "webuntis"}, []string{"tenant", "client-id", "password"}, []string{"client-secret"}},
		{[]string{"token", "webuntis", "--tenant", "1", "--client-id", "app"}, []string{"password"}, []string{"client-secret", "tenant"}},
		{[]string{"login", "webuntis", "--tenant", "1", "--client-id", "app", "--print-url"}, []string{"client-secret"}, []string{"--password"}},
		{[]string{"doctor", "webuntis"}, []string{"tenant", "client-id", "password or client-secret"}, nil},
		{[]string{"token", "justimmo"}, []string{"client-id", "client-secret"}, nil},
		{[]string{"doctor", "licensespring"}, []string{"api-key", "shared-key", "product", "customer-account"}, nil},
		{[]string{"doctor", "unisignin"}, []string{"base-url", "client-id"}, []string{"client-secret"}},
		{[]string{"doctor", "openid"}, []string{"issuer", "client-id"}, []string{"client-secret"}},
		{[]string{"token", "openid", "--issuer", "https://sso.example.com"}, []string{"client-id", "client-secret or client-key-file"}, []string{"--issuer"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			assert.Equal(t, exitFailed, r.code, r.stderr)
			fix := lineWith(r.stdout, "fix:")
			for _, m := range tc.missing {
				for _, name := range strings.Split(m, " or ") {
					assert.Contains(t, fix, "--"+name, "all missing settings named at once")
				}
			}
			for _, n := range tc.not {
				assert.NotContains(t, fix, n)
			}

			r = runCLI(t, "", append(tc.args, "--json")...)
			var out struct {
				OK      bool
				Missing []string
				Checks  []struct {
					Name, Status, Fix string
					Missing           []string
				}
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
			assert.False(t, out.OK)
			missing := out.Missing
			if len(out.Checks) > 0 {
				assert.Equal(t, "config", out.Checks[0].Name)
				missing = out.Checks[0].Missing
			}
			assert.Equal(t, tc.missing, missing)
		})
	}
}

// TestTokenSaysFirstWhoOffersNoClientCredentials: token for a vendor
// without client credentials says so at once, rather than asking for
// settings first; the answer agrees with the library (ErrUnsupported
// against each fake).
func TestTokenSaysFirstWhoOffersNoClientCredentials(t *testing.T) {
	for _, v := range vendorNames {
		t.Run(v, func(t *testing.T) {
			r := runCLI(t, "", "token", v)
			assert.Equal(t, exitFailed, r.code)
			offers := !strings.Contains(r.stdout, "offers no client credentials")
			assert.Equal(t, offers, strings.Contains(r.stdout, "needs settings that are not set"), r.stdout)

			c := &cli{env: func(string) string { return "" }, stderr: io.Discard}
			o := &vendorFlags{}
			cmd, _ := lookup("token")
			fs := o.flagSet(cmd, c)
			require.NoError(t, fs.Parse([]string{"--fake"}))
			tg, err := open(context.Background(), fs, c, o, v, "")
			require.NoError(t, err)
			defer tg.close()
			p, err := tg.provider()
			require.NoError(t, err)
			_, err = p.ClientCredentials(context.Background())
			assert.Equal(t, offers, !errors.Is(err, errors.ErrUnsupported), "the CLI and the library agree about %s", v)
		})
	}
}

func lineWith(s, prefix string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, prefix) {
			return line
		}
	}
	return ""
}

// TestLoginFakePrintURL: login --fake --print-url prints the login URL
// (then the fake's browser logs in), in text and in JSON.
func TestLoginFakePrintURL(t *testing.T) {
	r := runCLI(t, "", "login", "webuntis", "--fake", "--print-url")
	require.Equal(t, exitOK, r.code, r.stderr)
	first, _, _ := strings.Cut(r.stdout, "\n")
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/\S*authorize\?\S*response_type=code`, first)
	assert.Contains(t, r.stdout, "webuntis: logged in")

	r = runCLI(t, "", "login", "unisignin", "--fake", "--print-url", "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var out struct {
		OK       bool
		LoginURL string `json:"login_url"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out), r.stdout)
	assert.True(t, out.OK)
	assert.Contains(t, out.LoginURL, "code_challenge=")
}

// TestMixupForAnotherVendorListsTheVendorsOwn: a mix-up that does not
// apply to the vendor names the ones that do.
func TestMixupForAnotherVendorListsTheVendorsOwn(t *testing.T) {
	r := runCLI(t, "", "doctor", "webuntis", "--fake", "--mixup", "clock-skew")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "--mixup clock-skew does not apply to webuntis")
	assert.Contains(t, r.stderr, "password-for-secret, secret-for-password, swapped-credentials, unregistered-redirect")
	assert.Contains(t, r.stderr, "clock-skew applies to licensespring")
}

// TestHelpShowsTheCommandsAndTheVendorsFlags: a command's help lists its
// own flags and each vendor's settings by vendor; with a vendor, that
// vendor's settings only, explained, and its mix-ups.
func TestHelpShowsTheCommandsAndTheVendorsFlags(t *testing.T) {
	for _, args := range [][]string{{"help", "token", "webuntis"}, {"token", "webuntis", "-h"}, {"token", "-h", "webuntis"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runCLI(t, "", args...)
			require.Equal(t, exitOK, r.code)
			for _, f := range []string{"-header", "-json", "-fake", "-timeout", "-config", "-tenant", "-password", "-client-secret", "OAUTHKIT_WEBUNTIS_PASSWORD"} {
				assert.Contains(t, r.stdout, f)
			}
			for _, f := range []string{"-print-url", "-shared-key", "-api-key", "-product", "-auth-url", "-app", "clock-skew", "[webuntis, unisignin"} {
				assert.NotContains(t, r.stdout, f)
			}
			assert.Contains(t, r.stdout, "secret-for-password", "the vendor's mix-ups")
		})
	}
	// A secret flag's value is never taken for the vendor, whose name the
	// help would print.
	r := runCLI(t, "", "token", "--password", "webuntis", "-h")
	require.Equal(t, exitOK, r.code)
	assert.NotContains(t, r.stdout, "Settings of webuntis")
	r = runCLI(t, "", "token", "--json", "licensespring", "-h")
	require.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stdout, "Settings of licensespring", "a bool flag takes no value")

	r = runCLI(t, "", "help", "login")
	require.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stdout, "-print-url")
	assert.NotContains(t, r.stdout, "-header")
	assert.NotContains(t, r.stdout, "LicenseSpring shared key, exactly as shown", "no vendor's settings explained")
	for _, v := range vendorNames {
		assert.Regexp(t, `(?m)^  `+v+` +--`, r.stdout, "the settings of %s, by vendor", v)
	}
	assert.Contains(t, r.stdout, "oauthkit help login <vendor>")
}

// TestJSONIsStable: doctor's check names do not carry the fake's port,
// and token --json has the ok field every other --json output has.
func TestJSONIsStable(t *testing.T) {
	r := runCLI(t, "", "doctor", "justimmo", "--fake", "--json")
	require.Equal(t, exitOK, r.code, r.stdout)
	var rep struct {
		Checks []struct{ Name, Detail string }
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
	}
	assert.Subset(t, names, []string{"config", "auth server", "API server", "client credentials"})
	for _, n := range names {
		assert.NotContains(t, n, "127.0.0.1", "a check's name is the same on every run")
	}

	for _, args := range [][]string{{"token", "webuntis", "--fake", "--json"}, {"token", "webuntis", "--fake", "--json", "--header"}} {
		r = runCLI(t, "", args...)
		require.Equal(t, exitOK, r.code)
		var out map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
		assert.Equal(t, true, out["ok"], "%v", args)
		assert.Equal(t, "webuntis", out["vendor"], "%v", args)
	}
}

// TestWebhookMalformedSignatureSaysSo: a signature that cannot be one (not
// base64, the wrong length) is told apart from one that does not verify,
// and gets its own fix.
func TestWebhookMalformedSignatureSaysSo(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	body := string(srv.WebhookBody("RESET"))
	wrong := srv.SignWebhook([]byte(body + " "))
	for _, tc := range []struct{ name, sig, cause, fix, notFix string }{
		{"not base64", "!!not base64!!", "not base64", "Authorization header", "raw body bytes"},
		{"too short", "AAAA", "3 bytes", "Authorization header", "raw body bytes"},
		{"does not verify", wrong, "does not verify", "raw body bytes", "Authorization header's value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, body, "webhook", "verify", "--key", srv.WebhookKey(), "--signature", tc.sig)
			assert.Equal(t, exitFailed, r.code)
			cause, fix := lineWith(r.stdout, "cause:"), lineWith(r.stdout, "fix:")
			assert.Contains(t, cause, tc.cause)
			assert.Contains(t, fix, tc.fix)
			assert.NotContains(t, fix, tc.notFix)
			if tc.name != "does not verify" {
				assert.NotContains(t, cause, "does not verify")
			}
		})
	}
}

// roundTripFunc is an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestNetworkFailureHasFix: a host name that does not resolve, or a
// connection refused, gets a fix line naming the URL setting, in every
// command that reaches the vendor.
func TestNetworkFailureHasFix(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		fix  string
	}{
		{"no such host", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.webuntis.invalid", IsNotFound: true}},
			"the host name api.webuntis.invalid does not resolve: check the server URL (--base-url)"},
		{"DNS server fails", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "api.webuntis.invalid", IsTemporary: true}},
			"the DNS lookup of api.webuntis.invalid failed"},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}},
			"nothing answers at that host and port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vendorTransport = roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, tc.err })
			t.Cleanup(func() { vendorTransport = http.DefaultTransport })
			env := map[string]string{
				"OAUTHKIT_WEBUNTIS_BASE_URL":      "https://api.webuntis.invalid",
				"OAUTHKIT_WEBUNTIS_TENANT":        "1234",
				"OAUTHKIT_WEBUNTIS_CLIENT_ID":     "app",
				"OAUTHKIT_WEBUNTIS_CLIENT_SECRET": "oidc-secret-value",
				"OAUTHKIT_WEBUNTIS_PASSWORD":      "platform-password-value",
				"OAUTHKIT_WEBUNTIS_REDIRECT_URL":  "https://app.example/callback",
			}
			for _, args := range [][]string{{"token", "webuntis"}, {"doctor", "webuntis"}, {"login", "webuntis", "--print-url"}} {
				var out, errOut bytes.Buffer
				code := run(args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
				assert.Equal(t, exitFailed, code, "%v", args)
				assert.Contains(t, lineWith(out.String(), "fix:"), tc.fix, "%v", args)
				providertest.Text(t, "output", out.String()+errOut.String(), env["OAUTHKIT_WEBUNTIS_CLIENT_SECRET"], env["OAUTHKIT_WEBUNTIS_PASSWORD"])
			}
		})
	}
}
