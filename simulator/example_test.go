package simulator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/callconform/callconform/simulator"
)

// A bot's Go test starts the simulator in-process, takes a token with client
// credentials, creates a call and waits for the call to be established. The
// simulator delivers notifications at least once, so the bot goes by the
// state a notification carries, not by how many arrived.
func Example() {
	srv, err := simulator.Start("127.0.0.1:0", simulator.Config{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// The bot's callback: it reports every call state it is told about.
	states := make(chan string, 16)
	bot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n struct {
			Value []struct {
				ResourceData struct {
					State string `json:"state"`
				} `json:"resourceData"`
			} `json:"value"`
		}
		if err := json.NewDecoder(r.Body).Decode(&n); err == nil {
			for _, v := range n.Value {
				select {
				case states <- v.ResourceData.State:
				default:
				}
			}
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer bot.Close()

	token, err := clientCredentialsToken(srv)
	if err != nil {
		panic(err)
	}

	body := `{"callback": "` + bot.URL + `/callback",
	  "source": {"identity": {"application": {"id": "` + srv.Sim.AppID() + `"}}},
	  "requestedModalities": [],
	  "chatInfo": {"threadId": "19:meeting_example@thread.v2", "messageId": "0"},
	  "meetingInfo": {"@odata.type": "#microsoft.graph.organizerMeetingInfo",
	    "organizer": {"user": {"id": "90ed37dc-d8e3-4e11-9de3-30a955dda06f", "tenantId": "` + srv.Sim.TenantID() + `"}}}}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/app/calls", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("create:", resp.Status)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		select {
		case s := <-states:
			if s == "established" {
				fmt.Println("call:", s)
				return
			}
		case <-ctx.Done():
			fmt.Println("no established notification:", ctx.Err())
			return
		}
	}
	// Output:
	// create: 201 Created
	// call: established
}

// clientCredentialsToken asks the simulator's token endpoint for a token of
// its built-in calling client, as a bot asks Entra ID.
func clientCredentialsToken(srv *simulator.Server) (string, error) {
	for _, c := range srv.Sim.Clients() {
		if c.Kind != simulator.ClientCalling {
			continue
		}
		resp, err := http.PostForm(srv.TokenURL, url.Values{
			"grant_type":    {"client_credentials"},
			"client_id":     {c.ID},
			"client_secret": {c.Secret},
			"scope":         {"https://graph.microsoft.com/.default"},
		})
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
			return "", err
		}
		return tok.AccessToken, nil
	}
	return "", fmt.Errorf("the simulator has no calling client")
}
