package openid_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/dpop"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// dpopRecorder is a transport that keeps each request's DPoP proof and
// Authorization header, by URL path.
type dpopRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen []seenRequest
}

type seenRequest struct {
	method, path, auth, proof string
}

func (r *dpopRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.seen = append(r.seen, seenRequest{req.Method, req.URL.Path, req.Header.Get("Authorization"), req.Header.Get("DPoP")})
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

// last returns the last request to a path ending in suffix.
func (r *dpopRecorder) last(t *testing.T, suffix string) seenRequest {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.seen) - 1; i >= 0; i-- {
		if strings.HasSuffix(r.seen[i].path, suffix) {
			return r.seen[i]
		}
	}
	t.Fatalf("no request to %s", suffix)
	return seenRequest{}
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

// dpopEnv is a fake with opts and a provider with DPoP (key: nil for a
// generated one), whose requests rec records.
func dpopEnv(t *testing.T, opts openidtest.Options, key *ecdsa.PrivateKey, mutate func(*openid.Config)) (*env, *dpopRecorder) {
	t.Helper()
	var rec *dpopRecorder
	e := newEnv(t, opts, func(c *openid.Config) {
		rec = &dpopRecorder{base: c.HTTPClient.Transport}
		c.HTTPClient = &http.Client{Transport: rec}
		c.DPoP = &openid.DPoP{}
		if key != nil {
			c.DPoP.Key = key
		}
		if mutate != nil {
			mutate(c)
		}
	})
	return e, rec
}

// getResource sends GET to the fake's resource with client.
func getResource(t *testing.T, client *http.Client, url string) (int, map[string]any) {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body
}

// rawResource sends GET to url with the given Authorization and DPoP
// headers and returns the status and the DPoP challenge's error.
func rawResource(t *testing.T, fake *openidtest.Server, url, auth, proof string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", auth)
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	resp, err := fake.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	errCode := ""
	for _, v := range resp.Header.Values("WWW-Authenticate") {
		if e := httpc.ChallengeError(v, "DPoP"); e != "" {
			errCode = e
		}
	}
	return resp.StatusCode, errCode
}

// TestDPoPClientCredentials: the client-credentials token is a DPoP token
// bound to the provider's key (the fake's introspection says cnf.jkt), the
// token request carried a proof without ath, and Client sends it to the
// resource as DPoP with a proof carrying ath.
func TestDPoPClientCredentials(t *testing.T) {
	e, rec := dpopEnv(t, openidtest.Options{}, nil, nil)
	ctx := context.Background()
	tok, err := e.p.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, "DPoP", tok.TokenType)
	jkt := e.p.DPoPThumbprint()
	require.NotEmpty(t, jkt)
	assert.Equal(t, jkt, tok.Extra(dpop.ExtraJKT))
	tr := rec.last(t, "/token")
	require.NotEmpty(t, tr.proof, "the token request carries a proof")

	in, err := e.p.Introspect(ctx, tok.AccessToken, "access_token")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"jkt": jkt}, in.Raw["cnf"])

	status, body := getResource(t, e.p.Client(), e.fake.ResourceURL()+"?q=1#f")
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, jkt, body["jkt"])
	rr := rec.last(t, "/resource")
	assert.Equal(t, "DPoP "+tok.AccessToken, rr.auth)
	assert.NotEmpty(t, rr.proof)

	// The same token as Bearer is refused: it is bound (RFC 9449 §7.2).
	status, _ = rawResource(t, e.fake, e.fake.ResourceURL(), "Bearer "+tok.AccessToken, "")
	assert.Equal(t, http.StatusUnauthorized, status)
}

