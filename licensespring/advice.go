package licensespring

import "github.com/seed-e8f4a5f7/oauthkit"

// Advice for the causes the vendor documents.
const (
	// docs/vendors/licensespring.md#request-signing: a Date more than 15
	// minutes off is refused with date_header_diff.
	adviceDate = "LicenseSpring accepts a Date header at most 15 minutes old: this machine's clock (or Config.Now) is off from LicenseSpring's; synchronise it (NTP) — the Date is sent in GMT, so the local time zone does not matter"
	// docs/vendors/licensespring.md#request-signing: the key is the shared
	// key's UTF-8 bytes, not decoded.
	adviceSignature = "the signature did not verify: Config.SharedKey must be the shared key that belongs to Config.APIKey, used exactly as shown by LicenseSpring (its UTF-8 bytes, not base64-decoded, no surrounding spaces)"
	adviceAPIKey    = "LicenseSpring does not know Config.APIKey: check that it is the account's API key (not the shared key) and that it has not been revoked"
	adviceHeaders   = "the Date or Authorization header did not reach LicenseSpring whole; a proxy between this service and LicenseSpring may strip or rewrite them"
	adviceProduct   = "Config.Product must be the product's short code, as shown in the LicenseSpring platform"
	adviceParams    = "the sso_url call needs both Config.Product and Config.CustomerAccountCode"
)

// adviseLicenseAPI names the documented cause of a License API error.
func adviseLicenseAPI(e *oauthkit.Error) string {
	switch oauthkit.ErrorCode(e.Code) {
	case ErrDateHeaderDiff:
		return adviceDate
	case ErrSignatureMismatch:
		return adviceSignature
	case ErrInvalidAPIKey:
		return adviceAPIKey
	case ErrMissingHeaders, ErrAuthorizationMissingParams, ErrAuthorizationInvalidHeaders:
		return adviceHeaders
	case ErrUnknownProduct:
		return adviceProduct
	case ErrMissingParameters:
		return adviceParams
	}
	return ""
}

// adviseKeycloak names the likely cause of a Keycloak token-endpoint error.
// Keycloak answers a used or expired code, and a PKCE verifier that does
// not match, with invalid_grant.
func adviseKeycloak(e *oauthkit.Error) string {
	if e.Code == string(oauthkit.ErrInvalidGrant) && e.Op == oauthkit.OpExchange {
		return "the code may have expired or been used already (each works once — a code sent to activate_license cannot also be exchanged here), or the PKCE verifier does not belong to it"
	}
	return ""
}
