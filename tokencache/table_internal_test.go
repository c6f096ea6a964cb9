package tokencache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

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
		old := tb.slots.Load()
		e, created := tb.loadOrCreate(k)
		require.True(t, created)
		want[k] = e
		if grown := tb.slots.Load(); grown != old {
			// A reader still on the old array must fall back, not read
			// tokens the new array no longer serves.
			for j := range old.s {
				require.NotZero(t, old.s[j].meta.Load()&seqUnit, "slot %d of the retired array is still readable", j)
			}
		}
	}
	check("inserted")
	assert.NotNil(t, tb.load("k999"), "found without the lock")

	for i := 0; i < 1000; i += 2 {
		k := fmt.Sprint("k", i)
		e := want[k]
		e.bits.Or(flagDead)
		tb.delete(e)
		tb.delete(e) // twice: no-op
		delete(want, k)
		assert.Nil(t, tb.get(k))
	}
	check("half deleted")

	// A dead entry still published is replaced, not returned.
	k := "k1"
	old := want[k]
	old.bits.Or(flagDead)
	tb.delete(old)
	e, created := tb.loadOrCreate(k)
	require.True(t, created)
	require.NotSame(t, old, e)
	tb.delete(old) // a stale delete leaves the new entry alone
	want[k] = e
	check("replaced")

	for _, e := range want {
		e.bits.Or(flagDead)
		tb.delete(e)
	}
	clear(want)
	check("emptied")
	for i := range tb.slots.Load().s {
		require.Nil(t, tb.slots.Load().s[i].e.Load(), "dead entries are not kept in slot %d", i)
	}
}

// TestTableHitsDuringWrites reads keys without a lock while another
// goroutine inserts, drops and re-creates them, growing the slot array from
// its smallest size: a hit must never hand out another key's token or
// entry, whatever slot moves or array retirement it runs into.
func TestTableHitsDuringWrites(t *testing.T) {
	const nkeys = 3000
	tb := newTable()
	keys := make([]string, nkeys)
	toks := make([]*oauth2.Token, nkeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("v1|webuntis|school-%d|c|client_credentials|", i)
		toks[i] = &oauth2.Token{AccessToken: keys[i]}
	}
	owner := sync.Map{} // *entry → key index, for the entries the writer made

	var done atomic.Bool
	var wrong, served atomic.Int64
	var readers sync.WaitGroup
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			for !done.Load() {
				i := rng.IntN(nkeys)
				// A copy of the key, so that the slot's pointer differs and
				// the bytes are compared.
				k := keys[i]
				if r == 1 {
					k = string([]byte(keys[i]))
				}
				tok, e := tb.hit(k)
				if tok != nil {
					served.Add(1)
					if tok != toks[i] {
						wrong.Add(1)
					}
				}
				if e != nil {
					if j, ok := owner.Load(e); ok && j.(int) != i {
						wrong.Add(1)
					}
				}
			}
		}()
	}

	rng := rand.New(rand.NewPCG(3, 4))
	live := make([]*entry, nkeys)
	start := time.Now()
	for round := 0; round < 8 || (round < 400 && time.Since(start) < 300*time.Millisecond); round++ {
		for _, i := range rng.Perm(nkeys) {
			if e := live[i]; e != nil && round%2 == 1 && rng.IntN(2) == 0 {
				e.bits.Or(flagDead)
				tb.delete(e)
				live[i] = nil
				continue
			}
			if live[i] != nil {
				continue
			}
			e, created := tb.loadOrCreate(keys[i])
			require.True(t, created)
			owner.Store(e, i)
			e.tok.Store(toks[i])
			e.setPhase(phaseFresh)
			tb.publish(e)
			live[i] = e
		}
	}
	done.Store(true)
	readers.Wait()
	require.Zero(t, wrong.Load(), "hits handed out another key's token or entry")
	require.Positive(t, served.Load(), "no hit was served: the test read nothing")
	for i, e := range live {
		tok, got := tb.hit(keys[i])
		if e == nil {
			require.Nil(t, tok)
			continue
		}
		require.Same(t, e, got)
		require.Same(t, toks[i], tok)
	}
}

// TestLongKey: a key the table cannot hold is refused with ErrKeyTooLong,
// without a fetch; the longest it can hold is cached.
func TestLongKey(t *testing.T) {
	c := New(Config{})
	defer c.Close()
	fetches := 0
	fetch := func(context.Context) (*oauth2.Token, error) {
		fetches++
		return &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}, nil
	}
	long := strings.Repeat("k", maxKeyLen+1)
	_, err := c.Token(context.Background(), long, fetch)
	require.ErrorIs(t, err, ErrKeyTooLong)
	_, err = c.TokenSource(long, fetch).Token()
	require.ErrorIs(t, err, ErrKeyTooLong)
	require.Zero(t, fetches)
	require.Zero(t, c.Len())

	longest := long[:maxKeyLen]
	for range 2 {
		_, err = c.Token(context.Background(), longest, fetch)
		require.NoError(t, err)
	}
	require.Equal(t, 1, fetches)
	require.Equal(t, 1, c.Len())
}

// TestTableHitPicksItsSlot: a hit looks at a key's home slot and the next
// one without branching on which holds it, and probes on from there. Keys
// at every distance from home must get their own token, and so must a key
// whose home holds another key with the same meta (same length, same hash
// bits), which the first look takes for it until the keys are compared.
func TestTableHitPicksItsSlot(t *testing.T) {
	tb := newTable()
	ss := tb.slots.Load()

	// Two keys of one length whose hashes agree on every bit meta keeps.
	seen := map[uint64]string{}
	var a, b string
	for i := 0; b == ""; i++ {
		k := fmt.Sprintf("key-%08d", i)
		f := fields(k, tb.hash(k))
		if o, ok := seen[f]; ok {
			a, b = o, k
		}
		seen[f] = k
	}
	// Then keys sharing their home slot, so that b sits two or more slots
	// past it.
	home := tb.hash(a) & ss.mask
	keys := []string{a}
	for i := 0; len(keys) < 3; i++ {
		k := fmt.Sprint("filler-", i)
		if tb.hash(k)&ss.mask == home {
			keys = append(keys, k)
		}
	}
	keys = append(keys, b)

	toks := map[string]*oauth2.Token{}
	for _, k := range keys {
		e, created := tb.loadOrCreate(k)
		require.True(t, created)
		toks[k] = &oauth2.Token{AccessToken: k}
		e.tok.Store(toks[k])
		e.setPhase(phaseFresh)
		tb.publish(e)
	}
	require.Same(t, ss, tb.slots.Load(), "the slot array grew: the keys no longer share a home")
	for d, k := range keys {
		e := tb.load(k)
		require.NotNil(t, e, k)
		require.EqualValues(t, (home+uint64(d))&ss.mask, e.tidx.Load(), "%s is not %d slots past home", k, d)
		for _, copied := range []bool{false, true} {
			q := k
			if copied {
				q = string([]byte(k)) // compared by bytes, not by pointer
			}
			tok, got := tb.hit(q)
			require.Same(t, toks[k], tok, "%s, %d slots past home", k, d)
			require.Same(t, e, got, k)
		}
	}
	tok, e := tb.hit("key-absent")
	require.Nil(t, tok)
	require.Nil(t, e)
}
