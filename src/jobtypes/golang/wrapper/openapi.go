// OpenAPI 3 document of the job: perform takes any JSON object (Perform's input is a map), plus the probes.
package main

import "encoding/json"

func buildOpenAPI(job jobInfo) []byte {
	errorSchema := obj{"type": "object", "properties": obj{"error": obj{"type": "string"}, "type": obj{"type": "string"}}}
	errorResponse := func(description string) obj {
		return obj{"description": description, "content": obj{contentTypeJSON: obj{"schema": errorSchema}}}
	}
	plain := func(summary, tag, contentType string) obj {
		return obj{"get": obj{"tags": []string{tag}, "summary": summary,
			"responses": obj{"200": obj{"description": "OK", "content": obj{contentType: obj{}}}}}}
	}
	paths := obj{
		"/api/v1/perform": obj{"post": obj{
			"tags":        []string{"API"},
			"summary":     "Call main action",
			"operationId": "perform",
			"requestBody": obj{"required": true, "content": obj{contentTypeJSON: obj{
				"schema": obj{"type": "object", "additionalProperties": true},
			}}},
			"responses": obj{
				"200": obj{"description": "Result", "content": obj{contentTypeJSON: obj{"schema": obj{}}}},
				"400": errorResponse("Invalid input"),
				"500": errorResponse("The job failed"),
			},
		}},
		"/health":  plain("Job status", "Health", contentTypeJSON),
		"/live":    plain("Liveness: the server has started", "Health", contentTypeJSON),
		"/ready":   plain("Readiness: the job is initialised", "Health", contentTypeJSON),
		"/metrics": plain("Prometheus metrics", "Health", "text/plain"),
	}
	document, err := marshal(obj{
		"openapi": "3.0.3",
		"info": obj{"title": "Job - " + job.name, "version": job.version,
			"description": "Racetrack job wrapped in a REST server"},
		"paths":      paths,
		"components": obj{"securitySchemes": obj{"RacetrackAuth": obj{"type": "apiKey", "in": "header", "name": "X-Racetrack-Auth"}}},
		"security":   []obj{{"RacetrackAuth": []string{}}},
	})
	if err != nil {
		panic(err)
	}
	return document
}

type obj = map[string]interface{}

// withServer is the document with its servers set to the prefix it was fetched under, so "Try it out" goes through the gateway.
func withServer(document []byte, prefix string) obj {
	var parsed obj
	if err := json.Unmarshal(document, &parsed); err != nil {
		panic(err)
	}
	parsed["servers"] = []obj{{"url": prefix}}
	return parsed
}
