// The golang adder served the way Racetrack's own Go wrapper serves it (gin, recovery middleware, log15's debug line
// on stdout for every call, JSON decoded into a map and the result encoded back): the anchor of bench/wrapper.ts,
// built like a golang job.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/gin-gonic/gin"
	log "github.com/inconshreveable/log15"
)

// perform is the job's Perform, set by the job_entrypoint.go that the build generates.
var perform func(input map[string]interface{}) (interface{}, error)

func main() {
	port := flag.Int("port", 7000, "port to listen on")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode)
	router := gin.New()
	router.Use(gin.Recovery())
	router.POST("/api/v1/perform", func(c *gin.Context) {
		// Racetrack's wrapper logs this for every call, through log15's default handler (stdout, every level)
		log.Debug("Perform request received")
		var input map[string]interface{}
		if err := json.NewDecoder(c.Request.Body).Decode(&input); err != nil {
			http.Error(c.Writer, err.Error(), http.StatusBadRequest)
			return
		}
		output, err := perform(input)
		if err != nil {
			http.Error(c.Writer, err.Error(), http.StatusInternalServerError)
			return
		}
		c.Writer.Header().Set("Content-Type", "application/json")
		json.NewEncoder(c.Writer).Encode(output)
	})
	fmt.Fprintf(os.Stderr, "listening on http://127.0.0.1:%d\n", *port)
	if err := router.Run("127.0.0.1:" + strconv.Itoa(*port)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
