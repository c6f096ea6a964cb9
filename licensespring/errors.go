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
