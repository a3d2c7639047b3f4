// Which IP addresses `http` tasks may reach by default: public unicast only. Classifies an address
// by its bytes (never by its text), so every spelling of one address gets the same answer.

import { isIP } from 'node:net';

/** Why an address is not public, phrased to follow "<address> is ...": "a loopback address". */
export type AddressRefusal = string;

interface Range {
  bytes: number[];
  bits: number;
  what: AddressRefusal;
}

const range = (bytes: number[], bits: number, what: string): Range => ({ bytes, bits, what });

const LOOPBACK = 'a loopback address';
const PRIVATE = 'a private address';
const LINK_LOCAL = 'a link-local address (where cloud metadata services answer)';

/** IPv4 ranges that are not public (IANA special-purpose registry, plus multicast and class E). */
const IPV4_REFUSED: readonly Range[] = [
  range([0], 8, 'an unspecified ("this network") address'),
  range([10], 8, PRIVATE),
  range([100, 64], 10, 'a shared (carrier-grade NAT) address'),
  range([127], 8, LOOPBACK),
  range([169, 254], 16, LINK_LOCAL),
  range([172, 16], 12, PRIVATE),
  range([192, 0, 0], 24, 'a reserved protocol address'),
  range([192, 0, 2], 24, 'a documentation address'),
  range([192, 88, 99], 24, 'a reserved relay address'),
  range([192, 168], 16, PRIVATE),
  range([198, 18], 15, 'a benchmarking address'),
  range([198, 51, 100], 24, 'a documentation address'),
  range([203, 0, 113], 24, 'a documentation address'),
  range([224], 4, 'a multicast address'),
  range([255, 255, 255, 255], 32, 'the broadcast address'),
  range([240], 4, 'a reserved address'),
];

/** IPv6 ranges that are not public; whatever is outside 2000::/3 is refused as well. */
const IPV6_REFUSED: readonly Range[] = [
  range([0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, 'a discard-only address'),
  range([0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48, PRIVATE),
  range([0x20, 0x01, 0x00, 0x00], 32, 'a tunnel (Teredo) address'),
  range([0x20, 0x01, 0x0d, 0xb8], 32, 'a documentation address'),
  range([0x20, 0x01, 0x00, 0x10], 28, 'a reserved address'),
  range([0x20, 0x01, 0x00, 0x20], 28, 'a reserved address'),
  range([0xfc], 7, 'a private (unique local) address'),
  range([0xfe, 0x80], 10, LINK_LOCAL),
  range([0xfe, 0xc0], 10, 'a private (site-local) address'),
  range([0xff], 8, 'a multicast address'),
];

/**
 * Why `address` (an IP literal, with or without brackets) may not be reached by default, or
 * undefined when it is a public unicast address. IPv6 forms that carry an IPv4 address
 * (mapped, compatible, NAT64, 6to4) are judged by that address. Not an IP literal: a refusal.
 */
export function addressRefusal(address: string): AddressRefusal | undefined {
  const bytes = ipBytes(address);
  if (!bytes) return 'not an IP address';
  if (bytes.length === 4) return refusalIn(bytes, IPV4_REFUSED);
  if (bytes.every((b) => b === 0)) return 'the unspecified address';
  if (bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1) return LOOPBACK;
  const embedded = embeddedIpv4(bytes);
  if (embedded) return refusalIn(embedded, IPV4_REFUSED);
  const refused = refusalIn(bytes, IPV6_REFUSED);
  if (refused) return refused;
  return ((bytes[0] ?? 0) & 0xe0) === 0x20 ? undefined : 'a reserved address';
}

/** Whether two IP literals are the same address (an IPv4-mapped IPv6 form equals its IPv4). */
export function sameAddress(a: string, b: string): boolean {
  const x = comparable(a);
  const y = comparable(b);
  return x !== undefined && y !== undefined && x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The bytes of an IP literal (4 or 16), or undefined when it is not one. */
export function ipBytes(text: string): number[] | undefined {
  const address = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const version = isIP(address);
  if (version === 4) return address.split('.').map(Number);
  if (version === 6) return ipv6Bytes(address);
  return undefined;
}

function comparable(text: string): number[] | undefined {
  const bytes = ipBytes(text);
  if (bytes?.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  return bytes;
}

function refusalIn(bytes: number[], ranges: readonly Range[]): AddressRefusal | undefined {
  return ranges.find((r) => inRange(bytes, r))?.what;
}

function inRange(bytes: number[], r: Range): boolean {
  for (let bit = 0; bit < r.bits; bit++) {
    const index = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if (((bytes[index] ?? 0) & mask) !== ((r.bytes[index] ?? 0) & mask)) return false;
  }
  return true;
}

/** The IPv4 address inside an IPv6 form that routes to it, if the form is one of those. */
function embeddedIpv4(bytes: number[]): number[] | undefined {
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated)
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  if (zeros(0, 12)) return bytes.slice(12);
  if (zeros(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zeros(10, 12)) return bytes.slice(12);
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (bytes[0] === 0 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) return bytes.slice(12);
  // 2002:aabb:ccdd::/48 (6to4)
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return bytes.slice(2, 6);
  return undefined;
}

function ipv6Bytes(address: string): number[] {
  let text = address.toLowerCase();
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    tail.push(...dotted[1].split('.').map(Number));
    text = `${text.slice(0, -dotted[1].length)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const words = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  const bytes = words.flatMap((w) => [(w >> 8) & 0xff, w & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}
