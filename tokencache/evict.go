package tokencache

// evictIfFull drops keys while more than MaxEntries are held, down to 1/16
// below it so that the sweep's cost is shared by many insertions.
//
// Victims are chosen by second chance (CLOCK), an approximation of least
// recently used that keeps hits free of shared writes: a hit sets its
// slot's used bit (a bound source's hit, its entry's) only if it is clear,
// the sweep clears both, and an entry whose bits are still clear when the
// sweep comes by is dropped. New entries start clear, so keys asked for only
// once go first. Entries with a fetch in
// flight are skipped. Expired keys need no sweep: the scheduler drops them.
func (c *Cache) evictIfFull() {
	if c.maxEntries <= 0 || c.table.len() <= c.maxEntries {
		return
	}
	if !c.evicting.TryLock() {
		return // another caller is sweeping
	}
	defer c.evicting.Unlock()
	target := c.maxEntries - c.maxEntries/16
	// Two passes: the first clears used bits, so the second finds victims
	// even when every key was used since the last sweep.
	for pass := 0; pass < 2; pass++ {
		es := c.table.entries()
		excess := len(es) - target
		for _, e := range es {
			if excess <= 0 {
				return
			}
			e.mu.Lock()
			if !e.dead() && e.inflight() == nil {
				used := e.takeUsed()                // a bound source's hit
				used = c.table.clearUsed(e) || used // a keyed hit
				if !used {
					c.drop(e)
					excess--
				}
			}
			e.mu.Unlock()
		}
	}
}
