package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

func credentialKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func newCredentialStore(t *testing.T, srv *redistest.Server, keys ...[]byte) *redisstore.CredentialStore {
	t.Helper()
	s, err := redisstore.NewCredentialStore(redisstore.CredentialConfig{Client: srv.Client(t), Keys: keys, Prefix: "test:" + t.Name() + ":"})
	require.NoError(t, err)
	return s
}

// TestCredentialStoreRoundTrip: Put, Get and Delete on a real Redis; the
// password and secret come back whole; the key names and stored values hold
// neither the tenant id nor a secret in clear; a key added for rotation still
// opens what the old one sealed.
func TestCredentialStoreRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	oldKey, newKey := credentialKey(1), credentialKey(2)
	s := newCredentialStore(t, srv, oldKey)

	want := &webuntis.Credentials{TenantID: "school-4711", ClientID: "BestApp", Secret: oauthkit.Secret("oidc+secret%2F"), Password: oauthkit.Secret("platform pa$$word"), Host: "demo.webuntis.com", EventType: "RESET"}
	require.NoError(t, s.Put(ctx, want))
	got, err := s.Get(ctx, "school-4711")
	require.NoError(t, err)
	assert.True(t, want.Password.Reveal() == got.Password.Reveal(), "password round-trips")
	assert.True(t, want.Secret.Reveal() == got.Secret.Reveal(), "secret round-trips")
	assert.Equal(t, want.ClientID, got.ClientID)

	keys, err := srv.Client(t).Keys(ctx, "test:"+t.Name()+":*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	secrets := []string{"school-4711", want.Password.Reveal(), want.Secret.Reveal()}
	providertest.Text(t, "a Redis key name", keys[0], secrets...)
	raw, err := srv.Client(t).Get(ctx, keys[0]).Result()
	require.NoError(t, err)
	providertest.Text(t, "the stored record", raw, secrets[1:]...)

	rotated := newCredentialStore(t, srv, newKey, oldKey)
	got, err = rotated.Get(ctx, "school-4711")
	require.NoError(t, err, "a record sealed with the old key opens after rotation")
	assert.True(t, got.Password.Reveal() == want.Password.Reveal())

	require.NoError(t, s.Delete(ctx, "school-4711"))
	_, err = s.Get(ctx, "school-4711")
	require.ErrorIs(t, err, webuntis.ErrNoCredentials)
	require.NoError(t, s.Delete(ctx, "school-4711"), "deleting what is gone is not an error")
}

// TestCredentialStoreRefusesTamperedOrForeignRecords: a record changed in a
// byte, sealed with another key, or copied to another tenant's key is an
// error, never other credentials.
func TestCredentialStoreRefusesTamperedOrForeignRecords(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newCredentialStore(t, srv, credentialKey(1))
	rc := srv.Client(t)
	pattern := "test:" + t.Name() + ":*"

	require.NoError(t, s.Put(ctx, &webuntis.Credentials{TenantID: "a", ClientID: "c", Password: "pa"}))
	keys, err := rc.Keys(ctx, pattern).Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	nameA := keys[0]
	recordA, err := rc.Get(ctx, nameA).Result()
	require.NoError(t, err)

	require.NoError(t, s.Put(ctx, &webuntis.Credentials{TenantID: "b", ClientID: "c", Password: "pb"}))
	keys, err = rc.Keys(ctx, pattern).Result()
	require.NoError(t, err)
	require.Len(t, keys, 2)
	nameB := keys[0]
	if nameB == nameA {
		nameB = keys[1]
	}

	flipped := []byte(recordA)
	flipped[len(flipped)/2] ^= 'A' ^ 'B'
	if flipped[len(flipped)/2] == recordA[len(recordA)/2] {
		flipped[len(flipped)/2] ^= 1
	}
	for _, tc := range []struct {
		name, key, value, tenant string
	}{
		{"tampered", nameA, string(flipped), "a"},
		{"another tenant's record", nameB, recordA, "b"},
		{"garbage", nameA, "not a record", "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, rc.Set(ctx, tc.key, tc.value, 0).Err())
			got, err := s.Get(ctx, tc.tenant)
			require.ErrorIs(t, err, redisstore.ErrUnreadable)
			assert.Nil(t, got)
			providertest.Text(t, "the error", err.Error(), "pa", "pb")
		})
	}

	other := newCredentialStore(t, srv, credentialKey(9))
	require.NoError(t, rc.Set(ctx, nameA, recordA, 0).Err())
	_, err = other.Get(ctx, "a")
	require.True(t, errors.Is(err, redisstore.ErrUnreadable), "a record sealed with a key the store does not hold")
}

// TestCredentialStoreBoundedWhenRedisIsDown: a stopped Redis is an error
// within the timeout, not a hang.
func TestCredentialStoreBoundedWhenRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	s := newCredentialStore(t, srv, credentialKey(1))
	srv.Stop(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*redisstore.DefaultTimeout)
	defer cancel()
	_, err := s.Get(ctx, "a")
	require.Error(t, err)
	require.NoError(t, ctx.Err(), "the store's own timeout ended the call")
}
