package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// vendor is one sign-in button: a provider and the API call its token
// allows.
type vendor struct {
	label    string
	provider oauthkit.Provider
	callAPI  func(ctx context.Context, tok *oauth2.Token) (string, error)
}

// fakes are the four in-process vendor fakes and the standards
// provider's (openidtest, a fake OpenID Provider such as Keycloak).
type fakes struct {
	wu  *webuntistest.Server
	usi *unisignintest.Server
	ji  *justimmotest.Server
	ls  *licensespringtest.Server
	oi  *openidtest.Server
}

func callbackURL(base, name string) string { return base + "/auth/" + name + "/callback" }

// startFakes starts the fakes with the app's callbacks registered. Each
// fake shows its sign-in page, as the vendor would: the user clicks
// "Sign in" there before the fake redirects back to the app.
func startFakes(base string) *fakes {
	return &fakes{
		wu:  webuntistest.NewServer(webuntistest.Options{LoginPage: true, Tenant: webuntistest.Tenant{RedirectURLs: []string{callbackURL(base, "webuntis")}}}),
		usi: unisignintest.NewServer(unisignintest.Options{LoginPage: true, App: unisignintest.App{RedirectURLs: []string{callbackURL(base, "unisignin")}}}),
		ji:  justimmotest.NewServer(justimmotest.Options{LoginPage: true, App: justimmotest.App{RedirectURLs: []string{callbackURL(base, "justimmo")}}}),
		ls:  licensespringtest.NewServer(licensespringtest.Options{LoginPage: true, RedirectURLs: []string{callbackURL(base, "licensespring")}}),
		// Logout goes through its end_session_endpoint, back to the
		// sign-in page (web's default post_logout_redirect_uri: "/" on
		// the origin of the provider's redirect URL).
		oi: openidtest.NewServer(openidtest.Options{LoginPage: true, Apps: []openidtest.App{{
			ID: "webapp", RedirectURLs: []string{callbackURL(base, openid.DefaultName)}, PostLogoutRedirectURLs: []string{base + "/"},
		}}}),
	}
}

func (f *fakes) Close() {
	f.wu.Close()
	f.usi.Close()
	f.ji.Close()
	f.ls.Close()
	f.oi.Close()
}

// authorizeRequests returns how many authorization requests (logins) the
// fake of vendor name has received.
func (f *fakes) authorizeRequests(name string) int {
	switch name {
	case "webuntis":
		return f.wu.Requests(webuntistest.EndpointAuthorize)
	case "unisignin":
		return f.usi.Requests(unisignintest.EndpointAuthorize)
	case "justimmo":
		return f.ji.Requests(justimmotest.EndpointAuthorize)
	case "licensespring":
		return f.ls.Requests(licensespringtest.EndpointAuthorize)
	case openid.DefaultName:
		return f.oi.Requests(openidtest.EndpointAuthorize)
	}
	return -1
}

// vendors configures a provider per fake, on cache: one replica's set.
// The WebUntis fake's user gets a name and email claim, as with the
// untis-profile scope.
func (f *fakes) vendors(base string, cache *tokencache.Cache) ([]vendor, error) {
	f.wu.SetUser(webuntistest.User{Subject: "untis-user-1", Claims: map[string]any{"name": "Grace Hopper", "email": "grace@school.example"}})
	wuc := f.wu.Config()
	wuc.Cache = cache
	wu, err := webuntis.New(wuc)
	if err != nil {
		return nil, err
	}
	usic := f.usi.Config()
	usic.Cache = cache
	usi, err := unisignin.New(usic)
	if err != nil {
		return nil, err
	}
	jic := f.ji.Config()
	jic.Cache = cache
	ji, err := justimmo.New(jic)
	if err != nil {
		return nil, err
	}
	lsc := f.ls.Config()
	lsc.Cache = cache
	lsc.RedirectURL = callbackURL(base, "licensespring")
	lsc.ResponseType = licensespring.ResponseTypeToken // the implicit grant: tokens in the fragment
	ls, err := licensespring.New(lsc)
	if err != nil {
		return nil, err
	}
	f.oi.SetUser(openidtest.User{Subject: "oidc-user-1", Name: "Katherine Johnson", Email: "katherine@example.com"})
	oic := f.oi.Config("webapp")
	oic.Scopes = []string{"openid", "profile", "email"}
	oic.Cache = cache
	oi, err := openid.New(oic)
	if err != nil {
		return nil, err
	}
	hc := f.wu.Client()
	return []vendor{
		{"WebUntis", wu, oneRoster(hc, f.wu.URL)},
		{"UniSignIn", usi, userInfo(usi)},
		{"Justimmo", ji, userInfo(ji)},
		{"LicenseSpring", ls, tokenOnly},
		{openidLabel, oi, userInfo(oi)},
	}, nil
}

