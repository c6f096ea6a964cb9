package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// TestLoginLoopbackRedirect: login listens with package native. A
// registered loopback redirect URL without a port gets a free port (RFC
// 8252 §7.3; the fakes accept any port); one with a port keeps it; a
// "localhost" one is refused (RFC 8252 §8.3).
func TestLoginLoopbackRedirect(t *testing.T) {
	for _, tc := range []struct {
		name, redirect string
		code           int
		want           string
	}{
		{"no port", "http://127.0.0.1/auth/callback", exitOK, "webuntis: logged in"},
		{"IPv4 default", "", exitOK, "webuntis: logged in"},
		{"localhost", "http://localhost/auth/callback", exitUsage, "RFC 8252 §7.3, §8.3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"login", "webuntis", "--fake"}
			if tc.redirect != "" {
				args = append(args, "--redirect-url", tc.redirect)
			}
			r := runCLI(t, "", args...)
			require.Equal(t, tc.code, r.code, r.stderr)
			assert.Contains(t, r.stdout+r.stderr, tc.want)
		})
	}
}

// TestLoginPushedAuthorizationRequest: against a server that requires PAR
// (RFC 9126), login does not probe the authorization URL: its request_uri
// is good for one use (§7.3), and the browser, which comes after, would
// be refused with invalid_request_uri.
func TestLoginPushedAuthorizationRequest(t *testing.T) {
	// The fake compares redirect URIs exactly, port included: a free one.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	redirect := "http://" + ln.Addr().String() + "/callback"
	require.NoError(t, ln.Close())
	srv := openidtest.NewServer(openidtest.Options{RequirePAR: true, Apps: []openidtest.App{{ID: "client", RedirectURLs: []string{redirect}}}})
	t.Cleanup(srv.Close)
	cfg := srv.Config("client")
	cfg.RedirectURL = redirect
	env := map[string]string{
		"OAUTHKIT_OPENID_ISSUER":        cfg.Issuer,
		"OAUTHKIT_OPENID_CLIENT_ID":     cfg.ClientID,
		"OAUTHKIT_OPENID_CLIENT_SECRET": cfg.ClientSecret.Reveal(),
		"OAUTHKIT_OPENID_REDIRECT_URL":  cfg.RedirectURL,
	}
	var opened []string
	old := openBrowser
	t.Cleanup(func() { openBrowser = old })
	openBrowser = func(ctx context.Context, authURL string) error {
		opened = append(opened, authURL)
		cb, err := srv.Authorize(ctx, authURL) // the signed-in user's browser
		if err != nil {
			return err
		}
		return followCallback(ctx, cb)
	}
	var out, errOut bytes.Buffer
	code := run([]string{"login", "openid", "--timeout", "30s"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	require.Equal(t, exitOK, code, out.String()+errOut.String())
	assert.Contains(t, out.String(), "openid: logged in")
	require.Len(t, opened, 1)
	assert.Contains(t, opened[0], "request_uri=")
	assert.Equal(t, 1, srv.Requests(openidtest.EndpointPAR))
	assert.Equal(t, 1, srv.Requests(openidtest.EndpointAuthorize), "the browser's request only")
	providertest.Text(t, "output", out.String()+errOut.String(), env["OAUTHKIT_OPENID_CLIENT_SECRET"])
}
