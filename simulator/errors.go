package simulator

import (
	"net/http"
	"time"
)

// Error codes of the Graph error bodies the simulator writes.
const (
	codeBadRequest        = "BadRequest"                 // 400: malformed or invalid body
	codeInvalidToken      = "InvalidAuthenticationToken" // 401: missing, malformed, expired or foreign token
	codeForbidden         = "Forbidden"                  // 403: delegated token, app id of the path not the token's
	codeNoPermission      = "7504"                       // 403: the token lacks the needed application permission
	codeNotFound          = "NotFound"                   // 404: unknown route, call, operation or participant
	codeMethodNotAllowed  = "MethodNotAllowed"           // 405
	codeInvalidCallState  = "InvalidCallState"           // 409: the call's state does not allow the action
	codeTooLarge          = "RequestEntityTooLarge"      // 413: body over 1 MiB
	codeUnsupportedMedia  = "UnsupportedMediaType"       // 415: a POST body that is not application/json
	codeTooManyRequests   = "TooManyRequests"            // 429: MaxCalls calls are live
	codeServiceClosed     = "ServiceUnavailable"         // 503: the simulator was closed
	codeInternalError     = "InternalServerError"        // 500
	headerRequestID       = "request-id"
	headerClientRequestID = "client-request-id"
)

// graphError is the body of every Graph error answer:
// {"error":{"code","message","innerError":{"request-id","date","client-request-id"}}}.
type graphError struct {
	Error graphErrorBody `json:"error"`
}

type graphErrorBody struct {
	Code       string     `json:"code"`
	Message    string     `json:"message"`
	InnerError innerError `json:"innerError"`
}

type innerError struct {
	RequestID       string `json:"request-id"`
	Date            string `json:"date"`
	ClientRequestID string `json:"client-request-id"`
}

// writeError writes a Graph error. The request ids come from the response
// headers that ServeHTTP set.
func writeError(w http.ResponseWriter, status int, code, message string) {
	h := w.Header()
	body := graphError{Error: graphErrorBody{
		Code:    code,
		Message: message,
		InnerError: innerError{
			RequestID:       h.Get(headerRequestID),
			Date:            time.Now().UTC().Format(time.RFC3339),
			ClientRequestID: h.Get(headerClientRequestID),
		},
	}}
	writeJSON(w, status, body)
}

// writeJSON writes v as a JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := bodyBuffers.Get().(*[]byte)
	defer putBodyBuffer(buf)
	b, err := appendValue((*buf)[:0], v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"` + codeInternalError + `","message":"encode response"}}`)
	} else {
		*buf = b // the buffer as it grew, for the next body
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
