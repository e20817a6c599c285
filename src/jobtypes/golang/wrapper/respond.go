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

// marshal encodes like Python's json.dumps does for the same values: '<', '>' and '&' stay as they are.
func marshal(value interface{}) ([]byte, error) {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(value); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeJSON is for values the wrapper builds itself, which always encode.
func writeJSON(w http.ResponseWriter, status int, value interface{}) int {
	body, err := marshal(value)
	if err != nil {
		panic(err)
	}
	return writeBytes(w, status, contentTypeJSON, body)
}

func writeError(w http.ResponseWriter, status int, message, errorType string) int {
	return writeJSON(w, status, struct {
		Error string `json:"error"`
		Type  string `json:"type"`
	}{message, errorType})
}
