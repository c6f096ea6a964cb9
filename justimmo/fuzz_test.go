package justimmo_test

import (
	"net/http"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
)

// FuzzCompleteCallback hands oauthkit.Complete arbitrary callback queries
// for a Justimmo login, including the documented error redirect without a
// state. "STATE" in the input stands for the login's real state. Complete
// must never panic, never succeed without exactly one state equal to the
// login's and one code, and never succeed for an error callback.
func FuzzCompleteCallback(f *testing.F) {
	for _, seed := range []string{
		"code=abc&state=STATE",
		"code=abc",
		"state=STATE",
		"code=abc&state=STATE&state=other",
		"error=access_denied&message=The+resource+owner+or+authorization+server+denied+the+request.&hint=The+user+denied+the+request",
		"error=access_denied&state=STATE&message=m&hint=h",
		"error=access_denied&state=wrong",
		"error=invalid_request&error=x",
		"code=&state=STATE",
		"code=abc&state=STATE&error=",
		"%",
		"state=STATE&code=abc&code=abc",
	} {
		f.Add(seed)
	}
	token := fakeidp.NewRecorder(fakeidp.Reply(200, `{"token_type":"Bearer","expires_in":86400,"access_token":"access-1","refresh_token":"refresh-1"}`))
	f.Cleanup(token.Close)
	api := fakeidp.NewRecorder(fakeidp.Reply(200, `{"id":1234,"tenant":{"id":5678}}`))
	f.Cleanup(api.Close)
	p, err := justimmo.New(justimmo.Config{
		ClientID: "c", ClientSecret: "s", RedirectURL: "https://crm.example/cb",
		AuthURL: token.URL, APIURL: api.URL, HTTPClient: &http.Client{},
	})
	if err != nil {
		f.Fatal(err)
	}

	f.Fuzz(func(t *testing.T, raw string) { providertest.CompleteCallback(t, p, raw, "1234") })
}
