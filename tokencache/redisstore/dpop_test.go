package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// TestStoreKeepsDPoPBinding: a DPoP token's key thumbprint (the extra
// oauthkit_dpop_jkt) is stored with it, sealed like the token (not in
// clear in Redis), and read back, so that every replica knows which key
// the token is bound to; a Bearer token reads back without one.
func TestStoreKeepsDPoPBinding(t *testing.T) {
	srv := redistest.Start(t)
	pre := redistest.Prefix()
	s := newStore(t, srv, pre, redisstore.Config{})
	ctx := context.Background()
	tok := (&oauth2.Token{AccessToken: "at-dpop", TokenType: "DPoP", Expiry: time.Now().Add(time.Hour)}).
		WithExtra(map[string]any{"oauthkit_dpop_jkt": "jkt-thumbprint-1", "id_token": "idt"})
	ok, err := s.CompareAndSwap(ctx, "k", "", tok, time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	st, err := s.Get(ctx, "k")
	require.NoError(t, err)
	require.NotNil(t, st.Token)
	assert.Equal(t, "jkt-thumbprint-1", st.Token.Extra("oauthkit_dpop_jkt"))
	assert.Equal(t, "idt", st.Token.Extra("id_token"))
	assert.Equal(t, "DPoP", st.Token.TokenType)

	c := srv.Client(t)
	keys, err := c.Keys(ctx, pre+"*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		v, _ := c.Get(ctx, k).Result()
		assert.False(t, strings.Contains(v, "jkt-thumbprint-1"), "the binding is sealed with the token")
	}

	bearer := &oauth2.Token{AccessToken: "at-bearer", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
	ok, err = s.CompareAndSwap(ctx, "k2", "", bearer, time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	st, err = s.Get(ctx, "k2")
	require.NoError(t, err)
	assert.Nil(t, st.Token.Extra("oauthkit_dpop_jkt"))
}

// TestSessionStoreKeepsDPoPBinding: a web session's DPoP token keeps its
// key thumbprint through the session store too.
func TestSessionStoreKeepsDPoPBinding(t *testing.T) {
	srv := redistest.Start(t)
	s := newSessionStore(t, srv.Client(t), redistest.Prefix())
	ctx := context.Background()
	tok := (&oauth2.Token{AccessToken: "at-dpop", TokenType: "DPoP", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}).
		WithExtra(map[string]any{"oauthkit_dpop_jkt": "jkt-1"})
	require.NoError(t, s.Save(ctx, "sess-1", &web.StoredTokens{Token: tok, Expires: time.Now().Add(time.Hour)}))
	got, err := s.Load(ctx, "sess-1")
	require.NoError(t, err)
	assert.Equal(t, "jkt-1", got.Token.Extra("oauthkit_dpop_jkt"))
	assert.Equal(t, "DPoP", got.Token.TokenType)
}
