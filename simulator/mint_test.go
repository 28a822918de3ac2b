package simulator

import (
	"net/http"
	"testing"
	"time"

	"github.com/callconform/callconform/internal/guid"
)

func TestMintAccessToken(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	for _, tc := range []struct {
		name     string
		aud      string
		lifetime time.Duration
		status   int
	}{
		{"valid", GraphAudience, time.Hour, http.StatusCreated},
		{"expired", GraphAudience, -time.Hour, http.StatusUnauthorized},
		{"wrong audience", "https://management.azure.com", time.Hour, http.StatusUnauthorized},
	} {
		tok, err := e.sim.MintAccessToken(e.sim.AppID(), tc.aud, tc.lifetime)
		if err != nil {
			t.Fatal(err)
		}
		if r := e.do("POST", "/app/calls", tok, meetingBody(rc.URL())); r.status != tc.status {
			t.Errorf("%s: %d %s; want %d", tc.name, r.status, r.body, tc.status)
		}
	}
	if _, err := e.sim.MintAccessToken(guid.New().String(), GraphAudience, time.Hour); err == nil {
		t.Error("minted a token for an unknown client")
	}
}
