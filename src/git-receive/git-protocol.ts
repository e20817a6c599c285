// GIT_PROTOCOL, as a client sends it (the Git-Protocol header over HTTP, an env request over SSH): passed to
// git so clients may speak protocol v2 (faster fetches of big repositories).
// https://git-scm.com/docs/gitprotocol-v2

/** colon-separated key[=value] parameters, as git writes them; anything else is dropped */
const SHAPE = /^[A-Za-z0-9._-]+(=[A-Za-z0-9._-]*)?(:[A-Za-z0-9._-]+(=[A-Za-z0-9._-]*)?)*$/;

/** The client's GIT_PROTOCOL when it has git's shape (bounded), else undefined. */
export function gitProtocol(raw: string | string[] | undefined): string | undefined {
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value !== undefined && value.length <= 256 && SHAPE.test(value) ? value : undefined;
}

/** Whether git will answer in protocol v2 (then smart HTTP's info/refs carries no `# service=` line). */
export function speaksV2(protocol: string | undefined): boolean {
  return protocol !== undefined && protocol.split(':').includes('version=2');
}
