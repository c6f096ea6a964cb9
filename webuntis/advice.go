package webuntis

import (
	"net/http"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// Advice for the causes the vendor documents. The two credentials are not
// interchangeable and the wrong one answers invalid_grant (or invalid_client;
// docs/vendors/webuntis.md#two-credentials); a redirect_uri PAM does not know
// answers "invalid_ressource" (docs/vendors/webuntis.md#redirect-uri, their
// spelling).
const (
	adviceNeedPassword = "WebUntis client credentials take the platform password (Config.Password, delivered by the credentials webhook) as the Basic password for the OIDC client id, not the OIDC client secret"
	adviceNeedSecret   = "the WebUntis code flow takes the OIDC client secret from the Platform Application Manager (Config.ClientSecret), not the platform password"
	adviceCodeOrSecret = "the code may have expired or been used already (each is single-use); if it is fresh, " + adviceNeedSecret
	adviceRedirect     = "redirect_uri must match the domain and SSO redirect path configured in the Platform Application Manager"
)

// Advice for credentials that were right once: a RESET issues new ones and
// the old password stops getting tokens
// (docs/vendors/webuntis.md#credentials-webhook). When the credential store
// holds other credentials than the refused ones, the cause is age, not a
// mix-up of the two credentials.
const (
	adviceStale       = "these credentials are stale: the credential store holds newer ones for the tenant (a RESET delivered by the credentials webhook, perhaps to another replica), and no provider could be made from them"
	adviceStaleSecret = "the client secret is stale: the credential store holds newer credentials for the tenant (a RESET delivered by the credentials webhook, perhaps to another replica); the next request uses them, but a code or refresh token is single-use and is not sent again: start the login again"
	adviceOlderEvent  = "the event's password no longer gets a token and the credential store holds other credentials for the tenant: the event is older than the stored one (a RESET replayed or delivered late), not a mix-up of the two credentials"
)

// Advice on the Basic encoding of the client-credentials request, added when
// the password (or client id) holds '+' or '%' and the encoding may be why
// the credentials were refused: RFC 6749 §2.3.1 has the server URL-decode
// Basic credentials, the vendor's examples send them raw.
const (
	adviceBothBasicForms   = "the password or client id contains '+' or '%', which reads differently raw and URL-encoded (RFC 6749 §2.3.1); both Basic encodings were tried and refused"
	adviceForcedRaw        = "the password or client id contains '+' or '%' and Config.BasicEncoding is BasicRaw: a server that URL-decodes Basic credentials (RFC 6749 §2.3.1) reads '+' as a space; try BasicAuto or BasicURLEncoded"
	adviceForcedURLEncoded = "the password or client id contains '+' or '%' and Config.BasicEncoding is BasicURLEncoded: a server that does not URL-decode Basic credentials (as the vendor's examples expect) reads the escapes literally; try BasicAuto or BasicRaw"
)

// adviseClientCredentials returns the advice for a client-credentials error;
// encodingNote, when set, says how the Basic encoding may be the cause.
func adviseClientCredentials(encodingNote string) func(*oauthkit.Error) string {
	return func(e *oauthkit.Error) string {
		switch {
		case e.Code == string(oauthkit.ErrInvalidGrant), e.Code == string(oauthkit.ErrInvalidClient):
			return joinAdvice(adviceNeedPassword, encodingNote)
		case e.StatusCode == http.StatusUnauthorized:
			return joinAdvice(encodingNote, adviseCommon(e))
		}
		return adviseCommon(e)
	}
}

func joinAdvice(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}

func adviseCodeFlow(e *oauthkit.Error) string {
	switch e.Code {
	case string(oauthkit.ErrInvalidClient):
		return adviceNeedSecret
	case string(oauthkit.ErrInvalidGrant):
		return adviceCodeOrSecret
	}
	return adviseCommon(e)
}

func adviseCommon(e *oauthkit.Error) string {
	if e.Code == "invalid_ressource" || e.Code == "invalid_resource" {
		return adviceRedirect
	}
	return ""
}
