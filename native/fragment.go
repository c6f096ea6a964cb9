package native

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// fragmentScript posts the implicit grant's fragment (which only the
// browser sees) back to the same path, and removes it from the address bar.
const fragmentScript = `var h = location.hash.slice(1);
history.replaceState(null, "", location.pathname);
document.getElementById("v").value = h;
document.getElementById("f").submit();`

// fragmentCSP allows exactly fragmentScript (by its hash; the page is
// static) and a form posted to the listener itself.
var fragmentCSP = func() string {
	sum := sha256.Sum256([]byte(fragmentScript))
	return "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}()

const fragmentHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Logging in…</title></head><body>
<form id="f" method="post"><input type="hidden" name="fragment" id="v">
<noscript><p>Logging in needs JavaScript to finish.</p></noscript></form>
<script>` + fragmentScript + `</script>
</body></html>
`

// fragmentPage is served at the callback of an implicit-grant login.
func (c *callback) fragmentPage(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", fragmentCSP)
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(fragmentHTML))
}
