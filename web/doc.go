// Package web is single sign-on for Go web apps: net/http handlers for
// login, callback and logout over any [oauthkit.Provider], a sealed state
// cookie, a sealed session cookie, server-side token storage and a
// refreshing token source for the logged-in user.
//
//	h, err := web.New(web.Config{
//		Providers: []oauthkit.Provider{wu, usi},
//		Keys:      [][]byte{key}, // 32 bytes from crypto/rand
//	})
//	mux.Handle("/auth/", h)              // GET /auth/sign-in?return_to=/path
//	                                     // GET /auth/{provider}/login?return_to=/path
//	                                     // GET /auth/{provider}/callback
//	                                     // POST /auth/logout
//	                                     // GET /auth/signed-out (after the provider's logout)
//	                                     // POST /auth/{provider}/backchannel-logout
//	mux.Handle("/", h.RequireLogin(app)) // web.SessionFrom(r) says who is logged in
//
// # Sign-in page
//
// GET {BasePath}/sign-in is a plain page with a button (a link; no script)
// per provider of Config.Providers, in their order, named by the vendor
// ("Sign in with WebUntis"), each going to the provider's login with the
// page's return_to ([Handler.LoginURL]: checked by [SafeReturnTo],
// query-escaped). It is one path segment under BasePath, where no
// provider's path can be, so a provider may be named "sign-in".
// [Handler.RequireLogin] sends a visitor without a session there when
// there are several providers and no Config.SignInPath; with one provider
// it goes straight to that provider's login. An app with a page of its own
// sets Config.SignInPath and builds its links with [Handler.LoginURL]. With
// Config.Resolve the handler does not know the providers (nor the tenants):
// there is no sign-in page, and RequireLogin without SignInPath answers 401;
// give the app its own page, with the tenant in each login's tenant
// parameter.
//
// # Login
//
// Each provider's redirect URL is the handler's callback,
// {app}{BasePath}/{provider}/callback; [New] refuses a provider that reports
// another path ([ErrRedirectURL]), rather than let every login end on a page
// nobody serves.
//
// GET {BasePath}/{provider}/login starts a new login. The
// [oauthkit.AuthRequest] (state, nonce, PKCE verifier) is sealed with
// AES-256-GCM into a state cookie that is HttpOnly, SameSite=Lax, scoped to
// {BasePath}/{provider} (its login and callback), and lives as long as the
// login may take (Config.LoginMaxAge). Its name is derived from the provider
// and the login's state, so logins in two tabs each have their own cookie.
// The state is also bound to the browser that started the login: the login
// start sets a login binding cookie when the browser has none (a random
// value, HttpOnly, SameSite=Lax, Path=/, as long-lived as a login; one per
// browser, kept by later starts, so logins in several tabs share it) and
// seals a hash of its value into the state cookie.
// Logins started and never finished cannot pile up: a login start keeps at
// most three of the provider's logins in flight, within 3 KiB of cookies,
// dropping the oldest (whose callback then answers "sign in again"), and a
// return_to over 1 KiB becomes "/", so the Cookie header a callback gets
// stays well under 4 KB.
//
// Whether a login start ends the current session is the provider's rule. A
// provider with a [LaunchRule] — WebUntis, whose Login URL the Untis
// Platform opens from another site and which must "end any session the
// app already has first" (docs/vendors/webuntis.md#login-url) — has the
// session end at login start, even on a cross-site GET. For every other
// provider a login start ends nothing, so a link to a login from another
// site logs nobody out; the session ends when the new login completes.
//
// # Callback
//
// The callback finds the state cookie by the state it carries, deletes it
// whatever happens next (a replayed callback, or one opened in another
// browser, finds nothing), refuses it unless the browser's binding cookie
// is the one it was sealed with (400, like a login that matches no login in
// flight; nothing else ends: a state cookie planted by a sibling subdomain,
// with the attacker's login in it, logs nobody in as the attacker), and
// finishes with [oauthkit.Complete] — or, for
// a provider that returns tokens in the URL fragment
// ([ImplicitCompleter], LicenseSpring's implicit grant), serves a tiny page
// that posts the fragment back. An implicit login has no single-use code at
// the provider, so its state is used once per fleet, recorded in the
// [TokenStore] (a captured state cookie and fragment posted again, on any
// replica, is refused; a store that cannot record it answers 503). A
// completed login replaces the browser's session: the old one ends
// everywhere (its tokens and index entries leave the store, OnLogout is
// told), and the new session cookie holds the identity only ([Session]:
// provider, subject, name, email, login time, expiry); the tokens go to
// Config.OnLogin and to the [TokenStore] (memory by default) under the
// session's random ID.
//
// # Cookies
//
// Cookies are Secure unless Config.InsecureCookies says otherwise, or every
// provider's redirect URL is plain http to a loopback host (a developer's
// machine: http://127.0.0.1:8080/auth/webuntis/callback). This is decided
// once, by [New], from the configuration: never from a request's Host
// header, which a TLS-terminating proxy may forward as a loopback address.
// With Config.Resolve cookies are Secure unless InsecureCookies. Secure
// cookies carry the name prefixes browsers enforce: the session cookie is
// "__Host-" + [SessionCookie] (Path=/, no Domain: a sibling subdomain
// cannot plant a session; [Handler.SessionCookieName] returns the name),
// the login binding cookie "__Host-oauthkit_login" and the logout return
// cookie "__Host-oauthkit_logout" (likewise), the state
// cookies "__Secure-oauthkit_state_…". The state cookies are scoped to a
// provider's path, so they cannot be "__Host-" and a sibling subdomain on
// https can set them for the parent domain: that is why each state is bound
// to the browser's "__Host-" binding cookie, which it cannot set. Without
// Secure the names have no prefix (browsers would refuse them over http).
//
// Browsers silently drop a cookie of more than 4096 bytes of name and value
// (RFC 6265bis §5.6), and the login would never come back. The session
// cookie seals the provider's name and email cut to 256 bytes each; a
// session or state cookie that would still be larger than 4000 bytes (a
// subject of kilobytes) is never set: the login is refused with
// [ErrCookieTooLarge] and nothing is stored.
//
// # Sessions
//
// A session ends at the earliest of: its absolute end (Config.SessionMaxAge
// after the login, 12 hours by default), its idle end (Config.IdleTimeout
// after its last use, 2 hours by default; each use moves it on, written to
// the store at most once a minute), logout, [Handler.EndSessions], or a
// back-channel logout. [Session.Ends] says when. A session whose tokens are
// gone from the store is gone: a copy of its cookie is worthless.
//
// What is printed (fmt, every verb) or logged (log/slog) holds no key, token
// or session ID: a [Config] or [Handler] shows its Keys as "[redacted]", a
// [StoredTokens] which tokens it has, a [MemoryTokenStore] how many sessions
// it holds, a [Session] who is logged in.
//
// # Tokens
//
// [Handler.TokenSource] and [Handler.Client] serve the session's tokens,
// refreshed 30 seconds before they expire. The refresh token is sent by one
// caller of the whole fleet at a time: the holder of the session's refresh
// lease in the [TokenStore]. The others serve the still-valid token, or wait
// for the holder's new one, and fail with [ErrRefreshBusy] or
// [ErrUnavailable] (retryable; answer 503) rather than send the same
// refresh token again, which UniSignIn, Justimmo and Keycloak punish by
// revoking the whole token family. When the new tokens cannot be written
// back (the store failed), the lease is kept, so that nobody sends the
// refresh token just spent, and the write is tried again while the lease
// lasts; the lease is given back once it lands. A refresh that finishes
// after a logout does not bring the session back. When the refresh token
// is dead the error satisfies [oauthkit.NeedsLogin], and the session keeps
// its access token without the dead refresh token, which nobody sends
// again. A refresh whose ID token names another user than the session's
// ends the session ([oauthkit.ErrSubjectChanged]).
//
// # Many replicas
//
// Replicas behind a load balancer share one [TokenStore] (package
// [github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore]'s SessionStore:
// sealed with AES-256-GCM, key names hashed) and the same Config.Keys. The
// store brings the fleet's refresh lease with it, so nothing else needs
// configuring for one refresh per session per fleet. When the store is down
// or slow, requests that need it answer 503 and nothing is ended: the same
// cookie works once the store answers again; a logout that could not delete
// the session says so (503) and keeps the cookie, so that a logout reported
// done is never undone by a copy of the cookie.
//
// # Ending sessions everywhere
//
// Every session is filed in the store under its user (provider, tenant,
// subject) and, where the ID token carries one, the provider's session ID
// (sid). [Handler.EndSessions] ends all of a user's sessions on every
// replica. POST {BasePath}/{provider}/backchannel-logout receives OpenID
// Connect Back-Channel Logout 1.0 requests
// (https://openid.net/specs/openid-connect-backchannel-1_0.html) for a
// provider that implements [oauthkit.LogoutTokenVerifier] (LicenseSpring's
// Keycloak): the logout token is verified (signature, iss, aud, iat, exp,
// events, sub/sid, no nonce), its jti is used once across the fleet, and
// the sessions it names end everywhere (§2.7): a token with a sid ends the
// session of that sid only — the user's sessions on other devices live on,
// also when the app's own logout had ended that session before the
// provider's call came — or, when no session was filed under it and the
// token has a sub, that user's sessions whose ID token carried no sid; a
// token without a sid ends all of its sub's sessions. A bad token is
// answered 400 and ends nothing. Register
// {app}{BasePath}/{provider}/backchannel-logout (with ?tenant= for a
// provider per tenant) as the client's back-channel logout URL.
//
// # Tenants
//
// Config.Resolve picks a provider per request (one WebUntis Provider per
// school). The tenant of a login is the login's tenant query parameter; it
// is sealed into the state and session cookies and given back by [Tenant]
// at the callback, logout and TokenSource, never taken from a parameter an
// attacker controls there.
//
// # Logout
//
// POST {BasePath}/logout clears the session cookie and the stored tokens,
// revokes the refresh token where the provider has a revocation endpoint
// ([oauthkit.TokenRevoker], RFC 7009), and, where the provider publishes an
// end_session_endpoint, redirects there (OpenID Connect RP-Initiated Logout
// 1.0, https://openid.net/specs/openid-connect-rpinitiated-1_0.html) with
// client_id, id_token_hint (while the session still has its ID token) and
// post_logout_redirect_uri. Cross-site posts are refused by
// [http.CrossOriginProtection] (Sec-Fetch-Site, Origin), so a same-origin
// form needs no token.
//
// The post_logout_redirect_uri is one URL for every logout, whatever its
// return_to, because providers compare it exactly with the URLs registered
// for the client (Keycloak answers any other with 400 "Invalid redirect
// uri"): Config.PostLogoutRedirectURL, or "/" on the origin of the
// provider's redirect URL, never on the request's Host header. Register it
// with the provider. client_id is always sent, from the provider's own
// end-session URL ([oauthkit.EndSessionURLBuilder]: package openid's and
// LicenseSpring's providers), so that a session whose tokens were ended
// elsewhere ([Handler.EndSessions], back-channel logout, idle) still names
// the client (§2; Keycloak answers a post-logout URL with neither
// id_token_hint nor client_id with 400). A provider of the app's own that
// does not build the URL names no client: without an ID token its logout
// sends no post_logout_redirect_uri, and the user stays on the provider's
// page.
//
// To come back to return_to through the provider, set
// Config.PostLogoutRedirectURL to the handler's post-logout page,
// {app}{BasePath}/signed-out ([Handler.SignedOutPath]), and register it.
// The logout then sends a fresh state (§2) and seals return_to, bound to
// it, into a cookie (HttpOnly, SameSite=Lax, "__Host-" when Secure, five
// minutes); GET {BasePath}/signed-out deletes the cookie and redirects to
// return_to when the provider brings the same state back, to "/" otherwise.
// With any other post-logout URL the logout ends there: return_to is
// dropped whenever the provider's end_session_endpoint is used. A provider
// without one sends nobody away, and the logout redirects to return_to at
// once.
//
// A completed logout leaves a one-time notice for the page the user lands
// on: a short-lived (5 minutes), HttpOnly, site-wide cookie holding no
// secret. The handler's sign-in page shows "You have signed out." and
// clears it; with one provider, RequireLogin then sends the visitor to the
// sign-in page instead of straight back into that provider's login. An app
// whose return_to page is its own (a public start page, Config.SignInPath)
// asks [Handler.SignedOut], which reports the notice and clears it. A
// completed login clears it too.
//
// # Redirects and errors
//
// return_to is kept only when it is a same-site relative path
// ([SafeReturnTo]); anything else becomes "/". A failed login answers a
// page in plain words with the right status and, of the provider's text,
// the OAuth error code only; Config.OnError replaces it. The page names a
// provider only when the app configured it (with Resolve: when a sealed
// cookie vouched for it, or it is one of the four vendors); a path segment
// that names no provider gets the generic "no such sign-in" page. Its links
// are paths under BasePath, never scheme-relative ("//host"); BasePath "/"
// is refused. Config.Logger gets
// one line per event and never a token, code, state, cookie or key.
package web
