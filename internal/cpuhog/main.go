// Command cpuhog keeps every core of the machine busy, so that `make stress`
// runs the tests the way CI's shared machine does: with less CPU than they
// would like. It stops after -for (default 30 minutes), at SIGINT or SIGTERM,
// or when the process that started it ends.
//
//	go run ./internal/cpuhog -for 10m &
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cpuhog:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("cpuhog", flag.ContinueOnError)
	n := fs.Int("n", runtime.NumCPU(), "busy `goroutines` (default: one per core)")
	limit := fs.Duration("for", 30*time.Minute, "stop after this `duration`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 || *limit <= 0 {
		return fmt.Errorf("-n must be at least 1 and -for positive")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	go watchParent(ctx, cancel)
	hog(ctx, *n)
	return nil
}

// hog spins n goroutines until ctx ends.
func hog(ctx context.Context, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			x := uint64(1)
			for ctx.Err() == nil {
				for range 1 << 16 {
					x = x*6364136223846793005 + 1442695040888963407
				}
			}
			_ = x
		})
	}
	wg.Wait()
}

// watchParent cancels when the process that started this one is gone (it
// is re-parented), so that a hog never outlives an interrupted make.
func watchParent(ctx context.Context, cancel context.CancelFunc) {
	parent := os.Getppid()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if os.Getppid() != parent {
				cancel()
				return
			}
		}
	}
}
