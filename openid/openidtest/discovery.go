package openidtest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// MixUp is the fake misbehaving the ways an attacker, or a server mixed up
// with another, would: each non-zero field turns one on. Tests set it with
// [Server.SetMixUp] to see the client refuse.
type MixUp struct {
	// CallbackIssuer is the iss of authorization responses instead of
	// the issuer: the mark of a mix-up attack (RFC 9207).
	CallbackIssuer string
	// DiscoveryIssuer is the issuer the discovery document names instead
	// of the real one (OpenID Connect Discovery 1.0 §4.3).
	DiscoveryIssuer string
	// ForeignUserInfoKey signs userinfo answers with a key the server does
	// not publish, under the current kid.
	ForeignUserInfoKey bool
	// ForeignIDTokenKey signs ID tokens likewise.
	ForeignIDTokenKey bool
}

// SetMixUp turns the mix-ups of m on (and the others off).
func (s *Server) SetMixUp(m MixUp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mixUp = m
}

func (s *Server) mixUps() MixUp {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mixUp
}

// discovery answers the OpenID Connect discovery document (and the same
// as RFC 8414 authorization server metadata), cacheable for
// Options.DiscoveryMaxAge.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	iss := s.Issuer()
	named := iss
	if m := s.mixUps(); m.DiscoveryIssuer != "" {
		named = m.DiscoveryIssuer
	}
	algs := []string{"RS256", "ES256", "EdDSA"}
	doc := map[string]any{
		"issuer":                                                   named,
		"authorization_endpoint":                                   iss + "/authorize",
		"token_endpoint":                                           iss + "/token",
		"jwks_uri":                                                 iss + "/jwks",
		"userinfo_endpoint":                                        iss + "/userinfo",
		"revocation_endpoint":                                      iss + "/revoke",
		"introspection_endpoint":                                   iss + "/introspect",
		"end_session_endpoint":                                     iss + "/logout",
		"response_types_supported":                                 []string{"code"},
		"response_modes_supported":                                 []string{"query"},
		"grant_types_supported":                                    []string{"authorization_code", "refresh_token", "client_credentials", deviceGrantType},
		"subject_types_supported":                                  []string{"public"},
		"id_token_signing_alg_values_supported":                    []string{"RS256"},
		"userinfo_signing_alg_values_supported":                    []string{"RS256"},
		"scopes_supported":                                         []string{"openid", "profile", "email", "offline_access"},
		"claims_supported":                                         []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "sid", "email", "name"},
		"code_challenge_methods_supported":                         []string{"S256"},
		"acr_values_supported":                                     []string{"urn:example:loa:1", "urn:example:loa:2"},
		"token_endpoint_auth_methods_supported":                    s.opts.AuthMethods,
		"token_endpoint_auth_signing_alg_values_supported":         algs,
		"revocation_endpoint_auth_methods_supported":               s.opts.AuthMethods,
		"revocation_endpoint_auth_signing_alg_values_supported":    algs,
		"introspection_endpoint_auth_methods_supported":            s.opts.AuthMethods,
		"introspection_endpoint_auth_signing_alg_values_supported": algs,
		"backchannel_logout_supported":                             true,
		"backchannel_logout_session_supported":                     true,
		"authorization_response_iss_parameter_supported":           !s.opts.OmitIssuerParameter,
		"pushed_authorization_request_endpoint":                    iss + "/par",
		"require_pushed_authorization_requests":                    s.opts.RequirePAR,
		"device_authorization_endpoint":                            iss + "/device_authorization",
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(s.opts.DiscoveryMaxAge.Seconds())))
	json.NewEncoder(w).Encode(doc)
}

// jwks publishes the server's keys: after [Server.RotateKeys], the old and
// the new until [Server.RetireOldKeys].
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	body := fakeidp.JWKS(s.keys...)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	w.Write(body)
}

// RotateKeys makes a new signing key, published beside the old ones, which
// signs every token from now on. It returns the new key's kid.
func (s *Server) RotateKeys() string {
	s.mu.Lock()
	id := fmt.Sprintf("fake-%d", len(s.keys)+1)
	s.mu.Unlock()
	k := fakeidp.NewKey(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
	return id
}

// RetireOldKeys stops publishing every key but the current one.
func (s *Server) RetireOldKeys() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = s.keys[len(s.keys)-1:]
}
