package timeline

import (
	"net/http"
	"time"
)

// Notification is one item of a commsNotifications POST's value[] array, with
// where and when it arrived. Item is the item's JSON, as received.
type Notification struct {
	Index  int         // arrival index within the run, from 0; items of one POST are consecutive
	At     time.Time   // when the POST carrying it arrived
	Post   int         // index of the POST within the run, from 0
	Item   []byte      // the value[] item, raw JSON
	Header http.Header // the POST's headers, redacted
	// Redelivery is true when an identical item arrived before it in the same
	// run: delivery is at least once, so this is the same notification
	// delivered again, and it is judged as one with Original.
	Redelivery bool
	// Original is, when Redelivery is true, the arrival index of the first
	// delivery of the identical item; otherwise it is not used.
	Original int
}