// TestDPoPProofReplayed: a proof sent once is refused the second time, at
// the resource and at the token endpoint (its jti was seen).
func TestDPoPProofReplayed(t *testing.T) {
	e, rec := dpopEnv(t, openidtest.Options{}, nil, nil)
	tok, err := e.p.Token(context.Background())
	require.NoError(t, err)
	status, _ := getResource(t, e.p.Client(), e.fake.ResourceURL())
	require.Equal(t, http.StatusOK, status)
	rr := rec.last(t, "/resource")

	status, code := rawResource(t, e.fake, e.fake.ResourceURL(), rr.auth, rr.proof)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_dpop_proof", code)

	tr := rec.last(t, "/token")
	c, _ := e.fake.App("client")
	req, err := http.NewRequest(http.MethodPost, e.fake.TokenURL(), strings.NewReader("grant_type=client_credentials"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("client", c.Secret)
	req.Header.Set("DPoP", tr.proof)
	resp, err := e.fake.Client().Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Contains(t, string(b), "invalid_dpop_proof")
	assert.NotEmpty(t, tok.AccessToken)
}

// TestDPoPProofForAnotherURL: a proof made for the resource is refused at
// the userinfo endpoint (htu), one for POST is refused for GET (htm), one
// whose ath names another token is refused; the right one is taken.
func TestDPoPProofForAnotherURL(t *testing.T) {
	key := newECKey(t)
	e, _ := dpopEnv(t, openidtest.Options{}, key, nil)
	tok, err := e.p.Token(context.Background())
	require.NoError(t, err)
	k, err := dpop.NewKey(key, "")
	require.NoError(t, err)
	now := e.clock.Now()

	// A proof for the resource, sent to userinfo (same server, other URL).
	proof, err := k.Proof(http.MethodGet, e.fake.ResourceURL(), "", tok.AccessToken, now)
	require.NoError(t, err)
	status, code := rawResource(t, e.fake, e.fake.Issuer()+"/userinfo", "DPoP "+tok.AccessToken, proof)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_dpop_proof", code)

	// A proof for POST, sent with GET.
	proof, err = k.Proof(http.MethodPost, e.fake.ResourceURL(), "", tok.AccessToken, now)
	require.NoError(t, err)
	status, code = rawResource(t, e.fake, e.fake.ResourceURL(), "DPoP "+tok.AccessToken, proof)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_dpop_proof", code)

	// A proof whose ath is another token's.
	proof, err = k.Proof(http.MethodGet, e.fake.ResourceURL(), "", "another-token", now)
	require.NoError(t, err)
	status, code = rawResource(t, e.fake, e.fake.ResourceURL(), "DPoP "+tok.AccessToken, proof)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_dpop_proof", code)

	// The right proof is taken: the checks above failed for their reason.
	proof, err = k.Proof(http.MethodGet, e.fake.ResourceURL(), "", tok.AccessToken, now)
	require.NoError(t, err)
	status, _ = rawResource(t, e.fake, e.fake.ResourceURL(), "DPoP "+tok.AccessToken, proof)
	assert.Equal(t, http.StatusOK, status)
}

// TestDPoPNonceRotation: a server that demands nonces answers the first
// token request use_dpop_nonce, and the provider retries once with the
// nonce; the nonce is remembered, so the resource takes the next request
// at once; after the server rotates its nonce mid-session, the resource
// answers use_dpop_nonce once and Client retries once with the new one;
// the next token request is retried once too.
func TestDPoPNonceRotation(t *testing.T) {
	e, _ := dpopEnv(t, openidtest.Options{DPoP: openidtest.DPoPOptions{Nonce: true}}, nil, nil)
	ctx := context.Background()
	tok, err := e.p.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, "DPoP", tok.TokenType)
	assert.Equal(t, 2, e.fake.Requests(openidtest.EndpointToken), "one use_dpop_nonce, one retry")

	// The resource server is not sent the token endpoint's nonce (RFC 9449
	// §9), though the fake serves both on one origin: it asks for its own.
	client := e.p.Client()
	status, _ := getResource(t, client, e.fake.ResourceURL())
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, 2, e.fake.Requests(openidtest.EndpointResource), "use_dpop_nonce, then one retry")
	status, _ = getResource(t, client, e.fake.ResourceURL())
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, 3, e.fake.Requests(openidtest.EndpointResource), "the resource server's nonce is remembered")

	e.fake.RotateDPoPNonce()
	status, _ = getResource(t, client, e.fake.ResourceURL())
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, 5, e.fake.Requests(openidtest.EndpointResource), "use_dpop_nonce, then one retry")

	require.NoError(t, e.p.InvalidateToken(ctx))
	e.fake.RotateDPoPNonce()
	_, err = e.p.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, 4, e.fake.Requests(openidtest.EndpointToken))
}

