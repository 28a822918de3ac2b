package testbed

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/callconform/callconform/harness/timeline"
	"github.com/callconform/callconform/internal/excerpt"
	"github.com/callconform/callconform/internal/secret"
)

// ErrConfig is wrapped by every error that comes from the settings: a bad
// flag value, a missing one, a vars file that cannot be read. A front end
// reports it as a usage error; any other error of Open means the tool could
// not work.
var ErrConfig = errors.New("bad configuration")

// configError is a settings error: errors.Is(err, ErrConfig) holds.
type configError struct{ err error }

func (e *configError) Error() string        { return e.err.Error() }
func (e *configError) Unwrap() error        { return e.err }
func (e *configError) Is(target error) bool { return target == ErrConfig }

// configErr returns a settings error with a formatted message.
func configErr(format string, a ...any) error {
	return &configError{fmt.Errorf(format, a...)}
}

// UnreachableError is Open's error when the target (or its test-control
// API) gives no HTTP answer at all: a refused connection, an unknown host, a
// timeout.
type UnreachableError struct {
	URL     string // the URL Open tried, without user info, query or fragment
	Control bool   // the URL is the test-control API's, not the target's
	Err     error
}

func (e *UnreachableError) Error() string {
	what := "the target"
	if e.Control {
		what = "the target's test-control API"
	}
	return fmt.Sprintf("cannot reach %s at %s: %s", what, e.URL, rootCause(e.Err))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// TokenError is Open's error when the target's OAuth2 token cannot be had:
// the token endpoint refused the credentials, or could not be reached.
type TokenError struct {
	URL string // the token URL, without user info, query or fragment
	// Status is the HTTP status the token endpoint answered; 0 when it gave
	// no answer.
	Status int
	// Code is the OAuth2 error code of the answer (RFC 6749 §5.2), such as
	// "invalid_client"; "" when the answer had none.
	Code string
	// Description is the first sentence of the answer's error_description,
	// one line, redacted.
	Description string
	Err         error
}

func (e *TokenError) Error() string {
	msg := "cannot get a token from " + e.URL + ": "
	switch {
	case e.Code != "":
		msg += fmt.Sprintf("the token endpoint answered %d %s", e.Status, e.Code)
		if e.Description != "" {
			msg += " (" + e.Description + ")"
		}
		return msg
	case e.Status != 0:
		return msg + fmt.Sprintf("the token endpoint answered %d without an OAuth error code", e.Status)
	}
	return msg + rootCause(e.Err)
}

func (e *TokenError) Unwrap() error { return e.Err }

// ListenError is Open's error when the callback receiver cannot listen.
type ListenError struct {
	Addr string // the listen address
	Err  error
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("start the callback receiver on %s: %s", e.Addr, rootCause(e.Err))
}

func (e *ListenError) Unwrap() error { return e.Err }

// newTokenError describes a failed token fetch from tokenURL; clientSecret is
// removed from what the endpoint answered.
func newTokenError(tokenURL, clientSecret string, err error) *TokenError {
	te := &TokenError{URL: secret.RedactURL(tokenURL), Err: err}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil {
			te.Status = re.Response.StatusCode
		}
		te.Code = excerpt.Line(scrub(re.ErrorCode, clientSecret), 80)
		te.Description = excerpt.Line(scrub(firstSentence(re.ErrorDescription), clientSecret), 160)
	}
	return te
}

// rootCause is the innermost useful text of err, on one line: the network
// error of a failed request rather than the request's whole description.
func rootCause(err error) string {
	if err == nil {
		return "no answer"
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return excerpt.Line(timeline.RedactString(err.Error()), 300)
}

// firstSentence is s up to its first line break or ". ".
func firstSentence(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return strings.TrimSpace(s)
}

// scrub redacts tokens and the secret from text a server sent.
func scrub(s, clientSecret string) string {
	s = timeline.RedactString(s)
	if clientSecret != "" {
		s = strings.ReplaceAll(s, clientSecret, timeline.Redacted)
	}
	return s
}
