package dpop

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// parse verifies proof with the jwk of its own header, as a server does
// (RFC 9449 §4.3), and returns its header and claims.
func parse(t *testing.T, proof string) (jose.Header, map[string]any) {
	t.Helper()
	jws, err := jose.ParseSigned(proof, []jose.SignatureAlgorithm{jose.ES256, jose.ES384, jose.PS256, jose.RS256, jose.EdDSA})
	require.NoError(t, err)
	h := jws.Signatures[0].Header
	require.NotNil(t, h.JSONWebKey)
	require.True(t, h.JSONWebKey.IsPublic(), "the header holds the public key only")
	payload, err := jws.Verify(h.JSONWebKey)
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(payload, &c))
	return h, c
}

// TestProof: a proof is a JWS typ dpop+jwt signed by the key in its
// header, with htm, htu without query and fragment, iat, a fresh jti each
// time, the nonce when given, and ath only with an access token.
func TestProof(t *testing.T) {
	k, err := NewKey(nil, "")
	require.NoError(t, err)
	assert.Equal(t, "ES256", k.Algorithm())
	now := time.Unix(1_700_000_000, 0)
	p1, err := k.Proof("GET", "HTTPS://RS.Example.com/api/x?q=1#frag", "n-1", "at-1", now)
	require.NoError(t, err)
	h, c := parse(t, p1)
	assert.Equal(t, "dpop+jwt", h.ExtraHeaders[jose.HeaderType])
	assert.Equal(t, "ES256", h.Algorithm)
	assert.Equal(t, "GET", c["htm"])
	assert.Equal(t, "https://rs.example.com/api/x", c["htu"])
	assert.Equal(t, float64(now.Unix()), c["iat"])
	assert.Equal(t, "n-1", c["nonce"])
	sum := sha256.Sum256([]byte("at-1"))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), c["ath"])
	tp, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	require.NoError(t, err)
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(tp), k.Thumbprint())

	p2, err := k.Proof("POST", "https://as.example.com/token", "", "", now)
	require.NoError(t, err)
	_, c2 := parse(t, p2)
	assert.NotEqual(t, c["jti"], c2["jti"], "jti is unique")
	assert.NotContains(t, c2, "ath")
	assert.NotContains(t, c2, "nonce")

	_, err = k.Proof("GET", "/relative", "", "", now)
	assert.Error(t, err)
}

// TestNewKey: each key type gets its algorithm; a key that does not fit
// the algorithm, a small RSA key and an unknown type are refused.
func TestNewKey(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		key     crypto.Signer
		alg     string
		want    string
		wantErr bool
	}{
		{ec, "", "ES256", false},
		{ec384, "", "ES384", false},
		{rk, "", "PS256", false},
		{rk, "RS256", "RS256", false},
		{ed, "", "EdDSA", false},
		{ec, "RS256", "", true},
		{rk, "ES256", "", true},
	} {
		t.Run(fmt.Sprintf("%T-%s", tc.key, tc.alg), func(t *testing.T) {
			k, err := NewKey(tc.key, tc.alg)
			if tc.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, k.Algorithm())
			p, err := k.Proof("GET", "https://rs.example/", "", "", time.Now())
			require.NoError(t, err)
			parse(t, p)
		})
	}
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	_, err := NewKey(small, "")
	assert.Error(t, err)
}

// TestCheckAlgorithm: a server's dpop_signing_alg_values_supported that
// does not hold the key's algorithm is ErrAlgorithm; one that does, or
// none, is fine.
func TestCheckAlgorithm(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	k, err := NewKey(rk, "") // PS256
	require.NoError(t, err)
	for _, tc := range []struct {
		supported []string
		wantErr   bool
	}{
		{nil, false},
		{[]string{"ES256", "PS256"}, false},
		{[]string{"ES256"}, true},
		{[]string{"ps256"}, true}, // JWS algorithm names are case-sensitive
	} {
		err := k.CheckAlgorithm(tc.supported)
		if tc.wantErr {
			assert.ErrorIs(t, err, ErrAlgorithm, "%q", tc.supported)
			assert.ErrorContains(t, err, "PS256")
		} else {
			assert.NoError(t, err, "%q", tc.supported)
		}
	}
}

