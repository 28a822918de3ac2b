package playback

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconform/callconform/harness/fixture"
)

// triggerOnly places one incoming call and expects nothing more: the
// scenario ends once the call is delivered, or given up.
const triggerOnly = `id: ring
title: Ring
steps:
  - trigger: incoming-call
`

// refusingBot answers 503 to its first refusals POSTs, then 202.
type refusingBot struct {
	*httptest.Server
	mu       sync.Mutex
	refusals int
	posts    int
}

func newRefusingBot(t *testing.T, refusals int) *refusingBot {
	b := &refusingBot{refusals: refusals}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.posts++
		if b.posts <= b.refusals {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(b.Close)
	return b
}

// playTrigger plays triggerOnly with cfg and returns its one delivery.
func playTrigger(t *testing.T, cfg Config) Delivery {
	t.Helper()
	f, err := fixture.Parse("ring.yaml", []byte(triggerOnly))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	select {
	case <-m.Done():
	case <-time.After(bound):
		t.Fatalf("the trigger was not delivered or given up within %s:\n%s", bound, m.Report())
	}
	ds := m.Report().Scenarios[0].Steps[0].Notifications
	if len(ds) != 1 {
		t.Fatalf("deliveries %+v, want 1", ds)
	}
	return ds[0]
}

// noPause is a Backoff for tests: the bot's answers, not time, drive them.
func noPause(int) time.Duration { return time.Millisecond }

func TestTriggerIsRetriedUntilTheBotAnswers(t *testing.T) {
	bot := newRefusingBot(t, 3)
	d := playTrigger(t, Config{BotWebhook: bot.URL, Backoff: noPause})
	if !d.OK() || d.Attempts != 4 || d.Error != "" {
		t.Errorf("delivery %+v: want 202 at the 4th attempt", d)
	}
	bot.mu.Lock()
	defer bot.mu.Unlock()
	if bot.posts != 4 {
		t.Errorf("the bot got %d POSTs, want 4", bot.posts)
	}
}

func TestTriggerGivesUpAfterBotWait(t *testing.T) {
	bot := newRefusingBot(t, 1<<30)
	d := playTrigger(t, Config{BotWebhook: bot.URL, BotWait: 20 * time.Millisecond, Backoff: noPause})
	// How many attempts fit in 20ms depends on the machine; that there is
	// a retry is TestTriggerIsRetriedUntilTheBotAnswers's.
	if d.OK() || d.Attempts < 1 {
		t.Errorf("delivery %+v: want a refusal", d)
	}
	for _, want := range []string{"the bot's webhook " + bot.URL, "did not answer 2xx within 20ms", "the last answered 503"} {
		if !strings.Contains(d.Error, want) {
			t.Errorf("error %q lacks %q", d.Error, want)
		}
	}
}

func TestTriggerWaitsForABotNotListeningYet(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	d := playTrigger(t, Config{BotWebhook: url, BotWait: 20 * time.Millisecond, Backoff: noPause})
	if d.OK() || !strings.Contains(d.Error, "the bot's webhook "+url) || !strings.Contains(d.Error, "refused") {
		t.Errorf("delivery %+v: want the webhook and the refused connection named", d)
	}
}

func TestBotWaitNegativeTriesOnce(t *testing.T) {
	bot := newRefusingBot(t, 1)
	d := playTrigger(t, Config{BotWebhook: bot.URL, BotWait: -1, Backoff: noPause})
	if d.OK() || d.Attempts != 1 {
		t.Errorf("delivery %+v: want one refused attempt", d)
	}
}

func TestDefaultBackoffGrowsWithinBounds(t *testing.T) {
	for n := 1; n <= 10; n++ {
		base := min(100*time.Millisecond<<min(n-1, 5), 2*time.Second)
		if d := DefaultBackoff(n); d < base*3/4 || d > base*5/4 {
			t.Errorf("DefaultBackoff(%d) = %s, want within 25%% of %s", n, d, base)
		}
	}
}
