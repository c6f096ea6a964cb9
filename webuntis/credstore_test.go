package webuntis_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

func appKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

func sampleCredentials() *webuntis.Credentials {
	return &webuntis.Credentials{
		TenantID: "1600", ClientID: "BestApp", Secret: "oidc-secret-value", Password: "platform+pw%value",
		Host: "h", EventType: webuntis.EventReset, Fields: map[string]any{"schoolName": "Demo-Schule", "tenantId": json.Number("1600")},
	}
}

// sameCredentials compares without printing a secret on failure.
func sameCredentials(t *testing.T, want, got *webuntis.Credentials) {
	t.Helper()
	assert.Equal(t, want.TenantID, got.TenantID)
	assert.Equal(t, want.ClientID, got.ClientID)
	assert.True(t, want.Secret.Reveal() == got.Secret.Reveal(), "the secret differs")
	assert.True(t, want.Password.Reveal() == got.Password.Reveal(), "the password differs")
	assert.Equal(t, want.EventType, got.EventType)
	assert.Equal(t, want.Fields, got.Fields)
}

// TestCredentialsJSONCannotLoseAPassword: JSON of Credentials redacts both
// secrets, and reading it back is an error naming the field, not
// credentials whose password is "[redacted]".
func TestCredentialsJSONCannotLoseAPassword(t *testing.T) {
	c := sampleCredentials()
	j, err := json.Marshal(c)
	require.NoError(t, err)
	providertest.Text(t, "JSON", string(j), c.Password.Reveal(), c.Secret.Reveal())
	var back webuntis.Credentials
	err = json.Unmarshal(j, &back)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `placeholder "[redacted]"`)
	// Go 1.26's encoding/json names the field in the error of an
	// UnmarshalJSON method; Go 1.27's, built on encoding/json/v2, does not.
	if strings.HasPrefix(runtime.Version(), "go1.26") {
		assert.Regexp(t, `Credentials\.(Secret|Password)`, err.Error(), "the error names the field")
	}
}

// TestCredentialSealerRoundTrip: sealed and opened credentials are the same,
// across a key rotation; the record reveals neither secret.
func TestCredentialSealerRoundTrip(t *testing.T) {
	oldKey, newKey := appKey(), appKey()
	oldSealer, err := webuntis.NewCredentialSealer([][]byte{oldKey})
	require.NoError(t, err)
	c := sampleCredentials()
	record, err := oldSealer.Seal(c)
	require.NoError(t, err)
	providertest.Text(t, "record", record, c.Password.Reveal(), c.Secret.Reveal())

	rotated, err := webuntis.NewCredentialSealer([][]byte{newKey, oldKey})
	require.NoError(t, err)
	got, err := rotated.Open("1600", record)
	require.NoError(t, err)
	sameCredentials(t, c, got)

	_, err = rotated.Open("1601", record)
	assert.Error(t, err, "a record of one tenant does not open as another's")
	retired, err := webuntis.NewCredentialSealer([][]byte{newKey})
	require.NoError(t, err)
	_, err = retired.Open("1600", record)
	assert.Error(t, err, "a retired key opens nothing")
}

// TestSealedRecordTamperedIsAnError: a record changed in any one byte is an
// error, never other credentials.
func TestSealedRecordTamperedIsAnError(t *testing.T) {
	sealer, err := webuntis.NewCredentialSealer([][]byte{appKey()})
	require.NoError(t, err)
	c := sampleCredentials()
	record, err := sealer.Seal(c)
	require.NoError(t, err)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range record {
		b := []byte(record)
		b[i] = alphabet[(indexOf(alphabet, b[i])+1)%len(alphabet)]
		got, err := sealer.Open("1600", string(b))
		if err == nil {
			t.Fatalf("byte %d changed: opened without error", i)
		}
		assert.Nil(t, got)
		providertest.Text(t, "error", err.Error(), c.Password.Reveal(), c.Secret.Reveal())
	}
	_, err = sealer.Open("1600", record[:len(record)-1])
	assert.Error(t, err, "truncated")
}

func indexOf(s string, b byte) int {
	for i := range len(s) {
		if s[i] == b {
			return i
		}
	}
	return 0
}

