package oauthwire

import (
	"context"

	"time"
)

// Answer is a 2xx answer of [Client.Post]: its status, Content-Type and
// body, for the caller to parse.
type Answer struct {
	StatusCode  int
	ContentType string
	Body        []byte
	// SentAt is when the request was sent, by the client's clock:
	// lifetimes (expires_in) count from it.
	SentAt time.Time
}

// Post sends r as a token request is sent — a form with the client's
// authentication — to an endpoint whose answer is not a token: a pushed
// authorization request (RFC 9126 §2) or a device authorization request
// (RFC 8628 §3.1). A non-2xx answer is an [*oauthkit.Error], as a token
// endpoint's; parse is called with a 2xx answer's body, and its error
// becomes [oauthkit.ErrMalformedResponse]. Its errors never quote the body.
func (c *Client) Post(ctx context.Context, r Request, parse func(a *Answer) error) error {
	x, err := c.send(ctx, &r)
	if err != nil {
		return err
	}
	switch {
	case x.err != nil:
		err = x.call(c.Provider).TransportError(x.resp, x.err)
	case x.resp.StatusCode/100 != 2:
		err = x.call(c.Provider).ResponseError(x.resp)
	default:
		a := &Answer{StatusCode: x.resp.StatusCode, ContentType: x.resp.Header.Get("Content-Type"), Body: x.resp.Body, SentAt: x.sent}
		if perr := parse(a); perr != nil {
			if e := x.call(c.Provider).ErrorInSuccess(x.resp); e != nil {
				err = e
			} else {
				err = x.call(c.Provider).Malformed(x.resp, perr)
			}
		}
	}
	c.report(ctx, r.Op, x.start, x.resp, x.attempts, x.err != nil, err)
	return err
}
