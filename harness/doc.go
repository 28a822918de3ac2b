// Package harness runs fixtures against a target: it sends each step's
// request, checks the answer, takes captures, and judges the notifications
// that arrive at the run's callback URL, recording everything in a timeline.
package harness
