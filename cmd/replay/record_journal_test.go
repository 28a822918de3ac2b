package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/recorder"
	"github.com/callconform/callconform/simulator"
)

// joinThrough joins a meeting through the recorder at base.
func joinThrough(t *testing.T, ctx context.Context, sim *simulator.Server, base string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/app/calls", strings.NewReader(
		`{"callback":"http://127.0.0.1:1/cb","requestedModalities":[],"meetingInfo":{"organizer":{"user":{"id":"11111111-2222-4333-8444-555555555555"}}}}`))
	req.Header.Set("Authorization", "Bearer "+simToken(t, sim))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("join through the recorder: %d", resp.StatusCode)
	}
}

// TestRecordProgressAndJournal: with --progress, record keeps a line on
// stderr counting what it recorded; each exchange is in the journal while
// recording; once the fixture is written the journal is removed.
func TestRecordProgressAndJournal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	out := filepath.Join(t.TempDir(), "joined.yaml")
	journal := out + ".journal"
	recCtx, interrupt := context.WithCancel(ctx)
	defer interrupt()
	stdout, stderr := newWatchedOutput(), newWatchedOutput()
	done := make(chan error, 1)
	go func() {
		done <- runRecord(recCtx, []string{"--upstream", sim.URL, "--listen", "127.0.0.1:0", "--out", out, "--progress"}, stdout, stderr)
	}()
	base := stdout.waitFor(ctx, t, recordingAt)
	joinThrough(t, ctx, sim, base)
	stderr.waitFor(ctx, t, regexp.MustCompile(`recording: (1) call\(s\), 1 request\(s\), \d+ notification\(s\), [0-9.]+ [KM]?i?B journaled`))
	data, err := os.ReadFile(journal)
	if err != nil || !strings.Contains(string(data), `"path":"/app/calls"`) {
		t.Errorf("the journal does not hold the request while recording: %v\n%s", err, data)
	}
	info, err := os.Stat(journal)
	if err == nil && info.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, want 0600", info.Mode().Perm())
	}
	interrupt()
	if err := <-done; err != nil {
		t.Fatalf("record: %v\n%s", err, stderr)
	}
	if _, err := fixture.Load(out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(journal); !os.IsNotExist(err) {
		t.Errorf("the journal stays once the fixture is written: %v", err)
	}
}

// TestRecordFinish: --finish writes the fixture of a journal a recorder
// left (it was killed), saying so; -o names the fixture; a torn last line
// is skipped with a note on stderr; a file that is not a journal is a
// usage error.
func TestRecordFinish(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sim, err := simulator.Start("127.0.0.1:0", simulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	journal := filepath.Join(dir, "left.yaml.journal")
	rec, err := recorder.Start("127.0.0.1:0", recorder.Config{Upstream: sim.URL, JournalPath: journal})
	if err != nil {
		t.Fatal(err)
	}
	joinThrough(t, ctx, sim, rec.URL)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(journal, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"seq":7,"at":"2026-`)
	f.Close()

	code, stdout, stderr := replay(t, "record", "--finish", journal)
	want := filepath.Join(dir, "left.yaml")
	if code != 0 || !strings.Contains(stdout, "wrote "+want+" from "+journal) {
		t.Fatalf("record --finish: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "torn") {
		t.Errorf("no note about the torn last line on stderr: %q", stderr)
	}
	fxs, err := fixture.Load(want)
	if err != nil {
		t.Fatal(err)
	}
	if fxs[0].ID != "left" || fxs[0].Steps[0].Send != "POST /app/calls" {
		t.Errorf("fixture %q, first step %+v", fxs[0].ID, fxs[0].Steps[0])
	}
	other := filepath.Join(dir, "named.yaml")
	if code, _, stderr := replay(t, "record", "--finish", journal, "-o", other); code != 0 {
		t.Fatalf("record --finish -o: exit %d: %s", code, stderr)
	}
	if _, err := fixture.Load(other); err != nil {
		t.Errorf("-o: %v", err)
	}
	if code, _, stderr := replay(t, "record", "--finish", want); code != 2 || !strings.Contains(stderr, "not a recording journal") {
		t.Errorf("--finish on a fixture: exit %d, stderr %q; want 2", code, stderr)
	}
}

// TestRecordRefusesAnExistingJournal: a journal left beside --out (a
// recording that was killed) is never overwritten: record says how to
// finish it.
func TestRecordRefusesAnExistingJournal(t *testing.T) {
	out := filepath.Join(t.TempDir(), "f.yaml")
	if err := os.WriteFile(out+".journal", []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := replay(t, "record", "--upstream", "http://127.0.0.1:1", "--out", out)
	if code != 2 || !strings.Contains(stderr, "replay record --finish "+out+".journal") {
		t.Errorf("exit %d, stderr %q; want 2 and how to finish the journal", code, stderr)
	}
}
