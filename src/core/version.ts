// This build's version, for the server's /info and /health and for `racetrack version` (kept equal to package.json's).
export const RACETRACK_VERSION = '0.1.0';
