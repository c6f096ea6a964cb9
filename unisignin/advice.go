package unisignin

import (
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/league"
)

// Advice for the causes the vendor documents
// (docs/vendors/unisignin.md#errors); league's own advice (internal/league)
// covers the rest.
const (
	advicePKCE     = "UniSignIn takes a plain PKCE verifier (code_challenge_method=plain) of letters and digits only, 49 to 127 characters"
	advicePassword = "the password grant takes the user's email as username and their UniSignIn password; one of them is wrong"
	adviceWeb      = "the web flow takes client_id and client_secret from the UniSignIn dashboard (Features > OAuth Service); an app client has no secret: leave ClientSecret empty for the app flow"
)

// advise names the cause the vendor documents for an error of e.Op, or "".
func advise(e *oauthkit.Error) string {
	switch {
	case mentionsPKCE(e.Hint):
		return advicePKCE
	case e.Op == oauthkit.OpPassword && league.IsPasswordRejected(e):
		return advicePassword
	case e.Code == string(oauthkit.ErrInvalidClient):
		return adviceWeb
	}
	return ""
}

// mentionsPKCE reports a hint about the challenge or verifier: league's
// "Check the `code_verifier` parameter", "Code Verifier must follow the
// specifications of RFC-7636.", "Failed to verify `code_verifier`.", ….
func mentionsPKCE(hint string) bool {
	h := strings.ReplaceAll(strings.ToLower(hint), "_", " ")
	return strings.Contains(h, "code verifier") || strings.Contains(h, "code challenge")
}
