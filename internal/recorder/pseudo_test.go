package recorder

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callconform/callconform/harness/fixture"
)

// ruleOf returns the first of the redactor's rules of kind with path (""
// for one without).
func ruleOf(t *testing.T, r *redactor, kind, path string) rule {
	t.Helper()
	for _, ru := range r.rules {
		if ru.Kind == kind && ru.Path == path {
			return ru
		}
	}
	t.Fatalf("no rule of kind %s at %q", kind, path)
	return rule{}
}

// TestKindPseudonym: each kind's pseudonyms are recognized in every form
// the redactor writes them, and neither a real value nor another kind's
// pseudonym is taken for one.
func TestKindPseudonym(t *testing.T) {
	r := defaultRedactor(t,
		fixture.RedactionRule{Kind: "employee-id", Path: "employeeId"},
		fixture.RedactionRule{Kind: "ticket", Pattern: `TCK-[0-9]+`, Replacement: "ticket-%d"},
		fixture.RedactionRule{Kind: "badge", Path: "badge"})
	for _, tt := range []struct {
		name, kind, path, s string
		want                bool
	}{
		{"user, dashed", KindUserID, "user.id", "00000000-0000-4000-8000-000000000003", true},
		{"user, compact upper case", KindUserID, "user.id", "00000000000040008000000000000003", true},
		{"user: a tenant's", KindUserID, "user.id", "00000000-0000-4000-9000-000000000001", false},
		{"user: a real one", KindUserID, "user.id", "3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f", false},
		{"tenant", KindTenantID, "tenantId", "00000000-0000-4000-9000-000000000002", true},
		{"tenant: a user's", KindTenantID, "tenantId", "00000000-0000-4000-8000-000000000002", false},
		{"phone with +", KindPhone, "phone.id", "+15550100001", true},
		{"phone without +", KindPhone, "phone.id", "15550100002", true},
		{"phone: a real one", KindPhone, "phone.id", "+14255550123", false},
		{"phone: too short", KindPhone, "phone.id", "+1555010", false},
		{"join meeting id", KindMeetingID, "joinMeetingId", "5550000000001", true},
		{"join meeting id: a real one", KindMeetingID, "joinMeetingId", "3754026895517", false},
		{"meeting thread", KindThreadID, "threadId", "19:meeting_MDAwMDAwMDAtMDAwMC00MDAwLWIwMDAtMDAwMDAwMDAwMDAx@thread.v2", true},
		{"channel thread, compact", KindThreadID, "threadId", "19:0000000000004000b000000000000001@thread.tacv2", true},
		{"chat thread: two users", KindThreadID, "threadId", "19:00000000-0000-4000-8000-000000000001_00000000-0000-4000-8000-000000000002@unq.gbl.spaces", true},
		{"thread: a user's GUID", KindThreadID, "threadId", "19:00000000-0000-4000-8000-000000000001@thread.v2", false},
		{"thread: a real one", KindThreadID, "threadId", "19:meeting_ZDRlNWY2YTctNDQ0NC00NTU1LWI2NjYtYzc3Nzg4ODk5OTAw@thread.v2", false},
		{"display name", KindDisplayName, "displayName", "User 12", true},
		{"display name: a secret's", KindDisplayName, "displayName", "redacted-secret-1", false},
		{"secret", KindSecret, "passcode", "redacted-secret-2", true},
		{"secret: a name's", KindSecret, "passcode", "User 2", false},
		{"custom id", "employee-id", "employeeId", "00000000-0000-4000-a001-000000000001", true},
		{"custom id: a user's", "employee-id", "employeeId", "00000000-0000-4000-8000-000000000001", false},
		{"custom replacement", "ticket", "", "ticket-3", true},
		{"custom replacement: words", "ticket", "", "ticket-x", false},
		{"custom kind", "badge", "badge", "badge-7", true},
		{"custom kind: another's", "badge", "badge", "redacted-secret-7", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := kindPseudonym(ruleOf(t, r, tt.kind, tt.path), tt.s); got != tt.want {
				t.Errorf("kindPseudonym(%s, %q) = %v, want %v", tt.kind, tt.s, got, tt.want)
			}
		})
	}
}

