package testsvc

import (
	"os"
	"os/exec"
	"testing"
)

const chromiumHint = "run scripts/install-chromium.sh (installs Debian's chromium as root), or set CHROME_BIN"

// ChromiumPath returns the Chromium binary for browser tests: CHROME_BIN if
// set, else chromium or chromium-browser on PATH.
func ChromiumPath(t testing.TB) string {
	t.Helper()
	if b := os.Getenv("CHROME_BIN"); b != "" {
		p, err := exec.LookPath(b)
		if err != nil {
			missing(t, "Chromium", "CHROME_BIN="+b+": "+err.Error()+"; "+chromiumHint)
			return ""
		}
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(t, "Chromium", "neither chromium nor chromium-browser is on PATH; "+chromiumHint)
	return ""
}
