// Package harness runs fixtures against a target: it sends each step's
// request, checks the answer, takes captures, and judges the notifications
// that arrive at the run's callback URL, recording everything in a timeline.
//
// It is meant to be imported: with harness/fixture (the model) and
// harness/testbed (which opens a target), it is callconform's Go library for
// running fixtures from Go. See the testbed package's example.
package harness
