package tokencache_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

func baseParts() tokencache.KeyParts {
	return tokencache.KeyParts{
		Vendor:     "webuntis",
		Endpoint:   "https://example.webuntis.com/WebUntis/api/sso/token",
		Tenant:     "school-42",
		ClientID:   "client-1",
		Flow:       "client_credentials",
		Scopes:     []string{"openid", "roster.read"},
		Credential: "correct horse battery staple",
	}
}

func TestKey(t *testing.T) {
	base := tokencache.Key(baseParts())
	tests := []struct {
		name   string
		change func(p *tokencache.KeyParts)
		same   bool
	}{
		{name: "scopes in another order", change: func(p *tokencache.KeyParts) { p.Scopes = []string{"roster.read", "openid"} }, same: true},
		{name: "duplicate scopes", change: func(p *tokencache.KeyParts) { p.Scopes = []string{"openid", "roster.read", "openid"} }, same: true},
		{name: "space-separated scopes", change: func(p *tokencache.KeyParts) { p.Scopes = []string{"roster.read openid"} }, same: true},
		{name: "empty scope strings", change: func(p *tokencache.KeyParts) { p.Scopes = append(p.Scopes, "", " ") }, same: true},
		{name: "another credential", change: func(p *tokencache.KeyParts) { p.Credential = "correct horse battery staple!" }},
		{name: "no credential", change: func(p *tokencache.KeyParts) { p.Credential = "" }},
		{name: "a hash key", change: func(p *tokencache.KeyParts) { p.HashKey = []byte("deployment secret") }},
		{name: "another vendor", change: func(p *tokencache.KeyParts) { p.Vendor = "justimmo" }},
		{name: "another endpoint", change: func(p *tokencache.KeyParts) { p.Endpoint += "2" }},
		{name: "another tenant", change: func(p *tokencache.KeyParts) { p.Tenant = "school-43" }},
		{name: "another client", change: func(p *tokencache.KeyParts) { p.ClientID = "client-2" }},
		{name: "another flow", change: func(p *tokencache.KeyParts) { p.Flow = "refresh_token" }},
		{name: "fewer scopes", change: func(p *tokencache.KeyParts) { p.Scopes = p.Scopes[:1] }},
		{name: "no scopes", change: func(p *tokencache.KeyParts) { p.Scopes = nil }},
		{name: "a user", change: func(p *tokencache.KeyParts) { p.User = "ada@example.org" }},
		// Separators inside parts must not make two identities collide.
		{name: "separator moved between parts", change: func(p *tokencache.KeyParts) { p.Tenant, p.ClientID = "school-42|client-1", "" }},
		{name: "scope separator inside a scope", change: func(p *tokencache.KeyParts) { p.Scopes = []string{"openid,roster.read"} }},
		{name: "escaped separator spelled out", change: func(p *tokencache.KeyParts) { p.Tenant, p.ClientID = "school-42%7Cclient-1", "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := baseParts()
			tt.change(&p)
			got := tokencache.Key(p)
			if tt.same {
				assert.Equal(t, base, got)
			} else {
				assert.NotEqual(t, base, got)
			}
			assert.NotContains(t, got, "ada@", "the user is only in the hash")
			if p.Credential != "" {
				assert.NotContains(t, got, p.Credential)
				assert.NotContains(t, got, "horse")
			}
		})
	}
}

// TestKeyEscaping: separators, "%" and control characters are encoded.
func TestKeyEscaping(t *testing.T) {
	key := tokencache.Key(tokencache.KeyParts{Vendor: "a|b", Tenant: "100%", ClientID: "x,y", Flow: "line\nbreak", Scopes: []string{"s,t"}})
	assert.True(t, strings.HasPrefix(key, "v1|a%7Cb|100%25|x%2Cy|line%0Abreak|"), key)
	assert.Len(t, key, len("v1|a%7Cb|100%25|x%2Cy|line%0Abreak|")+16, "the endpoint and scopes are only in the hash")
}

// TestKeyDoesNotModifyScopes: Key sorts a copy.
func TestKeyDoesNotModifyScopes(t *testing.T) {
	p := baseParts()
	p.Scopes = []string{"b", "a"}
	tokencache.Key(p)
	assert.Equal(t, []string{"b", "a"}, p.Scopes)
}

// TestKeyStable: keys are shared through Stores by replicas running
// different versions of the program, so their format must not drift.
func TestKeyStable(t *testing.T) {
	// The hash, computed apart from this code:
	//   python3 -c 'import hmac,hashlib,base64; print(base64.urlsafe_b64encode(hmac.new(
	//     b"fleet-secret-0123456789abcdef", b"v1|webuntis|school-42|client-1|client_credentials|"
	//     b"https://example.webuntis.com/WebUntis/api/sso/token||openid,roster.read,|"
	//     b"correct horse battery staple", hashlib.sha256).digest()[:12]))'
	p := baseParts()
	p.HashKey = []byte(fleetSecret)
	assert.Equal(t,
		"v1|webuntis|school-42|client-1|client_credentials|sOL_L-Xx_oYeT_Dh",
		tokencache.Key(p))
}
