package interop

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/microsoft/kiota-abstractions-go/authentication"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"
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
	// UncompressedBodies turns off what the SDK's default middleware does
	// to every request body: compress it with gzip (Content-Encoding:
	// gzip), sending it again uncompressed only after a 415. False keeps
	// the SDK's default, as in a bot built with it.
	UncompressedBodies bool
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
	var httpClient *http.Client // nil: the SDK's default
	if cfg.UncompressedBodies {
		httpClient = uncompressedClient()
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		authentication.NewBaseBearerTokenAuthenticationProvider(tokens), nil, nil, httpClient)
	if err != nil {
		return nil, fmt.Errorf("interop: create the SDK's request adapter: %w", err)
	}
	adapter.SetBaseUrl(strings.TrimRight(cfg.BaseURL, "/"))
	return msgraphsdk.NewGraphServiceClient(adapter), nil
}

// uncompressedClient returns the SDK's default HTTP client with its
// compression handler told not to compress.
func uncompressedClient() *http.Client {
	opts := msgraphsdk.GetDefaultClientOptions()
	mw := msgraphgocore.GetDefaultMiddlewaresWithOptions(&opts)
	for i, m := range mw {
		if _, ok := m.(*khttp.CompressionHandler); ok {
			mw[i] = khttp.NewCompressionHandlerWithOptions(*khttp.NewCompressionOptionsReference(false))
		}
	}
	return msgraphgocore.GetDefaultClient(&opts, mw...)
}
