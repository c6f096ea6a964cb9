package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

// doctorReport is doctor --json's output.
type doctorReport struct {
	Vendor string
	OK     bool
	Failed int
	Checks []struct {
		Name, Status, Detail, Cause, Fix string
		Missing                          []string
	}
}

func doctorJSON(t *testing.T, r result) doctorReport {
	t.Helper()
	var rep doctorReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), "doctor --json prints JSON: %s", r.stdout)
	return rep
}

// check returns the check named name, failing t when there is none.
func (rep doctorReport) check(t *testing.T, name string) (status, detail, cause, fix string) {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Name == name {
			return c.Status, c.Detail, c.Cause, c.Fix
		}
	}
	t.Fatalf("no check %q among %v", name, rep.names())
	return
}

func (rep doctorReport) names() []string {
	var names []string
	for _, c := range rep.Checks {
		names = append(names, c.Name)
	}
	return names
}

// openidChecks are doctor openid's checks, in order: --json readers match
// on these names.
var openidChecks = []string{"config", "discovery", "JWKS", "auth method", "PKCE S256", "RFC 9207 iss",
	"userinfo", "revocation", "introspection", "end session", "pushed auth requests", "device authorization",
	"back-channel logout", "client credentials", "redirect URL", "authorize (redirect URL)", "login"}

// TestDoctorOpenIDAgainstTheFake: every check passes against openidtest
// with each client authentication, and the auth method check says which
// one is used and why; a public client has no client credentials.
func TestDoctorOpenIDAgainstTheFake(t *testing.T) {
	for _, tc := range []struct {
		authMethod string // --auth-method; "" for none given
		method     string // the one used
		why        string
		cc         string // the client credentials check's status
	}{
		{"", "client_secret_basic", "the configuration has a client secret, and client_secret_basic is listed", "ok"},
		{"client_secret_post", "client_secret_post", "set by --auth-method", "ok"},
		{"private_key_jwt", "private_key_jwt", "set by --auth-method", "ok"},
		{"none", "none", "set by --auth-method", "skip"},
	} {
		t.Run("auth method "+tc.method, func(t *testing.T) {
			args := []string{"doctor", "openid", "--fake", "--json"}
			if tc.authMethod != "" {
				args = append(args, "--auth-method", tc.authMethod)
			}
			r := runCLI(t, "", args...)
			require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
			rep := doctorJSON(t, r)
			assert.Equal(t, "openid", rep.Vendor)
			assert.True(t, rep.OK)
			assert.Equal(t, openidChecks, rep.names(), "the checks, by their stable names, in order")
			_, detail, _, _ := rep.check(t, "auth method")
			assert.Contains(t, detail, "the server lists client_secret_basic, client_secret_post, private_key_jwt, none")
			assert.Contains(t, detail, "this configuration uses "+tc.method+": "+tc.why)
			status, _, _, _ := rep.check(t, "client credentials")
			assert.Equal(t, tc.cc, status)
			for _, name := range []string{"discovery", "JWKS", "PKCE S256", "RFC 9207 iss", "revocation", "introspection", "end session", "pushed auth requests", "device authorization", "back-channel logout", "login"} {
				status, _, _, _ := rep.check(t, name)
				assert.Equal(t, "ok", status, "check %q", name)
			}
		})
	}
	r := runCLI(t, "", "doctor", "openid", "--fake")
	require.Equal(t, exitOK, r.code, r.stdout)
	assert.Contains(t, r.stdout, "exactly --issuer")
	assert.Contains(t, r.stdout, "all 17 checks passed")
}

// TestDoctorOpenIDJSONIsStable: two runs against two fakes on two ports
// give the same check names, none carrying a port.
func TestDoctorOpenIDJSONIsStable(t *testing.T) {
	a := doctorJSON(t, runCLI(t, "", "doctor", "openid", "--fake", "--json"))
	b := doctorJSON(t, runCLI(t, "", "doctor", "openid", "--fake", "--json"))
	assert.Equal(t, a.names(), b.names())
	for _, n := range a.names() {
		assert.NotContains(t, n, "127.0.0.1")
	}
	r := runCLI(t, "", "token", "openid", "--fake", "--json")
	require.Equal(t, exitOK, r.code, r.stdout)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &out))
	assert.Equal(t, true, out["ok"])
	assert.Equal(t, "openid", out["vendor"])
	assert.Equal(t, "Bearer", out["token_type"])
}

