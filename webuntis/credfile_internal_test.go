package webuntis

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFileCredentialStoreSyncsDirectoryAfterRename: Put syncs the directory
// once the new file has its name, so that a crash after Put returned cannot
// bring back the previous credentials. A crash cannot be staged in a test;
// the syncDir seam shows the sync and what the directory held when it ran.
func TestFileCredentialStoreSyncsDirectoryAfterRename(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "creds")
	s, err := NewFileCredentialStore(dir, [][]byte{make([]byte, 32)})
	require.NoError(t, err)

	var synced []string
	orig := syncDir
	t.Cleanup(func() { syncDir = orig })
	syncDir = func(d string) error {
		// The rename is done: the tenant's file holds the new revision, no
		// temporary file is left.
		c, err := s.get("1600")
		if assert.NoError(t, err, "the renamed file is in place when the directory is synced") {
			synced = append(synced, c.Password.Reveal())
		}
		entries, err := os.ReadDir(d)
		require.NoError(t, err)
		assert.Len(t, entries, 1, "no temporary file left")
		return orig(d)
	}

	rev, err := s.Put(ctx, &Credentials{TenantID: "1600", ClientID: "app", Password: "first"})
	require.NoError(t, err)
	_, err = s.Put(ctx, &Credentials{TenantID: "1600", ClientID: "app", Password: "second", Revision: rev})
	require.NoError(t, err)
	assert.Equal(t, []string{"first", "second"}, synced, "one directory sync per Put, after its rename")
}
