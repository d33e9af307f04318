package main

import "github.com/hashicorp/cli"

// commands lists the commands; one file per command. A command that does
// not exist yet is absent here, never a placeholder.
func commands(g *globals) map[string]cli.CommandFactory {
	return map[string]cli.CommandFactory{
		"version": func() (cli.Command, error) { return &versionCommand{g: g}, nil },
	}
}
