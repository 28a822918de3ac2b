package report

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
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
