package licensespring_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

func ExampleNew() {
	p, err := licensespring.New(licensespring.Config{
		APIKey:              "3f4e9a0c-0000-4000-8000-000000000000",
		SharedKey:           oauthkit.Secret("the-shared-key"), // from a secret store, in real code
		Product:             "myapp",
		CustomerAccountCode: "acme",
		// ResponseType zero: the code grant.
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p) // never prints the shared key
	// Output:
	// licensespring.Provider{APIURL:"https://api.licensespring.com" APIKey:"3f4e9a0c-0000-4000-8000-000000000000" Product:"myapp" CustomerAccountCode:"acme" ResponseType:"code"}
}

func ExampleSigner_Sign() {
	signer := &licensespring.Signer{
		APIKey:    "my-api-key",
		SharedKey: oauthkit.Secret("my-shared-key"),
		Now:       func() time.Time { return time.Date(2011, 6, 7, 20, 51, 35, 0, time.UTC) }, // zero: time.Now
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.licensespring.com/api/v4/product_details?product=myapp", nil)
	if err := signer.Sign(req); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Date:", req.Header.Get("Date"))
	fmt.Println("Authorization:", req.Header.Get("Authorization"))
	fmt.Println(signer)
	// Output:
	// Date: Tue, 07 Jun 2011 20:51:35 GMT
	// Authorization: algorithm="hmac-sha256",headers="date",signature="fj+Z5z/P8XeWgfuchkFbsbylbUUw49ksZHsgGdOSoEI=",apikey="my-api-key"
	// licensespring.Signer{APIKey:"my-api-key" SharedKey:[redacted]}
}

func ExampleSigner_Transport() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	o := srv.Options()
	signer := &licensespring.Signer{APIKey: o.APIKey, SharedKey: oauthkit.Secret(o.SharedKey)}

	// Every request through this client is signed as it is sent.
	client := &http.Client{Transport: signer.Transport(srv.Client().Transport)}
	resp, err := client.Get(srv.URL + "/api/v4/sso_url/?product=" + o.Product + "&customer_account_code=" + o.CustomerAccountCode + "&response_type=code")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// 200 OK
}

func ExampleProvider_SSOURL() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	p, err := licensespring.New(srv.Config())
	if err != nil {
		fmt.Println(err)
		return
	}

	s, err := p.SSOURL(context.Background())
	if err != nil {
		fmt.Println(err) // an *oauthkit.Error: errors.Is(err, licensespring.ErrSignatureMismatch), …
		return
	}
	fake := func(u string) string { return strings.Replace(u, srv.URL, "{fake}", 1) }
	fmt.Println("issuer:       ", fake(s.Issuer()))
	fmt.Println("client_id:    ", s.ClientID())
	fmt.Println("redirect_uri: ", s.RedirectURL())
	fmt.Println("response_type:", s.ResponseType())
	fmt.Println("token:        ", fake(s.OpenIDConfiguration.TokenEndpoint))
	// Output:
	// issuer:        {fake}/realms/user-portal
	// client_id:     license-users
	// redirect_uri:  http://127.0.0.1/auth/licensespring/callback
	// response_type: code
	// token:         {fake}/realms/user-portal/protocol/openid-connect/token
}

// A login whose code the application exchanges itself, to learn who logged
// in: AuthCodeURL adds state, nonce and PKCE; oauthkit.Complete checks the
// callback, exchanges the code and verifies the ID token.
func ExampleProvider_AuthCodeURL() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	p, _ := licensespring.New(srv.Config())
	ctx := context.Background()

	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := url.Parse(ar.URL)
	fmt.Println(slices.Sorted(maps.Keys(u.Query())))

	// The browser goes to ar.URL and comes back to the redirect URI.
	callback, _ := srv.Authorize(ctx, ar.URL)
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(login.UserInfo.Subject, login.UserInfo.Email)
	// Output:
	// [client_id code_challenge code_challenge_method kc_idp_hint nonce redirect_uri response_type scope state]
	// license-user-1 ada@example.com
}

// A login whose code goes to activate_license: no PKCE, and the code is
// checked and returned, never exchanged.
func ExampleProvider_CompleteActivation() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	p, _ := licensespring.New(srv.Config())
	ctx := context.Background()

	ar, err := p.ActivationURL(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	callback, _ := srv.Authorize(ctx, ar.URL) // the browser's round trip

	creds, err := p.CompleteActivation(ctx, ar, callback.Query())
	if err != nil {
		fmt.Println(err)
		return
	}
	creds.HardwareID = "device-42"
	fmt.Println(creds) // without the code

	_, err = p.CompleteActivation(ctx, ar, callback.Query())
	fmt.Println(errors.Is(err, oauthkit.ErrStateMismatch)) // an AuthRequest works once
	// Output:
	// licensespring.ActivationCredentials{CustomerAccountCode:"acme" Product:"oauthkit-demo" HardwareID:"device-42" Credential:code [redacted]}
	// true
}

// The implicit grant: the tokens come back in the redirect's fragment, which
// a page at the redirect URI posts to the server (location.hash).
func ExampleProvider_CompleteImplicit() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	cfg := srv.Config()
	cfg.ResponseType = licensespring.ResponseTypeToken
	p, _ := licensespring.New(cfg)
	ctx := context.Background()

	ar, _ := p.AuthCodeURL(ctx)
	redirect, _ := srv.Authorize(ctx, ar.URL)
	fragment := "#" + redirect.EscapedFragment() // what the page posts back

	login, err := p.CompleteImplicit(ctx, ar, fragment)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(login.UserInfo.Subject, login.Token.TokenType)

	creds, err := p.ActivationFromLogin(login)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(creds)
	// Output:
	// license-user-1 Bearer
	// licensespring.ActivationCredentials{CustomerAccountCode:"acme" Product:"oauthkit-demo" HardwareID:"" Credential:id_token [redacted]}
}

