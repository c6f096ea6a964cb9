package licensespring

import (
	"errors"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// ErrWrongFlow: an AuthRequest reached the completion of another flow — a
// code meant for activate_license ([Provider.ActivationURL]) passed to
// Exchange, a login's PKCE-bound code ([Provider.AuthCodeURL]) passed to
// CompleteActivation, or a code request's callback passed to
// CompleteImplicit (or the reverse). Nothing was sent. Test with
// [errors.Is].
var ErrWrongFlow = errors.New("licensespring: the AuthRequest belongs to another flow")

// The License API's error codes. A License API error answers
// {"status": …, "code": …, "message": …} with HTTP 400 or higher
// (docs/vendors/licensespring.md#errors), and becomes an [*oauthkit.Error]
// whose Code is the vendor's code, so these work as [errors.Is] targets:
//
//	errors.Is(err, licensespring.ErrSignatureMismatch)
//
// The codes and their causes: docs/vendors/licensespring.md#errors, from
// the vendor's public error list
// (https://docs.licensespring.com/license-api/error-responses).
const (
	ErrMissingHeaders              oauthkit.ErrorCode = "missing_headers"               // Date or Authorization missing
	ErrAuthorizationMissingParams  oauthkit.ErrorCode = "authorization_missing_params"  // Authorization lacks algorithm, headers, signature or apikey
	ErrAuthorizationInvalidHeaders oauthkit.ErrorCode = "authorization_invalid_headers" // Authorization is malformed
	ErrInvalidAPIKey               oauthkit.ErrorCode = "invalid_api_key"               // the API key is not known
	ErrSignatureMismatch           oauthkit.ErrorCode = "signature_mismatch"            // the signature does not verify with the API key's shared key
	ErrDateHeaderDiff              oauthkit.ErrorCode = "date_header_diff"              // the Date is more than 15 minutes old
	ErrUnknownProduct              oauthkit.ErrorCode = "unknown_product"               // no product with this short code
	ErrMissingParameters           oauthkit.ErrorCode = "missing_parameters"            // a required query or body parameter is missing
	ErrValidation                  oauthkit.ErrorCode = "validation_error"              // the request does not match the endpoint's schema
)

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
