package discovery

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// userInfoServer answers userinfo with body as contentType, after the
// discovery document of i.
func userInfoServer(t *testing.T, i *idp, contentType string, body func() string) *Metadata {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/userinfo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer AT-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Write([]byte(body()))
	})
	old := i.srv.Config.Handler
	i.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/userinfo" {
			mux.ServeHTTP(w, r)
			return
		}
		old.ServeHTTP(w, r)
	})
	i.doc["userinfo_endpoint"] = i.srv.URL + "/userinfo"
	md, err := i.discover(t)
	require.NoError(t, err)
	return md
}

func TestUserInfo(t *testing.T) {
	key := fakeidp.SharedKey()
	other := fakeidp.NewKey(key.ID)
	tests := []struct {
		name   string
		ct     string
		body   func(iss string) string
		want   string // "" for success
		sentry error
	}{
		{name: "JSON", ct: "application/json", body: func(string) string { return `{"sub":"u","email":"a@example.com"}` }},
		{name: "signed", ct: "application/jwt", body: func(iss string) string {
			return key.Sign(map[string]any{"sub": "u", "iss": iss, "aud": "client"})
		}},
		{name: "signed without iss and aud", ct: "application/jwt; charset=utf-8", body: func(string) string { return key.Sign(map[string]any{"sub": "u"}) }},
		{name: "signed by another key", ct: "application/jwt", body: func(iss string) string {
			return other.Sign(map[string]any{"sub": "u", "iss": iss, "aud": "client"})
		}, want: "signature", sentry: ErrInvalidUserInfo},
		{name: "unsigned", ct: "application/jwt", body: func(iss string) string { return key.Unsigned(map[string]any{"sub": "u", "iss": iss}) },
			want: "signature", sentry: ErrInvalidUserInfo},
		{name: "another issuer", ct: "application/jwt", body: func(string) string {
			return key.Sign(map[string]any{"sub": "u", "iss": "https://attacker.example", "aud": "client"})
		}, want: "iss", sentry: ErrInvalidUserInfo},
		{name: "another audience", ct: "application/jwt", body: func(iss string) string {
			return key.Sign(map[string]any{"sub": "u", "iss": iss, "aud": "other"})
		}, want: "aud", sentry: ErrInvalidUserInfo},
		{name: "no sub", ct: "application/json", body: func(string) string { return `{"email":"a@example.com"}` }, want: "no sub", sentry: oauthkit.ErrMalformedResponse},
		{name: "not JSON", ct: "application/json", body: func(string) string { return `[]` }, want: "not a JSON object", sentry: oauthkit.ErrMalformedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := newIDP(t)
			md := userInfoServer(t, i, tt.ct, func() string { return tt.body(i.srv.URL) })
			hc := httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
			claims, err := md.UserInfo(context.Background(), "p", hc, "client", "AT-1")
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, "u", claims["sub"])
				return
			}
			require.ErrorIs(t, err, tt.sentry)
			assert.ErrorContains(t, err, tt.want)
			assert.NotContains(t, err.Error(), "AT-1")
		})
	}
}

func TestUserInfoRefusedToken(t *testing.T) {
	i := newIDP(t)
	md := userInfoServer(t, i, "application/json", func() string { return `{}` })
	hc := httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
	_, err := md.UserInfo(context.Background(), "p", hc, "client", "wrong")
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 401, e.StatusCode)
	assert.Equal(t, OpUserInfo, e.Op)
}

// TestUserInfoAuthAnswers: a ResourceAuth is given every answer, a
// success's and a retried one's too (a DPoP server may send its next
// nonce with any, RFC 9449 §9), and the request is sent again at most
// once, only when it asks after an answer that is not 2xx.
func TestUserInfoAuthAnswers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int // the endpoint's answers, in turn
		again    bool  // what Answer says
		want     []int // the statuses Answer saw
		wantErr  bool
	}{
		{"success", []int{200}, true, []int{200}, false},
		{"retried", []int{401, 200}, true, []int{401, 200}, false},
		{"not retried", []int{401, 200}, false, []int{401}, true},
		{"retried once", []int{401, 401, 200}, true, []int{401, 401}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := newIDP(t)
			n := 0
			md := userInfoServer(t, i, "application/json", func() string { return `{"sub":"u"}` })
			statuses := tc.statuses
			old := i.srv.Config.Handler
			i.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/userinfo" {
					n++
					if s := statuses[n-1]; s != 200 {
						w.WriteHeader(s)
						return
					}
				}
				old.ServeHTTP(w, r)
			})
			var saw []int
			auth := &ResourceAuth{
				Header: func() (http.Header, error) { return http.Header{"Authorization": {"Bearer AT-1"}}, nil },
				Answer: func(resp *httpc.Response) bool { saw = append(saw, resp.StatusCode); return tc.again },
			}
			hc := httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
			_, err := md.UserInfoAuth(context.Background(), "p", hc, "client", "AT-1", auth)
			assert.Equal(t, tc.want, saw)
			assert.Equal(t, len(tc.want), n, "requests sent")
			if tc.wantErr {
				assert.Error(t, err)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}
