// Package native is the login of a native app or a command-line tool (RFC
// 8252, OAuth 2.0 for Native Apps) over any [oauthkit.Provider]: the
// system browser goes to the vendor, and the vendor's redirect comes back
// to a loopback listener the app opened for this one login.
//
//	l, err := native.Listen("http://127.0.0.1/callback") // as registered with the vendor
//	if err != nil { … }
//	p, err := unisignin.New(unisignin.Config{…, RedirectURL: l.RedirectURL()}) // with the port
//	if err != nil { … }
//	login, err := l.Login(ctx, p, native.Options{}) // opens the browser, waits, completes
//
// # The loopback redirect
//
// [Listen] takes the redirect URL registered with the vendor — http, the
// loopback IP literal 127.0.0.1 or [::1] (RFC 8252 §7.3; "localhost" is
// refused, §8.3), a path — and listens on that IP only, never on a
// wildcard address. Without a port the system picks a free one, and
// [Listener.RedirectURL] is the registered URL with it: RFC 8252 §7.3 has
// the server accept a registered loopback redirect URL on any port, and
// the fakes do. With a port, that port is used, for a server that matches
// redirect URLs exactly; [Login] does this for a provider built with such
// a URL.
//
// The vendors here take the redirect URL from their Config, not per
// request, so the listener comes first and the provider is built with its
// URL. [Listener.Complete] checks that the authorization request names the
// listener's URL, so a provider built for another one fails at once
// ([ErrRedirectURL]) rather than send the browser elsewhere.
//
// # One login
//
// [Listener.Login] makes the authorization request — state, nonce and
// PKCE S256 where the vendor allows it (RFC 8252 §8.1), as
// [oauthkit.Provider.AuthCodeURL] makes them — serves the redirect URL's
// path, opens the browser with Options.OpenBrowser ([OpenSystemBrowser]
// unless replaced; tests pass a function that drives a fake), waits for
// the callback and completes the login with [oauthkit.Complete]: the state
// compared in constant time, the vendor's error redirect as an
// [*oauthkit.Error], the code exchanged, the ID token verified.
//
// The first callback with the login's state ends the wait. A callback with
// another state, or none, gets the failure page and the wait goes on (RFC
// 8252 §8.9 has the app reject a response that matches no pending
// request): any local process can connect to a loopback port, and one that
// could end the login with a forged callback could race the real one. That
// includes an error redirect without state, which any web page can send
// to 127.0.0.1, except from Justimmo, documented to send its denial
// without state (see [Listener.Complete]). The
// wait is bounded by ctx and Options.Timeout ([ErrTimeout]); the error
// counts the callbacks it refused. The listener is closed before Login
// returns, whatever the outcome.
//
// The browser shows a small static page — success or failure, never a
// token, a code or an error's details (the app has those) — with
// Cache-Control no-store, nosniff and a Content-Security-Policy that allows
// its inline style and nothing else. Replace them with Options.SuccessPage
// and Options.FailurePage. Only the redirect URL's path is served (other
// paths 404), only for the listener's own Host (421 otherwise, against DNS
// rebinding).
//
// # Tokens in the fragment
//
// A provider that returns its tokens in the redirect's fragment
// (LicenseSpring with response type "token", the implicit grant) and
// implements [ImplicitCompleter] gets a page whose one script — allowed by
// its hash — posts the fragment back to the listener, which finishes the
// login with CompleteImplicit. RFC 8252 §8.2 advises against the implicit
// grant for native apps; prefer the code flow where the vendor offers it.
//
// # Further reading
//
//   - RFC 8252, OAuth 2.0 for Native Apps: https://www.rfc-editor.org/rfc/rfc8252
//   - RFC 7636, PKCE: https://www.rfc-editor.org/rfc/rfc7636
//   - docs/native.md in this module: which vendor accepts what, the CLI's login
package native