// TestDPoPNonceRetriedOnce: a server that asks for a new nonce every time
// gets one retry, and the error names use_dpop_nonce.
func TestDPoPNonceRetriedOnce(t *testing.T) {
	e, _ := dpopEnv(t, openidtest.Options{DPoP: openidtest.DPoPOptions{Nonce: true}}, nil, nil)
	// Rotate the nonce on every token request: each proof carries a stale one.
	rec := &rotatingBase{fake: e.fake}
	cfg := e.fake.Config("client")
	cfg.HTTPClient = &http.Client{Transport: rec}
	cfg.DPoP = &openid.DPoP{}
	cfg.Now = e.clock.Now
	p, err := openid.New(cfg)
	require.NoError(t, err)
	before := e.fake.Requests(openidtest.EndpointToken)
	_, err = p.Token(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, openid.ErrUseDPoPNonce)
	assert.Equal(t, 2, e.fake.Requests(openidtest.EndpointToken)-before)
}

// rotatingBase rotates the fake's nonce before each token request.
type rotatingBase struct{ fake *openidtest.Server }

func (r *rotatingBase) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/token") {
		r.fake.RotateDPoPNonce()
	}
	return r.fake.Client().Transport.RoundTrip(req)
}

// TestDPoPTokenBoundToAnotherKey: two providers with other keys share one
// cache and one cache key (two replicas configured with different keys):
// the second does not use the first's token — bound to another key — but
// fetches its own; the fake refuses the first's token with the second's
// proof.
func TestDPoPTokenBoundToAnotherKey(t *testing.T) {
	cache := tokencache.New(tokencache.Config{})
	k1, k2 := newECKey(t), newECKey(t)
	e, _ := dpopEnv(t, openidtest.Options{}, k1, func(c *openid.Config) { c.Cache = cache })
	ctx := context.Background()
	tok1, err := e.p.Token(ctx)
	require.NoError(t, err)

	cfg := e.fake.Config("client")
	cfg.Cache, cfg.Now, cfg.DPoP = cache, e.clock.Now, &openid.DPoP{Key: k2}
	p2, err := openid.New(cfg)
	require.NoError(t, err)
	tok2, err := p2.Token(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, tok1.AccessToken, tok2.AccessToken, "a token bound to another key is never used")
	assert.Equal(t, p2.DPoPThumbprint(), tok2.Extra(dpop.ExtraJKT))
	assert.Equal(t, 2, e.fake.Requests(openidtest.EndpointToken))

	status, _ := getResource(t, p2.Client(), e.fake.ResourceURL())
	assert.Equal(t, http.StatusOK, status)

	// The first token with the second key's proof: invalid_token.
	kk2, err := dpop.NewKey(k2, "")
	require.NoError(t, err)
	proof, err := kk2.Proof(http.MethodGet, e.fake.ResourceURL(), "", tok1.AccessToken, e.clock.Now())
	require.NoError(t, err)
	status, code := rawResource(t, e.fake, e.fake.ResourceURL(), "DPoP "+tok1.AccessToken, proof)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "invalid_token", code)

	// A Bearer token in the shared cache (a replica without DPoP) is not
	// used by a DPoP provider either.
	cfg3 := e.fake.Config("client")
	cfg3.Cache, cfg3.Now = cache, e.clock.Now
	p3, err := openid.New(cfg3)
	require.NoError(t, err)
	require.NoError(t, p3.InvalidateToken(ctx))
	tok3, err := p3.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok3.TokenType)
	tok4, err := p2.Token(ctx)
	require.NoError(t, err)
	assert.Equal(t, "DPoP", tok4.TokenType)
	assert.NotEqual(t, tok3.AccessToken, tok4.AccessToken)
}

// TestDPoPBearerRefused: a server that ignores DPoP answers a Bearer
// token; a provider with DPoP refuses it (ErrDPoPBearer).
func TestDPoPBearerRefused(t *testing.T) {
	e, _ := dpopEnv(t, openidtest.Options{DPoP: openidtest.DPoPOptions{Ignore: true}}, nil, nil)
	_, err := e.p.Token(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, openid.ErrDPoPBearer)
}