// TestFileCredentialStore: sealed files round-trip, are encrypted at rest,
// replace each other whole, and survive a restart with a rotated key.
func TestFileCredentialStore(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "creds")
	key := appKey()
	s, err := webuntis.NewFileCredentialStore(dir, [][]byte{key})
	require.NoError(t, err)
	_, err = s.Get(ctx, "1600")
	require.ErrorIs(t, err, webuntis.ErrNoCredentials)

	c := sampleCredentials()
	rev, err := s.Put(ctx, c)
	require.NoError(t, err)
	c2 := sampleCredentials()
	c2.Password = "the-newer-password"
	c2.Revision = rev
	_, err = s.Put(ctx, c2)
	require.NoError(t, err)
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 1, "one file per tenant, no temporary file left")
	raw, err := os.ReadFile(filepath.Join(dir, files[0].Name()))
	require.NoError(t, err)
	providertest.Text(t, "file", string(raw), c2.Password.Reveal(), c2.Secret.Reveal(), "1600", "BestApp")
	info, err := os.Stat(filepath.Join(dir, files[0].Name()))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	restarted, err := webuntis.NewFileCredentialStore(dir, [][]byte{appKey(), key})
	require.NoError(t, err)
	got, err := restarted.Get(ctx, "1600")
	require.NoError(t, err)
	sameCredentials(t, c2, got)

	require.NoError(t, os.WriteFile(filepath.Join(dir, files[0].Name()), append(raw[:len(raw)-2:len(raw)-2], 'A', 'A'), 0o600))
	_, err = restarted.Get(ctx, "1600")
	assert.Error(t, err, "a tampered file is an error")

	require.NoError(t, restarted.Delete(ctx, "1600"))
	require.NoError(t, restarted.Delete(ctx, "1600"), "deleting twice is fine")
	_, err = restarted.Get(ctx, "1600")
	require.ErrorIs(t, err, webuntis.ErrNoCredentials)
}

// TestMemoryCredentialStoreCopies: what is stored and what Get returns are
// copies; the caller's changes do not reach the store.
func TestMemoryCredentialStoreCopies(t *testing.T) {
	ctx := context.Background()
	var s webuntis.MemoryCredentialStore
	c := sampleCredentials()
	_, err := s.Put(ctx, c)
	require.NoError(t, err)
	c.Fields["schoolName"] = "changed"
	got, err := s.Get(ctx, "1600")
	require.NoError(t, err)
	assert.Equal(t, "Demo-Schule", got.Fields["schoolName"])
	_, err = s.Put(ctx, &webuntis.Credentials{})
	require.Error(t, err)
	require.NoError(t, s.Delete(ctx, "1600"))
	_, err = s.Get(ctx, "1600")
	require.ErrorIs(t, err, webuntis.ErrNoCredentials)
}

// TestCredentialStoresCompareAndSwap: every store raises the revision on
// each Put and refuses a Put from a revision that is no longer the
// record's; of many Puts from one revision at once, exactly one lands.
func TestCredentialStoresCompareAndSwap(t *testing.T) {
	for name, store := range sharedStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := store()
			c := sampleCredentials()
			rev, err := s.Put(ctx, c)
			require.NoError(t, err)
			assert.EqualValues(t, 1, rev)
			assert.Zero(t, c.Revision, "Put does not modify its argument")
			got, err := s.Get(ctx, c.TenantID)
			require.NoError(t, err)
			assert.Equal(t, rev, got.Revision)

			_, err = s.Put(ctx, c) // from revision 0: the record is at 1
			require.ErrorIs(t, err, webuntis.ErrRevisionConflict)

			var wins atomic.Int32
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					c2 := sampleCredentials()
					c2.Password = oauthkit.Secret(fmt.Sprintf("password-%d", i))
					c2.Revision = rev
					if _, err := s.Put(ctx, c2); err == nil {
						wins.Add(1)
					} else {
						assert.ErrorIs(t, err, webuntis.ErrRevisionConflict)
					}
				})
			}
			wg.Wait()
			assert.EqualValues(t, 1, wins.Load(), "one Put from a revision lands")
			got, err = s.Get(ctx, c.TenantID)
			require.NoError(t, err)
			assert.EqualValues(t, 2, got.Revision)

			require.NoError(t, s.Delete(ctx, c.TenantID))
			rev, err = s.Put(ctx, c)
			require.NoError(t, err, "after Delete, a Put from revision 0")
			assert.EqualValues(t, 1, rev)
		})
	}
}

