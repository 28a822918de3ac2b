package playback

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/callconform/callconform/harness/fixture"
	"github.com/callconform/callconform/harness/receiver"
)

func TestNotificationTokensVerify(t *testing.T) {
	f, err := fixture.Parse("f.yaml", []byte("id: f\ntitle: F\nsteps:\n  - send: GET /x\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{AppID: "bot-app"}, f)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	srv := httptest.NewServer(m)
	defer srv.Close()
	tok, err := m.sign.Token("bot-app")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := m.sign.Token("bot-app"); again != tok {
		t.Error("the token is signed again on each notification")
	}
	ctx := context.Background()
	v := &receiver.Verifier{OpenIDConfigURL: srv.URL + OpenIDConfigPath, Audience: "bot-app", Issuers: []string{NotificationIssuer}}
	if err := v.Verify(ctx, "Bearer "+tok); err != nil {
		t.Fatalf("the harness's verifier refuses the mock's token: %v", err)
	}
	other := &receiver.Verifier{OpenIDConfigURL: srv.URL + OpenIDConfigPath, Audience: "another-app"}
	if err := other.Verify(ctx, "Bearer "+tok); !errors.Is(err, receiver.ErrWrongAudience) {
		t.Errorf("a token for another app: %v, want wrong audience", err)
	}
}