// realVendors configures the vendors named in the environment, on cache.
func realVendors(base string, cache *tokencache.Cache) ([]vendor, error) {
	var vs []vendor
	if t := os.Getenv("OAUTHKIT_WEBUNTIS_TENANT"); t != "" {
		p, err := webuntis.New(webuntis.Config{Tenant: t, ClientID: os.Getenv("OAUTHKIT_WEBUNTIS_CLIENT_ID"),
			ClientSecret: oauthkit.Secret(os.Getenv("OAUTHKIT_WEBUNTIS_CLIENT_SECRET")), RedirectURL: callbackURL(base, "webuntis"), Cache: cache})
		if err != nil {
			return nil, err
		}
		vs = append(vs, vendor{"WebUntis", p, tokenOnly})
	}
	if u := os.Getenv("OAUTHKIT_UNISIGNIN_BASE_URL"); u != "" {
		p, err := unisignin.New(unisignin.Config{BaseURL: u, ClientID: os.Getenv("OAUTHKIT_UNISIGNIN_CLIENT_ID"),
			ClientSecret: oauthkit.Secret(os.Getenv("OAUTHKIT_UNISIGNIN_CLIENT_SECRET")), RedirectURL: callbackURL(base, "unisignin"), Cache: cache})
		if err != nil {
			return nil, err
		}
		vs = append(vs, vendor{"UniSignIn", p, userInfo(p)})
	}
	if id := os.Getenv("OAUTHKIT_JUSTIMMO_CLIENT_ID"); id != "" {
		p, err := justimmo.New(justimmo.Config{ClientID: id,
			ClientSecret: oauthkit.Secret(os.Getenv("OAUTHKIT_JUSTIMMO_CLIENT_SECRET")), RedirectURL: callbackURL(base, "justimmo"), Cache: cache})
		if err != nil {
			return nil, err
		}
		vs = append(vs, vendor{"Justimmo", p, userInfo(p)})
	}
	if k := os.Getenv("OAUTHKIT_LICENSESPRING_API_KEY"); k != "" {
		p, err := licensespring.New(licensespring.Config{APIKey: k, SharedKey: oauthkit.Secret(os.Getenv("OAUTHKIT_LICENSESPRING_SHARED_KEY")),
			Product: os.Getenv("OAUTHKIT_LICENSESPRING_PRODUCT"), CustomerAccountCode: os.Getenv("OAUTHKIT_LICENSESPRING_CUSTOMER_ACCOUNT"),
			RedirectURL: callbackURL(base, "licensespring"), ResponseType: licensespring.ResponseTypeCode, Cache: cache})
		if err != nil {
			return nil, err
		}
		vs = append(vs, vendor{"LicenseSpring", p, tokenOnly})
	}
	if iss := os.Getenv("OAUTHKIT_OPENID_ISSUER"); iss != "" {
		p, err := openid.New(openid.Config{Issuer: iss, ClientID: os.Getenv("OAUTHKIT_OPENID_CLIENT_ID"),
			ClientSecret: oauthkit.Secret(os.Getenv("OAUTHKIT_OPENID_CLIENT_SECRET")), RedirectURL: callbackURL(base, openid.DefaultName),
			Scopes: []string{"openid", "profile", "email"}, Cache: cache})
		if err != nil {
			return nil, err
		}
		vs = append(vs, vendor{openidLabel, p, userInfo(p)})
	}
	if len(vs) == 0 {
		return nil, errors.New("no vendor configured in the environment (see go doc ./examples/webapp)")
	}
	return vs, nil
}

// openidLabel is the standards provider's button: any OpenID Provider
// (Keycloak, Auth0, Entra ID, …), as its fake's sign-in page names it.
const openidLabel = "OpenID Provider"

// oneRoster lists OneRoster users with the user's token.
func oneRoster(hc *http.Client, baseURL string) func(context.Context, *oauth2.Token) (string, error) {
	return func(ctx context.Context, tok *oauth2.Token) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/ims/oneroster/v1p1/users", nil)
		tok.SetAuthHeader(req)
		resp, err := hc.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("OneRoster answered %s", resp.Status)
		}
		var body struct {
			Users []json.RawMessage `json:"users"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
			return "", err
		}
		return fmt.Sprintf("OneRoster /users: %d user(s)", len(body.Users)), nil
	}
}

// userInfo reads the user's profile with the user's token.
func userInfo(f oauthkit.UserInfoFetcher) func(context.Context, *oauth2.Token) (string, error) {
	return func(ctx context.Context, tok *oauth2.Token) (string, error) {
		ui, err := f.FetchUserInfo(ctx, tok)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("user endpoint: subject %s, name %q, email %q", ui.Subject, ui.Name, ui.Email), nil
	}
}

// tokenOnly is for a vendor with no user API behind its login token here.
func tokenOnly(_ context.Context, tok *oauth2.Token) (string, error) {
	return "got a valid access token, expiring " + tok.Expiry.Format(time.RFC3339), nil
}
