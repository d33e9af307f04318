package emulator

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// jsonContentType is what Graph itself sends on every JSON answer. Clients
// must parse it as a media type, not compare it with "application/json".
const jsonContentType = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"

// apiErr is one Graph error answer.
type apiErr struct {
	Status     int
	Code       string
	Msg        string
	Inner      string   // innerError.code (upload range errors)
	Next       []string // nextExpectedRanges, on upload range errors
	RetryAfter int      // seconds; 0 = no Retry-After header; retryAfterZero = "Retry-After: 0"
	Challenge  bool     // a 401 of the Graph origin: send Graph's WWW-Authenticate
}

// graphChallenge is the WWW-Authenticate Graph answers a request without a
// usable token with.
const graphChallenge = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`

// retryAfterZero, as apiErr.RetryAfter, sends "Retry-After: 0"
// (Faults.RetryAfterZero).
const retryAfterZero = -1

func (e *apiErr) Error() string { return e.Code + ": " + e.Msg }

func newErr(status int, code, msg string) *apiErr {
	return &apiErr{Status: status, Code: code, Msg: msg}
}

// The errors that recur. Codes are Graph's own where the documentation names
// one; the package doc lists the emulator's choices for the rest.
func errNotFound(what string) *apiErr {
	return newErr(http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store. ("+what+")")
}

func errBadRequest(msg string) *apiErr { return newErr(http.StatusBadRequest, "BadRequest", msg) }

func errMalformedID(id string) *apiErr {
	return newErr(http.StatusBadRequest, "ErrorInvalidIdMalformed", "Id is malformed: "+strconv.Quote(id))
}

func errMethod(method string) *apiErr {
	return newErr(http.StatusMethodNotAllowed, "ErrorInvalidRequest", "The OData request is not supported: method "+method+" on this resource.")
}

func errTooLarge() *apiErr {
	return newErr(http.StatusRequestEntityTooLarge, "BadRequest", "The maximum request length is 4MB.")
}

type errorBody struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Code               string     `json:"code"`
	Message            string     `json:"message"`
	NextExpectedRanges []string   `json:"nextExpectedRanges,omitempty"`
	InnerError         innerError `json:"innerError"`
}

type innerError struct {
	Code            string `json:"code,omitempty"`
	Date            string `json:"date"`
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id"`
}

// writeErr answers with Graph's error JSON. The request id comes from the
// response header the front door set.
func (s *Server) writeErr(w http.ResponseWriter, e *apiErr) {
	h := w.Header()
	body := errorBody{Error: errorObject{
		Code:               e.Code,
		Message:            e.Msg,
		NextExpectedRanges: e.Next,
		InnerError: innerError{
			Code:            e.Inner,
			Date:            s.clock.Now().UTC().Format("2006-01-02T15:04:05"),
			RequestID:       h.Get("request-id"),
			ClientRequestID: h.Get("client-request-id"),
		},
	}}
	if e.Challenge {
		h.Set("WWW-Authenticate", graphChallenge)
	}
	switch {
	case e.RetryAfter > 0:
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	case e.RetryAfter == retryAfterZero:
		h.Set("Retry-After", "0")
	}
	writeJSON(w, e.Status, body)
}

// writeJSON answers with v as JSON. Encoding our own types cannot fail.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("emulator: encode answer: " + err.Error())
	}
	writeRawJSON(w, status, b)
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", jsonContentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b) //nolint:errcheck // the client went away; nothing to do
}