// TestNonces: one nonce per server role and origin, bounded; bad values
// ignored; a resource server without a nonce of its own gets none, not
// its origin's authorization server's.
func TestNonces(t *testing.T) {
	var n Nonces
	assert.True(t, n.Set(AuthorizationServer, "https://a.example/token?x", "as-1"))
	assert.Equal(t, "as-1", n.Get(AuthorizationServer, "https://A.example/other"))
	assert.Equal(t, "", n.Get(ResourceServer, "https://a.example/api"), "no nonce of its own yet: never the authorization server's")
	assert.Equal(t, "", n.Get(AuthorizationServer, "https://b.example/"))
	assert.Equal(t, "", n.Get(ResourceServer, "https://b.example/"))

	// The resource server's nonce and the authorization server's, on one
	// origin, never overwrite each other (RFC 9449 §9).
	assert.Equal(t, "rs-1", n.Update(ResourceServer, "https://a.example/userinfo", http.Header{"Dpop-Nonce": {"rs-1"}}))
	assert.Equal(t, "rs-1", n.Get(ResourceServer, "https://a.example/api"))
	assert.Equal(t, "as-1", n.Get(AuthorizationServer, "https://a.example/token"))
	n.Set(AuthorizationServer, "https://a.example/token", "as-2")
	assert.Equal(t, "rs-1", n.Get(ResourceServer, "https://a.example/api"))
	assert.Equal(t, "as-2", n.Get(AuthorizationServer, "https://a.example/token"))

	for _, bad := range []string{"", "bad nonce", `"q"`, `a\b`, strings.Repeat("n", maxNonceLen+1)} {
		assert.False(t, n.Set(AuthorizationServer, "https://a.example/", bad), "%.20q", bad)
		assert.Equal(t, "", n.Update(AuthorizationServer, "https://a.example/", http.Header{"Dpop-Nonce": {bad}}))
	}
	assert.Equal(t, "as-2", n.Get(AuthorizationServer, "https://a.example/"))
	assert.Equal(t, "", n.Update(AuthorizationServer, "https://a.example/", http.Header{}))

	for i := range maxNonces + 10 {
		n.Set(ResourceServer, fmt.Sprintf("https://h%d.example/", i), "v")
	}
	assert.LessOrEqual(t, len(n.m), maxNonces)
	assert.Equal(t, "", n.Get(AuthorizationServer, "https://a.example/"), "the oldest is forgotten")
}

