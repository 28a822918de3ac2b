package simulator

import (
	"cmp"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callconform/callconform/internal/callbacksign"
	"github.com/callconform/callconform/internal/guid"
)

// Default identities, used when Config leaves them empty. DefaultAppID is the
// bot application id shown in the reference page's roster example.
const (
	DefaultAppID    = "1234a46b-3d17-4adc-8dce-dc4e7d556789"
	DefaultTenantID = "49bfc225-8482-4ab8-94e7-76b48fdb9849"
)

// ErrConfig is wrapped by every error New returns for an invalid Config.
var ErrConfig = errors.New("simulator: invalid config")

// Config configures a Simulator. The zero value is a working beta-2018
// simulator with default identities.
type Config struct {
	// Profile names the API contract: ProfileBeta2018 or ProfileV1. ""
	// means ProfileBeta2018; any other value makes New fail.
	Profile string

	// AppID is the bot's application id: the client id of the built-in
	// "calling" client, the appid claim of its tokens, the owner of incoming
	// calls and the audience of notification tokens. "" means DefaultAppID.
	// It must be a GUID.
	AppID string

	// TenantID is the tenant of issued tokens (tid) and of the token endpoint
	// path. "" means DefaultTenantID. It must be a GUID.
	TenantID string

	// BaseURL is the public base of the simulator, used for absolute Location
	// headers and the JWKS address, e.g. "https://sim.example/beta" when it is
	// mounted behind a prefix. "" means scheme and Host taken from each request.
	BaseURL string

	// InviteAnswer selects how participants/invite answers. "" means the
	// profile's answer: under beta-2018 202 Accepted with a Location and no
	// body (the page's text), under v1.0 200 OK with a Location and the
	// operation as body. "200" means the latter under either profile (the
	// beta-2018 page's examples). "202" means the former, and only under
	// beta-2018: under v1.0 it is Break invite-answer-202.
	InviteAnswer string

	// NoInviteLocation, under v1.0, leaves the Location header out of the
	// invite's answer, as the v1.0 page's examples do (its text promises
	// one). Under beta-2018 a missing Location is a deviation (Break
	// invite-no-location), and New refuses this switch.
	NoInviteLocation bool

	// UniformIDs, when false (the default, like the beta-2018 page), writes
	// ids in Location headers and response bodies as dashed lower-case GUIDs
	// and in notification resources as undashed upper-case hex. When true,
	// ids are dashed lower-case everywhere. Under v1.0 ids are dashed lower
	// case everywhere, as the real service writes them, whatever UniformIDs
	// says. Lookups always accept both forms, in any case.
	UniformIDs bool

	// EstablishedFirst, under v1.0, sends a call's established notification
	// before its establishing one, as the v1.0 pages say they may arrive:
	// a bot must not take establishing as a step back. False (the default)
	// sends them in order. New refuses it under beta-2018.
	EstablishedFirst bool

	// ResourceURLOnly, under v1.0, leaves "resource" (/app/calls/...) out of
	// notification items, which then carry resourceUrl alone, as most v1.0
	// pages show them. False (the default) sends both, as the real service
	// does. New refuses it under beta-2018, whose items have no resourceUrl.
	ResourceURLOnly bool

	// Delivery tunes notification delivery; its zero value is documented on
	// each field.
	Delivery DeliveryConfig

	// Server tunes the http.Server that Start runs (New ignores it); its
	// zero value is documented on each field.
	Server ServerConfig

	// StepDelay is a pause between consecutive notifications of one call.
	// Zero means none.
	StepDelay time.Duration

	// Break lists named deviations from the contract, used to prove that a
	// conformance suite catches them; see the Break* constants. Empty means
	// a faithful simulator. An unknown name makes New fail.
	Break []string

	// Logger receives delivery failures and lost notifications (Warn) and
	// retries (Debug). Nil means discard.
	Logger *slog.Logger

	// Clock is the time source of call deadlines (AnswerTimeout,
	// EstablishTimeout, KeepAliveTimeout) and of the times written on
	// operations. Nil means SystemClock. Tests give one they move by hand.
	Clock Clock

	// AnswerTimeout is how long an incoming call waits for the bot to
	// answer, from the delivery of its created notification (or from when
	// that notification was given up). Then the call ends as the real
	// service ends it, with resultInfo 408/1106: under beta-2018 updated
	// with state terminated, then deleted; under v1.0 one deleted with
	// state terminated. Zero means 15s, the answer page's timeout.
	AnswerTimeout time.Duration

	// EstablishTimeout is how long a call may stay establishing (created,
	// or answered, and its established notification not yet sent, because
	// the bot is slow to take the notifications before it). Then the call
	// ends like an unanswered one, with resultInfo 408/10057, and its
	// established notification is not sent. Zero means 2m, more than the
	// delivery of a notification can take with the default DeliveryConfig.
	EstablishTimeout time.Duration

	// MaxCalls caps the calls live at once: past it, creating a call and
	// placing an incoming call answer 429 TooManyRequests with a
	// Retry-After, the way Graph throttles. Zero means 10,000.
	MaxCalls int

	// KeepAliveTimeout, under v1.0, is how long a call lives without a
	// keepAlive request, counted from its start and then from its last
	// keepAlive: then it ends as the real service ends an inactive call,
	// deleted with resultInfo 408/8537. Zero means 45m, the keepAlive
	// page's bound. beta-2018 has no keepAlive, and ignores it.
	KeepAliveTimeout time.Duration
}

