package licensespring

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// ActivationCredentials is the single-sign-on part of the body of
// LicenseSpring's POST /api/v4/activate_license
// (docs/vendors/licensespring.md#activation): the customer account and
// exactly one of the authorization code (code grant) or the ID token
// (implicit grant) — never both. Product and HardwareID, which the activation
// also needs, are there to be filled in and marshalled with it:
//
//	creds.HardwareID = deviceID
//	body, err := json.Marshal(creds)
//	// {"product":"…","hardware_id":"…","customer_account_code":"…","code":"…"}
//
// Get one from [Provider.CompleteActivation] (code grant) or
// [Provider.ActivationFromLogin] (an ID token from a completed login).
//
// The code and ID token are credentials: an ActivationCredentials formats
// itself (fmt, every verb) and logs itself (its slog LogValue) without them.
// MarshalJSON writes them, because the JSON is the request body — as
// oauth2.Token's JSON holds its tokens — so do not log the JSON, nor a
// value that slog's JSON handler marshals (a slice of them, say).
type ActivationCredentials struct {
	CustomerAccountCode string
	Code                string // the authorization code; single-use
	IDToken             string // the raw ID token
	Product             string // product short code; set from Config.Product
	HardwareID          string // the device's id; set by the application
}

// Validate reports whether the single-sign-on part is complete: a customer
// account code, and exactly one of Code and IDToken. (The body also needs
// Product and HardwareID, which MarshalJSON checks.)
func (a ActivationCredentials) Validate() error {
	switch {
	case a.CustomerAccountCode == "":
		return fmt.Errorf("%s: activation: customer_account_code is required", name)
	case a.Code != "" && a.IDToken != "":
		return fmt.Errorf("%s: activation: both code and id_token are set; activate_license takes exactly one", name)
	case a.Code == "" && a.IDToken == "":
		return fmt.Errorf("%s: activation: neither code nor id_token is set", name)
	}
	return nil
}

// MarshalJSON writes the activate_license fields: product, hardware_id,
// customer_account_code, and code or id_token. It fails unless
// [ActivationCredentials.Validate] passes and Product and HardwareID are
// set — activate_license refuses a body without them (missing_parameters)
// — so a payload the server refuses, with a single-use code in it, never
// leaves the process.
func (a ActivationCredentials) MarshalJSON() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	switch {
	case a.Product == "":
		return nil, fmt.Errorf("%s: activation: product is required", name)
	case a.HardwareID == "":
		return nil, fmt.Errorf("%s: activation: hardware_id is required (set HardwareID to the device's id)", name)
	}
	return json.Marshal(struct {
		Product             string `json:"product"`
		HardwareID          string `json:"hardware_id"`
		CustomerAccountCode string `json:"customer_account_code"`
		Code                string `json:"code,omitempty"`
		IDToken             string `json:"id_token,omitempty"`
	}{a.Product, a.HardwareID, a.CustomerAccountCode, a.Code, a.IDToken})
}

// kind names the credential the activation carries.
func (a ActivationCredentials) kind() string {
	switch {
	case a.Code != "" && a.IDToken != "":
		return "code+id_token (invalid)"
	case a.Code != "":
		return "code"
	case a.IDToken != "":
		return "id_token"
	}
	return "none"
}

// String describes the credentials without the code or ID token.
func (a ActivationCredentials) String() string {
	return redact.String("licensespring.ActivationCredentials", a, activationShows, "Credential:"+a.kind()+" [redacted]")
}

// GoString is String.
func (a ActivationCredentials) GoString() string { return a.String() }

// Format prints String for every verb.
func (a ActivationCredentials) Format(f fmt.State, _ rune) { io.WriteString(f, a.String()) }

// LogValue implements [slog.LogValuer] without the code or ID token.
func (a ActivationCredentials) LogValue() slog.Value {
	v := redact.LogValue(a, activationShows)
	return slog.GroupValue(append(v.Group(), slog.String("credential", a.kind()))...)
}

// activationShows are the ActivationCredentials fields that print.
const activationShows = "CustomerAccountCode Product HardwareID"

// CompleteActivation finishes a code-grant login started with
// [Provider.ActivationURL] for activate_license. It checks the callback
// with [oauthkit.CheckCallback] — the state in constant time against ar,
// ar marked used, an error redirect turned into an [*oauthkit.Error] — and
// requires a code, which it returns as activation credentials, without
// exchanging it.
//
// The code works once (RFC 6749 §4.1.2), and LicenseSpring redeems it when it
// activates the license (docs/vendors/licensespring.md#activation: the code
// is sent instead of the ID token in the activation body). So in this flow
// the application must not exchange it at Keycloak too; nothing here does,
// and ar, once used, is refused by [oauthkit.Complete]. An application that
// also wants to know who logged in uses [Provider.AuthCodeURL] and
// [oauthkit.Complete], then [Provider.ActivationFromLogin] with the ID
// token; or the "token" response type.
//
// It refuses an AuthRequest from [Provider.AuthCodeURL]: that code is bound
// to a PKCE verifier that activate_license cannot carry.
func (p *Provider) CompleteActivation(ctx context.Context, ar *oauthkit.AuthRequest, callback url.Values) (*ActivationCredentials, error) {
	if ar != nil && ar.CodeVerifier != "" {
		return nil, fmt.Errorf("%s: activation callback: the AuthRequest was made by AuthCodeURL, with PKCE; LicenseSpring cannot redeem its code (start activation logins with ActivationURL): %w", name, ErrWrongFlow)
	}
	if ar != nil && ar.URL != "" && !authreq.RequestsCode(ar.URL) {
		return nil, fmt.Errorf("%s: activation callback: the AuthRequest asked for tokens, not a code (use CompleteImplicit, then ActivationFromLogin): %w", name, ErrWrongFlow)
	}
	code, err := oauthkit.CheckCallback(name, ar, callback)
	if err != nil {
		return nil, err
	}
	if code == "" {
		return nil, fmt.Errorf("%s: activation callback: %w", name, oauthkit.ErrMissingCode)
	}
	return &ActivationCredentials{
		CustomerAccountCode: p.cfg.CustomerAccountCode,
		Code:                code,
		Product:             p.cfg.Product,
	}, nil
}

// ActivationFromLogin returns activation credentials holding the verified ID
// token of a completed login — from [Provider.CompleteImplicit] (the implicit
// grant, docs/vendors/licensespring.md#grants) or from [oauthkit.Complete]
// with this provider (a code exchanged by the application itself).
func (p *Provider) ActivationFromLogin(login *oauthkit.Login) (*ActivationCredentials, error) {
	switch {
	case login == nil:
		return nil, fmt.Errorf("%s: activation: nil Login", name)
	case login.Provider != name:
		return nil, fmt.Errorf("%s: activation: the Login is from provider %q", name, login.Provider)
	case login.IDToken == nil || login.Token == nil:
		return nil, fmt.Errorf("%s: activation: the Login has no verified ID token: %w", name, oauthkit.ErrMissingIDToken)
	}
	raw, _ := login.Token.Extra("id_token").(string)
	if raw == "" {
		return nil, fmt.Errorf("%s: activation: %w", name, oauthkit.ErrMissingIDToken)
	}
	return &ActivationCredentials{
		CustomerAccountCode: p.cfg.CustomerAccountCode,
		IDToken:             raw,
		Product:             p.cfg.Product,
	}, nil
}
