package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/callconform/callconform/fixtures"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/recorder"
	"github.com/callconform/callconform/internal/secret"
)

const lintUsage = `Usage: replay lint [PATH...]

Loads fixtures (files, folders or globs; default: the fixtures built into
this binary) with the schema, then refuses anything in them that looks like a
secret: JWTs, bearer tokens, secret-named fields (client_secret, password,
access_token, the sig of a SAS, sasToken, api-key...) with a value, Entra
refresh tokens (0.A...) and client secrets, and high-entropy strings (24 or
more characters of letters, digits and +/=_~-, with a Shannon entropy from
3.9 to 4.5 bits a character by length; GUIDs, hex ids and Teams thread ids,
19:...@thread.v2 and 19:meeting_...@thread.v2, are ids, not secrets; base64
of JSON or of text is judged by what it encodes). Placeholders ({{var}},
redacted-*) pass.

A recorded fixture (one that saves its redaction rules) is also scrubbed
again with its own rules: any value they would still replace is refused,
such as a real tenant or user id, display name, phone number, thread id or
joinMeetingId where its pseudonym should be, at an identity path, in a var
or anywhere else (in a URL, in JSON in a string, in base64).

One line per finding, file:line, the value masked.

A fixture that uses another ('use:') is loaded with it: lint the folder.

Examples:
  replay lint fixtures/
  replay lint recorded/join-meeting.yaml
  replay lint            # the built-in fixtures

Exit codes: 0 no secret found, 1 a secret was found, 2 usage error or a
fixture that does not load.
`

func runLint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("replay lint", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(fset.Output(), lintUsage) }
	if help, err := parseFlags(fset, args, stdout); help || err != nil {
		return err
	}
	read := os.ReadFile
	var fxs []*fixture.Fixture
	var err error
	if fset.NArg() == 0 {
		fxs, err = fixture.LoadFSContext(ctx, fixtures.FS, ".")
		read = func(name string) ([]byte, error) { return fs.ReadFile(fixtures.FS, name) }
	} else {
		fxs, err = loadFixtures(ctx, fset.Args())
	}
	if err != nil {
		return loadError(ctx, fmt.Errorf("lint: %w", err))
	}
	seen := map[string]bool{}
	var files []string
	for _, f := range fxs {
		if !seen[f.File] {
			seen[f.File] = true
			files = append(files, f.File)
		}
	}
	sort.Strings(files)
	// A fixture's name and text are from outside: escape what they hold.
	stdout = &consoleWriter{w: stdout}
	found, inFiles := 0, 0
	for _, name := range files {
		data, err := read(name)
		if err != nil {
			return &exitError{code: exitRuntime, err: fmt.Errorf("lint: %w", err)}
		}
		n := lintFile(stdout, name, string(data))
		m, err := lintRedaction(stdout, name, data)
		if err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("lint: %s: %w", name, err)}
		}
		n += m
		found += n
		if n > 0 {
			inFiles++
		}
	}
	if found > 0 {
		return &exitError{code: exitFailed, err: fmt.Errorf("lint: %d secret(s) or personal value(s) in %d of %d fixture file(s)", found, inFiles, len(files))}
	}
	fmt.Fprintf(stdout, "lint: %d fixture file(s), no secret found\n", len(files))
	return nil
}

// lintFile prints one line per secret in a fixture file's text and returns
// how many it found.
func lintFile(w io.Writer, name, text string) int {
	n := 0
	for i, line := range strings.Split(text, "\n") {
		for _, m := range secret.Find(line) {
			if m.Kind == secret.Field && tokenKindLine(line) {
				continue
			}
			fmt.Fprintf(w, "%s:%d: %s: %s\n", name, i+1, describeSecret(m.Kind), secret.Mask(line[m.Start:m.End]))
			n++
		}
	}
	return n
}

// lintRedaction prints one line per value a recorded fixture's own
// redaction rules would still replace (recorder.Unredacted), on a line
// where the secret finder found nothing, and returns how many it printed.
func lintRedaction(w io.Writer, name string, data []byte) (int, error) {
	found, err := recorder.Unredacted(data)
	if err != nil {
		return 0, err
	}
	lines := strings.Split(string(data), "\n")
	n := 0
	seen := map[int]bool{}
	for _, f := range found {
		if seen[f.Line] || (f.Line >= 1 && f.Line <= len(lines) && len(secret.Find(lines[f.Line-1])) > 0) {
			continue
		}
		seen[f.Line] = true
		fmt.Fprintf(w, "%s:%d: a value its redaction rules replace (personal data?) at %s: %s\n", name, f.Line, f.Path, secret.Mask(f.Value))
		n++
	}
	return n, nil
}

func describeSecret(k secret.Kind) string {
	switch k {
	case secret.JWT:
		return "a JWT"
	case secret.Bearer:
		return "a bearer token"
	case secret.Field:
		return "a secret-named field with a value"
	case secret.RefreshToken:
		return "a refresh token"
	case secret.ClientSecret:
		return "a client secret"
	case secret.Entropy:
		return "a high-entropy string (a key or a secret?)"
	}
	return string(k)
}

// tokenKindLine reports whether line is a send step's `token:` naming a
// kind of token (`token: delegated`): a word of the fixture language, not
// a secret, though its key is named like one.
func tokenKindLine(line string) bool {
	rest := strings.TrimSpace(line)
	rest = strings.TrimSpace(strings.TrimPrefix(rest, "- "))
	v, ok := strings.CutPrefix(rest, "token:")
	if !ok {
		return false
	}
	v, _, _ = strings.Cut(v, " #")
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	return slices.Contains(fixture.TokenKinds(), v)
}
