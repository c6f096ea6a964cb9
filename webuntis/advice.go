package webuntis

import "github.com/seed-e8f4a5f7/oauthkit"

// Advice for the causes the vendor documents. The two credentials are not
// interchangeable and the wrong one answers invalid_grant (or
// invalid_client) — 001_…txt, "invalid_grant error when obtaining an access
// token"; a redirect_uri PAM does not know answers "invalid_ressource"
// (000_…txt, their spelling).
const (
	adviceNeedPassword = "WebUntis client credentials take the platform password (Config.Password, delivered by the credentials webhook) as the Basic password for the OIDC client id, not the OIDC client secret"
	adviceNeedSecret   = "the WebUntis code flow takes the OIDC client secret from the Platform Application Manager (Config.ClientSecret), not the platform password"
	adviceCodeOrSecret = "the code may have expired or been used already (each is single-use); if it is fresh, " + adviceNeedSecret
	adviceRedirect     = "redirect_uri must match the domain and SSO redirect path configured in the Platform Application Manager"
)

func adviseClientCredentials(e *oauthkit.Error) string {
	switch e.Code {
	case string(oauthkit.ErrInvalidGrant), string(oauthkit.ErrInvalidClient):
		return adviceNeedPassword
	}
	return adviseCommon(e)
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
