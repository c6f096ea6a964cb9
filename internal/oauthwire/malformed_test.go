package oauthwire

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

// What a success answer hands out. The request's secrets do not include
// them: only the answer knows them.
const (
	issuedAccess  = "AT-2b7e151628aed2a6abf7158809cf4f3c"
	issuedRefresh = "RT-3ad77bb40d7a3660a89ecaf32466ef97"
	issuedID      = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLW9mLXRoZS1pZC10b2tlbg"
	issuedDevice  = "DC-f69f2445df4f9b17ad2b417be66c3710"
)

var issued = []string{issuedAccess, issuedRefresh, issuedID, issuedDevice}

// answerServer answers every request with status 200, contentType and body.
func answerServer(t *testing.T, contentType, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The old Malformed quoted up to 200 bytes of any 2xx body that was not
// valid JSON, scrubbed only of the request's secrets: a form-encoded answer
// it refused (token_type mac, expires_in 0), JSON with junk after it, a
// device authorization answer put the new tokens and device code into the
// error, its %+v and the logs.
func TestMalformedSuccessQuotesNoIssuedValue(t *testing.T) {
	formAnswer := "access_token=" + issuedAccess + "&refresh_token=" + issuedRefresh + "&id_token=" + issuedID
	jsonAnswer := `{"access_token":"` + issuedAccess + `","refresh_token":"` + issuedRefresh + `","id_token":"` + issuedID + `","token_type":"Bearer","expires_in":60}`
	deviceForm := "device_code=" + issuedDevice + "&user_code=WDJB-MJHT&verification_uri=https%3A%2F%2Fidp.example%2Fdevice&expires_in=900"
	deviceJSON := `{"device_code":"` + issuedDevice + `","user_code":"WDJB-MJHT","verification_uri":"https://idp.example/device","expires_in":900}`

	tests := []struct {
		name, contentType, body string
		post                    bool // a device authorization ([Client.Post]), not a token request
	}{
		{name: "form, token_type mac", contentType: "application/x-www-form-urlencoded", body: formAnswer + "&token_type=mac"},
		{name: "form, expires_in 0", contentType: "application/x-www-form-urlencoded", body: formAnswer + "&expires_in=0"},
		{name: "form, negative expires_in", contentType: "application/x-www-form-urlencoded", body: formAnswer + "&expires_in=-60"},
		{name: "text/plain form, expires_in 0", contentType: "text/plain", body: formAnswer + "&expires_in=0"},
		{name: "text/plain form, token_type mac", contentType: "text/plain; charset=utf-8", body: formAnswer + "&token_type=mac"},
		{name: "form labelled JSON", contentType: "application/json", body: formAnswer + "&token_type=bearer"},
		{name: "JSON with junk after it", contentType: "application/json", body: jsonAnswer + "garbage"},
		{name: "JSON after a byte order mark, with junk", contentType: "application/json", body: "\ufeff" + jsonAnswer + "}"},
		{name: "JSON cut short", contentType: "application/json", body: jsonAnswer[:len(jsonAnswer)-20]},
		{name: "JSON with token_type mac", contentType: "application/json", body: `{"access_token":"` + issuedAccess + `","refresh_token":"` + issuedRefresh + `","token_type":"mac"}`},
		{name: "JSON with expires_in 0", contentType: "application/json", body: `{"access_token":"` + issuedAccess + `","refresh_token":"` + issuedRefresh + `","expires_in":0}`},
		{name: "bare token as text", contentType: "text/plain", body: issuedAccess},
		{name: "bare ID token as text", contentType: "text/plain", body: issuedID + "\n"},
		{name: "tokens as text lines", contentType: "text/plain", body: "access_token: " + issuedAccess + "\nrefresh_token: " + issuedRefresh},
		{name: "HTML page showing the token", contentType: "text/html", body: "<html><body><p>Your access token is " + issuedAccess + "</p></body></html>"},
		{name: "device authorization, form", contentType: "application/x-www-form-urlencoded", body: deviceForm, post: true},
		{name: "device authorization, JSON with junk after it", contentType: "application/json", body: deviceJSON + "\n<!-- cached -->", post: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := answerServer(t, tt.contentType, tt.body)
			var logs bytes.Buffer
			c := New("p", Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			var err error
			if tt.post {
				err = c.Post(context.Background(), Request{
					Op: "device authorization", TokenURL: srv.URL, Params: url.Values{"scope": {"openid"}},
					ClientID: "id", Secret: "s3cret", Auth: AuthInBody,
				}, func(a *Answer) error {
					var res struct {
						DeviceCode string `json:"device_code"`
					}
					if json.Unmarshal(a.Body, &res) != nil {
						return errors.New("device authorization response is not a JSON object")
					}
					return nil
				})
			} else {
				_, err = c.Token(context.Background(), Request{
					Op: oauthkit.OpRefresh, TokenURL: srv.URL,
					Params:   url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"RT-old-0123456789"}},
					ClientID: "id", Secret: "s3cret", Auth: AuthInBody,
				})
			}
			require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			providertest.Formatted(t, []any{err, e, *e}, issued...)
			providertest.Text(t, "observer's log", logs.String(), issued...)
			providertest.Text(t, "Body", e.Body, issued...)
			providertest.Text(t, "Description", e.Description, issued...)
		})
	}
}

