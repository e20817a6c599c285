// The job version rule: semantic version x.y.z with an optional -label, no leading zeros, no 'v', no +build.
// Each number has at most 15 digits, so it stays below 2^53 and versions compare exactly as numbers.
const JOB_VERSION = /^(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})(-[0-9A-Za-z.-]+)?$/;
// Versions become Docker image tags, which are capped at 128 characters.
const MAX_JOB_VERSION = 128;

export function isJobVersion(v: string): boolean {
  return v.length <= MAX_JOB_VERSION && JOB_VERSION.test(v);
}
