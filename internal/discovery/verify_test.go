package discovery

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestVerifierAcceptsPublicKeyAlgsOnly: the algorithms a verifier accepts
// are the metadata's without none and HMAC, as a configuration's must be
// (openid.Config.IDTokenSigningAlgs): a discovery document that lists
// them does not get them through. None left: go-oidc's RS256.
func TestVerifierAcceptsPublicKeyAlgsOnly(t *testing.T) {
	for _, tc := range []struct {
		listed, want []string
	}{
		{[]string{"none", "HS256", "RS256"}, []string{"RS256"}},
		{[]string{"ES256", "hs512", "NONE", "PS256", "EdDSA", "HS384"}, []string{"ES256", "PS256", "EdDSA"}},
		{[]string{"none", "HS256"}, []string{}},
		{nil, []string{}},
	} {
		m := &Metadata{SigningAlgs: tc.listed}
		v := m.Verifier("p", "c", nil)
		assert.ElementsMatch(t, tc.want, v.algs, "%v", tc.listed)
		assert.Equal(t, tc.listed, m.SigningAlgs, "the metadata is not changed")
	}
}

func TestPublicKeyAlg(t *testing.T) {
	for alg, want := range map[string]bool{
		"RS256": true, "PS512": true, "ES256": true, "EdDSA": true,
		"none": false, "None": false, "HS256": false, "HS384": false, "HS512": false, "hs256": false,
	} {
		assert.Equal(t, want, PublicKeyAlg(alg), alg)
	}
}
