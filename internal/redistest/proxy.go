package redistest

import (
	"net"
	"sync"
	"testing"
	"time"
)

// SlowProxy forwards loopback TCP to addr, holding every chunk for delay in
// each direction: a Redis that answers slowly. It returns the proxy's
// address, which a client dials instead of addr; the proxy and its
// connections close when t ends.
func SlowProxy(t testing.TB, addr string, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: slow proxy: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	closed := false
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				time.Sleep(delay) // the slowness being simulated
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				_ = dst.Close()
				return
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				_ = in.Close()
				continue
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				_, _ = in.Close(), out.Close()
				return
			}
			conns = append(conns, in, out)
			mu.Unlock()
			wg.Add(2)
			go pipe(out, in)
			go pipe(in, out)
		}
	}()
	return l.Addr().String()
}
