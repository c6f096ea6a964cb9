package tokencache

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTable checks the table against a plain map through inserts, drops and
// lookups, across growths of its slot array and backward-shift deletes.
func TestTable(t *testing.T) {
	tb := newTable()
	want := map[string]*entry{}
	check := func(step string) {
		t.Helper()
		require.Equal(t, len(want), tb.len(), step)
		require.Len(t, tb.entries(), len(want), step)
		for k, e := range want {
			require.Same(t, e, tb.get(k), "%s: get %q", step, k)
			got, created := tb.loadOrCreate(k)
			require.False(t, created, "%s: %q", step, k)
			require.Same(t, e, got, "%s: %q", step, k)
			if r := tb.load(k); r != nil {
				require.Same(t, e, r, "%s: published %q", step, k)
			}
		}
	}

	for i := range 1000 {
		k := fmt.Sprint("k", i)
		e, created := tb.loadOrCreate(k)
		require.True(t, created)
		want[k] = e
	}
	check("inserted")
	assert.NotNil(t, tb.load("k999"), "found without the lock")

	for i := 0; i < 1000; i += 2 {
		k := fmt.Sprint("k", i)
		e := want[k]
		e.dead.Store(true)
		tb.delete(k, e)
		tb.delete(k, e) // twice: no-op
		delete(want, k)
		assert.Nil(t, tb.get(k))
	}
	check("half deleted")

	// A dead entry still published is replaced, not returned.
	k := "k1"
	old := want[k]
	old.dead.Store(true)
	tb.delete(k, old)
	e, created := tb.loadOrCreate(k)
	require.True(t, created)
	require.NotSame(t, old, e)
	tb.delete(k, old) // a stale delete leaves the new entry alone
	want[k] = e
	check("replaced")

	for k, e := range want {
		e.dead.Store(true)
		tb.delete(k, e)
	}
	clear(want)
	check("emptied")
	for i := range tb.slots.Load().s {
		require.Nil(t, tb.slots.Load().s[i].e.Load(), "dead entries are not kept in slot %d", i)
	}
}
