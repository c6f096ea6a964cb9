package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

func init() { register("licensespring", demoLicenseSpring) }

func demoLicenseSpring(ctx context.Context, r *report) {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()

	p, err := licensespring.New(srv.Config())
	if !r.check("config", err) {
		return
	}
	sso, err := p.SSOURL(ctx)
	if !r.check("sso_url (HMAC-signed)", err) {
		return
	}
	r.ok("sso_url (HMAC-signed)", "ok", fmt.Sprintf("Keycloak client %s, issuer …%s", sso.ClientID(), strings.TrimPrefix(srv.Issuer(), srv.URL)))

	// Code grant, activation path: the code goes to activate_license, unexchanged.
	ar, err := p.ActivationURL(ctx)
	if !r.check("activation: authorize URL", err) {
		return
	}
	cb, err := srv.Authorize(ctx, ar.URL)
	if !r.check("activation: browser", err) {
		return
	}
	creds, err := p.CompleteActivation(ctx, ar, cb.Query())
	if !r.check("activation: callback", err) {
		return
	}
	creds.HardwareID = "demo-device-1"
	if sub, err := lsActivate(ctx, srv, p, creds); r.check("activate_license (code)", err) {
		r.ok("activate_license (code, not exchanged)", "ok", fmt.Sprintf("license user %s; token endpoint calls: %d", sub, srv.Requests(licensespringtest.EndpointToken)))
	}
	_, err = p.Exchange(ctx, creds.Code, ar)
	r.refused("activation code exchanged at Keycloak", err, licensespring.ErrWrongFlow)

	// Code grant, login path: PKCE S256, exchange, ID token verified.
	ar, err = p.AuthCodeURL(ctx)
	if !r.check("login: authorize URL", err) {
		return
	}
	cb, err = srv.Authorize(ctx, ar.URL)
	if !r.check("login: browser", err) {
		return
	}
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	if r.check("login: callback", err) {
		r.ok("login (code + PKCE S256, public client)", "ok", "ID token verified, sub="+login.UserInfo.Subject)
	}
	_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
	r.refused("login: replayed callback", err, oauthkit.ErrStateMismatch)

	srv.MutateIDTokens(func(c map[string]any) { c["nonce"] = "another-login" })
	_, err = lsLogin(ctx, srv, p)
	r.refused("login: ID token with a wrong nonce", err, oauthkit.ErrNonceMismatch)
	srv.MutateIDTokens(func(c map[string]any) { c["iss"] = "https://auth.example.com/realms/user-portal" })
	_, err = lsLogin(ctx, srv, p)
	r.refused("login: ID token with a wrong issuer", err, oauthkit.ErrIDTokenIssuer)
	srv.MutateIDTokens(nil)

	// Implicit grant: tokens in the fragment, ID token to activate_license.
	cfg := srv.Config()
	cfg.ResponseType = licensespring.ResponseTypeToken
	implicit, err := licensespring.New(cfg)
	if !r.check("config (token)", err) {
		return
	}
	ar, err = implicit.AuthCodeURL(ctx)
	if !r.check("implicit: authorize URL", err) {
		return
	}
	redirect, err := srv.Authorize(ctx, ar.URL)
	if !r.check("implicit: browser", err) {
		return
	}
	login, err = implicit.CompleteImplicit(ctx, ar, redirect.EscapedFragment())
	if !r.check("implicit: fragment", err) {
		return
	}
	r.ok("login (implicit, fragment)", "ok", "ID token verified (nonce, at_hash), sub="+login.UserInfo.Subject)
	creds, err = implicit.ActivationFromLogin(login)
	if r.check("activate_license (id_token)", err) {
		creds.HardwareID = "demo-device-2"
		if sub, err := lsActivate(ctx, srv, implicit, creds); r.check("activate_license (id_token)", err) {
			r.ok("activate_license (id_token)", "ok", "license user "+sub)
		}
	}

	// The License API's refusals, with the vendor's codes.
	cfg = srv.Config()
	cfg.Now = func() time.Time { return time.Now().Add(-16 * time.Minute) }
	if skewed, err := licensespring.New(cfg); r.check("config", err) {
		_, err = skewed.SSOURL(ctx)
		r.refused("sso_url with a clock 16 min behind", err, licensespring.ErrDateHeaderDiff)
	}
	cfg = srv.Config()
	cfg.SharedKey = "not-the-shared-key"
	if wrong, err := licensespring.New(cfg); r.check("config", err) {
		_, err = wrong.SSOURL(ctx)
		r.refused("sso_url with a wrong shared key", err, licensespring.ErrSignatureMismatch)
	}
	_, err = p.ClientCredentials(ctx)
	r.refused("client credentials", err, errors.ErrUnsupported)
}

// lsLogin runs one code-grant login against the fake.
func lsLogin(ctx context.Context, srv *licensespringtest.Server, p *licensespring.Provider) (*oauthkit.Login, error) {
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		return nil, err
	}
	cb, err := srv.Authorize(ctx, ar.URL)
	if err != nil {
		return nil, err
	}
	return oauthkit.Complete(ctx, p, ar, cb.Query())
}

// lsActivate posts the activation credentials to activate_license, signed
// by the provider's Signer, and returns the license user's id.
func lsActivate(ctx context.Context, srv *licensespringtest.Server, p *licensespring.Provider, creds *licensespring.ActivationCredentials) (string, error) {
	return activate(ctx, p.Signer().Transport(srv.Client().Transport), srv.URL+"/api/v4/activate_license", creds)
}

// activate posts creds to url through transport and returns the license
// user's id. The answer is read as every answer of the library is: within
// a timeout and up to httpc's body limit, past which it fails with
// [oauthkit.ErrResponseTooLarge] rather than being read on.
func activate(ctx context.Context, transport http.RoundTripper, url string, creds *licensespring.ActivationCredentials) (string, error) {
	body, err := json.Marshal(creds)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	client := httpc.New(httpc.Options{HTTPClient: &http.Client{Transport: transport}, Timeout: 10 * time.Second}).Bounded()
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Code string `json:"code"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("activate_license answered %s: %s", resp.Status, out.Code)
	}
	return out.User.ID, nil
}
