package testbed_test

import (
	"context"
	"fmt"

	"github.com/callconform/callconform/fixtures"
	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/testbed"
)

// Running a fixture from Go: open a testbed (here the embedded simulator;
// set Config.URL and credentials for another target), load fixtures, run
// each, and read its result.
func Example() {
	ctx := context.Background()
	tb, err := testbed.Open(ctx, testbed.Config{})
	if err != nil {
		panic(err)
	}
	defer tb.Close()

	fxs, err := fixture.LoadFS(fixtures.FS, ".") // the built-in fixtures; fixture.Load reads files
	if err != nil {
		panic(err)
	}
	for _, f := range fxs {
		if f.ID != "join-channel-meeting-without-media" {
			continue
		}
		res := tb.Runner.Run(ctx, f)
		fmt.Println(res.ID, res.Status)
		if res.Failure != nil { // names the step, its file:line, and why
			fmt.Printf("%s:%d: %s\n", res.Failure.File, res.Failure.Line, res.Failure.Message)
		}
	}
	// Output:
	// join-channel-meeting-without-media passed
}
