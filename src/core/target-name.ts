// The shape of an infrastructure target's name (local, docker, kubernetes…), wherever one is written: job.yaml,
// RACETRACK_INFRA. Which targets exist is the target registry's to say.
export const TARGET_NAME = /^[a-z][a-z0-9-]{0,62}$/;
