package native

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
)

// OpenSystemBrowser opens authURL in the system's default browser: open on
// macOS, rundll32 url.dll on Windows, xdg-open elsewhere. It returns once
// the command has started. The command is not tied to ctx: ending the login
// must not end the browser some openers run in the foreground.
func OpenSystemBrowser(_ context.Context, authURL string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", authURL)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", authURL)
	default:
		cmd = exec.Command("xdg-open", authURL)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	// Reap the opener without holding the login: it exits once the
	// browser has the URL.
	go cmd.Wait()
	return nil
}