// TestDoctorOpenIDMixups runs each openid mix-up: the check that fails,
// its cause naming what differs and its fix line saying what to do.
func TestDoctorOpenIDMixups(t *testing.T) {
	for _, tc := range []struct {
		mixup, check string
		cause, fix   []string
	}{
		{"issuer-trailing-slash", "discovery",
			[]string{`but --issuer is "http://127.0.0.1:`, `/realms/oauthkit/"`, "character for character"},
			[]string{"trailing slash only: set --issuer http://127.0.0.1:", "/realms/oauthkit (or OAUTHKIT_OPENID_ISSUER)"}},
		{"discovery-issuer", "discovery",
			[]string{`names issuer "https://other-provider.example", but --issuer is "http://127.0.0.1:`},
			[]string{"if https://other-provider.example is this provider's issuer, set --issuer to it", "serves another provider's metadata"}},
		{"callback-issuer", "login",
			[]string{`the callback names iss "https://other-provider.example", not the issuer http://127.0.0.1:`, "RFC 9207"},
			[]string{"refused, as it must be", "another provider", "its own redirect URL"}},
		{"foreign-signing-key", "login",
			[]string{"invalid ID token"},
			[]string{"does not verify against the issuer's published keys"}},
		{"secret-not-listed", "auth method",
			[]string{"the server lists private_key_jwt; a client secret fits only client_secret_basic or client_secret_post"},
			[]string{"--client-key-file and --key-id", "--auth-method client_secret_basic"}},
		{"wrong-client-secret", "client credentials",
			[]string{"invalid_client"},
			[]string{"does not accept this client's credential", "OAUTHKIT_OPENID_CLIENT_SECRET"}},
		{"unregistered-redirect", "authorize (redirect URL)",
			[]string{"redirect_uri is not registered"},
			[]string{"exactly one of the client's registered redirect URIs", "--redirect-url"}},
	} {
		t.Run(tc.mixup, func(t *testing.T) {
			args := []string{"doctor", "openid", "--fake", "--mixup", tc.mixup}
			r := runCLI(t, "", append(args, "--json")...)
			assert.Equal(t, exitFailed, r.code)
			rep := doctorJSON(t, r)
			assert.False(t, rep.OK)
			status, _, cause, fix := rep.check(t, tc.check)
			assert.Equal(t, "FAIL", status)
			for _, c := range tc.cause {
				assert.Contains(t, cause, c)
			}
			for _, f := range tc.fix {
				assert.Contains(t, fix, f)
			}

			text := runCLI(t, "", args...)
			assert.Equal(t, exitFailed, text.code)
			assert.Contains(t, text.stdout, "FAIL  "+tc.check)
			assert.Contains(t, lineWith(text.stdout, "fix:"), tc.fix[0])
		})
	}
	// A credential that fits no listed method fails once: the login's
	// exchange, which needs one, is skipped rather than failed again.
	rep := doctorJSON(t, runCLI(t, "", "doctor", "openid", "--fake", "--mixup", "secret-not-listed", "--json"))
	assert.Equal(t, 1, rep.Failed)
	status, _, _, _ := rep.check(t, "client credentials")
	assert.Equal(t, "skip", status)
}

