package arguments

import "flag"

// commands are the commands with flags, each with the function that
// defines them on a value of its arguments.
var commands = map[string]func() *flag.FlagSet{
	"plan":         func() *flag.FlagSet { return planFlags(&Plan{}) },
	"apply":        func() *flag.FlagSet { return applyOnlyFlags(&Apply{}) },
	"destroy":      func() *flag.FlagSet { return destroyFlags(&Apply{}) },
	"show":         func() *flag.FlagSet { return showFlags(&Show{}) },
	"validate":     func() *flag.FlagSet { return validateFlags(&Validate{}) },
	"fmt":          func() *flag.FlagSet { return fmtFlags(&Fmt{}) },
	"emulator":     func() *flag.FlagSet { return emulatorFlags(&Emulator{}) },
	"version":      func() *flag.FlagSet { return versionFlags(&Version{}) },
	"init":         func() *flag.FlagSet { return initFlags(&Init{}) },
	"import":       func() *flag.FlagSet { return importFlags(&Import{}) },
	"force-unlock": func() *flag.FlagSet { return forceUnlockFlags(&Forced{}) },
	"state list":   func() *flag.FlagSet { return stateListFlags(&StateList{}) },
	"state show":   func() *flag.FlagSet { return stateShowFlags(&State{}) },
	"state rm":     func() *flag.FlagSet { return stateMoveFlags(&StateMove{}, "state rm") },
	"state mv":     func() *flag.FlagSet { return stateMoveFlags(&StateMove{}, "state mv") },
	"state pull":   func() *flag.FlagSet { return statePullFlags(&State{}) },
	"state push":   func() *flag.FlagSet { return statePushFlags(&Forced{}) },
}

// Flags returns the flags of command name ("plan", "state mv"), for
// completion and the help's and the docs' consistency: the same
// definitions the command parses with, read without running it. Their
// values are a throwaway; parse with the command's Parse function. nil:
// no such command, or one with no flags (a group: state).
func Flags(name string) *flag.FlagSet {
	define, ok := commands[name]
	if !ok {
		return nil
	}
	return define()
}
