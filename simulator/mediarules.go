package simulator

// mediaRules is the part of a profile that says which participant and
// media actions a version of the contract has and how it answers them.
// The profiles' values are mediaBeta2018 and mediaV1, named in the profile
// table; Breaks change them in applyBreaks.
type mediaRules struct {
	// typedOps: each action answers with its own operation type
	// (muteParticipantOperation, playPromptOperation, ...), as the v1.0
	// pages show; otherwise a commsOperation, as the 2018 pages do.
	typedOps bool
	// recordAction is the path segment of recordResponse: "record" on the
	// 2018 page, "recordResponse" today.
	recordAction string
	// toneOpRunning: subscribeToTone answers a running operation whose
	// completion follows as a deleted notification (2018); otherwise a
	// completed one and no notification (v1.0).
	toneOpRunning bool
	// completionReasons: media operations carry completionReason (v1.0).
	completionReasons bool
	// deleteParticipant: DELETE {root}/{id}/participants/{pid} exists.
	deleteParticipant bool
	// recordingStatus: POST {root}/{id}/updateRecordingStatus exists.
	recordingStatus bool
	// contentSharing: calls created with callOptions
	// .isContentSharingNotificationEnabled are told of content sharing
	// sessions, and GET {root}/{id}/contentSharingSessions exists.
	contentSharing bool

	// Breaks.
	muteNoRoster       bool // mute and unmute change no roster: no roster update follows
	promptNoCompletion bool // playPrompt's operation never sends its deleted completion
	cancelNotFailing   bool // the operations cancelMediaProcessing cancels complete as completed 200/0
	toneSeqFixed       bool // every tone notification says sequenceId 1
	deleteKeepsInvite  bool // deleting an invitee does not cancel its invite: it still joins
	deleteNotifies     bool // deleting a participant in the call sends a roster update
	sharingSilent      bool // content sharing sessions are not notified
}

// The media rules of each profile: what the 2018 beta pages had (mute,
// participant mute, playPrompt, record, cancelMediaProcessing and
// subscribeToTone, each answered 200 with a commsOperation; DELETE of a
// participant, 204), and what the
// v1.0 pages have.
var (
	mediaBeta2018 = mediaRules{
		recordAction:      "record",
		toneOpRunning:     true,
		deleteParticipant: true, // the 2018 beta page participant_delete.md: 204
	}
	mediaV1 = mediaRules{
		typedOps:          true,
		recordAction:      "recordResponse",
		completionReasons: true,
		deleteParticipant: true,
		recordingStatus:   true,
		contentSharing:    true,
	}
)

// Break names of the participant and media rules.
const (
	// BreakMuteNoRoster: mute, unmute and participant mute answer as they
	// should but no roster update shows the participant muted.
	BreakMuteNoRoster = "mute-no-roster"
	// BreakPromptNoCompletion: playPrompt answers its running operation
	// but never notifies its completion.
	BreakPromptNoCompletion = "prompt-no-completion"
	// BreakCancelNotFailing: the operations cancelMediaProcessing cancels
	// complete as completed (200/0) instead of failed 400/8508.
	BreakCancelNotFailing = "cancel-not-failing"
	// BreakToneSequenceFixed: the sequenceId of tone notifications does
	// not increment: every one says 1.
	BreakToneSequenceFixed = "tone-sequence-fixed"
	// BreakDeleteKeepsInvite (v1.0): deleting an invitee before it joins
	// does not cancel the invite: it joins and the roster shows it.
	BreakDeleteKeepsInvite = "delete-keeps-invite"
	// BreakDeleteParticipantNotifies: deleting a participant in the
	// call sends a roster update, where the page says it is dropped with no
	// notification.
	BreakDeleteParticipantNotifies = "delete-participant-notifies"
	// BreakContentSharingSilent (v1.0): a call created with
	// callOptions.isContentSharingNotificationEnabled is not told of
	// content sharing sessions.
	BreakContentSharingSilent = "content-sharing-silent"
)

// mediaBreakNames lists the Break names of this file, for BreakNames.
func mediaBreakNames() []string {
	return []string{BreakMuteNoRoster, BreakPromptNoCompletion, BreakCancelNotFailing,
		BreakToneSequenceFixed, BreakDeleteKeepsInvite, BreakDeleteParticipantNotifies, BreakContentSharingSilent}
}

// applyBreaks applies the breaks of the media rules.
func (m *mediaRules) applyBreaks(breaks map[string]bool) {
	m.muteNoRoster = breaks[BreakMuteNoRoster]
	m.promptNoCompletion = breaks[BreakPromptNoCompletion]
	m.cancelNotFailing = breaks[BreakCancelNotFailing]
	m.toneSeqFixed = breaks[BreakToneSequenceFixed]
	m.deleteKeepsInvite = breaks[BreakDeleteKeepsInvite]
	m.deleteNotifies = breaks[BreakDeleteParticipantNotifies]
	m.sharingSilent = breaks[BreakContentSharingSilent]
}
