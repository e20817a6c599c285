// Headers that belong to one connection, not to the message: a proxy must not forward them.
// https://www.rfc-editor.org/rfc/rfc7230#section-6.1 (plus the legacy Proxy-Connection and Keep-Alive)
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
