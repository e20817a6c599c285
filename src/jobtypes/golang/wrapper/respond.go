// JSON answers, including Racetrack's error body {"error": message, "type": name}.
package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

const contentTypeJSON = "application/json"

// net/http counts the Content-Length of a body up to this size itself (and chunks a longer one unless told)
const autoContentLength = 2048

// contentTypes holds the header value of each content type once: a header set per answer need not allocate
var contentTypes sync.Map // string -> []string

func writeBytes(w http.ResponseWriter, status int, contentType string, body []byte) int {
	header := w.Header()
	value, found := contentTypes.Load(contentType)
	if !found {
		value, _ = contentTypes.LoadOrStore(contentType, []string{contentType})
	}
	header["Content-Type"] = value.([]string)
	if len(body) > autoContentLength {
		header["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	w.WriteHeader(status)
	w.Write(body)
	return status
}

// jsonEncoder encodes like Python's json.dumps does for the same values: '<', '>' and '&' stay as they are.
type jsonEncoder struct {
	buf     bytes.Buffer
	encoder *json.Encoder
}

// encoders are reused: a call's answer is encoded into a buffer that an earlier call has grown already
var encoders = sync.Pool{New: func() interface{} {
	e := &jsonEncoder{}
	e.encoder = json.NewEncoder(&e.buf)
	e.encoder.SetEscapeHTML(false)
	return e
}}

// encodeJSON hands the encoding of value to use (valid only during the call), or returns the encoding error.
func encodeJSON(value interface{}, use func(encoded []byte)) error {
	e := encoders.Get().(*jsonEncoder)
	defer encoders.Put(e)
	e.buf.Reset()
	if err := e.encoder.Encode(value); err != nil {
		return err
	}
	use(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
	return nil
}

// marshal is encodeJSON into a slice of its own.
func marshal(value interface{}) ([]byte, error) {
	var out []byte
	err := encodeJSON(value, func(encoded []byte) { out = append([]byte(nil), encoded...) })
	return out, err
}

// writeJSON answers with value encoded; values the wrapper builds itself always encode.
func writeJSON(w http.ResponseWriter, status int, value interface{}) int {
	if err := encodeJSON(value, func(encoded []byte) { writeBytes(w, status, contentTypeJSON, encoded) }); err != nil {
		panic(err)
	}
	return status
}

func writeError(w http.ResponseWriter, status int, message, errorType string) int {
	return writeJSON(w, status, struct {
		Error string `json:"error"`
		Type  string `json:"type"`
	}{message, errorType})
}