// TestDPoPRequiredByServer: a server that requires DPoP refuses a provider
// without it, and takes one with it.
func TestDPoPRequiredByServer(t *testing.T) {
	e := newEnv(t, openidtest.Options{DPoP: openidtest.DPoPOptions{Require: true}}, nil)
	_, err := e.p.Token(context.Background())
	assert.ErrorIs(t, err, oauthkit.ErrorCode("invalid_dpop_proof"))

	e2, _ := dpopEnv(t, openidtest.Options{DPoP: openidtest.DPoPOptions{Require: true}}, nil, nil)
	_, err = e2.p.Token(context.Background())
	assert.NoError(t, err)
}

// TestDPoPLogin: a login with DPoP sends dpop_jkt with the authorization
// request, redeems the code with a proof by that key, reads userinfo with
// the bound token (Complete), and refreshes with proofs (the public
// client's refresh token is bound too); a code bound to another key's
// dpop_jkt is refused.
func TestDPoPLogin(t *testing.T) {
	for _, nonce := range []bool{false, true} {
		t.Run(map[bool]string{false: "no-nonce", true: "nonce"}[nonce], func(t *testing.T) {
			e, _ := dpopEnv(t, openidtest.Options{
				DPoP: openidtest.DPoPOptions{Nonce: nonce},
				Apps: []openidtest.App{{ID: "spa", AuthMethod: openid.AuthNone}},
			}, nil, func(c *openid.Config) { c.Scopes = []string{"openid", "offline_access"} })
			ctx := context.Background()
			l, err := e.login(t)
			require.NoError(t, err)
			assert.Equal(t, e.p.DPoPThumbprint(), e.fake.LastAuthorization().Get("dpop_jkt"))
			assert.Equal(t, "DPoP", l.Token.TokenType)
			assert.Equal(t, "user-1", l.UserInfo.Subject)

			tok, err := e.p.Refresh(ctx, l.Token.RefreshToken)
			require.NoError(t, err)
			assert.Equal(t, "DPoP", tok.TokenType)
			assert.Equal(t, e.p.DPoPThumbprint(), tok.Extra(dpop.ExtraJKT))

			// Another key's provider cannot redeem this provider's code,
			// nor use its refresh token.
			cfg := e.fake.Config("spa")
			cfg.Scopes, cfg.Now, cfg.DPoP = []string{"openid", "offline_access"}, e.clock.Now, &openid.DPoP{}
			other, err := openid.New(cfg)
			require.NoError(t, err)
			ar, q := e.callback(t)
			_, err = oauthkit.Complete(ctx, other, ar, q)
			assert.ErrorIs(t, err, oauthkit.ErrorCode("invalid_dpop_proof"))
			_, err = other.Refresh(ctx, tok.RefreshToken)
			assert.ErrorIs(t, err, oauthkit.ErrorCode("invalid_dpop_proof"))

			src := e.p.UserTokenSource("user-1", tok)
			got, err := src.Token()
			require.NoError(t, err)
			assert.Equal(t, tok.AccessToken, got.AccessToken)
			_, err = other.UserTokenSource("user-1", tok).Token()
			assert.ErrorIs(t, err, openid.ErrDPoPKeyMismatch)
		})
	}
}

// TestDPoPKeyConfig: an unsupported key is a ConfigError on DPoP.
func TestDPoPKeyConfig(t *testing.T) {
	cfg := openid.Config{Issuer: "https://op.example", ClientID: "c", DPoP: &openid.DPoP{Key: newECKey(t), Algorithm: "RS256"}}
	_, err := openid.New(cfg)
	var ce *oauthkit.ConfigError
	require.True(t, errors.As(err, &ce), "%v", err)
	assert.Equal(t, "DPoP", ce.Field)
}

// nonceServer is one origin serving an authorization server (discovery,
// token endpoint) and resource servers (userinfo, /api), each demanding
// its own DPoP nonce and handing out the next with every answer, success
// or error (RFC 9449 §8, §9). It records each request as "path nonce".
type nonceServer struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	as, rs int      // the current nonces' numbers: as-N, rs-N
	algs   []string // dpop_signing_alg_values_supported; nil: not published
	calls  []string
	// token, when set, answers the token endpoint instead.
	token func(w http.ResponseWriter, r *http.Request, nonce string)
}

