package oauthwire

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// echoServer answers every token request with an error that echoes the
// request's Authorization header, its base64 payload and its form body, and
// the decoded secret (client_secret, or the Basic password), in the shape
// echo chooses.
func echoServer(t *testing.T, status int, echo func(auth, payload, body, secret string) (contentType, answer string)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		auth := r.Header.Get("Authorization")
		form, _ := url.ParseQuery(string(body))
		secret := form.Get("client_secret")
		if _, pass, ok := r.BasicAuth(); ok {
			secret = pass
		}
		ct, answer := echo(auth, strings.TrimPrefix(auth, "Basic "), string(body), secret)
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// The old scrub knew base64(secret) but not the Basic payload
// base64(id:secret) in either form, nor HTML-escaped secrets, and cut texts
// to their limit before scrubbing them, leaving a secret's first bytes.
func TestTokenErrorsScrubEchoedAuthorizationHeaderAndBody(t *testing.T) {
	secrets := map[string]string{
		"short, every special character": "pa+ss/w=rd:%&x<y>'\"",
		"longer than the excerpt limit":  "L0NG+" + strings.Repeat("s3cr/t=", (redact.MaxText+50)/7),
	}
	echoes := map[string]struct {
		status int
		echo   func(auth, payload, body, secret string) (string, string)
	}{
		"HTML 500 page": {500, func(auth, payload, body, secret string) (string, string) {
			return "text/html", "<html><head><title>500 Internal Server Error</title></head><body><h1>Oops</h1><p>" +
				html.EscapeString("Authorization: "+auth+" payload="+payload+" body="+body) +
				"<p>Your password " + html.EscapeString(secret) + " and " + html.EscapeString(url.QueryEscape(secret)) + "</p>" +
				"</p><pre>" + html.EscapeString(auth) + "</pre></body></html>"
		}},
		"HTML 500 page after padding": {500, func(auth, payload, body, secret string) (string, string) {
			// Puts the echo right at the excerpt's cut.
			return "text/html", "<html><body>" + strings.Repeat("x", redact.MaxExcerpt-20) + " " + html.EscapeString(secret+" "+body+" "+auth) + "</body></html>"
		}},
		"plain text 502": {502, func(auth, payload, body, secret string) (string, string) {
			return "text/plain", "upstream said: " + secret + " " + auth + " " + payload + " " + body
		}},
		"JSON hint and error_description": {401, func(auth, payload, body, secret string) (string, string) {
			return "application/json", `{"error":"invalid_client","error_description":` + jsonString("bad header "+auth) +
				`,"hint":` + jsonString(strings.Repeat("h", redact.MaxText-30)+" secret "+secret+" body "+body) +
				`,"message":` + jsonString("payload "+payload) + `}`
		}},
		"JSON with PHP escaping": {400, func(auth, payload, body, secret string) (string, string) {
			esc := func(s string) string { return strings.ReplaceAll(jsonString(s), "/", `\/`) }
			return "application/json", `{"error":"invalid_grant","error_description":` + esc(auth+" "+body) + `}`
		}},
		"JSON that is not an error body": {500, func(auth, payload, body, secret string) (string, string) {
			return "application/json", `{"echo":{"authorization":` + jsonString(auth) + `,"body":` + jsonString(body) + `}}`
		}},
	}
	styles := map[string]AuthStyle{"in body": AuthInBody, "RFC 6749 Basic": AuthBasic, "raw Basic": AuthBasicRaw, "private_key_jwt": AuthPrivateKeyJWT}
	// The client assertion of private_key_jwt is a credential too (RFC
	// 7523 §2.2): a replay within its exp authenticates as the client.
	assertion := "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.SIGN+/" + strings.Repeat("a", 60)
	grants := map[string]url.Values{
		"client credentials": {"grant_type": {"client_credentials"}},
		"code exchange":      {"grant_type": {"authorization_code"}, "code": {"C0DE+/=" + strings.Repeat("c", 300)}, "code_verifier": {"VER1F1ER-" + strings.Repeat("v", 43)}},
		"refresh":            {"grant_type": {"refresh_token"}, "refresh_token": {"R3FRESH+/" + strings.Repeat("r", 40)}},
	}
	for secretName, secret := range secrets {
		for echoName, echo := range echoes {
			srv := echoServer(t, echo.status, echo.echo)
			for styleName, style := range styles {
				for grantName, params := range grants {
					t.Run(secretName+"/"+echoName+"/"+styleName+"/"+grantName, func(t *testing.T) {
						c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})}
						const clientID = "my client+id"
						r := Request{
							Op: "op", TokenURL: srv.URL, Params: params,
							ClientID: clientID, Secret: oauthkit.Secret(secret), Auth: style,
						}
						if style == AuthPrivateKeyJWT {
							r.Assertion = func(context.Context, string) (string, error) { return assertion, nil }
						}
						_, err := c.Token(context.Background(), r)
						require.Error(t, err)
						var e *oauthkit.Error
						require.ErrorAs(t, err, &e)

						sent := []string{secret, basic(clientID, secret), basicPayload(clientID, secret),
							basic(url.QueryEscape(clientID), url.QueryEscape(secret)), basicPayload(url.QueryEscape(clientID), url.QueryEscape(secret))}
						for _, k := range sensitiveParams {
							sent = append(sent, params[k]...)
						}
						if style == AuthPrivateKeyJWT {
							sent = append(sent, assertion)
						}
						providertest.Formatted(t, []any{err, e, *e}, sent...)
						var jsonLog, textLog bytes.Buffer
						slog.New(slog.NewJSONHandler(&jsonLog, nil)).Error("token", "err", err)
						slog.New(slog.NewTextHandler(&textLog, nil)).Error("token", "err", err)
						providertest.Text(t, "slog JSON", jsonLog.String(), sent...)
						providertest.Text(t, "slog text", textLog.String(), sent...)
						// What a cut made before scrubbing leaves: a secret's
						// first bytes, in its raw or Basic form.
						for _, text := range []string{err.Error(), e.Body, e.Description, e.Hint, e.Message} {
							providertest.Prefix(t, "error text", text, 8, sent...)
						}
					})
				}
			}
		}
	}
}

