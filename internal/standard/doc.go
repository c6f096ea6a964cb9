// Package standard is the protocol of every provider written once, to the
// RFCs and the OpenID specifications: discovery (refreshed as it ages, and
// when keys rotate), the authorization request (state, nonce, PKCE,
// max_age, acr_values, RFC 9207 iss), the token requests with every client
// authentication (client_secret_basic, client_secret_post, private_key_jwt,
// none), ID-token, logout-token and signed-userinfo checks, revocation (RFC
// 7009), introspection (RFC 7662), RP-Initiated Logout, pushed
// authorization requests (RFC 9126, par.go) and the Device Authorization
// Grant (RFC 8628, device.go).
//
// Package openid is it with a validated public Config and cached tokens. A
// vendor package built on it sets [Options] from its own Config, names its
// documented exceptions there (BasicStyle for raw Basic, PKCE for a plain
// method, Advise for its error causes, Endpoints for a server without
// discovery, Metadata and TokenURL for a vendor that finds its server its
// own way) and keeps only what no standard covers. A vendor that checks an
// AuthRequest before checks of its own calls [Provider.Redeem]; behaviours
// a vendor package had before the engine, where the engine is stricter,
// are kept by [Options].Unchanged. webuntis and licensespring are built
// this way (their login.go).
package standard
