package providertest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
)

// LostAnswer returns a RoundTripper that is not net/http's, as a user's
// tunnel or mock may be: it writes each request by hand on a connection of
// its own to addr (so no httptrace hook fires), reads the server's answer,
// which comes once the server has handled the request, and then fails as
// if the answer had been lost on the way back. The request goes out as a
// form POST with its body, to the request's path.
func LostAnswer(addr string) http.RoundTripper {
	return lostAnswer(addr)
}

type lostAnswer string

// ErrAnswerLost is the error of a [LostAnswer] round trip.
var ErrAnswerLost = errors.New("tunnel: connection reset by peer")

func (addr lostAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	conn, err := net.Dial("tcp", string(addr))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	// By hand: Request.Write would fire the trace hooks itself.
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		r.URL.RequestURI(), r.URL.Host, len(body), body)
	if resp, err := http.ReadResponse(bufio.NewReader(conn), r); err == nil {
		resp.Body.Close()
	}
	return nil, ErrAnswerLost
}
