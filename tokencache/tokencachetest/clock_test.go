package tokencachetest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

var _ tokencache.Clock = (*tokencachetest.Clock)(nil)

var start = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

func TestClock(t *testing.T) {
	c := tokencachetest.NewClock(start)
	var fired []string
	at := func(name string) func() {
		return func() { fired = append(fired, name+"@"+c.Now().Sub(start).String()) }
	}
	c.AfterFunc(3*time.Second, at("c"))
	c.AfterFunc(time.Second, at("a"))
	c.AfterFunc(time.Second, at("a2")) // same deadline: creation order
	stopB := c.AfterFunc(2*time.Second, at("b"))
	c.AfterFunc(10*time.Second, at("late"))
	assert.Equal(t, 5, c.Pending())

	assert.True(t, stopB())
	assert.False(t, stopB(), "already stopped")
	c.Advance(5 * time.Second)
	assert.Equal(t, []string{"a@1s", "a2@1s", "c@3s"}, fired)
	assert.Equal(t, start.Add(5*time.Second), c.Now())
	assert.Equal(t, 1, c.Pending())
}

func TestClockNested(t *testing.T) {
	c := tokencachetest.NewClock(start)
	var fired []time.Duration
	c.AfterFunc(time.Second, func() {
		fired = append(fired, c.Now().Sub(start))
		c.AfterFunc(time.Second, func() { fired = append(fired, c.Now().Sub(start)) })
		c.AfterFunc(time.Hour, func() { fired = append(fired, c.Now().Sub(start)) })
	})
	c.Advance(time.Minute)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, fired, "a timer armed while firing fires in the same Advance if due")
}

func TestClockZeroDelay(t *testing.T) {
	c := tokencachetest.NewClock(start)
	n := 0
	stop := c.AfterFunc(-time.Second, func() { n++ })
	assert.Zero(t, n, "never fires inside AfterFunc")
	c.Advance(0)
	assert.Equal(t, 1, n)
	assert.False(t, stop(), "already fired")
	assert.Equal(t, start, c.Now())
}
