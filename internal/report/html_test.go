package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/callconform/callconform/harness"
)

// find returns the nodes below n (n included) that keep returns true for.
func find(n *html.Node, keep func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if keep(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func element(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == tag }
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	for _, t := range find(n, func(n *html.Node) bool { return n.Type == html.TextNode }) {
		b.WriteString(t.Data)
	}
	return b.String()
}

func TestHTMLShowsScenariosDiagramsAndDiffsWithoutTokens(t *testing.T) {
	r := realRun(t)
	var b bytes.Buffer
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, plantedJWT) || strings.Contains(page, plantedJWT[:40]) {
		t.Fatal("the page contains the planted token")
	}
	if !strings.Contains(page, "Bearer REDACTED") {
		t.Error("the planted Authorization header is not shown redacted")
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}

	// Self-contained: no external resource, no script or style from elsewhere.
	for _, n := range find(doc, func(n *html.Node) bool { return n.Type == html.ElementNode }) {
		if n.Data == "link" || n.Data == "img" || n.Data == "iframe" || attr(n, "src") != "" {
			t.Errorf("external resource <%s src=%q>", n.Data, attr(n, "src"))
		}
		if h := attr(n, "href"); h != "" && !strings.HasPrefix(h, "#") {
			t.Errorf("link out of the page: %q", h)
		}
	}

	sections := map[string]*html.Node{}
	for _, s := range find(doc, element("section")) {
		if hasClass(s, "scenario") {
			sections[attr(s, "data-id")] = s
		}
	}
	ok, bad, skipped := sections["invite-ok"], sections["invite-wrong-resource"], sections["needs-incoming-call"]
	if ok == nil || bad == nil || skipped == nil {
		t.Fatalf("sections %v: want invite-ok, invite-wrong-resource and needs-incoming-call", sections)
	}
	if !hasClass(ok, "passed") || !hasClass(bad, "failed") || !hasClass(skipped, "skipped") {
		t.Error("sections do not carry their status")
	}
	if !strings.Contains(text(skipped), `target lacks capability "incoming-call"`) {
		t.Error("the skipped scenario does not say why")
	}
	for id, s := range map[string]*html.Node{"invite-ok": ok, "invite-wrong-resource": bad} {
		svgs := find(s, element("svg"))
		if len(svgs) != 1 {
			t.Fatalf("%s: %d svg elements, want 1", id, len(svgs))
		}
		lanes := text(svgs[0])
		for _, lane := range []string{"harness", "target", "callback receiver", "POST /app/calls/c1/participants/invite", "202 Accepted"} {
			if !strings.Contains(lanes, lane) {
				t.Errorf("%s: the diagram lacks %q", id, lane)
			}
		}
	}
	red := func(n *html.Node) bool { return element("line")(n) && attr(n, "stroke") == colorFail }
	if len(find(ok, red)) != 0 {
		t.Error("a red arrow in the passing scenario")
	}
	var marked []string
	for _, g := range find(bad, element("g")) {
		if len(find(g, red)) > 0 {
			marked = append(marked, text(g))
		}
	}
	found := false
	for _, m := range marked {
		if strings.Contains(m, "✗ deleted /app/calls/other/operations/op1") && strings.Contains(m, `+ resource: "/app/calls/other/operations/op1"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("the completion on the wrong call is not a red arrow with its diff; red arrows: %q", marked)
	}

	// The failed expectation, its diff, and the notification one click away.
	unmet := find(bad, func(n *html.Node) bool { return element("div")(n) && attr(n, "data-expectation") == "opDone" })
	if len(unmet) != 1 {
		t.Fatalf("failed expectation opDone shown %d times", len(unmet))
	}
	var diffRow string
	for _, tr := range find(unmet[0], element("tr")) {
		if cells := find(tr, element("td")); len(cells) == 3 && text(cells[0]) == "resource" {
			if !hasClass(cells[1], "want") || !hasClass(cells[2], "got") {
				t.Error("the diff cells are not marked want and got")
			}
			if diffRow == "" { // the closest candidate comes first
				diffRow = text(cells[1]) + " | " + text(cells[2])
			}
		}
	}
	if !strings.Contains(diffRow, `- {$sameId: "/app/calls/c1/operations/`) || !strings.Contains(diffRow, `+ "/app/calls/other/operations/op1"`) {
		t.Errorf("resource diff row = %q", diffRow)
	}
	links := find(unmet[0], func(n *html.Node) bool { return element("a")(n) && strings.HasPrefix(attr(n, "href"), "#") })
	if len(links) == 0 {
		t.Fatal("the closest notification is not linked")
	}
	target := strings.TrimPrefix(attr(links[0], "href"), "#")
	events := find(doc, func(n *html.Node) bool { return element("details")(n) && attr(n, "id") == target })
	if len(events) != 1 || !strings.Contains(text(events[0]), `"/app/calls/other/operations/op1"`) {
		t.Fatalf("link #%s does not open the notification", target)
	}
	var request *html.Node
	for _, d := range find(bad, element("details")) {
		if hasClass(d, "request") {
			request = d
			break
		}
	}
	if request == nil || !strings.Contains(text(request), `"participants"`) || !strings.Contains(text(request), "POST http://127.0.0.1:") {
		t.Error("the request and its body are not one click away")
	}
}

// withClass keeps the tag elements of class.
func withClass(tag, class string) func(*html.Node) bool {
	return func(n *html.Node) bool { return element(tag)(n) && hasClass(n, class) }
}

// page renders r as HTML and parses it.
func page(t *testing.T, r Run) *html.Node {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&b)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// linked returns the event that the link a points at.
func linked(t *testing.T, doc, a *html.Node) *html.Node {
	t.Helper()
	id, ok := strings.CutPrefix(attr(a, "href"), "#")
	events := find(doc, func(n *html.Node) bool { return element("details")(n) && attr(n, "id") == id })
	if !ok || len(events) != 1 {
		t.Fatalf("link %q does not point at one event", attr(a, "href"))
	}
	return events[0]
}

// summary returns the text of an event's summary line.
func summary(n *html.Node) string {
	if s := find(n, element("summary")); len(s) > 0 {
		return text(s[0])
	}
	return ""
}

// one returns the only node below n that keep returns true for.
func one(t *testing.T, n *html.Node, what string, keep func(*html.Node) bool) *html.Node {
	t.Helper()
	found := find(n, keep)
	if len(found) != 1 {
		t.Fatalf("%d %s, want 1", len(found), what)
	}
	return found[0]
}

func TestHTMLShowsDecidedOpenAndRedeliveries(t *testing.T) {
	doc := page(t, redeliveredRun(t))
	failure := one(t, doc, "failure panels", withClass("div", "failure"))

	decided := one(t, failure, "decided lines", withClass("p", "decided"))
	if got, want := text(decided), "decided at notification #2: notification #2 is one no expectation takes, and the block says unexpected: fail"; got != want {
		t.Errorf("decided line %q, want %q", got, want)
	}
	if ev := linked(t, doc, one(t, decided, "links", element("a"))); !strings.Contains(summary(ev), "#2 created /app/calls/c1/audioRoutingGroups/g1") {
		t.Errorf("the decided line links to %q, not to notification #2", summary(ev))
	}

	notWaited := one(t, failure, `"not waited for" parts`, withClass("div", "not-waited"))
	if h := find(notWaited, element("h4")); len(h) != 1 || text(h[0]) != "not waited for" {
		t.Error(`the open expectations are not under a "not waited for" heading`)
	}
	roster := one(t, notWaited, "open expectations", withClass("div", "open"))
	if attr(roster, "data-expectation") != "roster" || !strings.Contains(text(roster), "roster: not waited for: the block ended at notification #2") {
		t.Errorf("open expectation %q: %q", attr(roster, "data-expectation"), text(roster))
	}
	if unmet := find(failure, withClass("div", "unmet")); len(unmet) != 0 {
		t.Errorf("%d expectations shown as not met; roster was not waited for, and opDone was met", len(unmet))
	}

	again := one(t, failure, "redeliveries", withClass("li", "redelivery"))
	if got, want := text(again), "notification #1 is a redelivery of #0, counted once with it"; got != want {
		t.Errorf("redelivery %q, want %q", got, want)
	}
	if dup := find(failure, withClass("li", "duplicate")); len(dup) != 0 {
		t.Error("a redelivery is shown as a duplicate, though the block does not fail on duplicates")
	}
	links := find(again, element("a"))
	if len(links) != 2 {
		t.Fatalf("the redelivery has %d links, want 2 (to #1 and to #0)", len(links))
	}
	redelivery, original := linked(t, doc, links[0]), linked(t, doc, links[1])
	if !hasClass(redelivery, "redelivery") || hasClass(redelivery, "marked") || !strings.Contains(summary(redelivery), "⇐ #1 deleted /app/calls/c1/operations/op1") ||
		!strings.HasSuffix(summary(redelivery), " · redelivery of #0") {
		t.Errorf("event of the redelivery: class %q, summary %q", attr(redelivery, "class"), summary(redelivery))
	}
	if hasClass(original, "redelivery") || !strings.Contains(summary(original), "⇐ #0 deleted /app/calls/c1/operations/op1") {
		t.Errorf("event of the first delivery: class %q, summary %q", attr(original, "class"), summary(original))
	}
	if back := linked(t, doc, one(t, redelivery, "links in the redelivery's event", element("a"))); back != original {
		t.Errorf("the redelivery's event links to %q, not to its first delivery", summary(back))
	}
	if len(find(doc, withClass("details", "redelivery"))) != 1 {
		t.Error("not exactly one event is marked as a redelivery")
	}
	if msg := find(failure, element("details")); len(msg) != 1 || !strings.Contains(text(msg[0]), "the whole message") {
		t.Error("the whole message is not one click away")
	}
}

func TestHTMLMarksDuplicatesAsTheFailure(t *testing.T) {
	doc := page(t, Run{Results: []*harness.Result{redeliveredResult(t, true)}})
	failure := one(t, doc, "failure panels", withClass("div", "failure"))
	if got, want := text(one(t, failure, "decided lines", withClass("p", "decided"))),
		"decided at notification #1: notification #1 is a redelivery of #0, and the block fails on duplicates"; got != want {
		t.Errorf("decided line %q, want %q", got, want)
	}
	dup := one(t, failure, "duplicates", withClass("li", "duplicate"))
	if !strings.HasPrefix(text(dup), "duplicate: notification #1 is a redelivery of #0 (the block fails on duplicates): {") {
		t.Errorf("duplicate %q", text(dup))
	}
	if len(find(failure, withClass("li", "redelivery"))) != 0 {
		t.Error("the duplicate that failed the block is also shown as counted once")
	}
	if len(find(failure, withClass("div", "not-waited"))) != 0 {
		t.Error(`a "not waited for" part with nothing in it`)
	}
	marked := map[string]bool{}
	for _, ev := range find(doc, withClass("details", "redelivery")) {
		marked[attr(ev, "id")] = hasClass(ev, "marked")
	}
	if diff := cmp.Diff(map[string]bool{"s1-e4": true, "s1-e6": false}, marked); diff != "" {
		t.Errorf("redeliveries in the event list, marked or not (-want +got):\n%s", diff)
	}

	passed := page(t, Run{Results: []*harness.Result{redeliveredResult(t, false)}})
	if len(find(passed, withClass("div", "failure"))) != 0 {
		t.Error("a failure panel for a scenario whose redeliveries were counted once")
	}
	if n := len(find(passed, withClass("details", "marked"))); n != 0 {
		t.Errorf("%d events marked in a passing scenario", n)
	}
}
