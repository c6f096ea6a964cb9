package oauthkit_test

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

const (
	stubIssuer = "https://idp.example"
	stubClient = "client-1"
)

var stubNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func stubClock() time.Time { return stubNow }

// stubProvider is an OIDC provider whose token endpoint answers with a
// configurable ID token, verified for real with go-oidc.
type stubProvider struct {
	key       *fakeidp.Key
	claims    map[string]any // of the ID token the exchange returns; nil: no id_token
	exchanged []string       // codes seen
}

func newStub() *stubProvider {
	return &stubProvider{key: fakeidp.SharedKey()}
}

func (s *stubProvider) Name() string { return "stub" }
func (s *stubProvider) Discover(context.Context) (*oauthkit.Endpoints, error) {
	return &oauthkit.Endpoints{Issuer: stubIssuer}, nil
}
func (s *stubProvider) AuthCodeURL(context.Context, ...oauthkit.AuthOption) (*oauthkit.AuthRequest, error) {
	return &oauthkit.AuthRequest{Provider: "stub", State: "state-123", Nonce: "nonce-456", IssuedAt: stubNow, Now: stubClock}, nil
}
func (s *stubProvider) Exchange(_ context.Context, code string, _ *oauthkit.AuthRequest) (*oauth2.Token, error) {
	s.exchanged = append(s.exchanged, code)
	tok := &oauth2.Token{AccessToken: "at-1", TokenType: "Bearer"}
	if s.claims == nil {
		return tok, nil
	}
	return tok.WithExtra(map[string]any{"id_token": s.key.Sign(s.claims)}), nil
}
func (s *stubProvider) ClientCredentials(context.Context) (*oauth2.Token, error) {
	return nil, errors.ErrUnsupported
}
func (s *stubProvider) Refresh(context.Context, string) (*oauth2.Token, error) {
	return nil, errors.ErrUnsupported
}
func (s *stubProvider) VerifyIDToken(ctx context.Context, raw, nonce string) (*oidc.IDToken, error) {
	keys := &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{s.key.Private.Public()}}
	return discovery.NewVerifier("stub", stubIssuer, stubClient, keys, func() time.Time { return stubNow }).Verify(ctx, raw, nonce)
}

func goodClaims() map[string]any {
	return map[string]any{
		"iss": stubIssuer, "sub": "user-1", "aud": stubClient, "nonce": "nonce-456",
		"exp": stubNow.Add(time.Minute).Unix(), "iat": stubNow.Unix(),
		"email": "ada@example.org", "given_name": "Ada", "family_name": "Lovelace",
	}
}

func callback(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}

func TestCompleteSucceeds(t *testing.T) {
	p := newStub()
	p.claims = goodClaims()
	ar, _ := p.AuthCodeURL(context.Background())

	login, err := oauthkit.Complete(context.Background(), p, ar, callback("code", "c-1", "state", "state-123"))
	require.NoError(t, err)
	assert.Equal(t, []string{"c-1"}, p.exchanged)
	assert.Equal(t, "user-1", login.UserInfo.Subject)
	assert.Equal(t, "ada@example.org", login.UserInfo.Email)
	assert.Equal(t, "Ada Lovelace", login.UserInfo.Name)
	assert.Equal(t, "user-1", login.IDToken.Subject)
	assert.Equal(t, "at-1", login.Token.AccessToken)

	out := fmt.Sprintf("%v %+v %s", login, login, login)
	providertest.Text(t, "formatted Login", out, "at-1")
	assert.Contains(t, out, "user-1")
}

