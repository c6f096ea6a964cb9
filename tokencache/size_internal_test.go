package tokencache

import (
	"testing"
	"unsafe"
)

// TestEntrySize keeps an entry in the 80-byte size class: a cache may hold
// 100,000 of them.
func TestEntrySize(t *testing.T) {
	if got := unsafe.Sizeof(entry{}); got > 80 {
		t.Errorf("entry is %d bytes, want at most 80", got)
	}
}
