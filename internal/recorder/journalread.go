package recorder

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxReorder bounds the exchanges a journal reader holds back waiting for
// an earlier one (completed later) to come: past it, that one is taken as
// lost (it was in flight when the recorder stopped).
const maxReorder = 1 << 14

// readJournal reads a journal's header and calls fn with each exchange in
// arrival (sequence) order, although the journal holds them in the order
// they completed. A torn last line (the recorder killed while writing it)
// is skipped and said in the notes; any other bad line is an error.
func readJournal(r io.Reader, fn func(*exchange) error) (journalHeader, []string, error) {
	var h journalHeader
	br := bufio.NewReaderSize(r, 256<<10)
	first, err := readLine(br)
	if err != nil || len(first) == 0 {
		return h, nil, fmt.Errorf("read journal: %w: no header line", ErrNotAJournal)
	}
	if err := json.Unmarshal(first, &h); err != nil || h.Journal != JournalFormat {
		return h, nil, fmt.Errorf("read journal: %w: its first line does not name %s", ErrNotAJournal, JournalFormat)
	}
	if h.Version != journalVersion {
		return h, nil, fmt.Errorf("read journal: version %d, want %d", h.Version, journalVersion)
	}
	ro := &reorder{fn: fn}
	var notes []string
	for n := 2; ; n++ {
		line, err := readLine(br)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			break
		}
		last := errors.Is(err, io.EOF)
		if err != nil && !last {
			return h, notes, fmt.Errorf("read journal line %d: %w", n, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var l journalLine
		if jerr := json.Unmarshal(line, &l); jerr != nil {
			if last {
				notes = append(notes, fmt.Sprintf("line %d of the journal is torn (the recorder stopped while writing it): skipped", n))
				break
			}
			return h, notes, fmt.Errorf("read journal line %d: %w", n, jerr)
		}
		if err := ro.push(l.exchange()); err != nil {
			return h, notes, err
		}
		if last {
			break
		}
	}
	return h, notes, ro.drain()
}

// readLine reads one line without its newline; io.EOF comes with the last
// line when it has none (a torn line).
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxJournalLine {
			return nil, fmt.Errorf("a line is longer than %d MiB", maxJournalLine>>20)
		}
		switch {
		case err == nil:
			return line[:len(line)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return line, io.EOF
		default:
			return nil, err
		}
	}
}

// reorder gives exchanges to fn in sequence order, holding back those that
// came before an earlier one.
type reorder struct {
	fn   func(*exchange) error
	next int
	held seqHeap
}

func (o *reorder) push(x *exchange) error {
	if x.seq < o.next {
		return nil // a duplicate line, or one given up on
	}
	heap.Push(&o.held, x)
	for len(o.held) > 0 && (o.held[0].seq == o.next || len(o.held) > maxReorder) {
		y := heap.Pop(&o.held).(*exchange)
		if y.seq < o.next {
			continue
		}
		o.next = y.seq + 1
		if err := o.fn(y); err != nil {
			return err
		}
	}
	return nil
}

// drain gives what is held, in order: the gaps were in flight.
func (o *reorder) drain() error {
	for len(o.held) > 0 {
		y := heap.Pop(&o.held).(*exchange)
		if y.seq < o.next {
			continue
		}
		o.next = y.seq + 1
		if err := o.fn(y); err != nil {
			return err
		}
	}
	return nil
}

type seqHeap []*exchange

func (h seqHeap) Len() int           { return len(h) }
func (h seqHeap) Less(i, j int) bool { return h[i].seq < h[j].seq }
func (h seqHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *seqHeap) Push(x any)        { *h = append(*h, x.(*exchange)) }
func (h *seqHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}