// DeliveryConfig tunes how notifications are POSTed to callbacks. Delivery
// is at least once (see the package documentation): a POST that fails or
// times out is tried again, up to Attempts times.
type DeliveryConfig struct {
	// Attempts is the number of POSTs tried per notification before it is
	// counted as lost. Zero means 5.
	Attempts int
	// Backoff is the wait before the first retry, doubled for each further
	// retry; each wait is drawn at random between half of it and all of it,
	// so that the retries of many calls do not arrive together. Zero means
	// 100ms.
	Backoff time.Duration
	// MaxBackoff caps the wait between retries. Zero means 2s.
	MaxBackoff time.Duration
	// Timeout bounds one POST, connection included. Zero means 15s: long
	// enough that a bot slowed down by a busy machine answers in time (each
	// timeout is a redelivery, more load), short enough that a bot that
	// never answers holds its call's notifications for about a minute at
	// most (Attempts × Timeout plus the backoffs).
	Timeout time.Duration
	// HTTPClient sends the notifications. Nil means a client owned by the
	// simulator with a keep-alive pool sized for many concurrent calls and
	// redirects not followed. A given client is used as is.
	HTTPClient *http.Client
}

// Break names: each is one deviation from the contract. A break of a rule
// the profile does not have (a v1.0 rule under beta-2018) changes nothing.
const (
	// BreakInviteNoLocation: an accepted invite has no Location header.
	BreakInviteNoLocation = "invite-no-location"
	// BreakInviteWrongStatus: an accepted invite answers 201 Created.
	BreakInviteWrongStatus = "invite-wrong-status"
	// BreakSkipOperationNotification: an invite's operation completes
	// (GET shows it completed) but its deleted notification is never sent.
	BreakSkipOperationNotification = "skip-operation-notification"
	// BreakRosterBeforeOperation: the roster update is sent before the
	// operation's completion.
	BreakRosterBeforeOperation = "roster-before-operation"
	// BreakWrongResource: the operation completion is posted on a call id
	// that is not the invited call's.
	BreakWrongResource = "wrong-resource"
	// BreakNoBodyValidation: invite accepts any body: no content type,
	// JSON, participants, size-of-list or clientContext checks.
	BreakNoBodyValidation = "no-body-validation"
	// BreakUnsignedNotifications: notifications carry no Authorization header.
	BreakUnsignedNotifications = "unsigned-notifications"
	// BreakNoAuth: the API accepts requests without a valid token; every
	// request acts as the calling client.
	BreakNoAuth = "no-auth"

	// BreakAnswerWithBody (v1.0): answer answers 200 OK with a
	// commsOperation body, as beta-2018 did, instead of 202 Accepted
	// without a body.
	BreakAnswerWithBody = "answer-with-body"
	// BreakInviteAnswer202 (v1.0): an accepted invite answers 202 Accepted
	// without a body, as beta-2018 did, instead of 200 OK with the
	// inviteParticipantsOperation.
	BreakInviteAnswer202 = "invite-answer-202"
	// BreakNoResourceURL (v1.0): notification items carry "resource"
	// (/app/calls/...) only, without "resourceUrl".
	BreakNoResourceURL = "no-resource-url"
	// BreakUpdatedTerminated (v1.0): an ending call is notified updated
	// with state terminated before its deleted, as beta-2018 did.
	BreakUpdatedTerminated = "updated-terminated"
	// BreakNoTerminatedUpdate (beta-2018): a call the bot hangs up goes
	// from terminating straight to deleted, without the updated
	// notification with state terminated (AppInitiated) the 2018 page
	// shows between them.
	BreakNoTerminatedUpdate = "no-terminated-update"
	// BreakMediaConfigOptional (v1.0): create and answer accept a body
	// without mediaConfig.
	BreakMediaConfigOptional = "media-config-optional"
	// BreakMoreThanFiveInvitees: invite accepts more than 5 participants,
	// and (v1.0) create more than 5 targets.
	BreakMoreThanFiveInvitees = "more-than-five-invitees"
	// BreakLongClientContext: invite and answer accept a clientContext
	// longer than 256 characters.
	BreakLongClientContext = "long-client-context"
	// BreakKeepAliveEndedOK (v1.0): keepAlive answers 200 OK for a call
	// that does not exist (ended, or never created) instead of 404.
	BreakKeepAliveEndedOK = "keepalive-ended-call-ok"
	// BreakUnknownCall500: a request on a call that does not exist (GET,
	// invite, the mid-call actions) answers 500 InternalServerError instead
	// of 404, as a service that trips on a missing call would.
	BreakUnknownCall500 = "unknown-call-500"
	// BreakInviteNotEstablished: invite is accepted on a call that is not
	// established yet, instead of 409.
	BreakInviteNotEstablished = "invite-not-established"

	// BreakTransferWithBody (v1.0): transfer answers 200 OK with a
	// commsOperation body, as beta-2018 did, instead of 202 Accepted
	// without a body.
	BreakTransferWithBody = "transfer-with-body"
	// BreakNoTransferAccepted: a transfer the target accepted is never
	// notified transferAccepted (transfer-accepted): transferring is
	// followed by the call's end.
	BreakNoTransferAccepted = "no-transfer-accepted"
	// BreakTransferFailureNoResult: a transfer the target declined brings
	// the call back to established without a resultInfo.
	BreakTransferFailureNoResult = "transfer-failure-no-result"
	// BreakRejectIgnored: reject answers as accepted but the call is not
	// ended: no deleted comes, it stays incoming until the answer timeout.
	BreakRejectIgnored = "reject-ignored"
	// BreakRedirectTimeoutUnchecked (v1.0): redirect accepts a timeout
	// outside 15 to 90 seconds.
	BreakRedirectTimeoutUnchecked = "redirect-timeout-unchecked"
)

