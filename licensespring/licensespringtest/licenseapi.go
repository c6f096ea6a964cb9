package licensespringtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// dateWindow is how far the Date header may be from the server's clock
// (docs/vendors/licensespring.md#request-signing: dates up to 15 minutes
// off).
const dateWindow = 15 * time.Minute

// apiError is a License API error (docs/vendors/licensespring.md#errors:
// {status, code, message}, HTTP 400 or higher).
type apiError struct {
	status  int
	code    string
	message string
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	fakeidp.WriteJSON(w, e.status, map[string]any{"status": e.status, "code": e.code, "message": e.message})
}

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// checkSignature verifies a License API request's Date and Authorization
// headers (docs/vendors/licensespring.md#request-signing). It is written
// from the documented scheme, independently of the client's Signer.
func (s *Server) checkSignature(r *http.Request) *apiError {
	date, auth := r.Header.Get("Date"), r.Header.Get("Authorization")
	if date == "" || auth == "" {
		return badRequest("missing_headers", "the Date and Authorization headers are required")
	}
	params, ok := parseAuthorization(auth)
	if !ok {
		return badRequest("authorization_invalid_headers", "the Authorization header is malformed")
	}
	for _, k := range []string{"algorithm", "headers", "signature", "apikey"} {
		if params[k] == "" {
			return badRequest("authorization_missing_params", "the Authorization header has no %s", k)
		}
	}
	if params["algorithm"] != "hmac-sha256" {
		return badRequest("hmac_required", "the algorithm must be hmac-sha256")
	}
	if !strings.EqualFold(params["headers"], "date") {
		return badRequest("authorization_invalid_headers", `headers must be "date"`)
	}
	if subtle.ConstantTimeCompare([]byte(params["apikey"]), []byte(s.opts.APIKey)) != 1 {
		return badRequest("invalid_api_key", "the API key is not valid")
	}
	// docs/vendors/licensespring.md#request-signing: the Date is an RFC 7231
	// IMF-fixdate in GMT; the obsolete forms http.ParseTime also reads
	// (RFC 850, asctime) are refused.
	sent, err := time.Parse(http.TimeFormat, date)
	if err != nil {
		return badRequest("date_header_diff", "the Date header is not an RFC 7231 IMF-fixdate")
	}
	if d := s.now.Now().Sub(sent); d > dateWindow || d < -dateWindow {
		return badRequest("date_header_diff", "the Date header differs from the server's time by more than 15 minutes")
	}
	mac := hmac.New(sha256.New, []byte(s.opts.SharedKey))
	io.WriteString(mac, "licenseSpring\ndate: "+date)
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(params["signature"]), []byte(want)) != 1 {
		return badRequest("signature_mismatch", "the signature does not match")
	}
	return nil
}

