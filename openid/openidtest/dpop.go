package openidtest

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// EndpointResource names the fake's protected resource ([Server.ResourceURL]).
const EndpointResource = "resource"

// dpopWindow is how far a proof's iat may be from the server's clock, and
// how long a jti is remembered (RFC 9449 §11.1).
const dpopWindow = time.Minute

// DPoPOptions configure the fake's DPoP (RFC 9449). With the zero value the
// server accepts a proof when one comes and binds the tokens it issues to
// its key (token_type DPoP, cnf.jkt in introspection), and answers Bearer
// tokens to requests without one.
type DPoPOptions struct {
	// Require makes the token endpoint refuse a request without a proof
	// (invalid_dpop_proof).
	Require bool
	// Nonce makes the token and resource endpoints demand the server's
	// current nonce in proofs (§8, §9): a proof without it is answered
	// use_dpop_nonce with the nonce in DPoP-Nonce. [Server.RotateDPoPNonce]
	// changes it.
	Nonce bool
	// Ignore plays a server without DPoP: proofs are not looked at and
	// Bearer tokens issued.
	Ignore bool
}

// dpopState is the fake's DPoP memory: its nonce and the proofs' jtis.
type dpopState struct {
	mu     sync.Mutex
	nonce  string
	jtis   map[string]time.Time // jti → until when it is remembered
	pruned time.Time            // when jtis were last pruned
}

// RotateDPoPNonce replaces the server's DPoP nonce: proofs carrying the
// old one are answered use_dpop_nonce. It returns the new one.
func (s *Server) RotateDPoPNonce() string {
	s.dpop.mu.Lock()
	defer s.dpop.mu.Unlock()
	s.dpop.nonce = fakeidp.Random(16)
	return s.dpop.nonce
}

func (s *Server) currentNonce() string {
	s.dpop.mu.Lock()
	defer s.dpop.mu.Unlock()
	if s.dpop.nonce == "" {
		s.dpop.nonce = fakeidp.Random(16)
	}
	return s.dpop.nonce
}

// ResourceURL returns the fake's protected resource: GET or POST with an
// access token (Bearer, or DPoP with a proof carrying ath, RFC 9449 §7),
// answering the token's sub, client_id and, for a DPoP token, jkt.
func (s *Server) ResourceURL() string { return s.Issuer() + "/resource" }

// proofError is why a proof is refused: use_dpop_nonce or
// invalid_dpop_proof (RFC 9449 §5, §7.1, §8).
type proofError struct{ code, desc string }