func newNonceServer(t *testing.T) *nonceServer {
	s := &nonceServer{t: t}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *nonceServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/.well-known/openid-configuration" {
		u := s.srv.URL
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"issuer": u, "authorization_endpoint": u + "/authorize",
			"token_endpoint": u + "/token", "jwks_uri": u + "/jwks", "userinfo_endpoint": u + "/userinfo",
			"dpop_signing_alg_values_supported": s.algs})
		return
	}
	nonce := ""
	if jws, err := jose.ParseSigned(r.Header.Get("DPoP"), []jose.SignatureAlgorithm{jose.ES256, jose.PS256}); err == nil {
		var c struct{ Nonce string }
		_ = json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &c)
		nonce = c.Nonce
	}
	if token := s.token; token != nil && r.URL.Path == "/token" {
		s.record(r.URL.Path + " " + nonce)
		token(w, r, nonce)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, r.URL.Path+" "+nonce)
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/token":
		if want := fmt.Sprint("as-", s.as); nonce != want {
			w.Header().Set("DPoP-Nonce", want)
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"use_dpop_nonce"}`))
			return
		}
		s.as++
		w.Header().Set("DPoP-Nonce", fmt.Sprint("as-", s.as))
		w.Write([]byte(`{"access_token":"at-` + fmt.Sprint(s.as) + `","token_type":"DPoP","expires_in":3600}`))
	case "/userinfo", "/api":
		if want := fmt.Sprint("rs-", s.rs); nonce != want {
			w.Header().Set("DPoP-Nonce", want)
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.rs++
		w.Header().Set("DPoP-Nonce", fmt.Sprint("rs-", s.rs))
		w.Write([]byte(`{"sub":"user-1"}`))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (s *nonceServer) record(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

// seen returns the requests recorded since the last call.
func (s *nonceServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = nil
	return c
}

// provider returns a DPoP provider for s: by discovery, or by Endpoints.
func (s *nonceServer) provider(t *testing.T, discover bool, mutate func(*openid.Config)) *openid.Provider {
	u := s.srv.URL
	cfg := openid.Config{ClientID: "c1", ClientSecret: oauthkit.Secret("s3cret"), AuthMethod: openid.AuthClientSecretPost,
		RedirectURL: "http://127.0.0.1/cb", HTTPClient: s.srv.Client(), DPoP: &openid.DPoP{}}
	if discover {
		cfg.Issuer = u
	} else {
		cfg.Endpoints = &oauthkit.Endpoints{Issuer: u, AuthURL: u + "/authorize", TokenURL: u + "/token", UserInfoURL: u + "/userinfo", JWKSURL: u + "/jwks"}
	}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := openid.New(cfg)
	require.NoError(t, err)
	return p
}

// TestDPoPNonceFromEveryAnswer: the nonce a server sends with an answer is
// the next proof's, whatever the answer's status (RFC 9449 §8.2, §9), and
// the authorization server's and the resource servers' are kept apart
// though they share an origin: after the first request to each server
// (use_dpop_nonce, one retry), every request goes through at the first
// try.
func TestDPoPNonceFromEveryAnswer(t *testing.T) {
	ctx := context.Background()
	bound := &oauth2.Token{AccessToken: "at-login", TokenType: "DPoP"}
	type step struct {
		do   string // "userinfo", "token" (a new one), "api" (through Client)
		want []string
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{{
		name: "userinfo keeps the retried answer's nonce and a success's",
		steps: []step{
			{"userinfo", []string{"/userinfo ", "/userinfo rs-0"}},
			{"userinfo", []string{"/userinfo rs-1"}},
			{"userinfo", []string{"/userinfo rs-2"}},
		},
	}, {
		name: "token endpoint and resources on one origin",
		steps: []step{
			{"token", []string{"/token ", "/token as-0"}},
			// No nonce of its own yet: none, never the authorization
			// server's (RFC 9449 §9).
			{"api", []string{"/api ", "/api rs-0"}},
			{"token", []string{"/token as-1"}},
			{"api", []string{"/api rs-1"}},
			{"userinfo", []string{"/userinfo rs-2"}},
			{"token", []string{"/token as-2"}},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNonceServer(t)
			p := s.provider(t, false, nil)
			client := p.Client()
			for i, st := range tc.steps {
				switch st.do {
				case "userinfo":
					_, err := p.FetchUserInfo(ctx, bound)
					require.NoError(t, err)
				case "token":
					require.NoError(t, p.InvalidateToken(ctx))
					_, err := p.Token(ctx)
					require.NoError(t, err)
				case "api":
					status, _ := getResource(t, client, s.srv.URL+"/api")
					require.Equal(t, http.StatusOK, status)
				}
				assert.Equal(t, st.want, s.seen(), "step %d: %s", i, st.do)
			}
		})
	}
}

// TestDPoPTokenRetryNonce: the token request sent again after
// use_dpop_nonce carries the nonce of that error answer (RFC 9449 §8.1),
// even when another answer of the server — here a refresh answered while
// the first request's error was being reported — has left another nonce
// in the provider's memory since.
func TestDPoPTokenRetryNonce(t *testing.T) {
	s := newNonceServer(t)
	s.token = func(w http.ResponseWriter, r *http.Request, nonce string) {
		w.Header().Set("Content-Type", "application/json")
		r.ParseForm()
		switch {
		case r.PostForm.Get("grant_type") == "refresh_token":
			w.Header().Set("DPoP-Nonce", "as-later")
			w.Write([]byte(`{"access_token":"at-r","token_type":"DPoP","expires_in":3600}`))
		case nonce != "as-asked":
			w.Header().Set("DPoP-Nonce", "as-asked")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"use_dpop_nonce"}`))
		default:
			w.Write([]byte(`{"access_token":"at-c","token_type":"DPoP","expires_in":3600}`))
		}
	}
	var p *openid.Provider
	var once sync.Once
	p = s.provider(t, false, func(c *openid.Config) {
		c.Metrics = &oauthkit.Metrics{TokenRequest: func(ctx context.Context, info oauthkit.TokenRequestInfo) {
			if info.ErrorCode == string(openid.ErrUseDPoPNonce) {
				once.Do(func() {
					_, err := p.Refresh(ctx, "rt-1")
					assert.NoError(t, err)
				})
			}
		}}
	})
	tok, err := p.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "at-c", tok.AccessToken)
	assert.Equal(t, []string{"/token ", "/token as-asked", "/token as-asked"}, s.seen())
}