func TestCompleteRefuses(t *testing.T) {
	tests := []struct {
		name     string
		claims   func(map[string]any)
		noIDTok  bool
		callback url.Values
		want     error
	}{
		{name: "missing state", callback: callback("code", "c"), want: oauthkit.ErrStateMismatch},
		{name: "tampered state", callback: callback("code", "c", "state", "state-124"), want: oauthkit.ErrStateMismatch},
		{name: "state prefix", callback: callback("code", "c", "state", "state-12"), want: oauthkit.ErrStateMismatch},
		{name: "repeated state", callback: callback("code", "c", "state", "state-123", "state", "evil"), want: oauthkit.ErrStateMismatch},
		{name: "error with wrong state", callback: callback("error", "access_denied", "state", "nope"), want: oauthkit.ErrStateMismatch},
		{name: "error redirect", callback: callback("error", "access_denied", "error_description", "no", "state", "state-123"), want: oauthkit.ErrAccessDenied},
		{name: "error redirect without state", callback: callback("error", "access_denied", "message", "denied", "hint", "The user denied the request"), want: oauthkit.ErrAccessDenied},
		{name: "no code", callback: callback("state", "state-123"), want: oauthkit.ErrMissingCode},
		{name: "repeated code", callback: callback("state", "state-123", "code", "a", "code", "b"), want: oauthkit.ErrMissingCode},
		{name: "no id_token", noIDTok: true, callback: callback("code", "c", "state", "state-123"), want: oauthkit.ErrMissingIDToken},
		{name: "wrong nonce", claims: func(c map[string]any) { c["nonce"] = "other" }, callback: callback("code", "c", "state", "state-123"), want: oauthkit.ErrNonceMismatch},
		{name: "no nonce", claims: func(c map[string]any) { delete(c, "nonce") }, callback: callback("code", "c", "state", "state-123"), want: oauthkit.ErrNonceMismatch},
		{name: "wrong audience", claims: func(c map[string]any) { c["aud"] = "client-2" }, callback: callback("code", "c", "state", "state-123"), want: oauthkit.ErrIDTokenAudience},
		{name: "foreign azp", claims: func(c map[string]any) { c["aud"] = []string{stubClient, "client-2"}; c["azp"] = "client-2" }, callback: callback("code", "c", "state", "state-123"), want: oauthkit.ErrIDTokenAudience},
		{name: "wrong issuer", claims: func(c map[string]any) { c["iss"] = "https://evil.example" }, callback: callback("code", "c", "state", "state-123"), want: oauthkit.ErrIDTokenIssuer},
		{name: "expired", claims: func(c map[string]any) { c["exp"] = stubNow.Add(-time.Second).Unix() }, callback: callback("code", "c", "state", "state-123"), want: oauthkit.ErrIDTokenExpired},
		{name: "not yet valid", claims: func(c map[string]any) { c["nbf"] = stubNow.Add(time.Hour).Unix() }, callback: callback("code", "c", "state", "state-123"), want: oauthkit.ErrIDTokenExpired},
		{name: "issued in the future", claims: func(c map[string]any) {
			c["iat"] = stubNow.Add(time.Hour).Unix()
			c["exp"] = stubNow.Add(2 * time.Hour).Unix()
		}, callback: callback("code", "c", "state", "state-123"), want: oauthkit.ErrIDTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newStub()
			if !tt.noIDTok {
				p.claims = goodClaims()
				if tt.claims != nil {
					tt.claims(p.claims)
				}
			}
			ar, _ := p.AuthCodeURL(context.Background())
			login, err := oauthkit.Complete(context.Background(), p, ar, tt.callback)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, login)
			if errors.Is(tt.want, oauthkit.ErrStateMismatch) || errors.Is(err, oauthkit.ErrAccessDenied) || errors.Is(err, oauthkit.ErrMissingCode) {
				assert.Empty(t, p.exchanged, "nothing is exchanged before the callback checks pass")
			}
		})
	}
}

func TestCompleteErrorRedirectKeepsVendorText(t *testing.T) {
	p := newStub()
	ar, _ := p.AuthCodeURL(context.Background())
	_, err := oauthkit.Complete(context.Background(), p, ar, callback(
		"error", "access_denied",
		"message", "The resource owner or authorization server denied the request.",
		"hint", "The user denied the request\nFAKE LOG LINE"))
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "stub", e.Provider)
	assert.Equal(t, "authorize", e.Op)
	assert.Equal(t, "The resource owner or authorization server denied the request.", e.Message)
	assert.Equal(t, "The user denied the request FAKE LOG LINE", e.Hint, "control characters are folded")
}

