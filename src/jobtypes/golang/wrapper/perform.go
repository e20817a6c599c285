// POST /api/v1/perform: a JSON object in, Perform's result out, with Racetrack's error mapping.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"reflect"
	"runtime/debug"
	"strings"
	"time"
)

// maxPresizedBody: a Content-Length up to this is trusted for allocating the body at once
const maxPresizedBody = 1 << 20

type performEndpoint struct {
	metrics *metrics
}

func newPerformEndpoint(m *metrics) *performEndpoint {
	return &performEndpoint{metrics: m}
}

func (p *performEndpoint) serve(w http.ResponseWriter, r request) int {
	body, err := readBody(r.Request)
	if err != nil {
		return writeError(w, http.StatusBadRequest, "cannot read the request body: "+err.Error(), "ValueError")
	}
	input := map[string]interface{}{}
	if len(body) > 0 {
		var payload interface{}
		if err := json.Unmarshal(body, &payload); err != nil {
			return writeError(w, http.StatusBadRequest, "request body is not valid JSON: "+err.Error(), "ValueError")
		}
		object, isObject := payload.(map[string]interface{})
		if !isObject {
			return writeError(w, http.StatusBadRequest, "request body must be a JSON object of named parameters", "ValueError")
		}
		input = object
	}

	p.metrics.perform.callStarted()
	started := time.Now()
	result, failure := callPerform(input)
	p.metrics.callDone(&p.metrics.perform, time.Since(started), failure != nil)
	if failure != nil {
		log.Printf("%s %s failed: %s: %s%s", r.Method, r.URL.Path, failure.kind, failure.message, failure.stack)
		return writeError(w, http.StatusInternalServerError, failure.message, failure.kind)
	}
	if err := encodeJSON(result, func(encoded []byte) { writeBytes(w, http.StatusOK, contentTypeJSON, encoded) }); err != nil {
		log.Printf("%s %s returned a result that is not JSON: %v", r.Method, r.URL.Path, err)
		return writeError(w, http.StatusInternalServerError, "result is not JSON serializable: "+err.Error(), typeName(err))
	}
	return http.StatusOK
}

// readBody reads the whole body into one buffer of the size the request announced.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 || r.ContentLength > maxPresizedBody {
		return io.ReadAll(r.Body)
	}
	body := make([]byte, r.ContentLength)
	_, err := io.ReadFull(r.Body, body)
	return body, err
}

type performFailure struct {
	message, kind, stack string
}

// callPerform turns an error returned by Perform, and a panic inside it, into a failure to answer with 500.
func callPerform(input map[string]interface{}) (result interface{}, failure *performFailure) {
	defer func() {
		if recovered := recover(); recovered != nil {
			kind := "panic"
			if _, isError := recovered.(error); isError {
				kind = typeName(recovered)
			}
			failure = &performFailure{message: fmt.Sprint(recovered), kind: kind, stack: "\n" + string(debug.Stack())}
		}
	}()
	result, err := perform(input)
	if err != nil {
		return nil, &performFailure{message: err.Error(), kind: typeName(err)}
	}
	return result, nil
}

// typeName names an error by its Go type, as Python's wrapper names exceptions by class: "errors.fundamental".
func typeName(value interface{}) string {
	return strings.TrimPrefix(reflect.TypeOf(value).String(), "*")
}
