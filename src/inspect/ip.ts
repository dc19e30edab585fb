/** One IPv4 octet, 0-255, without leading zeros. Alternatives are fixed-width, so no backtracking. */
export const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_EXACT = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * Validates an IPv6 candidate (hex groups, colons, an optional dotted IPv4 tail) and returns the
 * accepted length, or 0. Trailing dots are sentence punctuation and are left out of the finding.
 *
 * Compressed forms need at least two groups: "::1" is loopback (not personal), and requiring two
 * keeps C++/Rust paths like `a::b` the only likely false positive.
 */
export function confirmIpv6(candidate: string): number {
  let address = candidate;
  while (address.endsWith('.')) address = address.slice(0, -1);
  const length = address.length;

  let groupsFromIpv4 = 0;
  if (address.includes('.')) {
    const lastColon = address.lastIndexOf(':');
    if (!IPV4_EXACT.test(address.slice(lastColon + 1))) return 0;
    groupsFromIpv4 = 2;
    // Keep a "::" that ends right before the IPv4 part; drop a single separating colon.
    address = address[lastColon - 1] === ':' ? address.slice(0, lastColon + 1) : address.slice(0, lastColon);
  }

  const gap = address.indexOf('::');
  if (gap === -1) {
    const groups = address.split(':');
    if (!groups.every((group) => HEX_GROUP.test(group))) return 0;
    return groups.length + groupsFromIpv4 === 8 ? length : 0;
  }
  if (address.indexOf('::', gap + 1) !== -1) return 0;
  const left = address.slice(0, gap);
  const right = address.slice(gap + 2);
  const groups = [...(left === '' ? [] : left.split(':')), ...(right === '' ? [] : right.split(':'))];
  if (!groups.every((group) => HEX_GROUP.test(group))) return 0;
  const total = groups.length + groupsFromIpv4;
  return total >= 2 && total <= 7 ? length : 0;
}
