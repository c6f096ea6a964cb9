package oauthkit_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

// encodings are the forms a secret is looked for in: raw, base64 (standard
// and URL, padded and not) and URL-escaped.
func encodings(secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		out = append(out, s,
			base64.StdEncoding.EncodeToString([]byte(s)), base64.RawStdEncoding.EncodeToString([]byte(s)),
			base64.URLEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)),
			url.QueryEscape(s), url.PathEscape(s))
	}
	return out
}

// TestLoginLogValueRedactsTokens: no exported type of the package that holds
// a token or a login secret shows it through slog (JSON and text handlers;
// as a value, a pointer and inside a struct) or fmt.
func TestLoginLogValueRedactsTokens(t *testing.T) {
	const (
		access   = "access-token-value+/="
		refresh  = "refresh-token-value+/="
		rawID    = "eyJhbGciOiJSUzI1NiJ9.id-token-payload.signature"
		state    = "state-value-9f8e7d"
		nonce    = "nonce-value-1a2b3c"
		verifier = "verifier-value-4d5e6f"
		secret   = "client-secret-value+/="
	)
	tok := (&oauth2.Token{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", Expiry: stubNow.Add(time.Hour)}).
		WithExtra(map[string]any{"id_token": rawID})
	login := oauthkit.Login{Provider: "stub", Token: tok, UserInfo: oauthkit.UserInfo{
		Subject: "user-1", Email: "ada@example.org", Name: "Ada",
		Raw: map[string]any{"sub": "user-1", "nonce": nonce},
	}}
	ar := oauthkit.AuthRequest{Provider: "stub", URL: "https://idp.example/authorize", State: state, Nonce: nonce, CodeVerifier: verifier,
		RedirectURL: "https://app.example/cb", IssuedAt: stubNow}
	e := oauthkit.Error{Provider: "stub", Op: "exchange", StatusCode: 400, Code: "invalid_grant", Err: oauthkit.ErrMalformedResponse}
	s := oauthkit.Secret(secret)
	ui := login.UserInfo

	type holder struct{ Value any }
	cases := []struct {
		name    string
		value   any
		pointer any
		secrets []string
		// nestedJSON: a struct around the value, under a JSON handler, is
		// encoding/json's, not LogValue's. False only for AuthRequest, whose
		// JSON is its storage form (it must hold the state to check the
		// callback), and UserInfo, whose raw claims hold the spent nonce.
		nestedJSON bool
	}{
		{"Login", login, &login, encodings(access, refresh, rawID, nonce), true},
		{"AuthRequest", ar, &ar, encodings(state, nonce, verifier), false},
		{"UserInfo", ui, &ui, encodings(nonce), false},
		{"Error", e, &e, encodings(access, secret), true},
		{"Secret", s, &s, encodings(secret), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, h := range []struct {
				name string
				new  func(*bytes.Buffer) slog.Handler
				json bool
			}{
				{"json", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }, true},
				{"text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }, false},
			} {
				forms := map[string]any{"value": tc.value, "pointer": tc.pointer}
				if !h.json || tc.nestedJSON {
					forms["struct holding the value"] = holder{tc.value}
					forms["struct holding the pointer"] = holder{tc.pointer}
					forms["pointer to a struct"] = &holder{tc.pointer}
				}
				for form, v := range forms {
					var buf bytes.Buffer
					slog.New(h.new(&buf)).Info("login", slog.Any("v", v), "kv", v)
					providertest.Text(t, h.name+" handler, "+form, buf.String(), tc.secrets...)
					require.Contains(t, buf.String(), `login`, "the record was written")
				}
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
				for form, v := range map[string]any{"value": tc.value, "pointer": tc.pointer, "struct": holder{tc.value}, "struct of pointer": holder{tc.pointer}} {
					providertest.Text(t, verb+" of "+form, fmt.Sprintf(verb, v), tc.secrets...)
				}
			}
		})
	}
}

// TestLoginLogValueShowsWhoLoggedIn: the redacted forms still say who.
func TestLoginLogValueShowsWhoLoggedIn(t *testing.T) {
	login := &oauthkit.Login{Provider: "stub", Token: &oauth2.Token{AccessToken: "access-token-value", Expiry: stubNow},
		UserInfo: oauthkit.UserInfo{Subject: "user-1", Email: "ada@example.org", Name: "Ada"}}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("login", "login", login)
	require.JSONEq(t, `{"provider":"stub","subject":"user-1","email":"ada@example.org","name":"Ada","expiry":"2026-11-23T12:00:00Z"}`,
		jsonField(t, buf.Bytes(), "login"))
}

// jsonField returns one field of a JSON log record.
func jsonField(t *testing.T, record []byte, key string) string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(record, &m))
	return string(m[key])
}
