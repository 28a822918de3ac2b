package recorder

import "crypto/sha256"

// maxTrackedNotes bounds the notifications a redeliveryFilter remembers:
// the service redelivers within a minute or two, before that many others
// arrive (16,384: over two minutes at a hundred a second).
const maxTrackedNotes = 1 << 14

// redeliveryFilter finds, in a stream of notification deliveries in
// arrival order, those that deliver again one kept: the calls API
// delivers at least once, and POSTs a notification again (same callback,
// same body) when a delivery failed or timed out, even one the bot had
// answered. Of the deliveries of one notification, one is kept: the first
// the bot accepted (2xx); a delivery the bot did not answer, or refused
// with a status that asks for a retry, is dropped when another follows. A
// refusal that asks for none (400...) is kept. It remembers the last
// maxTrackedNotes distinct notifications only, so its memory is bounded.
type redeliveryFilter struct {
	groups map[noteKey]*deliveries
	fifo   []noteKey // ring of the keys in groups, oldest at head
	head   int
}

type noteKey struct {
	callback int
	sum      [sha256.Size]byte
}

// deliveries is what the filter knows of one notification.
type deliveries struct {
	accepted bool
	pending  []int // kept so far, retryable: dropped when another delivery follows
}

func newRedeliveryFilter() *redeliveryFilter {
	return &redeliveryFilter{groups: map[noteKey]*deliveries{}}
}

// add takes the next delivery and says whether to drop it, and which
// earlier deliveries (by seq) this one makes redundant.
func (f *redeliveryFilter) add(seq, callback int, body []byte, botStatus int) (drop bool, earlier []int) {
	k := noteKey{callback: callback, sum: sha256.Sum256(body)}
	g := f.groups[k]
	if g == nil {
		g = &deliveries{}
		f.remember(k, g)
	}
	earlier, g.pending = g.pending, nil
	if g.accepted {
		return true, earlier
	}
	if retryable(botStatus) {
		g.pending = []int{seq}
	}
	if botStatus >= 200 && botStatus < 300 {
		g.accepted = true
	}
	return false, earlier
}

func (f *redeliveryFilter) remember(k noteKey, g *deliveries) {
	if len(f.fifo) < maxTrackedNotes {
		f.fifo = append(f.fifo, k)
	} else {
		delete(f.groups, f.fifo[f.head])
		f.fifo[f.head] = k
		f.head = (f.head + 1) % len(f.fifo)
	}
	f.groups[k] = g
}

// arrive notes that another delivery of a notification has begun, before
// the bot answered it: it says whether the bot already accepted one (this
// one is a redelivery), and returns the earlier deliveries it makes
// redundant, which a later add does not return again.
func (f *redeliveryFilter) arrive(callback int, body []byte) (accepted bool, earlier []int) {
	g := f.groups[noteKey{callback: callback, sum: sha256.Sum256(body)}]
	if g == nil {
		return false, nil
	}
	earlier, g.pending = g.pending, nil
	return g.accepted, earlier
}