// TestSecretParamsAreScrubbed: the values of a request's SecretParams (a
// pushed authorization request's state and nonce) are scrubbed from its
// errors like sensitiveParams' are; the same parameters of a request that
// does not name them are not secret there, and show.
func TestSecretParamsAreScrubbed(t *testing.T) {
	const state, nonce, challenge = "ST4TE-value-0123456789", "N0NCE-value-0123456789", "CH4LLENGE-value-0123456789"
	params := url.Values{"response_type": {"code"}, "state": {state}, "nonce": {nonce}, "code_challenge": {challenge}}
	srv := echoServer(t, 400, func(auth, payload, body, secret string) (string, string) {
		form, _ := url.ParseQuery(body)
		return "application/json", `{"error":"invalid_request","error_description":` +
			jsonString("request with state "+form.Get("state")+" and nonce "+form.Get("nonce")+" refused") +
			`,"hint":` + jsonString("challenge "+form.Get("code_challenge")+" body "+body) + `}`
	})
	tests := []struct {
		name   string
		secret []string
		hidden []string // must not show
		shown  []string // must show
	}{
		{"state, nonce and challenge named", []string{"state", "nonce", "code_challenge"}, []string{state, nonce, challenge}, nil},
		{"only state named", []string{"state"}, []string{state}, []string{nonce, challenge}},
		{"none named", nil, nil, []string{state, nonce, challenge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})}
			err := c.Post(context.Background(), Request{
				Op: "pushed authorization request", TokenURL: srv.URL, Params: params,
				ClientID: "c", Secret: "client-secret-value", Auth: AuthInBody, SecretParams: tt.secret,
			}, func(*Answer) error { return nil })
			require.ErrorIs(t, err, oauthkit.ErrInvalidRequest)
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			providertest.Formatted(t, []any{err, e, *e}, append(tt.hidden, "client-secret-value")...)
			for _, v := range tt.shown {
				require.Contains(t, e.Description+e.Hint, v, "a parameter not named secret for this request shows")
			}
		})
	}
}
