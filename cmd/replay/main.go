// Command replay runs conformance scenarios against a Graph calls API target,
// runs the reference simulator, records and replays scenarios.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/callconform/callconform/internal/excerpt"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitError carries a process exit code through the error chain.
type exitError struct {
	code int
	err  error // nil = nothing more to say than what was printed
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// Exit codes of every subcommand.
const (
	exitOK      = 0 // every scenario passed
	exitFailed  = 1 // a scenario failed
	exitUsage   = 2 // bad flags or a bad fixture
	exitRuntime = 3 // the tool itself could not work (listen failed, I/O error)
)

func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run scenarios against a target (default: the embedded simulator)", runRun},
		{"sim", "run the reference simulator of the calls API", runSim},
		{"serve", "replay scenarios for a bot: a mock of the calls API", runServe},
		{"record", "record a bot's traffic with a service, and its notifications, as a fixture", runRecord},
		{"lint", "refuse fixtures that hold a secret (JWT, bearer token, client secret, random key)", runLint},
		{"report", "render the HTML report of a run again from its report.json", runReport},
		{"coverage", "which operations and notification kinds of the calls API the fixtures and specs check", runCoverage},
		{"version", "print the version of replay and of the Go it was built with", runVersion},
	}
}

func mainUsage(w io.Writer) {
	fmt.Fprintf(w, `replay: conformance suite and replay harness for the Microsoft Graph calls API.

Usage:
  replay <command> [flags] [args]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Run 'replay <command> --help' for a command's flags and examples.

Exit codes: 0 success, 1 a scenario failed, 2 usage or fixture error (or
nothing was tested), 3 the tool could not work (the target or the token
endpoint cannot be reached, a port cannot be opened).
`)
}

// run dispatches to a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		mainUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	var names []string
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(c.run(ctx, args[1:], stdout, stderr), stderr)
		}
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := suggest(args[0], names); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	fmt.Fprintln(stderr, excerpt.Printable("replay: "+msg+" (replay --help lists the commands)"))
	return exitUsage
}

// exitCode prints err, if any, on stderr and returns its exit code: the
// one an *exitError carries, else 3: the tool could not work.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	code := exitRuntime
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil || ee.err.Error() == "" {
			return code
		}
	}
	fmt.Fprintf(stderr, "replay: %s\n", excerpt.Printable(err.Error()))
	return code
}

// parseFlags parses args with fs, accepting flags before and after the
// positional arguments (`replay serve FIXTURE --listen ADDR`). A help flag
// prints the usage once, to stdout, and reports help = true; a bad flag
// returns a usage error of one line, with a suggestion for a mistyped flag.
// After it, fs.Args() holds the positionals.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (help bool, err error) {
	flags, positional := splitArgs(fs, args)
	cmd := strings.TrimPrefix(fs.Name(), "replay ")
	for _, a := range flags {
		switch a {
		case "-h", "-help", "--h", "--help":
			fs.SetOutput(stdout)
			fs.Usage()
			return true, nil
		}
	}
	if err := unknownFlag(fs, flags); err != nil {
		return false, usageErr("%s: %v; see replay %s --help", cmd, err, cmd)
	}
	if len(positional) > 0 && !missingValue(fs, flags) {
		flags = append(flags, append([]string{"--"}, positional...)...)
	}
	// The reason is the one line this returns: not the flag package's
	// message followed by the whole usage.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err = fs.Parse(flags)
	fs.SetOutput(out)
	if err != nil {
		return false, &exitError{code: exitUsage, err: fmt.Errorf("%s: %w; see replay %s --help", cmd, err, cmd)}
	}
	return false, nil
}

// unknownFlag names the first flag fs does not define, with the defined
// flag it most likely stands for.
func unknownFlag(fs *flag.FlagSet, flags []string) error {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	for i := 0; i < len(flags); i++ {
		name, _, hasValue := strings.Cut(strings.TrimLeft(flags[i], "-"), "=")
		if f := fs.Lookup(name); f != nil {
			if !hasValue && !isBool(f) {
				i++ // its value, which may start with "-"
			}
			continue
		}
		msg := "unknown flag --" + name
		if s := suggest(name, names); s != "" {
			msg += fmt.Sprintf(" (did you mean --%s?)", s)
		}
		return errors.New(msg)
	}
	return nil
}

// missingValue reports whether the last flag takes a value it lacks, so
// that Parse says so instead of taking "--" for the value.
func missingValue(fs *flag.FlagSet, flags []string) bool {
	if len(flags) == 0 {
		return false
	}
	name := strings.TrimLeft(flags[len(flags)-1], "-")
	f := fs.Lookup(name)
	if f == nil || strings.Contains(name, "=") {
		return false
	}
	return !isBool(f)
}

// isBool reports whether f is a boolean flag, which takes no separate value.
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// splitArgs separates flags (with their values) from positional arguments;
// everything after "--" is positional.
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(positional, args[i+1:]...)
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // Parse reports it
		}
		if isBool(f) {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, positional
}
