package coverage

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	yaml "go.yaml.in/yaml/v3"
)

// Document is what the JSON and YAML forms hold: one Result per profile.
type Document struct {
	Profiles []*Result `json:"profiles" yaml:"profiles"`
}

// WriteText writes each result as its summary line, then a table of
// operations and one of notification kinds (each with the fixtures and
// specs that check it, "-" in the first column when nothing does), then
// what nothing checks and the steps that fit nothing.
func WriteText(w io.Writer, results ...*Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintln(tw, r.Summary)
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "  \toperation\tchecked by\n")
		for _, o := range r.Operations {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", mark(o.Covered()), o.Operation, checkedBy(o.Fixtures, o.Specs))
		}
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "  \tnotification kind\tchecked by\n")
		for _, k := range r.Notifications {
			fmt.Fprintf(tw, "  %s\t%s %s\t%s\n", mark(k.Covered()), k.Kind, k.Resource, checkedBy(k.Fixtures, k.Specs))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		writeList(w, fmt.Sprintf("uncovered operations (%d)", len(r.Uncovered.Operations)), r.Uncovered.Operations)
		writeList(w, fmt.Sprintf("uncovered notification kinds (%d)", len(r.Uncovered.Notifications)), r.Uncovered.Notifications)
		if len(r.Unknown) > 0 {
			var lines []string
			for _, u := range r.Unknown {
				lines = append(lines, fmt.Sprintf("%s:%d: %s (%s)", u.File, u.Line, u.Step, u.Fixture))
			}
			writeList(w, fmt.Sprintf("steps that fit nothing in the %s catalogue (%d)", r.Profile, len(r.Unknown)), lines)
		}
	}
	return tw.Flush()
}

func mark(covered bool) string {
	if covered {
		return "ok"
	}
	return "-"
}

func checkedBy(fixtures, specs []string) string {
	var parts []string
	if len(fixtures) > 0 {
		parts = append(parts, "fixtures: "+strings.Join(fixtures, ", "))
	}
	if len(specs) > 0 {
		parts = append(parts, "specs: "+strings.Join(specs, ", "))
	}
	if len(parts) == 0 {
		return "(nothing)"
	}
	return strings.Join(parts, "; ")
}

func writeList(w io.Writer, title string, items []string) {
	fmt.Fprintf(w, "\n%s", title)
	if len(items) == 0 {
		fmt.Fprintln(w, ": none")
		return
	}
	fmt.Fprintln(w, ":")
	for _, it := range items {
		fmt.Fprintf(w, "  %s\n", it)
	}
}

// WriteJSON writes the results as a Document, indented.
func WriteJSON(w io.Writer, results ...*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(Document{Profiles: results}); err != nil {
		return fmt.Errorf("write coverage: %w", err)
	}
	return nil
}

// WriteYAML writes the results as a Document.
func WriteYAML(w io.Writer, results ...*Result) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(Document{Profiles: results}); err != nil {
		return fmt.Errorf("write coverage: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write coverage: %w", err)
	}
	return nil
}
