package generate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each rule of -generate-config-out and -generate-files-out, and where a
// generation writes when they hold.
func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "taken.attach.hcl"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		out, files string
		readsLive  bool
		want       Output
		wantErr    string
	}{
		{"", "", true, Output{}, ""},
		{"", "files", true, Output{}, "give -generate-config-out=FILE too"},
		{"g.attach.hcl", "", false, Output{}, "cannot be combined with -destroy"},
		{"g.hcl", "", true, Output{}, "must end in .attach.hcl"},
		{".attach.hcl", "", true, Output{}, "must end in .attach.hcl"},
		{"sub/g.attach.hcl", "", true, Output{}, "must be in the configuration directory"},
		{"taken.attach.hcl", "", true, Output{}, "exists already"},
		{"g.attach.hcl", "../out", true, Output{}, "must be inside the configuration directory"},
		{"g.attach.hcl", "", true, Output{File: "g.attach.hcl", Folder: "g"}, ""},
		{filepath.Join(dir, "g.attach.hcl"), "files/./in", true, Output{File: "g.attach.hcl", Folder: "files/in"}, ""},
	} {
		got, err := CheckOutput(dir, tc.out, tc.files, tc.readsLive)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("CheckOutput(%q, %q, %v) = %v, want an error with %q", tc.out, tc.files, tc.readsLive, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || got != tc.want):
			t.Errorf("CheckOutput(%q, %q, %v) = %+v, %v, want %+v", tc.out, tc.files, tc.readsLive, got, err, tc.want)
		}
	}
}
