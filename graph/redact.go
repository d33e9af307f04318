package graph

import "regexp"

// Secrets that must never reach output or logs: upload URLs (Outlook's are
// pre-authenticated; both kinds are treated as credentials), authtoken query
// values, bearer tokens and anything shaped like a JWT.
var secretPatterns = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(?i)https?://[^\s"'<>]*attachmentsessions[^\s"'<>]*`), "<upload-url redacted>"},
	{regexp.MustCompile(`(?i)(authtoken|access_token|client_secret|code|assertion)=[^&\s"'<>]+`), "${1}=REDACTED"},
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
