//go:build unix

package simulator

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) of this process so far, and
// whether it is known.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
