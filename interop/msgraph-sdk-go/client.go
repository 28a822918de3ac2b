package interop

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/microsoft/kiota-abstractions-go/authentication"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
)

// ClientConfig says where the SDK's requests go and how it gets tokens.
type ClientConfig struct {
	// BaseURL is the root the SDK's request paths (/communications/calls,
	// ...) are appended to: the simulator's Server.URL, or
	// https://graph.microsoft.com/v1.0. Required; an absolute http(s) URL.
	BaseURL string
	// Credentials are the application's; tokens are given for BaseURL's
	// host only.
	Credentials Credentials
}

// NewClient returns a GraphServiceClient of Microsoft's SDK, built as a bot
// builds it (the SDK's request adapter with its default middleware: retry,
// redirect, request-body compression, telemetry), with its base URL set to
// cfg.BaseURL and its tokens from ClientCredentials. It holds no resource
// that needs closing.
func NewClient(cfg ClientConfig) (*msgraphsdk.GraphServiceClient, error) {
	if !isAbsoluteHTTPURL(cfg.BaseURL) {
		return nil, fmt.Errorf("%w: base URL %q is not an absolute http(s) URL", ErrConfig, cfg.BaseURL)
	}
	base, _ := url.Parse(cfg.BaseURL) // checked above
	tokens, err := NewClientCredentials(cfg.Credentials, base.Hostname())
	if err != nil {
		return nil, err
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapter(authentication.NewBaseBearerTokenAuthenticationProvider(tokens))
	if err != nil {
		return nil, fmt.Errorf("interop: create the SDK's request adapter: %w", err)
	}
	adapter.SetBaseUrl(strings.TrimRight(cfg.BaseURL, "/"))
	return msgraphsdk.NewGraphServiceClient(adapter), nil
}
