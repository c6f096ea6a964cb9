// Command demo runs every vendor's flows against the in-process fakes and
// prints what happened as a table. It needs no network and no credentials:
//
//	go run ./examples/demo
//
// The flows live in the module's internal/demo package, which
// `oauthkit demo` (cmd/oauthkit) prints too; demo exits non-zero if any step
// did not turn out as expected.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit/internal/demo"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	steps := demo.Run(ctx)
	demo.WriteTable(os.Stdout, steps)
	if failed := demo.Failed(steps); failed > 0 {
		fmt.Fprintf(os.Stderr, "\n%d step(s) did not go as expected\n", failed)
		cancel()
		os.Exit(1)
	}
}
