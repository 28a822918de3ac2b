// Package simulator is a reference implementation of the Microsoft Graph calls
// API: an http.Handler with a real call state machine, an OAuth token
// endpoint, and signed notifications POSTed to each call's callback.
//
// # Profiles
//
// One state machine speaks two versions of the contract (Config.Profile):
// beta-2018, the 2018 reference page (/app/calls, callback, invite 202,
// answer 200 with a commsOperation, terminated then deleted), and v1.0,
// today's service (/communications/calls, callbackUri, acceptedModalities,
// a required mediaConfig, invite 200 with an inviteParticipantsOperation,
// answer 202, keepAlive, notifications typed everywhere with resourceUrl
// and resource, terminating then one deleted with a resultInfo). Every
// difference between them is a field of one table (profile.go); the
// handlers read it and never test a profile's name. Under v1.0 a Location
// is {base}/communications/calls/{id}: the base URL a bot gives its Graph
// client is the simulator's, which has no /v1.0 segment (set
// Config.BaseURL to mount it behind one).
//
// # Mid-call actions
//
// Participants (list, get, and under v1.0 delete), mute and unmute,
// participant mute, playPrompt, record(Response), cancelMediaProcessing,
// subscribeToTone, and under v1.0 updateRecordingStatus, content
// sharing sessions, hold music, sendDtmfTones, addLargeGalleryView,
// changeScreenSharingRole and logTeleconferenceDeviceQuality answer as
// their pages do (mediarules.go and callactions.go hold what differs by
// profile). A call's media operations run one at a time, in
// order: a prompt completes as soon as its turn comes, a record when its
// maximum duration has passed on Config.Clock. What only the outside
// world causes (an invitee answers, declines or hangs up, someone joins,
// a key is pressed) comes from the test-control API (control.go), whose
// outcomes never race the simulator's own.
//
// # Delivery
//
// Notifications are delivered at least once, as the real service delivers
// them: each call's notifications are POSTed one at a time, in order, and a
// POST that fails (connection error, timeout, 408, 429 or 5xx) is tried again
// with a growing, jittered backoff, up to DeliveryConfig.Attempts times. A
// POST that timed out may have reached the bot already, so a bot (or a test)
// can receive the same notification twice, byte for byte: an identical
// redelivery is one event, never a second state change. The next
// notification of a call is sent only once the previous one was delivered or
// given up, so redeliveries never reorder a call's notifications.
//
// # Bounds
//
// Every wait has a bound: one POST (DeliveryConfig.Timeout), the attempts
// of one notification, request bodies (1 MiB), request reading (the server
// timeouts of Start), Close. Calls do not live forever either: an incoming
// call the bot does not answer, and a call that stays establishing, end as
// the real service ends them (Config.AnswerTimeout, Config.EstablishTimeout),
// and at most Config.MaxCalls calls live at once.
package simulator