// What the excerpt is for stays: the text of an HTML page or the words a
// proxy sent instead of the answer.
func TestMalformedSuccessQuotesAPageOrProxyText(t *testing.T) {
	tests := []struct{ name, contentType, body, want string }{
		{"HTML login page", "text/html", "<html><head><title>Sign in</title><style>p{}</style></head><body><h1>Sign in to continue</h1><form><input type=hidden name=csrf_token value=abcdefabcdefabcdefabcdef></form></body></html>", "Sign in Sign in to continue"},
		{"proxy text", "text/plain", "upstream connect error or disconnect/reset before headers", "upstream connect error or disconnect/reset before headers"},
		{"HTML labelled JSON", "application/json", "<html><body>Service temporarily unavailable</body></html>", "Service temporarily unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := answerServer(t, tt.contentType, tt.body)
			c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
			_, err := c.Token(context.Background(), Request{Op: oauthkit.OpClientCredentials, TokenURL: srv.URL, Params: url.Values{"grant_type": {"client_credentials"}}, ClientID: "id", Secret: "s3cret", Auth: AuthInBody})
			require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.want, e.Body)
		})
	}
}

// A refresh whose success answer is refused (it breaks the protocol, or is
// over the size limit) may have spent the refresh token it sent: the error
// says so (oauthkit.ErrRefreshTokenSpent, for which NeedsLogin is true), so
// that the token is not sent again. The same answer to another grant, and
// a refresh's error answer, say nothing of the kind.
func TestRefusedRefreshAnswerSpendsTheRefreshToken(t *testing.T) {
	huge := `{"access_token":"` + issuedAccess + `","token_type":"Bearer","pad":"` + string(bytes.Repeat([]byte("x"), 2<<20)) + `"}`
	tests := []struct {
		name, body string
		status     int
		op         string
		spent      bool
	}{
		{"refresh, token_type mac", `{"access_token":"` + issuedAccess + `","refresh_token":"` + issuedRefresh + `","token_type":"mac"}`, 200, oauthkit.OpRefresh, true},
		{"refresh, not JSON", "<html>signed in</html>", 200, oauthkit.OpRefresh, true},
		{"refresh, over the size limit", huge, 200, oauthkit.OpRefresh, true},
		{"refresh, error answer", `{"error":"invalid_request"}`, 400, oauthkit.OpRefresh, false},
		{"refresh, error in a 200", `{"error":"invalid_request"}`, 200, oauthkit.OpRefresh, false},
		{"client credentials, token_type mac", `{"access_token":"` + issuedAccess + `","token_type":"mac"}`, 200, oauthkit.OpClientCredentials, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
			_, err := c.Token(context.Background(), Request{
				Op: tt.op, TokenURL: srv.URL, ClientID: "id", Secret: "s3cret", Auth: AuthInBody,
				Params: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"RT-old-0123456789"}},
			})
			require.Error(t, err)
			assert.Equal(t, tt.spent, errors.Is(err, oauthkit.ErrRefreshTokenSpent))
			assert.Equal(t, tt.spent, oauthkit.NeedsLogin(err))
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e, "still an *oauthkit.Error")
		})
	}
}
