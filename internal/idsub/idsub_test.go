package idsub

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

func TestKeeps(t *testing.T) {
	key := fakeidp.NewKey("k1")
	alice := key.Sign(map[string]any{"sub": "alice"})
	bob := key.Sign(map[string]any{"sub": "bob"})
	nobody := key.Sign(map[string]any{"iss": "https://idp.example"})
	tok := func(id string) *oauth2.Token {
		t := &oauth2.Token{AccessToken: "at"}
		if id == "" {
			return t
		}
		return t.WithExtra(map[string]any{"id_token": id})
	}

	assert.Equal(t, "alice", Subject(tok(alice)))
	assert.Empty(t, Subject(tok("")))
	assert.Empty(t, Subject(tok("not-a-jwt")))
	for _, tt := range []struct {
		name string
		sub  string
		next string
		kept bool
	}{
		{"same user", "alice", alice, true},
		{"another user", "alice", bob, false},
		{"no sub", "alice", nobody, false},
		{"not a JWT", "alice", "not-a-jwt", false},
		{"no ID token in the answer", "alice", "", true},
		{"no user to compare with", "", bob, true},
	} {
		assert.Equal(t, tt.kept, Keeps(tt.sub, tok(tt.next)), tt.name)
	}
}
