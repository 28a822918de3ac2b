package interop

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// operationNote is a completion notification of an operation with status.
func operationNote(typ, status string) []byte {
	return body(fmt.Sprintf(`{"changeType":"deleted","resourceUrl":"/communications/calls/c/operations/o",
		"resourceData":{"@odata.type":%q,"id":"o","status":%q,"clientContext":"cc"}}`, typ, status))
}

// The gap is real: the SDK drops the status the service sends. When a new
// SDK reads it, this test fails, and the gap is to be removed.
func TestOperationStatusGapIsReal(t *testing.T) {
	for _, status := range []string{"notStarted", "running", "completed", "failed"} {
		ns, err := Parse(operationNote("#microsoft.graph.inviteParticipantsOperation", status))
		if len(ns) != 1 || ns[0].Operation == nil {
			t.Fatalf("%s: Parse did not read the operation: %+v, %v", status, ns, err)
		}
		if st := ns[0].Operation.GetStatus(); st != nil {
			t.Errorf("%s: the SDK read status %v; the gap operation-status-case is gone", status, st)
		}
		explained, rest := Tolerate(err)
		if rest != nil || len(explained) != 1 || explained[0].Path != "resourceData.status" {
			t.Errorf("%s: Tolerate = %v, %v; want the status loss explained and nothing else", status, rest, explained)
		}
	}
}

func TestTolerateKeepsWhatNoGapExplains(t *testing.T) {
	for name, tc := range map[string]struct {
		body []byte
		rest []string // Error() of what Tolerate keeps
	}{
		"SDK spelling parses": {operationNote("#microsoft.graph.commsOperation", "Completed"), nil},
		"not a status value": {operationNote("#microsoft.graph.commsOperation", "done"),
			[]string{`value[0].resourceData.status: the SDK's model kept "done" as nothing`}},
		"all lower case is not the camel-case form": {operationNote("#microsoft.graph.commsOperation", "notstarted"),
			[]string{`value[0].resourceData.status: the SDK's model kept "notstarted" as nothing`}},
		"a call's status member is no operation's": {body(`{"changeType":"updated","resourceUrl":"/communications/calls/c",
			"resourceData":{"@odata.type":"#microsoft.graph.call","state":"Established"}}`),
			[]string{`value[0].resourceData.state: the SDK's model kept "Established" as nothing`}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(tc.body)
			explained, rest := Tolerate(err)
			var got []string
			for _, e := range Problems(rest) {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tc.rest, got); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			if len(explained) != 0 {
				t.Errorf("explained %v; want none", explained)
			}
		})
	}
}

func TestProblemsFlattens(t *testing.T) {
	a, b, c := errors.New("a"), errors.New("b"), fmt.Errorf("c: %w", errors.New("inner"))
	got := Problems(errors.Join(a, errors.Join(b, nil, errors.Join(c))))
	if diff := cmp.Diff([]error{a, b, c}, got, cmp.Comparer(func(x, y error) bool { return x == y })); diff != "" {
		t.Errorf("Problems (-want +got):\n%s", diff)
	}
	if Problems(nil) != nil {
		t.Error("Problems(nil) is not nil")
	}
}