func ExampleActivationCredentials_MarshalJSON() {
	creds := licensespring.ActivationCredentials{
		CustomerAccountCode: "acme",
		Code:                "the-authorization-code",
		Product:             "myapp",
		HardwareID:          "device-42",
	}
	body, err := json.Marshal(creds)
	fmt.Println(string(body), err)

	creds.IDToken = "eyJ…" // both: activate_license takes exactly one
	_, err = json.Marshal(creds)
	fmt.Println(errors.Unwrap(err)) // the *json.MarshalerError's cause
	// Output:
	// {"product":"myapp","hardware_id":"device-42","customer_account_code":"acme","code":"the-authorization-code"} <nil>
	// licensespring: activation: both code and id_token are set; activate_license takes exactly one
}

// ActivationURL differs from AuthCodeURL only in what it leaves out: PKCE,
// because LicenseSpring redeems the code without a verifier.
func ExampleProvider_ActivationURL() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	p, _ := licensespring.New(srv.Config())
	ctx := context.Background()

	for _, start := range []func(context.Context, ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error){p.ActivationURL, p.AuthCodeURL} {
		ar, err := start(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		u, _ := url.Parse(ar.URL)
		fmt.Println("PKCE:", u.Query().Has("code_challenge"), "nonce:", u.Query().Has("nonce"))
	}
	// Output:
	// PKCE: false nonce: true
	// PKCE: true nonce: true
}

// An application that wants both who logged in and the activation logs in
// with AuthCodeURL, and activates with the verified ID token.
func ExampleProvider_ActivationFromLogin() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	p, _ := licensespring.New(srv.Config())
	ctx := context.Background()

	ar, _ := p.AuthCodeURL(ctx)
	callback, _ := srv.Authorize(ctx, ar.URL)
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		fmt.Println(err)
		return
	}
	creds, err := p.ActivationFromLogin(login)
	if err != nil {
		fmt.Println(err)
		return
	}
	creds.HardwareID = "device-42"
	body, _ := json.Marshal(creds)
	var fields map[string]string
	json.Unmarshal(body, &fields)
	fmt.Println(slices.Sorted(maps.Keys(fields)))
	// Output:
	// [customer_account_code hardware_id id_token product]
}

// Header is for HTTP stacks other than net/http's: the two headers to set.
func ExampleSigner_Header() {
	signer := &licensespring.Signer{
		APIKey:    "my-api-key",
		SharedKey: oauthkit.Secret("my-shared-key"),
		Now:       func() time.Time { return time.Date(2011, 6, 7, 20, 51, 35, 0, time.UTC) },
	}
	h, err := signer.Header()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range []string{"Date", "Authorization"} {
		fmt.Printf("%s: %s\n", k, h.Get(k))
	}
	// Output:
	// Date: Tue, 07 Jun 2011 20:51:35 GMT
	// Authorization: algorithm="hmac-sha256",headers="date",signature="fj+Z5z/P8XeWgfuchkFbsbylbUUw49ksZHsgGdOSoEI=",apikey="my-api-key"
}

// At logout, revoke the user's refresh token at Keycloak (RFC 7009), so that
// a copy of it left anywhere no longer works.
func ExampleProvider_RevokeToken() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	p, _ := licensespring.New(srv.Config())
	ctx := context.Background()

	ar, _ := p.AuthCodeURL(ctx)
	callback, _ := srv.Authorize(ctx, ar.URL)
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		fmt.Println(err)
		return
	}

	if err := p.RevokeToken(ctx, login.Token.RefreshToken, "refresh_token"); err != nil {
		fmt.Println(err)
		return
	}
	_, err = p.Refresh(ctx, login.Token.RefreshToken)
	fmt.Println(errors.Is(err, oauthkit.ErrInvalidGrant))
	// Output:
	// true
}

// Keycloak posts a logout token to the application's back-channel logout
// URL when the user's session ends there; the application verifies it and
// ends its sessions with that sid (or, without one, of that subject). The
// jti is the application's to refuse a second time.
func ExampleProvider_VerifyLogoutToken() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	p, _ := licensespring.New(srv.Config())
	ctx := context.Background()

	ar, _ := p.AuthCodeURL(ctx)
	callback, _ := srv.Authorize(ctx, ar.URL)
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		fmt.Println(err)
		return
	}
	var claims struct {
		SID string `json:"sid"`
	}
	login.IDToken.Claims(&claims) // keep the sid with the session

	// What arrives as the logout_token form field of the POST.
	raw := srv.LogoutToken(login.UserInfo.Subject, claims.SID)
	lt, err := p.VerifyLogoutToken(ctx, raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(lt.Subject, lt.SessionID == claims.SID)

	_, err = p.VerifyLogoutToken(ctx, srv.BrokenLogoutToken(lt.Subject, lt.SessionID, licensespringtest.FlawNonce))
	fmt.Println(err)
	// Output:
	// license-user-1 true
	// licensespring: verify logout token: oauthkit: invalid logout token: a nonce claim is present: an ID token is not a logout token
}
