package redisstore

import (
	"context"
	"unsafe"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e8f4a5f7/oauthkit/internal/endctx"
)

// getRangeCall is what a Get sends, in one allocation of its own, made for
// each call and never reused: GETRANGE's arguments, the key name's bytes,
// and the call's ctx when bounded runs it. The name enters args
// as a string (a cluster client routes by it), which costs the one
// allocation of its interface; the offsets are constant strings, as Redis
// receives them (a command's arguments are strings), which cost neither an
// allocation nor formatting. Since go-redis keeps args in the command it
// makes, nothing of a call is shared with another, whatever a hook keeps of
// a command.
type getRangeCall struct {
	args [4]any // "getrange", name, "0", maxValueDecimal
	name string
	buf  [64]byte   // name's bytes, for a prefix of up to 38 bytes
	ctx  endctx.Ctx // the call's ctx, with a client without ContextTimeoutEnabled (see bounded)
}

// maxValueDecimal is maxValue in decimal (TestMaxValueDecimal).
const maxValueDecimal = "65536"

// newGetRange returns the GETRANGE of the first maxValue+1 bytes of key's
// token.
func (s *Store) newGetRange(key string) *getRangeCall {
	c := new(getRangeCall)
	if len(s.prefix)+nameLen <= len(c.buf) {
		c.name = unsafe.String(&c.buf[0], len(s.appendName(c.buf[:0], key, 't')))
	} else {
		c.name = s.name(key, 't')
	}
	c.args = [4]any{"getrange", c.name, "0", maxValueDecimal}
	return c
}

// do sends c with client: the value, at most maxValue+1 bytes of it.
func (c *getRangeCall) do(ctx context.Context, client redis.UniversalClient) (string, error) {
	cmd := redis.NewStringCmd(ctx, c.args[:]...)
	_ = client.Process(ctx, cmd)
	return cmd.Result()
}

// getRange is Get's task: c with client, on a worker.
type getRange struct {
	client redis.UniversalClient
	c      *getRangeCall
	raw    string
	err    error
}

func (g *getRange) run(ctx context.Context) { g.raw, g.err = g.c.do(ctx, g.client) }