// BreakNames returns every Break name New accepts.
func BreakNames() []string {
	names := []string{
		BreakInviteNoLocation, BreakInviteWrongStatus, BreakSkipOperationNotification,
		BreakRosterBeforeOperation, BreakWrongResource, BreakNoBodyValidation,
		BreakUnsignedNotifications, BreakNoAuth,
		BreakAnswerWithBody, BreakInviteAnswer202, BreakNoResourceURL, BreakUpdatedTerminated,
		BreakMediaConfigOptional, BreakMoreThanFiveInvitees, BreakLongClientContext, BreakKeepAliveEndedOK,
		BreakUnknownCall500, BreakInviteNotEstablished,
		BreakTransferWithBody, BreakNoTransferAccepted, BreakTransferFailureNoResult, BreakRejectIgnored,
		BreakRedirectTimeoutUnchecked,
	}
	names = append(names, BreakNoTerminatedUpdate)
	names = append(names, mediaBreakNames()...)
	return append(names, actionBreakNames()...)
}

// Stats is a snapshot of a simulator's activity.
type Stats struct {
	// LiveCalls counts calls that exist: not yet deleted nor ended.
	LiveCalls int
	// Queued counts notifications enqueued and not yet delivered or lost,
	// the one being sent included.
	Queued int
	// Workers counts running delivery goroutines (one per call with pending
	// notifications).
	Workers int
	// Delivered counts notifications acknowledged with a 2xx.
	Delivered uint64
	// Retried counts POSTs that failed and were tried again.
	Retried uint64
	// Lost counts notifications given up: attempts exhausted, refused with a
	// non-retryable status, or dropped by Close.
	Lost uint64
	// Skipped counts notifications not sent because their call ended
	// before their turn: the established notification of a call that
	// stayed establishing past EstablishTimeout.
	Skipped uint64
}

