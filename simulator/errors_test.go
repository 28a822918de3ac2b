package simulator

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWriteErrorShape(t *testing.T) {
	w := httptest.NewRecorder()
	w.Header().Set(headerRequestID, "rid")
	w.Header().Set(headerClientRequestID, "crid")
	writeError(w, http.StatusNotFound, codeNotFound, "call \"x\" not found")
	if w.Code != http.StatusNotFound || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", w.Code, w.Header().Get("Content-Type"))
	}
	var raw map[string]map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	e := raw["error"]
	var keys []string
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if diff := cmp.Diff([]string{"code", "innerError", "message"}, keys); diff != "" || len(raw) != 1 {
		t.Fatalf("error members in %s (-want +got):\n%s", w.Body, diff)
	}
	inner := e["innerError"].(map[string]any)
	if e["code"] != "NotFound" || e["message"] != `call "x" not found` ||
		inner["request-id"] != "rid" || inner["client-request-id"] != "crid" {
		t.Fatalf("body %s", w.Body)
	}
	if _, err := time.Parse(time.RFC3339, inner["date"].(string)); err != nil {
		t.Errorf("date %v: %v", inner["date"], err)
	}
}
