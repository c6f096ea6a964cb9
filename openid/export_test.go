package openid

import (
	"context"
	"time"
)

// SetDeviceWait replaces the waits of p's PollDevice, so that tests wait
// on a fake clock instead of real time.
func SetDeviceWait(p *Provider, wait func(ctx context.Context, d time.Duration) error) { p.wait = wait }