// Simulator is the calls API as an http.Handler. Create it with New; the
// caller must call Close when finished.
type Simulator struct {
	cfg      Config
	prof     *profile // the rules: the profile's, with cfg's switches and breaks
	appID    guid.GUID
	tenantID guid.GUID
	log      *slog.Logger
	breaks   map[string]bool

	bot       json.RawMessage      // the bot's identity when a request names none
	botSource json.RawMessage      // the same as a participantInfo
	signer    *callbacksign.Signer // notification tokens, and the key of access tokens
	clients   []Client
	tokens    *tokenCache   // verified access tokens
	issued    *accessTokens // access tokens issued by the token endpoint, per client id

	clock            Clock
	answerTimeout    time.Duration
	establishTimeout time.Duration
	keepAliveTimeout time.Duration
	maxCalls         int

	calls    store
	notifier *notifier
	mux      *http.ServeMux
	closed   atomic.Bool
	once     sync.Once
}

// generateKey makes the signing key of a new Simulator; tests replace it to
// avoid generating an RSA key per test.
var generateKey = func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) }

// New checks cfg and returns a Simulator. The caller must call Close.
func New(cfg Config) (*Simulator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	appID, ok := guid.Parse(cfg.AppID)
	if !ok {
		return nil, fmt.Errorf("%w: AppID %q is not a GUID", ErrConfig, cfg.AppID)
	}
	tenantID, ok := guid.Parse(cfg.TenantID)
	if !ok {
		return nil, fmt.Errorf("%w: TenantID %q is not a GUID", ErrConfig, cfg.TenantID)
	}
	breaks := make(map[string]bool, len(cfg.Break))
	for _, b := range cfg.Break {
		if !knownBreak(b) {
			return nil, fmt.Errorf("%w: unknown break %q (known: %s)", ErrConfig, b, strings.Join(BreakNames(), ", "))
		}
		breaks[b] = true
	}
	prof, err := newProfile(cfg, breaks)
	if err != nil {
		return nil, err
	}
	key, err := generateKey()
	if err != nil {
		return nil, fmt.Errorf("simulator: generate signing key: %w", err)
	}
	s := &Simulator{
		cfg:              cfg,
		prof:             prof,
		appID:            appID,
		tenantID:         tenantID,
		log:              cfg.Logger,
		breaks:           breaks,
		signer:           callbacksign.NewSignerWithKey(key, tenantID.String()),
		tokens:           newTokenCache(),
		clients:          builtinClients(appID),
		clock:            cfg.Clock,
		answerTimeout:    cfg.AnswerTimeout,
		establishTimeout: cfg.EstablishTimeout,
		keepAliveTimeout: cfg.KeepAliveTimeout,
		maxCalls:         cfg.MaxCalls,
	}
	s.bot = s.newBotIdentity()
	s.botSource = mustMarshal(map[string]any{"@odata.type": typeParticipantInfo, "identity": s.bot})
	s.issued = &accessTokens{sign: s.issueForClient, byClient: make(map[string]signedToken)}
	s.calls.init()
	s.notifier = newNotifier(cfg.Delivery, cfg.StepDelay, cfg.Logger, s.notificationAuth)
	s.mux = s.routes()
	return s, nil
}

