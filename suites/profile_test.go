package suites

import (
	"flag"

	"github.com/callconform/callconform/harness"
)

// contract is what the hand-written specs need to know of the profile the
// target speaks: every way in which the specs differ between beta-2018 and
// v1.0 is a field here, and the table below is the only place that knows
// which profile does what.
type contract struct {
	name          string // the profile's name, also a label of every hand-written spec
	callsRoot     string // the root of call paths and of notification resources
	callbackField string // the create/answer member naming the bot's callback URL
	joinFixture   string // a built-in fixture joining a meeting, capturing meetingCallId
	// negativePrefix starts the ids of the profile's negative fixtures
	// (fixtures/negative/, fixtures/v1.0/negative/).
	negativePrefix string
	inviteStatus   string // the statuses of an accepted invite, as YAML
	joinBody       string // a valid create-call body: a join without media
	// inviteLocationOptional: an accepted invite may omit Location (v1.0
	// puts the operation in the body).
	inviteLocationOptional bool
	// v1Rules: the v1.0 request rules (mediaConfig required on create and
	// answer, at most 5 invitees, clientContext at most 256) and keepAlive.
	v1Rules bool
}

// contracts are the profiles' contracts, by name.
var contracts = map[string]contract{
	harness.DefaultProfile: {
		name: harness.DefaultProfile, callsRoot: "/app/calls", callbackField: "callback",
		joinFixture: "join-channel-meeting-without-media", negativePrefix: "negative-", inviteStatus: "[200, 202]",
		joinBody: `{"callback":"https://bot.contoso.com/api/calls","source":{"identity":{"application":{"id":"8A34A46B-3D17-4ADC-8DCE-DC4E7D572698"}}},"requestedModalities":[],"chatInfo":{"threadId":"19:meeting@thread.v2","messageId":"0"},"meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"user":{"id":"90ED37DC-D8E3-4E11-9DE3-30A955DDA06F"}}}}`,
	},
	"v1.0": {
		name: "v1.0", callsRoot: "/communications/calls", callbackField: "callbackUri",
		joinFixture: "v1.0-join-scheduled-meeting", negativePrefix: "v1.0-negative-", inviteStatus: "200",
		joinBody:               v1JoinBody,
		inviteLocationOptional: true, v1Rules: true,
	},
}

// profile is the contract of the target this process runs against. The
// target is opened before the spec tree is built; when it is not (a dry
// run, a test listing) the --profile flag names the profile.
func profile() contract {
	name := harness.DefaultProfile
	if env != nil && env.Runner.Target.Profile != "" {
		name = env.Runner.Target.Profile
	} else if f := flag.Lookup("profile"); f != nil && f.Value.String() != "" {
		name = f.Value.String()
	}
	if c, ok := contracts[name]; ok {
		return c
	}
	return contracts[harness.DefaultProfile]
}

// v1JoinBody is a valid v1.0 create-call body: a join of a scheduled
// meeting with service-hosted media.
const v1JoinBody = `{"@odata.type":"#microsoft.graph.call","callbackUri":"https://bot.contoso.com/api/calls","requestedModalities":["audio"],` +
	`"mediaConfig":{"@odata.type":"#microsoft.graph.serviceHostedMediaConfig"},` +
	`"chatInfo":{"@odata.type":"#microsoft.graph.chatInfo","threadId":"19:meeting_MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAx@thread.v2","messageId":"0"},` +
	`"meetingInfo":{"@odata.type":"#microsoft.graph.organizerMeetingInfo","organizer":{"@odata.type":"#microsoft.graph.identitySet","user":{"@odata.type":"#microsoft.graph.identity","id":"5810cede-f3cc-42eb-b2c1-e9bd5d53ec96","tenantId":"aa67bd4c-8475-432d-bd41-39f255720e0a"}}},` +
	`"tenantId":"aa67bd4c-8475-432d-bd41-39f255720e0a"}`
