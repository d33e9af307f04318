package generate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// generatedSuffix is what a manifest's name ends with: the generated file
// is read by the next plan only if it is one.
const generatedSuffix = ".attach.hcl"

// Output is where a generation writes, relative to the configuration
// directory and slash-separated: File, the manifest, and Folder, the
// downloaded files.
type Output struct {
	File   string
	Folder string
}

// CheckOutput applies Terraform's rules for -generate-config-out=out (the
// file must not exist) and attachform's (it is a manifest of dir, the
// configuration directory; -generate-files-out=files a folder inside it,
// "" for out's name without .attach.hcl), before anything is read.
// readsLive is false for a plan that does not read Graph (-destroy,
// -refresh-only, -refresh=false). An empty out generates nothing.
func CheckOutput(dir, out, files string, readsLive bool) (Output, error) {
	if out == "" {
		if files != "" {
			return Output{}, errors.New("-generate-files-out is where -generate-config-out puts the files it downloads; give -generate-config-out=FILE too")
		}
		return Output{}, nil
	}
	switch {
	case !readsLive:
		return Output{}, errors.New("-generate-config-out reads what Graph holds on the targets: it cannot be combined with -destroy, -refresh-only or -refresh=false")
	case !strings.HasSuffix(out, generatedSuffix) || out == generatedSuffix:
		return Output{}, fmt.Errorf("-generate-config-out=%s: the file's name must end in %s, or the next plan would not read it", out, generatedSuffix)
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return Output{}, err
	}
	abs := out
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(dir, out)
	}
	if filepath.Dir(filepath.Clean(abs)) != absDir {
		return Output{}, fmt.Errorf("-generate-config-out=%s: the file must be in the configuration directory (%s), where the next plan reads manifests", out, dir)
	}
	if _, err := os.Lstat(abs); !errors.Is(err, fs.ErrNotExist) {
		return Output{}, fmt.Errorf("-generate-config-out=%s: the file exists already; attachform writes a new file only, and never over one: choose another name, or remove it", out)
	}
	o := Output{File: filepath.Base(abs)}
	o.Folder = strings.TrimSuffix(o.File, generatedSuffix)
	if files != "" {
		if !filepath.IsLocal(files) {
			return Output{}, fmt.Errorf("-generate-files-out=%s: the folder must be inside the configuration directory, given relative to it (as imported)", files)
		}
		o.Folder = filepath.ToSlash(filepath.Clean(files))
	}
	return o, nil
}