// withDefaults checks the settings of c that need no parsing and fills in
// the defaults of its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.Profile == "" {
		c.Profile = ProfileBeta2018
	}
	switch c.InviteAnswer {
	case "", "202", "200":
	default:
		return c, fmt.Errorf("%w: InviteAnswer %q (want \"202\" or \"200\")", ErrConfig, c.InviteAnswer)
	}
	if c.BaseURL != "" {
		if !isAbsoluteHTTPURL(c.BaseURL) {
			return c, fmt.Errorf("%w: BaseURL %q is not an absolute http(s) URL", ErrConfig, c.BaseURL)
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	d, sv := c.Delivery, c.Server
	if d.Attempts < 0 || d.Backoff < 0 || d.MaxBackoff < 0 || d.Timeout < 0 || c.StepDelay < 0 {
		return c, fmt.Errorf("%w: negative delivery setting or step delay", ErrConfig)
	}
	if sv.ReadHeaderTimeout < 0 || sv.ReadTimeout < 0 || sv.IdleTimeout < 0 || sv.ShutdownTimeout < 0 {
		return c, fmt.Errorf("%w: negative server timeout", ErrConfig)
	}
	if c.AnswerTimeout < 0 || c.EstablishTimeout < 0 || c.KeepAliveTimeout < 0 || c.MaxCalls < 0 {
		return c, fmt.Errorf("%w: negative AnswerTimeout, EstablishTimeout, KeepAliveTimeout or MaxCalls", ErrConfig)
	}
	c.AppID = cmp.Or(c.AppID, DefaultAppID)
	c.TenantID = cmp.Or(c.TenantID, DefaultTenantID)
	c.AnswerTimeout = cmp.Or(c.AnswerTimeout, defaultAnswerTimeout)
	c.EstablishTimeout = cmp.Or(c.EstablishTimeout, defaultEstablishTimeout)
	c.KeepAliveTimeout = cmp.Or(c.KeepAliveTimeout, defaultKeepAliveTimeout)
	c.MaxCalls = cmp.Or(c.MaxCalls, defaultMaxCalls)
	if c.Clock == nil {
		c.Clock = SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

func knownBreak(name string) bool {
	for _, b := range BreakNames() {
		if b == name {
			return true
		}
	}
	return false
}

// Close cancels the calls' deadlines, stops the delivery workers, dropping
// notifications not yet sent, and waits for them for a bounded time.
// Requests served after Close answer 503. Close is safe to call more than
// once.
func (s *Simulator) Close() error {
	var err error
	s.once.Do(func() {
		s.closed.Store(true)
		s.stopDeadlines()
		err = s.notifier.close()
	})
	return err
}

// AppID returns the bot's application id (dashed lower-case GUID).
func (s *Simulator) AppID() string { return s.appID.String() }

// TenantID returns the tenant id (dashed lower-case GUID).
func (s *Simulator) TenantID() string { return s.tenantID.String() }

// Profile returns the profile the simulator speaks.
func (s *Simulator) Profile() string { return s.cfg.Profile }

// CallsPath returns the root of the calls API the simulator serves:
// /app/calls (beta-2018) or /communications/calls (v1.0). A bot's Graph
// base URL is the simulator's base URL; its requests go under this root.
func (s *Simulator) CallsPath() string { return s.prof.root }

// Clients returns the built-in OAuth clients; their secrets are generated per
// Simulator and valid only for it.
func (s *Simulator) Clients() []Client {
	out := make([]Client, len(s.clients))
	for i, c := range s.clients {
		c.Roles = append([]string(nil), c.Roles...)
		c.Scopes = append([]string(nil), c.Scopes...)
		out[i] = c
	}
	return out
}

// Stats returns a snapshot of the simulator's activity.
func (s *Simulator) Stats() Stats {
	n := s.notifier
	return Stats{
		LiveCalls: int(s.calls.live.Load()),
		Queued:    int(n.queued.Load()),
		Workers:   int(n.workers.Load()),
		Delivered: n.delivered.Load(),
		Retried:   n.retried.Load(),
		Lost:      n.lost.Load(),
		Skipped:   n.skipped.Load(),
	}
}

func (s *Simulator) broken(name string) bool { return s.breaks[name] }
