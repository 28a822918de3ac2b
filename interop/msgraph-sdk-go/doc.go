// Package interop puts Microsoft's Graph SDK for Go
// (github.com/microsoftgraph/msgraph-sdk-go) in front of callconform's
// simulator: an SDK client whose base URL is the simulator's and whose tokens
// come from the simulator's token endpoint (NewClient), and a reader of
// notification POST bodies into the SDK's own models (Parse).
//
// It is a nested module, so that the main module does not depend on the SDK;
// its tests are the interop check: they fail when the simulator's JSON stops
// parsing into the SDK's models, or when the SDK cannot drive the simulator.
//
// # Tokens
//
// The SDK's usual credential, azidentity's ClientSecretCredential, cannot
// talk to the simulator: MSAL, under it, accepts only an https authority
// ("authority url scheme must be https") and discovers the token endpoint at
// {authority}/{tenant}/v2.0/.well-known/openid-configuration, which the
// simulator does not serve. NewClient therefore gives the SDK's request
// adapter kiota's BaseBearerTokenAuthenticationProvider with
// ClientCredentials, an access token provider that takes tokens from the
// simulator's token endpoint with the OAuth2 client credentials grant, as a
// bot does from Entra ID.
package interop