func TestCompleteStateIsSingleUse(t *testing.T) {
	p := newStub()
	p.claims = goodClaims()
	ar, _ := p.AuthCodeURL(context.Background())
	cb := callback("code", "c", "state", "state-123")

	_, err := oauthkit.Complete(context.Background(), p, ar, cb)
	require.NoError(t, err)
	_, err = oauthkit.Complete(context.Background(), p, ar, cb)
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch)
	assert.Len(t, p.exchanged, 1, "a replayed callback is not exchanged")
}

func TestCompleteRefusesAnotherProvidersRequest(t *testing.T) {
	p := newStub()
	ar := &oauthkit.AuthRequest{Provider: "webuntis", State: "s"}
	_, err := oauthkit.Complete(context.Background(), p, ar, callback("code", "c", "state", "s"))
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch)
	_, err = oauthkit.Complete(context.Background(), p, nil, callback("code", "c", "state", "s"))
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch)
	_, err = oauthkit.Complete(context.Background(), p, &oauthkit.AuthRequest{Provider: "stub"}, callback("code", "c", "state", ""))
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch, "an empty expected state matches nothing")
}

// userInfoStub adds a profile endpoint to the stub.
type userInfoStub struct {
	*stubProvider
	profile oauthkit.UserInfo
}

func (u userInfoStub) FetchUserInfo(context.Context, *oauth2.Token) (*oauthkit.UserInfo, error) {
	return &u.profile, nil
}

func TestCompleteMergesUserInfo(t *testing.T) {
	p := userInfoStub{stubProvider: newStub(), profile: oauthkit.UserInfo{Subject: "user-1", Name: "Profile Name", Raw: map[string]any{"locale": "de"}}}
	p.claims = goodClaims()
	delete(p.claims, "given_name")
	delete(p.claims, "family_name")
	ar, _ := p.AuthCodeURL(context.Background())
	login, err := oauthkit.Complete(context.Background(), p, ar, callback("code", "c", "state", "state-123"))
	require.NoError(t, err)
	assert.Equal(t, "Profile Name", login.UserInfo.Name, "the profile fills what the ID token lacks")
	assert.Equal(t, "ada@example.org", login.UserInfo.Email, "the verified ID token wins")
	assert.Equal(t, "de", login.UserInfo.Raw["locale"])
	assert.Equal(t, "user-1", login.UserInfo.Raw["sub"])

	p.profile.Subject = "user-2"
	ar, _ = p.AuthCodeURL(context.Background())
	_, err = oauthkit.Complete(context.Background(), p, ar, callback("code", "c", "state", "state-123"))
	require.ErrorIs(t, err, oauthkit.ErrSubjectMismatch)
}

func TestAuthRequestNeverPrintsItsSecrets(t *testing.T) {
	ar := &oauthkit.AuthRequest{Provider: "stub", State: "state-secret", Nonce: "nonce-secret", CodeVerifier: "verifier-secret", RedirectURL: "https://app.example/cb"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, ar)
		providertest.Text(t, verb+" of AuthRequest", out, "state-secret", "nonce-secret", "verifier-secret")
		assert.Contains(t, out, "https://app.example/cb", verb)
	}
}

func TestAuthOptions(t *testing.T) {
	o := oauthkit.CollectAuthOptions([]oauthkit.AuthOption{
		oauthkit.WithScopes("a", "b"), oauthkit.WithScopes("c"), nil,
		oauthkit.WithParam("ui_locales", "de"), oauthkit.WithPrompt("login"), oauthkit.WithLoginHint("ada"),
	})
	assert.Equal(t, []string{"a", "b", "c"}, o.Scopes)
	assert.Equal(t, "de", o.Params.Get("ui_locales"))
	assert.Equal(t, "login", o.Prompt)
	assert.Equal(t, "ada", o.LoginHint)
}
