package recorder

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzReadJournal: whatever a journal file holds, reading it ends in its
// exchanges in sequence order, or an error; never a panic or a hang.
func FuzzReadJournal(f *testing.F) {
	header := `{"journal":"callconform-recording","version":1,"upstream":"https://graph.example.test/beta"}` + "\n"
	f.Add([]byte(header + `{"seq":0,"at":"2026-11-30T07:00:00Z","method":"POST","path":"/app/calls","body":{"a":1},"status":201}` + "\n"))
	f.Add([]byte(header + `{"seq":1,"at":"2026-11-30T07:00:00Z","note":true,"body":{"value":[]},"callback":1,"botStatus":202}` + "\n" +
		`{"seq":0,"at":"2026-11-30T07:00:00Z","method":"GET","path":"/x","status":200}` + "\n"))
	f.Add([]byte(header + `{"seq":0,"at":"2026-`))
	f.Add([]byte(header + `{"seq":-5}` + "\n" + `{"seq":5}` + "\n"))
	f.Add([]byte(`{"journal":"other"}` + "\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		last := -1
		_, _, err := readJournal(bytes.NewReader(data), func(x *exchange) error {
			if x.seq <= last {
				t.Fatalf("exchange %d after %d: not in sequence order", x.seq, last)
			}
			last = x.seq
			return nil
		})
		if err != nil && !bytes.Contains(data, []byte(JournalFormat)) && !errors.Is(err, ErrNotAJournal) {
			t.Fatalf("a file without the journal's header: %v, want ErrNotAJournal", err)
		}
	})
}