// TestTransport: the token goes as DPoP with a proof carrying ath; a
// use_dpop_nonce challenge is answered by one retry with the nonce, a body
// sent again; a second challenge is the answer; invalid_token renews the
// token once.
func TestTransport(t *testing.T) {
	k, err := NewKey(nil, "")
	require.NoError(t, err)
	var calls atomic.Int32
	nonce := "n-1"
	rotateEvery := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		at, _ := strings.CutPrefix(r.Header.Get("Authorization"), "DPoP ")
		_, c := parse(t, r.Header.Get("DPoP"))
		if at == "old" {
			w.Header().Set("WWW-Authenticate", `DPoP error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if rotateEvery {
			nonce += "x"
		}
		if c["nonce"] != nonce {
			w.Header().Set("DPoP-Nonce", nonce)
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		assert.Equal(t, ATH(at), c["ath"])
		b := make([]byte, 10)
		n, _ := r.Body.Read(b)
		w.Write(b[:n])
	}))
	defer srv.Close()
	cur := &oauth2.Token{AccessToken: "old", TokenType: "DPoP"}
	tr := &Transport{Key: k, Nonces: &Nonces{}, Base: srv.Client().Transport, Prefix: "test",
		Token: func(ctx context.Context) (*oauth2.Token, error) { return cur, nil },
		Renew: func(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
			cur = &oauth2.Token{AccessToken: "new", TokenType: "DPoP"}
			return cur, nil
		}}
	hc := &http.Client{Transport: tr}

	resp, err := hc.Post(srv.URL+"/x", "text/plain", strings.NewReader("body"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int32(3), calls.Load(), "invalid_token, use_dpop_nonce, then the answer")

	calls.Store(0)
	resp, err = hc.Get(srv.URL + "/x")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int32(1), calls.Load(), "the nonce is remembered")

	calls.Store(0)
	rotateEvery = true
	resp, err = hc.Get(srv.URL + "/x")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Equal(t, int32(2), calls.Load(), "one retry, never a loop")
}

// TestTransportNonces: what each request's proof carries and how often
// it is sent, for a resource server that hands out nonces in several ways.
// The nonce of a success is kept for the next request (RFC 9449 §9); a
// use_dpop_nonce that names the nonce the proof already carried is not
// retried (the same proof nonce would be refused again); a request
// without a Method is signed with htm GET, the method net/http sends
// (§4.2, §4.3 step 8).
func TestTransportNonces(t *testing.T) {
	type seen struct{ method, htm, nonce string }
	for _, tc := range []struct {
		name string
		// answer answers the i-th request (from 0) given its proof's nonce.
		answer     func(w http.ResponseWriter, i int, nonce string)
		method     string
		requests   int // how many are sent, one after the other
		wantStatus int // of the last
		want       []seen
	}{{
		name: "success nonce kept",
		answer: func(w http.ResponseWriter, i int, nonce string) {
			if want := fmt.Sprint("n-", i); i > 0 && nonce != want {
				w.Header().Set("DPoP-Nonce", want)
				w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("DPoP-Nonce", fmt.Sprint("n-", i+1)) // the next request's
		},
		method: http.MethodGet, requests: 3, wantStatus: http.StatusOK,
		want: []seen{{"GET", "GET", ""}, {"GET", "GET", "n-1"}, {"GET", "GET", "n-2"}},
	}, {
		name: "same nonce not retried",
		answer: func(w http.ResponseWriter, i int, nonce string) {
			// Asks for the nonce the proof carried: a server that
			// lost it, or a confused one; resending it cannot help.
			w.Header().Set("DPoP-Nonce", "stuck")
			if i > 0 {
				w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce"`)
				w.WriteHeader(http.StatusUnauthorized)
			}
		},
		method: http.MethodGet, requests: 2, wantStatus: http.StatusUnauthorized,
		want: []seen{{"GET", "GET", ""}, {"GET", "GET", "stuck"}},
	}, {
		name:   "empty method signed as GET",
		answer: func(w http.ResponseWriter, i int, nonce string) {},
		method: "", requests: 1, wantStatus: http.StatusOK,
		want: []seen{{"GET", "GET", ""}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := NewKey(nil, "")
			require.NoError(t, err)
			var got []seen
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, c := parse(t, r.Header.Get("DPoP"))
				nonce, _ := c["nonce"].(string)
				got = append(got, seen{r.Method, fmt.Sprint(c["htm"]), nonce})
				tc.answer(w, len(got)-1, nonce)
			}))
			defer srv.Close()
			tok := &oauth2.Token{AccessToken: "at", TokenType: "DPoP"}
			hc := &http.Client{Transport: &Transport{Key: k, Nonces: &Nonces{}, Base: srv.Client().Transport, Prefix: "test",
				Token: func(context.Context) (*oauth2.Token, error) { return tok, nil }}}
			var status int
			for range tc.requests {
				req, err := http.NewRequest(http.MethodGet, srv.URL+"/api?q=1", nil)
				require.NoError(t, err)
				req.Method = tc.method
				resp, err := hc.Do(req)
				require.NoError(t, err)
				resp.Body.Close()
				status = resp.StatusCode
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantStatus, status)
		})
	}
}

// BenchmarkProof times one proof (ES256, with ath): the client's cost per
// DPoP request.
func BenchmarkProof(b *testing.B) {
	k, err := NewKey(nil, "")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Proof("GET", "https://rs.example/api?x=1", "nonce", "access-token", now); err != nil {
			b.Fatal(err)
		}
	}
}
