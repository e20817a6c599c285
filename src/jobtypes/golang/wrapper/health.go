// Liveness, readiness and health: a Go job is ready once it listens (its init() ran before main).
package main

import (
	"net/http"
	"os"
	"strconv"
)

type jobInfo struct {
	name, version string
}

func jobInfoFromEnv() jobInfo {
	return jobInfo{name: os.Getenv("JOB_NAME"), version: os.Getenv("JOB_VERSION")}
}

// envOrNull is the variable's value, or JSON null when it is not set.
func envOrNull(name string) interface{} {
	if value, found := os.LookupEnv(name); found {
		return value
	}
	return nil
}

// deploymentTimestamp is JOB_DEPLOYMENT_TIMESTAMP as a number when it is one.
func deploymentTimestamp() interface{} {
	value := envOrNull("JOB_DEPLOYMENT_TIMESTAMP")
	if s, isString := value.(string); isString {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
			return n
		}
	}
	return value
}

func (a *app) live(w http.ResponseWriter, r request) int {
	return writeJSON(w, http.StatusOK, struct {
		Live                bool        `json:"live"`
		DeploymentTimestamp interface{} `json:"deployment_timestamp"`
	}{true, deploymentTimestamp()})
}

func (a *app) ready(w http.ResponseWriter, r request) int {
	return writeJSON(w, http.StatusOK, struct {
		Ready bool `json:"ready"`
	}{true})
}

func (a *app) health(w http.ResponseWriter, r request) int {
	return writeJSON(w, http.StatusOK, struct {
		Service                    string      `json:"service"`
		JobName                    string      `json:"job_name"`
		JobVersion                 string      `json:"job_version"`
		Status                     string      `json:"status"`
		Live                       bool        `json:"live"`
		Ready                      bool        `json:"ready"`
		Error                      interface{} `json:"error"`
		DeploymentTimestamp        interface{} `json:"deployment_timestamp"`
		GitVersion                 interface{} `json:"git_version"`
		DeployedByRacetrackVersion interface{} `json:"deployed_by_racetrack_version"`
		JobTypeVersion             interface{} `json:"job_type_version"`
	}{
		Service: "job", JobName: a.job.name, JobVersion: a.job.version, Status: "pass", Live: true, Ready: true,
		DeploymentTimestamp: deploymentTimestamp(), GitVersion: envOrNull("GIT_VERSION"),
		DeployedByRacetrackVersion: envOrNull("DEPLOYED_BY_RACETRACK_VERSION"), JobTypeVersion: envOrNull("JOB_TYPE_VERSION"),
	})
}
