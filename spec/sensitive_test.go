package spec

import "testing"

// Config.Sensitive names exactly the variables declared sensitive, so the
// CLI can keep their values out of a saved plan.
func TestConfigNamesSensitiveVariables(t *testing.T) {
	dir := writeConfig(t, map[string]string{
		"files/a.txt": "a",
		"main.attach.hcl": `
variable "mailbox" { default = "ops@contoso.com" }
variable "token" {
  default   = "x"
  sensitive = true
}
variable "open" {
  default   = "y"
  sensitive = false
}
target "t" {
  mailbox = var.mailbox
  message = "AAMkAD"
}
attachment "a" {
  target = target.t
  source = "files/a.txt"
}
`,
	})
	cfg := mustLoad(t, dir, LoadOptions{})
	if len(cfg.Sensitive) != 1 || !cfg.Sensitive["token"] {
		t.Errorf("Sensitive = %v, want only token", cfg.Sensitive)
	}
}
