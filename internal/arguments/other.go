package arguments

import (
	"flag"
	"time"
)

// Show is show's command line: Args is the plan file, if any.
type Show struct {
	Command
	Manifests
	View
}

func showFlags(a *Show) *flag.FlagSet {
	fs := newFlagSet("show")
	a.Manifests.register(fs)
	a.View.register(fs, withJSON|withMarkdown)
	return fs
}

// ParseShow parses show's arguments; err is the flag package's (parse).
func ParseShow(args []string) (*Show, error) {
	a := &Show{}
	return parse(a, showFlags(a), args)
}

// Validate is validate's command line.
type Validate struct {
	Command
	Manifests
	View
}

func validateFlags(a *Validate) *flag.FlagSet {
	fs := newFlagSet("validate")
	a.Manifests.register(fs)
	a.View.register(fs, withJSON)
	return fs
}

// ParseValidate parses validate's arguments; err is the flag package's.
func ParseValidate(args []string) (*Validate, error) {
	a := &Validate{}
	return parse(a, validateFlags(a), args)
}

// Fmt is fmt's command line: Args are the files and directories.
type Fmt struct {
	Command
	View
	Check     bool // -check: change nothing, exit 3 when a file would change
	Diff      bool // -diff: show the changes
	List      bool // -list=false: do not list the files that changed
	Write     bool // -write=false: do not rewrite files
	Recursive bool // -recursive: subdirectories too
}

func fmtFlags(a *Fmt) *flag.FlagSet {
	fs := newFlagSet("fmt")
	fs.BoolVar(&a.Check, "check", false, "")
	fs.BoolVar(&a.Diff, "diff", false, "")
	fs.BoolVar(&a.List, "list", true, "")
	fs.BoolVar(&a.Write, "write", true, "")
	fs.BoolVar(&a.Recursive, "recursive", false, "")
	a.View.register(fs, humanOnly)
	return fs
}

// ParseFmt parses fmt's arguments; err is the flag package's.
func ParseFmt(args []string) (*Fmt, error) {
	a := &Fmt{}
	return parse(a, fmtFlags(a), args)
}

// Emulator is the emulator's command line. The values are as given:
// the command reads the files and parses the specifications.
type Emulator struct {
	Command
	View
	Listen       string        // -listen=ADDR
	EndpointFile string        // -endpoint-file=FILE
	DataDir      string        // -data=DIR
	Users        string        // -users=A,B
	Fixtures     string        // -fixtures=FILE
	Latency      time.Duration // -latency=D
	Faults       string        // -faults=SPEC
	Limits       string        // -limits=SPEC
	Seed         int64         // -seed=N
}

func emulatorFlags(a *Emulator) *flag.FlagSet {
	fs := newFlagSet("emulator")
	a.View.register(fs, humanOnly)
	fs.StringVar(&a.Listen, "listen", "", "")
	fs.StringVar(&a.EndpointFile, "endpoint-file", "", "")
	fs.StringVar(&a.DataDir, "data", "", "")
	fs.StringVar(&a.Users, "users", "", "")
	fs.StringVar(&a.Fixtures, "fixtures", "", "")
	fs.Var((*duration)(&a.Latency), "latency", "")
	fs.StringVar(&a.Faults, "faults", "", "")
	fs.StringVar(&a.Limits, "limits", "", "")
	fs.Int64Var(&a.Seed, "seed", 0, "")
	return fs
}

// ParseEmulator parses the emulator's arguments; err is the flag
// package's.
func ParseEmulator(args []string) (*Emulator, error) {
	a := &Emulator{}
	return parse(a, emulatorFlags(a), args)
}

// Version is version's command line.
type Version struct {
	Command
	View
}

func versionFlags(a *Version) *flag.FlagSet {
	fs := newFlagSet("version")
	a.View.register(fs, withJSON)
	return fs
}

// ParseVersion parses version's arguments; err is the flag package's.
func ParseVersion(args []string) (*Version, error) {
	a := &Version{}
	return parse(a, versionFlags(a), args)
}
