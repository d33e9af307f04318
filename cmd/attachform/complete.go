package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/attachform/attachform/internal/completion"
	"github.com/attachform/attachform/internal/views"
	"github.com/hashicorp/go-hclog"
)

// Shell completion. attachform -install-autocomplete adds a line to
// ~/.bashrc and ~/.zshrc (complete -C /path/to/attachform attachform) and a
// file to fish's completions: the shell then runs attachform with COMP_LINE
// set, and the command framework prints the words that fit, which
// internal/completion tells it.

// completeLine answers the shell: the framework completes the line in
// COMP_LINE and writes the candidates on stdout, one a line.
func completeLine(g *globals, v *views.View) int {
	dir, err := os.Getwd()
	if err != nil {
		return exitError
	}
	g.dir = dir
	g.log = hclog.NewNullLogger()
	return runFramework(g, v, commands(g), nil)
}

// changeCompletion installs or removes completion of this binary in every
// shell found in the command's home, returning the files it changed.
func changeCompletion(g *globals, install bool) ([]string, error) {
	bin, err := os.Executable()
	if err == nil {
		bin, err = filepath.Abs(bin)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot tell where attachform is: %v", err)
	}
	return completion.Change(g.getenv("HOME"), g.getenv("XDG_CONFIG_HOME"), bin, install)
}
