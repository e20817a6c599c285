// Which client a peer address stands for, wherever limits count per client: connection caps, the failed-auth and
// registration throttles, async quotas with auth off. An IPv4 address is one client. An IPv6 host is handed a whole
// /64 at least (RFC 7421; often a /56 or /48) and may pick any source address in it, so counted per address one host
// would have 2^64 fresh budgets: IPv6 peers count per /64. An IPv4-mapped address (how a dual-stack listener sees an
// IPv4 peer) counts as that IPv4 address.
import { isIPv6 } from 'node:net';

/** `203.0.113.7` → itself; `::ffff:203.0.113.7` → `203.0.113.7`; `2001:db8:1:2:a:b:c:d` → `2001:db8:1:2::/64`. */
export function clientKey(address: string | undefined): string {
  if (address === undefined || address === '') return '?';
  if (!isIPv6(address)) return address;
  const groups = expandIPv6(address.replace(/%.*$/, '').toLowerCase());
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an address `isIPv6` accepted (`::` filled in, a dotted IPv4 tail made two groups). */
function expandIPv6(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const part = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const front = part(head);
  const back = tail === undefined ? [] : part(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
