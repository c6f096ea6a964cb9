package leaguefake

import "github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"

// Instruments counts a fake's requests and applies its injected faults.
type Instruments = fakeidp.Instruments
