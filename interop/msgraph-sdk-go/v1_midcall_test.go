package interop

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/microsoftgraph/msgraph-sdk-go/communications"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// TestV1SDKMidCallActions drives the mid-call actions of a v1.0 group
// call with the SDK alone (playPrompt, recordResponse, subscribeToTone and
// a tone pressed through the simulator's test-control API, mute, unmute,
// updateRecordingStatus), then transfers a peer-to-peer call; every
// notification the simulator sent on the way (operations of each type,
// the tone on the call, rosters, the transfer's states) must parse into
// the SDK's models.
func TestV1SDKMidCallActions(t *testing.T) {
	e := newV1Env(t)
	calls := e.client.Communications().Calls()
	created, err := calls.Post(e.ctx, meetingJoin(e.cb.URL(), e.srv.Sim.AppID(), e.srv.Sim.TenantID()), nil)
	if err != nil {
		t.Fatalf("SDK create call: %v", describeSDKError(err))
	}
	id := deref(created.GetId())
	call := calls.ByCallId(id)
	e.cb.waitFor(t, "established call", has("updated call:established"), v1Res(id)...)

	prompt := models.NewMediaPrompt()
	media := models.NewMediaInfo()
	media.SetUri(ptr("https://cdn.contoso.com/beep.wav"))
	prompt.SetMediaInfo(media)
	play := communications.NewCallsItemPlayPromptPostRequestBody()
	play.SetPrompts([]models.Promptable{prompt})
	play.SetClientContext(ptr("interop-play"))
	if op, err := call.PlayPrompt().Post(e.ctx, play, nil); err != nil || deref(op.GetId()) == "" {
		t.Fatalf("SDK playPrompt: %v %v", op, describeSDKError(err))
	}
	record := communications.NewCallsItemRecordResponsePostRequestBody()
	record.SetMaxRecordDurationInSeconds(ptr(int32(1)))
	record.SetClientContext(ptr("interop-record"))
	if op, err := call.RecordResponse().Post(e.ctx, record, nil); err != nil || deref(op.GetId()) == "" {
		t.Fatalf("SDK recordResponse: %v %v", op, describeSDKError(err))
	}
	e.cb.waitFor(t, "prompt and record completed", count("deleted operation:completed", 2), v1Res(id)...)

	if _, err := call.SubscribeToTone().Post(e.ctx, communications.NewCallsItemSubscribeToTonePostRequestBody(), nil); err != nil {
		t.Fatalf("SDK subscribeToTone: %v", describeSDKError(err))
	}
	if r := do(t, e.srv, "", "POST", "/_control/tone", map[string]any{"callId": id, "tone": "tone1"}); r.status != http.StatusOK {
		t.Fatalf("control tone: %d %s", r.status, r.body)
	}
	e.cb.waitFor(t, "the tone", count("updated call:established", 2), v1Res(id)...)

	if _, err := call.Mute().Post(e.ctx, communications.NewCallsItemMutePostRequestBody(), nil); err != nil {
		t.Fatalf("SDK mute: %v", describeSDKError(err))
	}
	e.cb.waitFor(t, "roster after mute", count("updated roster", 2), v1Res(id)...)
	if _, err := call.Unmute().Post(e.ctx, communications.NewCallsItemUnmutePostRequestBody(), nil); err != nil {
		t.Fatalf("SDK unmute: %v", describeSDKError(err))
	}
	status := communications.NewCallsItemUpdateRecordingStatusPostRequestBody()
	status.SetStatus(ptr(models.RECORDING_RECORDINGSTATUS))
	if _, err := call.UpdateRecordingStatus().Post(e.ctx, status, nil); err != nil {
		t.Fatalf("SDK updateRecordingStatus: %v", describeSDKError(err))
	}
	if err := call.Delete(e.ctx, nil); err != nil {
		t.Fatalf("SDK hang up: %v", describeSDKError(err))
	}
	e.cb.waitFor(t, "deleted call", has("deleted call:terminated"), v1Res(id)...)

	p2p := sdkTransfer(t, e)
	e.cb.waitFor(t, "transferred call", has("deleted call:terminated"), v1Res(p2p)...)
	want := []string{"updated call:establishing", "updated call:established", "updated call:transferring",
		"updated call:transferAccepted", "deleted call:terminated"}
	if diff := cmp.Diff(want, summaries(e.cb.notes(v1Res(p2p)...))); diff != "" {
		t.Errorf("transfer notifications (-want +got):\n%s", diff)
	}

	notes, objects, gaps := parseAll(t, e.cb)
	if notes < 12 {
		t.Errorf("parsed %d notifications, want the dozen or more the actions cause", notes)
	}
	t.Logf("v1.0 mid-call actions and transfer: %d notifications, %d resourceData objects parsed; %d losses explained by known SDK gaps", notes, objects, len(gaps))
}

// sdkTransfer creates a peer-to-peer call with the SDK, waits for it to be
// established and transfers it (blind) to another user; it returns the
// call's id.
func sdkTransfer(t *testing.T, e *v1Env) string {
	t.Helper()
	c := models.NewCall()
	c.SetCallbackUri(ptr(e.cb.URL()))
	source := models.NewParticipantInfo()
	source.SetIdentity(identity("application", e.srv.Sim.AppID(), ""))
	c.SetSource(source)
	c.SetTargets([]models.InvitationParticipantInfoable{sdkInvitee()})
	c.SetRequestedModalities([]models.Modality{models.AUDIO_MODALITY})
	c.SetMediaConfig(models.NewServiceHostedMediaConfig())
	created, err := e.client.Communications().Calls().Post(e.ctx, c, nil)
	if err != nil {
		t.Fatalf("SDK create a peer-to-peer call: %v", describeSDKError(err))
	}
	id := deref(created.GetId())
	e.cb.waitFor(t, "established peer-to-peer call", has("updated call:established"), v1Res(id)...)
	target := models.NewInvitationParticipantInfo()
	target.SetIdentity(identity("user", "2a1b0f4e-7c3d-4e5f-8a9b-0c1d2e3f4a5b", ""))
	body := communications.NewCallsItemTransferPostRequestBody()
	body.SetTransferTarget(target)
	if err := e.client.Communications().Calls().ByCallId(id).Transfer().Post(e.ctx, body, nil); err != nil {
		t.Fatalf("SDK transfer: %v", describeSDKError(err))
	}
	return id
}
