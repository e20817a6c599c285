/**
 * `NAME\0VERSION`: the key in-memory maps keep a job version under. The gateway makes it once per routed version
 * (RouteState.key) and hands that same string to every call's bookkeeping, so the hot path builds and hashes no key.
 */
export const versionKey = (name: string, version: string): string => `${name}\0${version}`;