// metadataServer is a bare authorization server whose discovery document
// is doc (its URLs relative to the server) and whose token endpoint
// answers unauthorized_client, for what the fake always publishes.
func metadataServer(t *testing.T, doc map[string]any, jwks string) *httptest.Server {
	var srv *httptest.Server
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		d := map[string]any{"issuer": srv.URL, "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/token", "jwks_uri": srv.URL + "/jwks"}
		for k, v := range doc {
			d[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(d)
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(jwks))
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"unauthorized_client","error_description":"client credentials are not enabled"}`))
	})
	srv = httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

const oneKey = `{"keys":[{"kty":"RSA","use":"sig","kid":"k1","alg":"RS256","n":"sXch","e":"AQAB"}]}`

// TestDoctorOpenIDWhatTheServerLacks: against a server that publishes only
// the required metadata, from settings in the environment: the optional
// endpoints are notes saying what their absence means, a server without
// PKCE S256 and a key set without keys fail with their fix lines, and a
// client-credentials refusal names the grant the server does not list.
func TestDoctorOpenIDWhatTheServerLacks(t *testing.T) {
	srv := metadataServer(t, map[string]any{
		"code_challenge_methods_supported": []string{"plain"},
		"grant_types_supported":            []string{"authorization_code", "refresh_token"},
	}, `{"keys":[]}`)
	env := map[string]string{
		"OAUTHKIT_OPENID_ISSUER":        srv.URL,
		"OAUTHKIT_OPENID_CLIENT_ID":     "env-client",
		"OAUTHKIT_OPENID_CLIENT_SECRET": "env-openid-secret-value",
	}
	var out, errOut bytes.Buffer
	code := run([]string{"doctor", "openid", "--json", "--timeout", "10s"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	assert.Equal(t, exitFailed, code)
	providertest.Text(t, "doctor from env", out.String()+errOut.String(), env["OAUTHKIT_OPENID_CLIENT_SECRET"])
	rep := doctorJSON(t, result{code, out.String(), errOut.String()})

	_, detail, _, _ := rep.check(t, "config")
	assert.Equal(t, "issuer "+srv.URL+"; client-id env-client; client-secret set", detail)
	_, detail, _, _ = rep.check(t, "auth method")
	assert.Contains(t, detail, "lists no token_endpoint_auth_methods_supported (then client_secret_basic, RFC 8414 §2); this configuration uses client_secret_basic")
	for _, tc := range []struct{ check, status, text string }{
		{"JWKS", "FAIL", "ID tokens cannot be verified"},
		{"PKCE S256", "FAIL", "ask the provider's administrator to allow PKCE S256"},
		{"RFC 9207 iss", "note", "not advertised"},
		{"userinfo", "note", "the profile comes from the ID token"},
		{"revocation", "note", "logout forgets the tokens without revoking them"},
		{"introspection", "note", "Provider.Introspect returns errors.ErrUnsupported"},
		{"end session", "note", "the user stays signed in at the provider"},
		{"pushed auth requests", "note", "no pushed_authorization_request_endpoint"},
		{"device authorization", "note", "no device_authorization_endpoint"},
		{"back-channel logout", "note", "the app is not told"},
		{"client credentials", "FAIL", "grant_types_supported does not list client_credentials"},
		{"redirect URL", "skip", "none given"},
	} {
		status, detail, _, fix := rep.check(t, tc.check)
		assert.Equal(t, tc.status, status, "check %q", tc.check)
		assert.Contains(t, detail+fix, tc.text, "check %q", tc.check)
	}

	// The same server with a key and S256: the two failures are gone.
	srv = metadataServer(t, map[string]any{"code_challenge_methods_supported": []string{"S256"}}, oneKey)
	env["OAUTHKIT_OPENID_ISSUER"] = srv.URL
	out.Reset()
	run([]string{"doctor", "openid", "--json", "--timeout", "10s"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	rep = doctorJSON(t, result{stdout: out.String()})
	for _, name := range []string{"JWKS", "PKCE S256"} {
		status, _, _, _ := rep.check(t, name)
		assert.Equal(t, "ok", status, "check %q", name)
	}
}

// TestDoctorOpenIDDiscoveryUnreachable: an issuer with no discovery
// document there fails discovery with a fix naming --issuer.
func TestDoctorOpenIDDiscoveryUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	r := runCLI(t, "", "doctor", "openid", "--issuer", srv.URL+"/realms/typo", "--client-id", "app", "--json")
	assert.Equal(t, exitFailed, r.code)
	rep := doctorJSON(t, r)
	status, _, _, fix := rep.check(t, "discovery")
	assert.Equal(t, "FAIL", status)
	assert.Contains(t, fix, "check --issuer (OAUTHKIT_OPENID_ISSUER): "+srv.URL+"/realms/typo/.well-known/openid-configuration must serve")
}

// TestClientKeyFile: the PEM shapes a client key comes in, and errors
// that name the file and the problem, never the key.
func TestClientKeyFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, blocks ...*pem.Block) string {
		var b []byte
		for _, bl := range blocks {
			b = append(b, pem.EncodeToMemory(bl)...)
		}
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	pkcs8 := func(k any) []byte { b, err := x509.MarshalPKCS8PrivateKey(k); require.NoError(t, err); return b }
	sec1, _ := x509.MarshalECPrivateKey(ec)
	for _, tc := range []struct {
		name, path, err string
	}{
		{"PKCS #8 EC", write("ec8.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8(ec)}), ""},
		{"PKCS #8 RSA", write("rsa8.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8(rsaKey)}), ""},
		{"PKCS #8 Ed25519", write("ed.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8(ed)}), ""},
		{"PKCS #1 RSA", write("rsa1.pem", &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), ""},
		{"SEC 1 EC", write("sec1.pem", &pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), ""},
		{"certificate first", write("chain.pem", &pem.Block{Type: "CERTIFICATE", Bytes: []byte("not parsed")}, &pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8(ec)}), ""},
		{"encrypted", write("enc.pem", &pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("opaque")}), "the key is encrypted"},
		{"a public key", write("pub.pem", &pem.Block{Type: "PUBLIC KEY", Bytes: []byte("x")}), `type "PUBLIC KEY", not a private key`},
		{"damaged", write("bad.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: []byte("secret-looking-bytes")}), "the PRIVATE KEY does not parse"},
		{"not PEM", write("empty.pem"), "holds no PEM private key"},
		{"missing", filepath.Join(dir, "nope.pem"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := readClientKey(tc.path)
			if tc.err == "" {
				require.NoError(t, err)
				assert.NotNil(t, k)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
			assert.NotContains(t, err.Error(), "secret-looking-bytes")
		})
	}

	// doctor with a key file it cannot use: a config failure whose fix
	// names the flag and the environment variable.
	r := runCLI(t, "", "doctor", "openid", "--issuer", "https://sso.example.com", "--client-id", "app", "--client-key-file", filepath.Join(dir, "bad.pem"))
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stdout, "FAIL  config")
	assert.Contains(t, lineWith(r.stdout, "fix:"), "set --client-key-file or OAUTHKIT_OPENID_CLIENT_KEY_FILE")
	assert.Empty(t, r.stderr, "a key file's path is no secret: no warning")
}

// TestOpenIDHelp: the vendor's help explains its settings, their
// environment variables and its mix-ups.
func TestOpenIDHelp(t *testing.T) {
	r := runCLI(t, "", "help", "doctor", "openid")
	require.Equal(t, exitOK, r.code)
	for _, s := range []string{"-issuer", "OAUTHKIT_OPENID_ISSUER", "-client-key-file", "OAUTHKIT_OPENID_CLIENT_KEY_FILE", "-auth-method",
		"OAUTHKIT_OPENID_CLIENT_SECRET", "discovery-issuer", "callback-issuer", "unregistered-redirect"} {
		assert.Contains(t, r.stdout, s)
	}
	for _, s := range []string{"\n  -tenant", "\n  -shared-key", "secret-for-password"} {
		assert.NotContains(t, r.stdout, s)
	}
}

// TestDoctorOpenIDNetworkFailure: a discovery request that gets no answer
// has a fix naming --issuer, in doctor and token.
func TestDoctorOpenIDNetworkFailure(t *testing.T) {
	vendorTransport = roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "sso.example.invalid", IsNotFound: true}}
	})
	t.Cleanup(func() { vendorTransport = http.DefaultTransport })
	env := map[string]string{
		"OAUTHKIT_OPENID_ISSUER":        "https://sso.example.invalid/realms/acme",
		"OAUTHKIT_OPENID_CLIENT_ID":     "app",
		"OAUTHKIT_OPENID_CLIENT_SECRET": "openid-secret-value",
	}
	for _, args := range [][]string{{"doctor", "openid"}, {"token", "openid"}} {
		var out, errOut bytes.Buffer
		code := run(args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
		assert.Equal(t, exitFailed, code, "%v", args)
		assert.Contains(t, lineWith(out.String(), "fix:"), "the host name sso.example.invalid does not resolve: check the server URL (--issuer)", "%v", args)
		providertest.Text(t, "output", out.String()+errOut.String(), env["OAUTHKIT_OPENID_CLIENT_SECRET"])
	}
}

// TestDoctorOpenIDPushedAuthorizationRequests: a server that requires PAR
// but names no endpoint fails the check with its fix; one with the endpoint
// says every login is pushed.
func TestDoctorOpenIDPushedAuthorizationRequests(t *testing.T) {
	for _, tc := range []struct {
		name     string
		doc      map[string]any
		status   string
		contains string
	}{
		{"required without endpoint", map[string]any{"require_pushed_authorization_requests": true}, "FAIL", "no login can start"},
		{"required", map[string]any{"require_pushed_authorization_requests": true, "pushed_authorization_request_endpoint": "https://idp.example/par"}, "ok", "every login is pushed to https://idp.example/par"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := metadataServer(t, tc.doc, oneKey)
			env := map[string]string{"OAUTHKIT_OPENID_ISSUER": srv.URL, "OAUTHKIT_OPENID_CLIENT_ID": "c"}
			var out, errOut bytes.Buffer
			code := run([]string{"doctor", "openid", "--json", "--timeout", "10s"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
			rep := doctorJSON(t, result{code, out.String(), errOut.String()})
			status, detail, cause, fix := rep.check(t, "pushed auth requests")
			assert.Equal(t, tc.status, status)
			assert.Contains(t, detail+cause+fix, tc.contains)
		})
	}
}
