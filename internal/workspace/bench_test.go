package workspace

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attachform/attachform/emulator"
)

// openPeopleManifest fans out over var.people: each person's welcome
// draft found by a data source, a target on it and one attachment.
const openPeopleManifest = `
backend "local" {
  path = "state.json"
}

data "message" "welcome" {
  for_each = toset(var.people)
  mailbox  = each.key
  filter   = "subject eq 'Welcome aboard'"
}

target "welcome" {
  for_each = data.message.welcome
  mailbox  = each.key
  message  = each.value.id
}

attachment "pack" {
  for_each = target.welcome
  target   = each.value
  source   = "pack.md"
}
`

// BenchmarkOpenPeople is Open of manifests with data sources over 500
// mailboxes (plan's BenchmarkNoopPlanPeople fan-out), Graph an emulator
// on loopback: the files read and parsed, the manifests evaluated offline
// and again with the lookups, the backend opened and the state read (none
// yet). Plan's benchmark loads once with lookups; this is what a command
// pays before it plans. form=for_each is one block of each kind with
// for_each; form=blocks writes them out, one of each per mailbox.
func BenchmarkOpenPeople(b *testing.B) {
	const n = 500
	var fx emulator.Fixtures
	var people, blocks strings.Builder
	for i := range n {
		upn := fmt.Sprintf("p%05d@contoso.com", i)
		fx.Mailboxes = append(fx.Mailboxes, emulator.FixtureMailbox{UPN: upn, Messages: []emulator.FixtureItem{{Subject: "Welcome aboard"}}})
		fmt.Fprintf(&people, "    %q,\n", upn)
		fmt.Fprintf(&blocks, "data \"message\" \"w%05d\" {\n  mailbox = %q\n  filter  = \"subject eq 'Welcome aboard'\"\n}\n", i, upn)
		fmt.Fprintf(&blocks, "target \"w%05d\" {\n  mailbox = %q\n  message = data.message.w%05d.id\n}\n", i, upn, i)
		fmt.Fprintf(&blocks, "attachment \"w%05d\" {\n  target = target.w%05d\n  source = \"pack.md\"\n}\n", i, i)
	}
	srv, err := emulator.New(emulator.Options{Fixtures: &fx})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	for _, form := range []struct{ name, manifest string }{
		{"for_each", "variable \"people\" {\n  type = list(string)\n  default = [\n" + people.String() + "  ]\n}\n" + openPeopleManifest},
		{"blocks", "backend \"local\" {\n  path = \"state.json\"\n}\n" + blocks.String()},
	} {
		b.Run("form="+form.name, func(b *testing.B) {
			env := testEnv(b, map[string]string{"main.attach.hcl": form.manifest, "pack.md": "# Welcome to Contoso\n"})
			env.Getenv = func(k string) string {
				if k == "ATTACHFORM_GRAPH_ENDPOINT" {
					return srv.URL()
				}
				return ""
			}
			r := &recorder{}
			before := srv.Stats().Requests.Total
			for b.Loop() {
				w, ok := Open(env, r, OpenOptions{Operation: "bench"})
				if !ok {
					b.Fatalf("Open: %v", r.diags)
				}
				if len(w.Config.Attachments) != n {
					b.Fatalf("%d attachments, want %d", len(w.Config.Attachments), n)
				}
				w.Close()
			}
			b.ReportMetric(float64(srv.Stats().Requests.Total-before)/float64(b.N), "requests/op")
			if _, err := os.Stat(filepath.Join(env.Dir, "state.json")); err == nil {
				b.Fatal("Open wrote a state")
			}
		})
	}
}