// parseAuthorization reads the License API's Authorization header: comma
// separated key="value" parameters with no scheme word before them
// (docs/vendors/licensespring.md#request-signing), white space allowed around
// the commas as in the vendor's own example. It reports false for anything
// else, and for a parameter given twice.
func parseAuthorization(h string) (map[string]string, bool) {
	params := map[string]string{}
	rest := strings.TrimSpace(h)
	for rest != "" {
		key, after, ok := strings.Cut(rest, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if !ok || key == "" || strings.ContainsAny(key, ` ",`) {
			return nil, false
		}
		after = strings.TrimLeft(after, " \t")
		if !strings.HasPrefix(after, `"`) {
			return nil, false
		}
		value, tail, ok := strings.Cut(after[1:], `"`)
		if !ok {
			return nil, false
		}
		if _, dup := params[key]; dup {
			return nil, false
		}
		params[key] = value
		tail = strings.TrimLeft(tail, " \t")
		if tail == "" {
			break
		}
		if tail[0] != ',' {
			return nil, false
		}
		rest = strings.TrimLeft(tail[1:], " \t")
		if rest == "" {
			return nil, false // a trailing comma
		}
	}
	return params, len(params) > 0
}

// ssoURL answers GET /api/v4/sso_url/ (docs/vendors/licensespring.md#sso-url).
func (s *Server) ssoURL(w http.ResponseWriter, r *http.Request) {
	if e := s.checkSignature(r); e != nil {
		writeAPIError(w, e)
		return
	}
	q := r.URL.Query()
	for k, vs := range q {
		// docs/vendors/licensespring.md#sso-url: no parameters beyond the
		// table; redirect_uri from the same table.
		if !slices.Contains([]string{"product", "customer_account_code", "response_type", "redirect_uri"}, k) {
			writeAPIError(w, badRequest("validation_error", "unknown parameter %q", k))
			return
		}
		if len(vs) > 1 {
			writeAPIError(w, badRequest("validation_error", "parameter %q repeated", k))
			return
		}
	}
	for _, k := range []string{"product", "customer_account_code"} {
		if q.Get(k) == "" {
			// docs/vendors/licensespring.md#sso-url: product and
			// customer_account_code are required.
			writeAPIError(w, badRequest("missing_parameters", "%s is required", k))
			return
		}
	}
	responseType := q.Get("response_type")
	switch responseType {
	case "":
		// docs/vendors/licensespring.md#response-type: the vendor's prose
		// makes the implicit grant the default. (Its parameter table says
		// "defaults to code"; the fake takes the prose.)
		responseType = "token"
	case "code", "token":
	default:
		writeAPIError(w, badRequest("validation_error", `response_type must be "code" or "token"`))
		return
	}
	if q.Get("product") != s.opts.Product {
		writeAPIError(w, badRequest("unknown_product", "unknown product"))
		return
	}
	if q.Get("customer_account_code") != s.opts.CustomerAccountCode {
		writeAPIError(w, badRequest("customer_not_found", "no customer account with SSO for this code"))
		return
	}
	redirect := s.opts.RedirectURLs[0]
	if ru := q.Get("redirect_uri"); ru != "" {
		if !fakeidp.RedirectRegistered(s.opts.RedirectURLs, ru) {
			writeAPIError(w, badRequest("validation_error", "redirect_uri is not enabled for the customer account"))
			return
		}
		redirect = ru
	}
	kcType := "code"
	if responseType == "token" {
		kcType = "id_token token"
	}
	// The shape of the vendor's example URL
	// (docs/vendors/licensespring.md#answer).
	auth := url.Values{
		"scope":         {"openid"},
		"response_type": {kcType},
		"client_id":     {s.opts.ClientID},
		"redirect_uri":  {redirect},
		"kc_idp_hint":   {s.opts.IdPHint},
	}
	body := map[string]any{"url": s.Issuer() + "/protocol/openid-connect/auth?" + auth.Encode()}
	if !s.opts.OmitOpenIDConfiguration {
		oidc := s.Issuer() + "/protocol/openid-connect"
		body["openid_configuration"] = map[string]string{
			"issuer":                 s.Issuer(),
			"end_session_endpoint":   s.endSessionURL(),
			"token_endpoint":         oidc + "/token",
			"introspection_endpoint": oidc + "/token/introspect",
		}
	}
	fakeidp.WriteJSON(w, http.StatusOK, body)
}

// activate answers POST /api/v4/activate_license: the single-sign-on shape
// of its body (docs/vendors/licensespring.md#activation:
// customer_account_code and either code or id_token, never both, plus
// product and hardware_id).
func (s *Server) activate(w http.ResponseWriter, r *http.Request) {
	if e := s.checkSignature(r); e != nil {
		writeAPIError(w, e)
		return
	}
	var body map[string]any
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || json.Unmarshal(raw, &body) != nil {
		writeAPIError(w, badRequest("invalid_json", "the body is not a JSON object"))
		return
	}
	str := func(k string) (string, bool) {
		v, ok := body[k]
		if !ok {
			return "", true
		}
		sv, isString := v.(string)
		return sv, isString
	}
	fields := map[string]string{}
	for _, k := range []string{"product", "hardware_id", "customer_account_code", "code", "id_token"} {
		v, ok := str(k)
		if !ok {
			writeAPIError(w, badRequest("validation_error", "%s must be a string", k))
			return
		}
		fields[k] = v
	}
	for _, k := range []string{"product", "hardware_id", "customer_account_code"} {
		if fields[k] == "" {
			writeAPIError(w, badRequest("missing_parameters", "%s is required", k))
			return
		}
	}
	code, idToken := fields["code"], fields["id_token"]
	switch {
	case code != "" && idToken != "":
		writeAPIError(w, badRequest("validation_error", "use either id_token or code, not both"))
		return
	case code == "" && idToken == "":
		writeAPIError(w, badRequest("missing_parameters", "code or id_token is required"))
		return
	}
	if fields["product"] != s.opts.Product {
		writeAPIError(w, badRequest("unknown_product", "unknown product"))
		return
	}
	if fields["customer_account_code"] != s.opts.CustomerAccountCode {
		writeAPIError(w, badRequest("customer_not_found", "no customer account with SSO for this code"))
		return
	}

	act := Activation{Product: fields["product"], HardwareID: fields["hardware_id"], CustomerAccountCode: fields["customer_account_code"]}
	if code != "" {
		// LicenseSpring redeems the code at its realm, and has no PKCE
		// verifier to send: Keycloak refuses a code whose request carried
		// a challenge.
		g, err := s.codes.Redeem(code, s.now.Now())
		switch {
		case err != nil:
			writeAPIError(w, badRequest("sso_authentication_failed", "the code is not valid: %v", err))
			return
		case g.Challenge != "":
			writeAPIError(w, badRequest("sso_authentication_failed", "the code was requested with PKCE; it cannot be redeemed without the code verifier"))
			return
		}
		act.Grant, act.Subject = "code", g.Subject
	} else {
		s.mu.Lock()
		sub, ok := s.idTokens[idToken]
		s.mu.Unlock()
		if !ok {
			writeAPIError(w, badRequest("sso_authentication_failed", "the id_token was not issued by the realm"))
			return
		}
		act.Grant, act.Subject = "id_token", sub
	}
	s.mu.Lock()
	s.activations = append(s.activations, act)
	n := len(s.activations)
	s.mu.Unlock()

	// A small part of the vendor's license response: enough to show whose
	// license was activated.
	fakeidp.WriteJSON(w, http.StatusOK, map[string]any{
		"id":                    1000 + n,
		"license_active":        true,
		"license_enabled":       true,
		"license_type":          "perpetual",
		"product_details":       map[string]any{"short_code": act.Product, "authorization_method": "user"},
		"user":                  map[string]any{"id": act.Subject},
		"customer_account_code": act.CustomerAccountCode,
	})
}