// TestScrubbedIdentityKeepsItsKind: a value the journal scrubbed already is
// still the identity of its path's kind, so that in a request it becomes a
// var whose value is that same pseudonym; another kind's pseudonym at the
// path is not an identity of the path's kind.
func TestScrubbedIdentityKeepsItsKind(t *testing.T) {
	for _, tt := range []struct {
		name, path, in, wantVar, wantValue string
	}{
		{"phone", "targets.identity.phone.id", "+15550100002", "phone1", "+15550100002"},
		{"user", "targets.identity.user.id", "00000000-0000-4000-8000-000000000003", "userId1", "00000000-0000-4000-8000-000000000003"},
		{"tenant", "tenantId", "00000000-0000-4000-9000-000000000002", "tenantId1", "00000000-0000-4000-9000-000000000002"},
		{"meeting thread", "chatInfo.threadId", "19:meeting_MDAwMDAwMDAtMDAwMC00MDAwLWIwMDAtMDAwMDAwMDAwMDAx@thread.v2", "threadId1", "19:meeting_MDAwMDAwMDAtMDAwMC00MDAwLWIwMDAtMDAwMDAwMDAwMDAx@thread.v2"},
		{"join meeting id", "meetingInfo.joinMeetingId", "5550000000001", "joinMeetingId1", "5550000000001"},
		{"a tenant's at a user's path", "targets.identity.user.id", "00000000-0000-4000-9000-000000000002", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder(defaultRedactor(t), "", "", "", nil)
			got := b.scrubString(strings.Split(tt.path, "."), tt.in, true)
			want, wantVars := tt.in, map[string]string{}
			if tt.wantVar != "" {
				want, wantVars = "{{"+tt.wantVar+"}}", map[string]string{tt.wantVar: tt.wantValue}
			}
			if got != want {
				t.Errorf("scrubString(%s, %q) = %q, want %q", tt.path, tt.in, got, want)
			}
			if diff := cmp.Diff(wantVars, b.red.values); diff != "" {
				t.Errorf("vars (-want +got):\n%s", diff)
			}
			if again := b.scrubString(strings.Split(tt.path, "."), tt.in, false); again != tt.in {
				t.Errorf("in an answer: %q, want it as it is, %q", again, tt.in)
			}
		})
	}
}

// TestSeenPseudonymIsNotReused: once the redactor has met a pseudonym
// scrubbed before (a journal's), the value it scrubs first gets a
// pseudonym numbered after it, never that one.
func TestSeenPseudonymIsNotReused(t *testing.T) {
	for _, tt := range []struct {
		name, path, seen, real, want string
	}{
		{"user", "user.id", "00000000-0000-4000-8000-000000000002", "3f2a9c1e-7b4d-4e8a-9c6f-1a2b3c4d5e6f", "00000000-0000-4000-8000-000000000003"},
		{"tenant", "tenantId", "00000000000040009000000000000001", "7d2c9b1e-4a5f-4c3d-9e8b-1a2b3c4d5e6f", "00000000-0000-4000-9000-000000000002"},
		{"phone", "phone.id", "15550100001", "+14255550123", "+15550100002"},
		{"phone in text", "note", "call +15550100004", "call +14255550123", "call +15550100005"},
		{"join meeting id", "joinMeetingId", "5550000000002", "3754026895517", "5550000000003"},
		{"thread", "threadId", "19:meeting_MDAwMDAwMDAtMDAwMC00MDAwLWIwMDAtMDAwMDAwMDAwMDAx@thread.v2", "19:meeting_ZDRlNWY2YTctNDQ0NC00NTU1LWI2NjYtYzc3Nzg4ODk5OTAw@thread.v2",
			"19:meeting_MDAwMDAwMDAtMDAwMC00MDAwLWIwMDAtMDAwMDAwMDAwMDAy@thread.v2"},
		{"display name", "displayName", "User 1", "Alice Realname", "User 2"},
		{"secret", "passcode", "redacted-secret-3", "Xy7pQ2wz", "redacted-secret-4"},
		{"custom replacement", "ticket", "ticket-2", "TCK-4711", "ticket-3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := defaultRedactor(t, fixture.RedactionRule{Kind: "ticket", Path: "ticket", Replacement: "ticket-%d"})
			path := strings.Split(tt.path, ".")
			if got, _ := r.value(path, tt.seen); got != tt.seen {
				t.Fatalf("value(%s, %q) = %q: a pseudonym changed", tt.path, tt.seen, got)
			}
			if got, _ := r.value(path, tt.real); got != tt.want {
				t.Errorf("value(%s, %q) after %q = %q, want %q", tt.path, tt.real, tt.seen, got, tt.want)
			}
		})
	}
}
