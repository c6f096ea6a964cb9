package unisignin_test

import (
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

// FuzzCompleteCallback hands oauthkit.Complete arbitrary callback queries
// for a UniSignIn login. "STATE" in the input stands for the login's real
// state, so the fuzzer can reach the exchange. Complete must never panic,
// and must never succeed unless the query carries exactly one state, equal
// to the login's, and a code; a callback with an error parameter never
// succeeds.
func FuzzCompleteCallback(f *testing.F) {
	for _, seed := range []string{
		"code=abc&state=STATE",
		"state=STATE",
		"code=abc",
		"code=abc&state=STATEx",
		"code=abc&state=STATE&state=STATE",
		"code=abc&code=def&state=STATE",
		"error=access_denied&state=STATE&message=The+resource+owner&hint=The+user+denied+the+request",
		"error=access_denied&error_description=x&hint=y",
		"error=&state=STATE&code=abc",
		"code=%00&state=STATE",
		"code=abc;state=STATE",
		"code=abc&state=%53TATE",
		"",
		"%zz",
		"state=&code=abc",
	} {
		f.Add(seed)
	}
	rec := fakeidp.NewRecorder(fakeidp.Reply(200, `{"token_type":"Bearer","expires_in":60,"access_token":"access-1","refresh_token":"refresh-1","id":7}`))
	f.Cleanup(rec.Close)
	p := mustNewStatic(f, rec)

	f.Fuzz(func(t *testing.T, raw string) { providertest.CompleteCallback(t, p, raw, "7") })
}