// checkProof checks the DPoP proof of r (RFC 9449 §4.3) for a request to
// target, carrying accessToken ("" at the token endpoint): one DPoP header,
// a JWS with typ dpop+jwt, an asymmetric alg, a public jwk in its header
// that verifies the signature; htm r's method, htu target without query
// and fragment, iat within a minute of the server's clock, a jti not seen
// within that minute, the server's nonce when it demands one, and ath the
// hash of accessToken. It returns the key's thumbprint (jkt), "" and nil
// when r has no proof.
func (s *Server) checkProof(r *http.Request, target, accessToken string) (string, *proofError) {
	vals := r.Header.Values("DPoP")
	if len(vals) == 0 {
		return "", nil
	}
	bad := func(desc string) (string, *proofError) { return "", &proofError{"invalid_dpop_proof", desc} }
	if len(vals) > 1 {
		return bad("more than one DPoP header")
	}
	jws, err := jose.ParseSigned(vals[0], []jose.SignatureAlgorithm{
		jose.ES256, jose.ES384, jose.ES512, jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512, jose.EdDSA})
	if err != nil || len(jws.Signatures) != 1 {
		return bad("proof is not a JWS with an asymmetric algorithm")
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "dpop+jwt" {
		return bad("proof typ is not dpop+jwt")
	}
	if h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() || !h.JSONWebKey.Valid() {
		return bad("proof has no public jwk")
	}
	payload, err := jws.Verify(h.JSONWebKey)
	if err != nil {
		return bad("proof signature does not verify with its jwk")
	}
	var c struct {
		JTI   string   `json:"jti"`
		HTM   string   `json:"htm"`
		HTU   string   `json:"htu"`
		IAT   *float64 `json:"iat"`
		Nonce string   `json:"nonce"`
		ATH   string   `json:"ath"`
	}
	if json.Unmarshal(payload, &c) != nil || c.JTI == "" || c.IAT == nil {
		return bad("proof lacks jti or iat")
	}
	now := s.now.Now()
	iat := time.Unix(int64(*c.IAT), 0)
	switch {
	case c.HTM != r.Method:
		return bad("htm is not the request's method")
	case !sameHTU(c.HTU, target):
		return bad("htu is not the request's URL")
	case iat.Before(now.Add(-dpopWindow)) || iat.After(now.Add(dpopWindow)):
		return bad("iat is out of the acceptance window")
	}
	if accessToken != "" {
		sum := sha256.Sum256([]byte(accessToken))
		if c.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) {
			return bad("ath is not the access token's hash")
		}
	} else if c.ATH != "" {
		return bad("ath on a token request")
	}
	if s.opts.DPoP.Nonce && c.Nonce != s.currentNonce() {
		return "", &proofError{"use_dpop_nonce", "proof must carry the server's nonce"}
	}
	s.dpop.mu.Lock()
	if now.After(s.dpop.pruned.Add(dpopWindow)) { // at most once a window
		for j, until := range s.dpop.jtis {
			if now.After(until) {
				delete(s.dpop.jtis, j)
			}
		}
		s.dpop.pruned = now
	}
	if _, seen := s.dpop.jtis[c.JTI]; seen {
		s.dpop.mu.Unlock()
		return bad("proof jti was used before")
	}
	if s.dpop.jtis == nil {
		s.dpop.jtis = map[string]time.Time{}
	}
	s.dpop.jtis[c.JTI] = iat.Add(2 * dpopWindow)
	s.dpop.mu.Unlock()
	tp, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	if err != nil {
		return bad("proof jwk has no thumbprint")
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// sameHTU compares a proof's htu with the request's URL, ignoring query
// and fragment, the scheme and host case-insensitively.
func sameHTU(htu, target string) bool {
	a, err1 := url.Parse(htu)
	b, err2 := url.Parse(target)
	if err1 != nil || err2 != nil {
		return false
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Host, b.Host) && a.EscapedPath() == b.EscapedPath()
}

// tokenProof checks the token endpoint's proof and answers an error
// itself; it returns the jkt to bind the tokens to ("" for Bearer) and
// whether to go on.
func (s *Server) tokenProof(w http.ResponseWriter, r *http.Request) (string, bool) {
	o := s.opts.DPoP
	if o.Ignore {
		return "", true
	}
	if o.Nonce {
		w.Header().Set("DPoP-Nonce", s.currentNonce())
	}
	jkt, perr := s.checkProof(r, s.TokenURL(), "")
	switch {
	case perr != nil:
		fakeidp.OAuthError(w, http.StatusBadRequest, perr.code, perr.desc)
		return "", false
	case jkt == "" && o.Require:
		fakeidp.OAuthError(w, http.StatusBadRequest, "invalid_dpop_proof", "a DPoP proof is required")
		return "", false
	}
	return jkt, true
}

// resourceToken reads the access token of a request to a protected
// resource (target): Bearer for an unbound token, DPoP with a valid proof
// for a bound one (RFC 9449 §7.1). It answers 401 itself, with a DPoP
// challenge, and returns the token, its record and grant.
func (s *Server) resourceToken(w http.ResponseWriter, r *http.Request, target string) (*issued, *grant, string, bool) {
	fail := func(code, desc string) (*issued, *grant, string, bool) {
		ch := `DPoP algs="ES256 ES384 ES512 RS256 PS256 EdDSA"`
		if code != "" {
			ch += `, error="` + code + `", error_description="` + desc + `"`
		}
		w.Header().Add("WWW-Authenticate", ch)
		if code == "invalid_token" {
			w.Header().Add("WWW-Authenticate", `Bearer error="invalid_token"`) // RFC 6750 §3.1
		} else {
			w.Header().Add("WWW-Authenticate", `Bearer`)
		}
		if code == "use_dpop_nonce" {
			w.Header().Set("DPoP-Nonce", s.currentNonce())
		}
		w.WriteHeader(http.StatusUnauthorized)
		return nil, nil, "", false
	}
	scheme, at, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if at == "" || !(strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "DPoP")) {
		return fail("", "")
	}
	s.mu.Lock()
	tok, g, active := s.tokens.active(at, s.now.Now())
	s.mu.Unlock()
	if !active || tok.refresh {
		return fail("invalid_token", "the token is unknown, expired or revoked")
	}
	if tok.jkt == "" {
		if !strings.EqualFold(scheme, "Bearer") {
			return fail("invalid_token", "a Bearer token sent as DPoP")
		}
		return tok, g, at, true
	}
	if !strings.EqualFold(scheme, "DPoP") {
		return fail("invalid_token", "a DPoP-bound token sent as Bearer")
	}
	jkt, perr := s.checkProof(r, target, at)
	switch {
	case perr != nil:
		return fail(perr.code, perr.desc)
	case jkt == "":
		return fail("invalid_dpop_proof", "a DPoP token without a proof")
	case jkt != tok.jkt:
		return fail("invalid_token", "the token is bound to another key")
	}
	if s.opts.DPoP.Nonce {
		w.Header().Set("DPoP-Nonce", s.currentNonce())
	}
	return tok, g, at, true
}

// resource is the protected resource.
func (s *Server) resource(w http.ResponseWriter, r *http.Request) {
	tok, g, _, ok := s.resourceToken(w, r, s.ResourceURL())
	if !ok {
		return
	}
	body := map[string]any{"sub": g.subject, "client_id": g.clientID}
	if tok.jkt != "" {
		body["jkt"] = tok.jkt
	}
	fakeidp.WriteJSON(w, http.StatusOK, body)
}
