package licensespring_test

import (
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

// FuzzCompleteCallback hands oauthkit.Complete arbitrary callback queries
// for a code-grant login (response type "code") against the fake. "STATE"
// in the input stands for the login's real state and "CODE" for the code
// the fake issued for it. Complete must never panic, never succeed without
// exactly one state equal to the login's, one code and an iss that RFC 9207
// allows, never succeed for an error callback, and never complete the same
// login twice. The implicit callback has its own fuzzer, FuzzParseFragment.
func FuzzCompleteCallback(f *testing.F) {
	for _, seed := range []string{
		"code=CODE&state=STATE",
		"code=CODE",
		"state=STATE",
		"code=CODE&state=STATE&state=other",
		"code=CODE&state=STATE&code=CODE",
		"code=abc&state=STATE",
		"code=CODE&state=STATE&iss=https%3A%2F%2Fevil.example",
		"code=CODE&state=STATE&iss=a&iss=b",
		"code=CODE&state=STATE&session_state=s1",
		"error=access_denied&error_description=denied&state=STATE",
		"error=access_denied",
		"error=invalid_request&state=STATE",
		"code=&state=STATE",
		"code=CODE&state=STATE&error=",
		"%",
	} {
		f.Add(seed)
	}
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	f.Cleanup(srv.Close)
	p, err := licensespring.New(srv.Config())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		providertest.CompleteCallbackAt(t, p, srv.Authorize, raw, "license-user-1")
	})
}
