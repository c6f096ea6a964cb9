// Package oauthkittest holds what the four in-process vendor fakes share,
// and documents what every one of them offers. The fakes run a vendor's
// documented wire protocol in-process, for tests of code that uses oauthkit,
// the way net/http/httptest runs a fake HTTP server and go-oidc's oidctest a
// fake OpenID provider:
//
//   - [github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest]
//   - [github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest]
//   - [github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest]
//   - [github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest]
//
// # What every fake offers
//
// Each fake package has the same shape, so that a test written against one
// reads the same against another:
//
//   - NewServer(Options) *Server starts the fake; every zero value of
//     Options is usable, and so is each zero field of a registration
//     (Tenant, App), filled in alone with its documented default; the
//     credentials it generates are random.
//     Server.Close shuts it down.
//   - Server.URL (Justimmo: AuthURL and APIURL, its two hosts) is where it
//     listens; Server.Client returns an *http.Client for it.
//   - Server.Config returns the vendor package's Config for the fake's
//     registered application, with credentials, redirect URL, HTTP client
//     and the fake's clock filled in: pass it to the vendor's New.
//     Server.ConfigFor(redirectURL) is the same with the application's
//     callback URL, once it listens; it panics for a URL the fake would
//     refuse.
//   - Unless told otherwise a fake registers the callback of a package web
//     handler at its default BasePath,
//     http://127.0.0.1/auth/{vendor}/callback. A registered loopback
//     redirect URL (http://127.0.0.1, http://[::1], http://localhost)
//     matches on any port, as RFC 8252 §7.3 asks of servers, so that an
//     application can open its listener after its fakes; every other one
//     matches exactly.
//   - Server.App (UniSignIn, Justimmo), Server.Tenant (WebUntis, where an
//     application is registered per school) and Server.Options
//     (LicenseSpring) return what was registered, with the generated
//     secrets, for tests that build requests by hand.
//   - Options.Now is the fake's clock (code and token expiry, ID-token
//     times, LicenseSpring's Date window); nil means time.Now. Share one
//     clock between the fake and the Config (Config does) to test expiry
//     without sleeping.
//   - Server.SetUser(User) sets who is signed in at the vendor in the
//     simulated browser; the zero User ends the session, and the
//     authorization endpoint then shows the vendor's login page instead of
//     redirecting. Each fake's User holds what its vendor knows of a user.
//   - Server.Authorize(ctx, authURL) plays the browser: it opens the
//     authorization URL, signs in on the fake's login page when
//     Options.LoginPage is set, and returns where the vendor redirects to,
//     the application's callback URL with code and state (or an error, or
//     tokens in the fragment), without following it. Server.Deny plays a
//     user who cancels: the callback carries error=access_denied and the
//     state, as the vendor sends them.
//   - Server.SignIn(ctx, client, startURL) plays a user's browser with a
//     test's own client and its cookie jar: from the application's login
//     URL it follows redirects to the fake, signs in, and returns the
//     application's callback URL unfollowed, for the same client to open.
//   - Options.LoginPage makes the authorization endpoint answer a small
//     HTML page, "Sign in to <vendor> (fake)", naming the application's
//     client id and the user as the login will name them, with a "Sign in"
//     and a "Cancel" button that post a form (fake_login=sign-in or
//     fake_login=cancel); only that POST issues the code (or the tokens), or
//     the access_denied redirect. A real browser, driven by chromedp or
//     Playwright, clicks the button (ids fake-sign-in and fake-cancel). Off
//     by default: the user has a session already, and the endpoint
//     redirects at once.
//   - Server.InjectFault(endpoint, [Fault]) makes an endpoint fail;
//     Server.ClearFaults removes every injected fault;
//     Server.Requests(endpoint) counts the requests an endpoint received.
//     Endpoint names are the package's Endpoint… constants; EndpointToken
//     and EndpointAuthorize exist in every fake.
//   - Fakes that issue ID tokens (WebUntis, LicenseSpring) have
//     Server.Issuer and Server.SignIDToken, to build a token the fake would
//     issue, and to build one it would not.
//   - Fakes whose vendor rotates refresh tokens (UniSignIn, Justimmo) have
//     Server.RefreshTokenState.
//
// docs/fakes.md in the repository has the table of common names, the
// defaults of each registration, and the sign-in page's form.
//
// # Strict like the vendors
//
// A fake refuses what its vendor's documents say the vendor refuses, with
// the vendor's error, so that a client that passes against the fake does not
// fail against the vendor for a reason the documents state: WebUntis needs a
// nonce and the exact registered redirect URI (a loopback one's port aside); UniSignIn's PKCE verifier is
// 49 to 127 letters and digits and its client secret goes in the form body;
// Justimmo's codes live one minute and its refresh tokens work once;
// LicenseSpring's requests are signed with an IMF-fixdate Date no more than
// 15 minutes off. Each fake's package documentation lists its rules, and
// where the vendor is silent, what the fake chooses.
//
// Never give a fake a real credential: the fakes' fixture types print the
// test credentials they hold, so that a failing test shows them.
package oauthkittest
