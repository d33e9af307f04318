package graph

import (
	"regexp"
	"strings"
)

// Secrets that must never reach output or logs: upload URLs (Outlook's are
// pre-authenticated; both kinds are treated as credentials), authtoken query
// values, bearer tokens and anything shaped like a JWT.
var secretPatterns = []struct {
	re   *regexp.Regexp
	with string
}{
	// Outlook's upload URLs hold quotes and parentheses (Users('…')), so
	// only whitespace, double quotes and angle brackets end a URL here.
	{regexp.MustCompile(`(?i)https?://[^\s"<>]*attachmentsessions[^\s"<>]*`), "<upload-url redacted>"},
	{regexp.MustCompile(`(?i)(authtoken|access_token|refresh_token|id_token|client_secret|code|assertion)=[^&\s"'<>]+`), "${1}=REDACTED"},
	{regexp.MustCompile(`(?i)(bearer)\s+[^\s"'<>,]+`), "${1} REDACTED"},
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}(\.[A-Za-z0-9_-]*){0,2}`), "REDACTED"},
}

// Redact replaces every secret in s. It is applied to error messages, log
// lines and panic text; it errs on the side of hiding too much.
func Redact(s string) string {
	for _, p := range secretPatterns {
		s = p.re.ReplaceAllString(s, p.with)
	}
	return s
}

// Leaks returns the secrets found in text: whatever Redact would hide (an
// upload-session URL, an authtoken or access_token value, a bearer token,
// anything shaped like a JWT) and each of known (say, the exact upload
// URLs and tokens a test handed out) that appears verbatim. Redact's own
// marks are not leaks. Tests of anything that writes output or logs assert
// that it returns nothing.
func Leaks(text string, known ...string) []string {
	var out []string
	for _, p := range secretPatterns {
		for _, m := range p.re.FindAllString(text, -1) {
			if p.re.ReplaceAllString(m, p.with) != m {
				out = append(out, m)
			}
		}
	}
	for _, k := range known {
		if k != "" && strings.Contains(text, k) {
			out = append(out, k)
		}
	}
	return out
}