// TestDPoPAlgorithmNotSupported: a server whose metadata lists the DPoP
// algorithms it takes, without the key's, is a configuration error at the
// first token request or authorization request, before anything reaches
// the server's endpoints (RFC 9449 §5.1); a listed algorithm, or no list,
// goes ahead.
func TestDPoPAlgorithmNotSupported(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		key     crypto.Signer
		alg     string
		algs    []string
		wantErr bool
	}{
		{"RSA default PS256 at an ES256 server", rsaKey, "", []string{"ES256"}, true},
		{"RS256 at an ES256 server", rsaKey, "RS256", []string{"ES256"}, true},
		{"RSA PS256 listed", rsaKey, "", []string{"ES256", "PS256"}, false},
		{"ES256 listed", newECKey(t), "", []string{"ES256"}, false},
		{"no list published", rsaKey, "", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newNonceServer(t)
			s.algs = tc.algs
			p := s.provider(t, true, func(c *openid.Config) { c.DPoP = &openid.DPoP{Key: tc.key, Algorithm: tc.alg} })
			ctx := context.Background()
			_, tokErr := p.Token(ctx)
			_, authErr := p.AuthCodeURL(ctx)
			if !tc.wantErr {
				assert.NoError(t, tokErr)
				assert.NoError(t, authErr)
				return
			}
			for _, err := range []error{tokErr, authErr} {
				require.Error(t, err)
				assert.ErrorIs(t, err, openid.ErrDPoPAlgorithm)
				var ce *oauthkit.ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, "DPoP", ce.Field)
				assert.Contains(t, err.Error(), "dpop_signing_alg_values_supported")
			}
			assert.Empty(t, s.seen(), "nothing but discovery reached the server")
		})
	}
}
