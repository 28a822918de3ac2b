package simulator

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestNewRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"unknown profile":            {Profile: "v2"},
		"unknown break":              {Break: []string{"invite-no-location", "teleport"}},
		"invite answer 201":          {InviteAnswer: "201"},
		"app id not a GUID":          {AppID: "bot"},
		"tenant not a GUID":          {TenantID: "contoso.com"},
		"relative base URL":          {BaseURL: "/beta"},
		"negative attempts":          {Delivery: DeliveryConfig{Attempts: -1}},
		"negative step delay":        {StepDelay: -time.Second},
		"negative read timeout":      {Server: ServerConfig{ReadTimeout: -time.Second}},
		"negative answer timeout":    {AnswerTimeout: -time.Second},
		"negative establish timeout": {EstablishTimeout: -time.Second},
		"negative max calls":         {MaxCalls: -1},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := New(cfg)
			if err == nil {
				s.Close()
				t.Fatal("New accepted it")
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v does not wrap ErrConfig", err)
			}
		})
	}
}

func TestZeroConfigDefaults(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.AppID() != DefaultAppID || s.TenantID() != DefaultTenantID || s.Profile() != ProfileBeta2018 {
		t.Errorf("app %s tenant %s profile %s", s.AppID(), s.TenantID(), s.Profile())
	}
	if s.TokenPath() != "/"+DefaultTenantID+"/oauth2/v2.0/token" || s.OpenIDConfigPath() != "/.well-known/openid-configuration" {
		t.Errorf("paths %s %s", s.TokenPath(), s.OpenIDConfigPath())
	}
	if st := s.Stats(); st != (Stats{}) {
		t.Errorf("fresh stats %+v", st)
	}
}

func TestCustomIdentities(t *testing.T) {
	s, err := New(Config{AppID: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE", TenantID: "11111111222243338444555555555555"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.AppID() != "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" || s.TenantID() != "11111111-2222-4333-8444-555555555555" {
		t.Errorf("app %s tenant %s", s.AppID(), s.TenantID())
	}
	if c := s.Clients()[0]; c.Kind != ClientCalling || c.ID != s.AppID() {
		t.Errorf("calling client %+v is not the app", c)
	}
}

func TestBuiltinClients(t *testing.T) {
	a, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ca, cb := a.Clients(), b.Clients()
	kinds := map[string]Client{}
	for i, c := range ca {
		kinds[c.Kind] = c
		if c.ID != cb[i].ID {
			t.Errorf("client ids are not deterministic: %s, %s", c.ID, cb[i].ID)
		}
		if c.Secret == "" || c.Secret == cb[i].Secret {
			t.Errorf("%s client secret is empty or shared between instances", c.Kind)
		}
	}
	if len(kinds[ClientCalling].Roles) != 4 || len(kinds[ClientNone].Roles) != 0 ||
		len(kinds[ClientDelegated].Roles) != 0 || len(kinds[ClientDelegated].Scopes) == 0 {
		t.Errorf("clients %+v", ca)
	}
	ca[0].Roles[0] = "changed"
	if a.Clients()[0].Roles[0] == "changed" {
		t.Error("Clients returns the simulator's own slices")
	}
}

func TestEveryBreakNameIsAccepted(t *testing.T) {
	for _, profile := range Profiles() {
		s, err := New(Config{Profile: profile, Break: BreakNames()})
		if err != nil {
			t.Fatalf("%s: %v", profile, err)
		}
		s.Close()
	}
	if len(BreakNames()) != 16+len(mediaBreakNames()) {
		t.Errorf("%d break names", len(BreakNames()))
	}
}

func TestClosedSimulatorAnswers503(t *testing.T) {
	e := newEnv(t, Config{})
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	r := e.do("GET", "/_control", "", nil)
	if r.status != http.StatusServiceUnavailable || r.errorCode(t) != "ServiceUnavailable" {
		t.Errorf("after Close: %d %s", r.status, r.body)
	}
}
