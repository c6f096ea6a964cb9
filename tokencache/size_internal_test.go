package tokencache

import (
	"testing"
	"unsafe"
)

// TestEntrySize keeps an entry in the 48-byte size class and a table slot
// at 32 bytes, two to a cache line: a cache may hold 100,000 of each.
func TestEntrySize(t *testing.T) {
	if got := unsafe.Sizeof(entry{}); got > 48 {
		t.Errorf("entry is %d bytes, want at most 48", got)
	}
	if got := unsafe.Sizeof(slot{}); got != 32 {
		t.Errorf("slot is %d bytes, want 32", got)
	}
}
