package main

import "github.com/hashicorp/cli"

// commands lists the commands; one file per command. A command that does
// not exist yet is absent here, never a placeholder.
func commands(g *globals) map[string]cli.CommandFactory {
	return map[string]cli.CommandFactory{
		"plan":     func() (cli.Command, error) { return &planCommand{g: g}, nil },
		"apply":    func() (cli.Command, error) { return &applyCommand{g: g}, nil },
		"validate": func() (cli.Command, error) { return &validateCommand{g: g}, nil },
		"fmt":      func() (cli.Command, error) { return &fmtCommand{g: g}, nil },
		"emulator": func() (cli.Command, error) { return &emulatorCommand{g: g}, nil },
		"version":  func() (cli.Command, error) { return &versionCommand{g: g}, nil },
	}
}
