package main

import "github.com/hashicorp/cli"

// commands lists the commands; one file per command. A command that does
// not exist yet is absent here, never a placeholder.
func commands(g *globals) map[string]cli.CommandFactory {
	return map[string]cli.CommandFactory{
		"plan":     func() (cli.Command, error) { return &planCommand{g: g}, nil },
		"apply":    func() (cli.Command, error) { return &applyCommand{g: g}, nil },
		"destroy":  func() (cli.Command, error) { return &destroyCommand{g: g}, nil },
		"show":     func() (cli.Command, error) { return &showCommand{g: g}, nil },
		"validate": func() (cli.Command, error) { return &validateCommand{g: g}, nil },
		"fmt":      func() (cli.Command, error) { return &fmtCommand{g: g}, nil },
		"emulator": func() (cli.Command, error) { return &emulatorCommand{g: g}, nil },
		"version":  func() (cli.Command, error) { return &versionCommand{g: g}, nil },

		"init":         func() (cli.Command, error) { return &initCommand{g: g}, nil },
		"import":       func() (cli.Command, error) { return &importCommand{g: g}, nil },
		"force-unlock": func() (cli.Command, error) { return &forceUnlockCommand{g: g}, nil },
		"state":        func() (cli.Command, error) { return &stateCommand{}, nil },
		"state list":   func() (cli.Command, error) { return &stateListCommand{g: g}, nil },
		"state show":   func() (cli.Command, error) { return &stateShowCommand{g: g}, nil },
		"state rm":     func() (cli.Command, error) { return &stateRmCommand{g: g}, nil },
		"state mv":     func() (cli.Command, error) { return &stateMvCommand{g: g}, nil },
		"state pull":   func() (cli.Command, error) { return &statePullCommand{g: g}, nil },
		"state push":   func() (cli.Command, error) { return &statePushCommand{g: g}, nil },
	}
}
