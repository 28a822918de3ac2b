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
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
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

Exit codes: 0 success, 1 a scenario failed, 2 usage or fixture error, 3 runtime error.
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
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(c.run(ctx, args[1:], stdout, stderr), stderr)
		}
	}
	fmt.Fprintf(stderr, "replay: unknown command %q\n\n", args[0])
	mainUsage(stderr)
	return exitUsage
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintf(stderr, "replay: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "replay: %v\n", err)
	return exitRuntime
}

// parseFlags parses args with fs, accepting flags before and after the
// positional arguments (`replay serve FIXTURE --listen ADDR`). A help flag
// prints the usage once, to stdout, and reports help = true; a bad flag
// returns a usage error (the flag package has already printed the reason and
// the usage to fs's output). After it, fs.Args() holds the positionals.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (help bool, err error) {
	flags, positional := splitArgs(fs, args)
	for _, a := range flags {
		switch a {
		case "-h", "-help", "--h", "--help":
			fs.SetOutput(stdout)
			fs.Usage()
			return true, nil
		}
	}
	if len(positional) > 0 && !missingValue(fs, flags) {
		flags = append(flags, append([]string{"--"}, positional...)...)
	}
	if err := fs.Parse(flags); err != nil {
		return false, &exitError{code: exitUsage, err: fmt.Errorf("%s: %w", fs.Name(), err)}
	}
	return false, nil
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
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return !ok || !b.IsBoolFlag()
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
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, positional
}
