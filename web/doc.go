// Package web is single sign-on for Go web apps: net/http handlers for
// login, callback and logout over any [oauthkit.Provider], a sealed state
// cookie, a sealed session cookie, server-side token storage and a
// refreshing token source for the logged-in user.
//
//	h, err := web.New(web.Config{
//		Providers: []oauthkit.Provider{wu, usi},
//		Keys:      [][]byte{key}, // 32 bytes from crypto/rand
//	})
//	mux.Handle("/auth/", h)              // GET /auth/{provider}/login?return_to=/path
//	                                     // GET /auth/{provider}/callback
//	                                     // POST /auth/logout
//	mux.Handle("/", h.RequireLogin(app)) // web.SessionFrom(r) says who is logged in
//
// # Login
//
// GET {BasePath}/{provider}/login always starts a new login: it ends the
// current session first (its tokens are deleted and OnLogout is told), so
// the user who finishes the login is the one logged in — WebUntis's launch
// rule, and the cure for session fixation. The [oauthkit.AuthRequest]
// (state, nonce, PKCE verifier) is sealed with AES-256-GCM into a state
// cookie that is HttpOnly, SameSite=Lax, Secure (except over plain http to
// a loopback address), scoped to the callback's path, and lives as long as
// the login may take (Config.LoginMaxAge). Its name is derived from the
// provider and the login's state, so logins in two tabs each have their own
// cookie and do not disturb each other.
//
// # Callback
//
// The callback finds the state cookie by the state it carries, deletes it
// whatever happens next (a replayed callback, or one opened in another
// browser, finds nothing), and finishes with [oauthkit.Complete] — or, for
// a provider that returns tokens in the URL fragment
// ([ImplicitCompleter], LicenseSpring's implicit grant), serves a tiny page
// that posts the fragment back. The session cookie then holds the identity
// only ([Session]: provider, subject, name, email, login time, expiry);
// the tokens go to Config.OnLogin and to the [TokenStore] (memory by
// default) under the session's random ID. [Handler.TokenSource] serves
// them, refreshed; when the refresh token is dead its error satisfies
// [oauthkit.NeedsLogin].
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
// POST {BasePath}/logout clears the session cookie and the stored tokens
// and, where the provider publishes an end_session_endpoint, redirects
// there with id_token_hint and post_logout_redirect_uri
// (OpenID Connect RP-Initiated Logout 1.0,
// https://openid.net/specs/openid-connect-rpinitiated-1_0.html). Cross-site
// posts are refused by [http.CrossOriginProtection] (Sec-Fetch-Site, Origin),
// so a same-origin form needs no token.
//
// # Redirects and errors
//
// return_to is kept only when it is a same-site relative path
// ([SafeReturnTo]); anything else becomes "/". A failed login answers a
// page in plain words with the right status and, of the provider's text,
// the OAuth error code only; Config.OnError replaces it. Config.Logger gets
// one line per event and never a token, code, state, cookie or key.
package web
