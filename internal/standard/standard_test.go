package standard_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
)

// TestVendorExceptions: the Options a vendor sets for its documented
// differences reach the wire — raw Basic credentials and its advice on
// errors — on a server configured by its endpoints.
func TestVendorExceptions(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_grant"}`))
	}))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		name  string
		style oauthwire.AuthStyle
		want  string
	}{
		{"RFC 6749 Basic", 0, "my+app:s%2Bcret"},
		{"raw Basic", oauthwire.AuthBasicRaw, "my app:s+cret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := standard.New(standard.Options{
				Name: "vendor", Endpoints: &oauthkit.Endpoints{TokenURL: srv.URL + "/token"},
				ClientID: "my app", ClientSecret: "s+cret", BasicStyle: tt.style,
				Advise: func(e *oauthkit.Error) string { return "the vendor's documented cause" },
			}, oauthwire.New("vendor", oauthwire.Options{}))
			_, err := p.ClientCredentials(context.Background())
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "the vendor's documented cause", e.Advice)
			assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(tt.want)), auth)
		})
	}
}

// The options a vendor built before the engine sets to keep its behaviour:
// its own metadata source, a token endpoint outside the metadata, Redeem
// after its own AuthRequest checks, and the Unchanged behaviour.
func TestVendorSources(t *testing.T) {
	var tokenRequests int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenRequests++
		w.Header().Set("Content-Type", "application/json")
		switch r.PostFormValue("refresh_token") {
		case "rt-with-id-token":
			w.Write([]byte(`{"access_token":"a","token_type":"Bearer","expires_in":60,"id_token":"not-a-jwt"}`))
			return
		case "rt-rotated-with-id-token":
			w.Write([]byte(`{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token":"rt-next","id_token":"not-a-jwt"}`))
			return
		}
		w.Write([]byte(`{"access_token":"a","token_type":"Bearer","expires_in":60}`))
	}))
	t.Cleanup(srv.Close)
	wire := oauthwire.New("vendor", oauthwire.Options{})
	var metadataCalls int
	md := discovery.Static(oauthkit.Endpoints{Issuer: srv.URL, AuthURL: srv.URL + "/auth", TokenURL: srv.URL + "/discovered-token"}, wire.HTTP)
	source := func(context.Context) (*discovery.Metadata, error) { metadataCalls++; return md, nil }
	newProvider := func(o standard.Options) *standard.Provider {
		o.Name, o.OpenID, o.ClientID, o.RedirectURL, o.Metadata = "vendor", true, "app", "https://app.example/cb", source
		return standard.New(o, wire)
	}
	ctx := context.Background()

	t.Run("TokenURL without metadata", func(t *testing.T) {
		metadataCalls = 0
		p := newProvider(standard.Options{TokenURL: srv.URL + "/token", AuthMethod: standard.MethodNone})
		_, err := p.Refresh(ctx, "rt")
		require.NoError(t, err)
		assert.Zero(t, metadataCalls)
	})
	t.Run("refreshed ID token verified", func(t *testing.T) {
		p := newProvider(standard.Options{TokenURL: srv.URL + "/token", AuthMethod: standard.MethodNone})
		_, err := p.Refresh(ctx, "rt-with-id-token")
		require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
		assert.NotErrorIs(t, err, oauthkit.ErrRefreshTokenSpent, "the answer kept the refresh token: it may be sent again")
		assert.False(t, oauthkit.NeedsLogin(err))

		_, err = p.Refresh(ctx, "rt-rotated-with-id-token")
		require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
		require.ErrorIs(t, err, oauthkit.ErrRefreshTokenSpent, "the answer rotated the refresh token: the one sent is spent")
		assert.True(t, oauthkit.NeedsLogin(err))
	})
	t.Run("max_age", func(t *testing.T) {
		metadataCalls = 0
		_, err := newProvider(standard.Options{}).AuthCodeURL(ctx, oauthkit.WithParam("max_age", "60"))
		require.Error(t, err)
		ar, err := newProvider(standard.Options{Unchanged: standard.Unchanged{MaxAgeParam: true}}).AuthCodeURL(ctx, oauthkit.WithParam("max_age", "60"))
		require.NoError(t, err)
		assert.Contains(t, ar.URL, "max_age=60")
		assert.Equal(t, 1, metadataCalls, "the vendor's source")
	})
	t.Run("Redeem after the vendor's checks", func(t *testing.T) {
		p := newProvider(standard.Options{AuthMethod: standard.MethodNone})
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		require.NoError(t, ar.UseForExchange(time.Now()))
		_, err = p.Exchange(ctx, "code", ar)
		require.Error(t, err, "Exchange checks the AuthRequest, spent already")
		tokenRequests = 0
		_, err = p.Redeem(ctx, "code", ar)
		require.NoError(t, err)
		assert.Equal(t, 1, tokenRequests)
	})
}

// An ID token without sub or iat is refused (OpenID Connect Core §2
// requires both), whatever the vendor: webuntis and licensespring once
// accepted one.
func TestIDTokenRequiresSubAndIat(t *testing.T) {
	key := fakeidp.NewKey("k1")
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(fakeidp.JWKS(key))
	}))
	t.Cleanup(jwks.Close)
	now := time.Now()
	wire := oauthwire.New("vendor", oauthwire.Options{})
	md := discovery.Static(oauthkit.Endpoints{Issuer: "https://idp.example", JWKSURL: jwks.URL}, wire.HTTP)
	p := standard.New(standard.Options{
		Name: "vendor", OpenID: true, ClientID: "app",
		Metadata: func(context.Context) (*discovery.Metadata, error) { return md, nil },
	}, wire)
	claims := func(drop string) map[string]any {
		c := map[string]any{"iss": "https://idp.example", "aud": "app", "sub": "u1", "nonce": "n", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
		delete(c, drop)
		return c
	}
	idt, err := p.VerifyIDToken(context.Background(), key.Sign(claims("")), "n")
	require.NoError(t, err)
	assert.Equal(t, "u1", idt.Subject)
	for _, drop := range []string{"sub", "iat"} {
		_, err := p.VerifyIDToken(context.Background(), key.Sign(claims(drop)), "n")
		require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken, "without %s", drop)
	}
}
