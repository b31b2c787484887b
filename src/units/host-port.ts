// The one authority (host[:port]) splitter, port parser and address formatter. IPv6 literals are
// bracketed in an authority (RFC 3986 section 3.2.2), so the port is after the last ':' that no ']'
// follows, as Envoy finds it (envoyproxy/envoy source/common/http/header_utility.cc getPortStart).

/** Index of the ':' that starts the port in `authority`, or -1 when it has none. */
export function portStart(authority: string): number {
  const colon = authority.lastIndexOf(':');
  if (colon < 0) return -1;
  return authority.lastIndexOf(']') < colon ? colon : -1;
}

/** `host[:port]` -> host (an IPv6 literal keeps its brackets) and the port text, if any. */
export function splitAuthority(authority: string): { host: string; port: string | undefined } {
  const c = portStart(authority);
  return c < 0
    ? { host: authority, port: undefined }
    : { host: authority.slice(0, c), port: authority.slice(c + 1) };
}

/** A port number 1..65535 (istio/istio pkg/config/validation/agent ValidatePort's range). */
export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** Decimal port text (digits only, no sign, no spaces) -> 1..65535, else undefined. */
export function parsePort(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return isPort(n) ? n : undefined;
}

/** A port to listen on: 0 (any free port) to 65535, digits only. */
export function parseListenPort(text: string | undefined): number | undefined {
  if (text === '0') return 0;
  return parsePort(text);
}

/** The port of an authority, when it has a valid one. */
export function authorityPort(authority: string): number | undefined {
  return parsePort(splitAuthority(authority).port);
}

/** `[::1]` -> `::1`; anything else unchanged. */
export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** An address as a URL or authority host: an IPv6 literal in brackets (`::1` -> `[::1]`). */
export function bracketHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/**
 * `address:port` as Envoy prints a socket address (Ipv6Instance::asString `[::1]:80`,
 * envoyproxy/envoy source/common/network/address_impl.cc) and as a URL authority writes it.
 */
export function formatHostPort(address: string, port: number | string): string {
  return `${bracketHost(address)}:${port}`;
}