// TestWebhookReplacesUnreadableRecord: a stored record that cannot be read
// — garbage, tampered with, sealed with a retired key, oversize — is
// reported to OnUnreadable and replaced by the next valid, signed RESET
// (204), never answered 500 for ever.
func TestWebhookReplacesUnreadableRecord(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, file string, retired [][]byte)
	}{
		{"garbage", func(t *testing.T, file string, _ [][]byte) {
			require.NoError(t, os.WriteFile(file, []byte("not a record"), 0o600))
		}},
		{"tampered", func(t *testing.T, file string, _ [][]byte) {
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			raw[len(raw)/2] ^= 1
			require.NoError(t, os.WriteFile(file, raw, 0o600))
		}},
		{"retired key", func(t *testing.T, file string, retired [][]byte) {
			old, err := webuntis.NewFileCredentialStore(filepath.Dir(file), retired)
			require.NoError(t, err)
			require.NoError(t, old.Delete(context.Background(), "1234"))
			_, err = old.Put(context.Background(), &webuntis.Credentials{TenantID: "1234", ClientID: "c", Password: "sealed-with-a-retired-key"})
			require.NoError(t, err)
		}},
		{"oversize", func(t *testing.T, file string, _ [][]byte) {
			require.NoError(t, os.Truncate(file, 64<<20))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "creds")
			store, err := webuntis.NewFileCredentialStore(dir, [][]byte{appKey()})
			require.NoError(t, err)
			var reported []string
			var mu sync.Mutex
			h := newHookHarness(t, func(c *webuntis.WebhookConfig) {
				c.OnUnreadable = func(_ context.Context, tenant string, err error) {
					mu.Lock()
					defer mu.Unlock()
					assert.ErrorIs(t, err, webuntis.ErrUnreadableCredentials)
					providertest.Text(t, "the unreadable record's error", err.Error(), "sealed-with-a-retired-key", "not a record")
					reported = append(reported, tenant)
				}
			}, store)
			id := h.untis.Tenant().ID
			require.Equal(t, http.StatusNoContent, h.send(t, h.untis.WebhookBody(webuntis.EventCreated)))
			files, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Len(t, files, 1)
			tc.spoil(t, filepath.Join(dir, files[0].Name()), [][]byte{appKey()})
			_, err = store.Get(ctx, id)
			require.ErrorIs(t, err, webuntis.ErrUnreadableCredentials)

			h.untis.ResetPassword(id)
			reset, _ := h.untis.TenantWebhookBody(id, webuntis.EventReset)
			assert.Equal(t, http.StatusNoContent, h.send(t, reset), "the RESET replaces the unreadable record")
			mu.Lock()
			assert.Equal(t, []string{id}, reported, "reported once")
			mu.Unlock()
			got, err := store.Get(ctx, id)
			require.NoError(t, err)
			assert.True(t, got.Password.Reveal() == h.untis.Tenant().Password, "the RESET's password is stored")
			src, err := h.tenants.TokenSource(ctx, id)
			require.NoError(t, err)
			_, err = src.Token()
			assert.NoError(t, err)
		})
	}
}

// TestFileCredentialStoreReadIsBounded: a tenant file far longer than a
// record is unreadable without being read into memory.
func TestFileCredentialStoreReadIsBounded(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "creds")
	s, err := webuntis.NewFileCredentialStore(dir, [][]byte{appKey()})
	require.NoError(t, err)
	_, err = s.Put(ctx, sampleCredentials())
	require.NoError(t, err)
	files, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 1)
	const size = 256 << 20
	require.NoError(t, os.Truncate(filepath.Join(dir, files[0].Name()), size)) // sparse: no disk used

	allocated := allocatedBy(func() {
		_, err = s.Get(ctx, "1600")
	})
	require.ErrorIs(t, err, webuntis.ErrUnreadableCredentials)
	var ue *webuntis.UnreadableError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, "1600", ue.Tenant)
	assert.Less(t, allocated, uint64(1<<20), "the file was not read")
}

// allocatedBy returns the bytes f allocated on the heap.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
