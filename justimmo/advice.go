package justimmo

import (
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/league"
)

// Advice for the causes the vendor documents
// (docs/vendors/justimmo.md#pitfalls); league's own advice (internal/league)
// covers the rest.
const (
	adviceCodeExpired    = "Justimmo authorization codes live one minute: exchange the code as soon as the callback arrives, and never twice"
	adviceRefreshExpired = "Justimmo refresh tokens live one month and work once (each refresh returns the next one); send the user to log in again"
	adviceClient         = "Justimmo takes client_id and client_secret in the form body for every grant: check ClientID and ClientSecret (credentials come from support@justimmo.at)"
)

// advise names the cause the vendor documents for an error of e.Op, or "".
func advise(e *oauthkit.Error) string {
	switch {
	case e.Op == oauthkit.OpExchange && strings.Contains(strings.ToLower(e.Hint), "authorization code has expired"):
		return adviceCodeExpired
	case e.Op == oauthkit.OpRefresh && oauthkit.NeedsLogin(e) && strings.Contains(strings.ToLower(e.Hint), "expired"):
		return adviceRefreshExpired
	case e.Code == string(oauthkit.ErrInvalidClient) || (e.Code == string(oauthkit.ErrInvalidRequest) && league.HintMentions(e, "`client_")):
		return adviceClient
	}
	return ""
}
