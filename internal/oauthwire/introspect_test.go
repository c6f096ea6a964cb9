package oauthwire

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

func TestIntrospectRequestWithAssertion(t *testing.T) {
	srv, got := capture(t, `{"active":true,"scope":"a b","client_id":"rs","sub":"u","aud":["x","y"],"exp":1795000000,"iss":"https://idp.example","jti":"j","token_type":"Bearer","username":"ada"}`)
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
	in, err := c.Introspect(context.Background(), Revocation{
		URL: srv.URL + "/introspect", Token: "AT-1", Hint: "access_token", ClientID: "rs", Auth: AuthPrivateKeyJWT,
		Assertion: func(context.Context, string) (string, error) { return "signed.assertion.value", nil },
	})
	require.NoError(t, err)
	assert.Equal(t, url.Values{"token": {"AT-1"}, "token_type_hint": {"access_token"}, "client_id": {"rs"},
		"client_assertion_type": {ClientAssertionType}, "client_assertion": {"signed.assertion.value"}}, got.form)
	assert.Empty(t, got.auth)
	assert.True(t, in.Active)
	assert.Equal(t, []string{"a", "b"}, in.Scope)
	assert.Equal(t, []string{"x", "y"}, in.Audience)
	assert.Equal(t, int64(1795000000), in.Expiry.Unix())
	assert.Equal(t, "ada", in.Username)
}

func TestAssertionErrorStopsTheRequest(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
	boom := errors.New("kms down")
	_, err := c.Token(context.Background(), Request{Op: "client credentials", TokenURL: srv.URL, Params: url.Values{"grant_type": {"client_credentials"}},
		ClientID: "c", Auth: AuthPrivateKeyJWT, Assertion: func(context.Context, string) (string, error) { return "", boom }})
	require.ErrorIs(t, err, boom)
	assert.Zero(t, hits.Load())
}

func TestParseIntrospection(t *testing.T) {
	tests := []struct {
		name, body string
		active     bool
		err        string
	}{
		{"active", `{"active":true}`, true, ""},
		{"inactive says nothing more", `{"active":false,"sub":"u"}`, false, ""},
		{"no active", `{"sub":"u"}`, false, "no boolean active"},
		{"active as a string", `{"active":"true"}`, false, "no boolean active"},
		{"not an object", `[1]`, false, "not a JSON object"},
		{"null", `null`, false, "not a JSON object"},
		{"exp as a string", `{"active":true,"exp":"soon"}`, false, "exp"},
		{"aud of numbers", `{"active":true,"aud":[1]}`, false, "aud"},
		{"aud an object", `{"active":true,"aud":{}}`, false, "aud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := ParseIntrospection([]byte(tt.body))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.active, in.Active)
			if !in.Active {
				assert.Empty(t, in.Subject)
			}
		})
	}
}

func TestIntrospectMalformedAnswer(t *testing.T) {
	srv, _ := capture(t, `{"sub":"u"}`)
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
	_, err := c.Introspect(context.Background(), Revocation{URL: srv.URL, Token: "AT", ClientID: "c", Secret: "s", Auth: AuthBasic})
	require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, OpIntrospect, e.Op)
}

func FuzzParseIntrospection(f *testing.F) {
	for _, s := range []string{`{"active":true,"exp":1.5e9,"aud":"x","scope":"a"}`, `{"active":false}`, `{}`, `[]`, `{"active":true,"iat":-1e308}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		in, err := ParseIntrospection([]byte(body))
		if err != nil {
			if strings.Contains(err.Error(), body) && len(body) > 8 {
				t.Fatal("the error quotes the body")
			}
			return
		}
		if !in.Active && (in.Subject != "" || len(in.Raw) != 1) {
			t.Fatal("an inactive answer reports more than active")
		}
		_ = in.Expiry.Before(time.Now())
	})
}
