package recorder

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/internal/guid"
)

// addNote adds the items of one notification POST to the current await
// block.
func (b *builder) addNote(x *exchange) {
	b.notes++
	v, err := parseJSON(x.body)
	if err != nil {
		b.skipped++
		return
	}
	var items []*jvalue
	if arr := v.get("value"); arr != nil && arr.kind == 'a' {
		items = arr.vals
	} else if v.get("changeType") != nil {
		items = []*jvalue{v} // a single item, not wrapped in value[]
	}
	b.inBlock = true
	for _, it := range items {
		if it.kind == 'o' {
			b.addItem(it)
		}
	}
	b.inBlock = false
}

// whereFields are the stable fields of a notification written as
// conditions; status is compared without case (Running, running).
var whereFields = []string{"state", "status", "terminationReason"}

func (b *builder) addItem(it *jvalue) {
	var e fixture.Expectation
	// The exemplar is made before the item's new ids are captured: it
	// writes them as the service did, and the ids known before as their
	// variables (a capture is known after the notification it comes from).
	b.cur = callOf(itemResource(it))
	e.Exemplar = b.exemplar(it.clone())
	switch ct, _ := it.str("changeType"); ct {
	case "created", "updated", "deleted":
		e.ChangeType = ct
	}
	field := "resource"
	res, ok := it.str("resource")
	if !ok {
		if res, ok = it.str("resourceUrl"); ok {
			field = "resourceUrl"
		}
	}
	var subject string
	b.cur = ""
	if ok {
		b.cur = callOf(res)
		subject = b.resource(&e, field, res)
	}
	event := ""
	if rd := it.get("resourceData"); rd != nil && rd.kind == 'o' {
		for _, f := range whereFields {
			s, ok := rd.str(f)
			if !ok || s == "" {
				continue
			}
			val := b.scrubString([]string{"resourceData", f}, s, false)
			if event == "" && f != "terminationReason" {
				event = val
			}
			if f == "status" {
				val = "~(?i)^" + regexp.QuoteMeta(strings.ToLower(val)) + "$"
			}
			if e.Where == nil {
				e.Where = map[string]json.RawMessage{}
			}
			e.Where["resourceData."+f] = jsonQuote(val)
		}
	}
	if event == "" {
		event = e.ChangeType
	}
	e.Name = b.name(subject, event)
	if ok {
		b.order(&e, res)
	}
	e.Delay = b.recordedDelay()
	b.block = append(b.block, e)
	if ok && e.ChangeType == "deleted" && isCall(res) {
		b.closeCall(callOf(res))
	}
}

// resource writes the expectation's resource: a literal path with its ids
// as variables, or, when it holds an id the service mints here, a regular
// expression and a capture. It returns the subject of the expectation's
// name (call, op2Roster...).
func (b *builder) resource(e *fixture.Expectation, field, res string) string {
	segs := splitPath(res)
	fresh := map[int]string{} // segment → base of a new id
	for i := 1; i < len(segs); i++ {
		if base := collectionVar(segs[i-1]); base != "" && looksID(segs[i]) {
			norm := guid.Normalize(segs[i])
			if b.ids[norm] == nil && !b.sent.has(norm) {
				fresh[i] = base
			}
		}
	}
	pending := false
	for _, seg := range segs {
		if v := b.ids[guid.Normalize(seg)]; v != nil && v.pending {
			pending = true
		}
	}
	if len(fresh) == 0 && !pending {
		e.Resource = jsonQuote(b.red.text(b.templ(res)))
	} else {
		parts := make([]string, len(segs))
		for i, seg := range segs {
			if _, ok := fresh[i]; ok {
				parts[i] = "[^/]+"
				continue
			}
			parts[i] = b.regexSegment(seg)
		}
		for i := range segs {
			base, ok := fresh[i]
			if !ok {
				continue
			}
			if v, ok := b.mint(segs[i], base); ok {
				if e.Capture == nil {
					e.Capture = map[string]fixture.Capture{}
				}
				e.Capture[v.name] = fixture.Capture{JSON: field, Regex: captureRegex(segs, i)}
			}
		}
		e.Resource = jsonQuote("~^/" + strings.Join(parts, "/") + "$")
	}
	return b.subject(segs)
}

// subject returns the subject of the name of an expectation on the
// resource of segments segs: the last id's variable (call2, op...) and what
// follows it (Roster for participants), or "".
func (b *builder) subject(segs []string) string {
	for i := len(segs) - 1; i >= 1; i-- {
		base := collectionVar(segs[i-1])
		if base == "" {
			continue
		}
		name := strings.TrimSuffix(base, "Id")
		if v := b.ids[guid.Normalize(segs[i])]; v != nil && v.base != "" {
			name = strings.TrimSuffix(v.base, "Id") + strings.TrimPrefix(v.name, v.base)
		}
		for _, s := range segs[i+1:] {
			if s == "participants" {
				name += "Roster"
			} else if !looksID(s) {
				name += title(s)
			}
		}
		return name
	}
	return ""
}

// order gives an expectation its required predecessors: the previous
// notification on the same resource, and the completion of an operation
// whose effect it is.
func (b *builder) order(e *fixture.Expectation, res string) {
	key := guid.Normalize(res)
	if prev, ok := b.lastOn[key]; ok {
		e.After = append(e.After, prev)
	}
	b.lastOn[key] = e.Name
	call := callOf(res)
	var causes []string
	for _, op := range b.opsByCall[call] {
		if op.done[key] || call == "" {
			continue
		}
		if (call == op.call && isRoster(res)) || op.related[call] {
			op.done[key] = true
			if !containsString(e.After, op.name) {
				e.After = append(e.After, op.name)
			}
			causes = append(causes, op.name)
		}
	}
	if len(causes) > 0 {
		e.Comment = "after " + strings.Join(causes, ", ") + ": required, an operation completes before its effects; the rest of the order was observed, not required"
	}
	if e.ChangeType == "deleted" {
		if op := opOf(res); op != "" {
			b.completed(op, e.Name, call)
		}
	}
}

// name returns a unique expectation name such as callEstablished or
// op2Completed.
func (b *builder) name(subject, event string) string {
	if subject == "" {
		subject = "notification"
	}
	n := sanitizeName(subject + title(event))
	if n[0] >= '0' && n[0] <= '9' || n[0] == '-' {
		n = "n" + n
	}
	u := b.names[n]
	u.n++
	if u.n == 1 && subjectHasVar(subject) {
		u.call = b.cur
	}
	b.names[n] = u
	if u.n > 1 {
		return fmt.Sprintf("%s_%d", n, u.n)
	}
	return n
}

// subjectHasVar reports whether a name's subject holds a variable's number
// (call2, op3Roster): variables are never numbered again, so such a name
// cannot come back once its call is forgotten.
func subjectHasVar(subject string) bool {
	return strings.ContainsAny(subject, "0123456789")
}

// itemResource is a notification item's resource, or its resourceUrl.
func itemResource(it *jvalue) string {
	if res, ok := it.str("resource"); ok {
		return res
	}
	res, _ := it.str("resourceUrl")
	return res
}
