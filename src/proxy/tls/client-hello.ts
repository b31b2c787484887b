// Reads SNI and ALPN from a TLS ClientHello without terminating TLS, as Envoy's tls_inspector listener
// filter does (envoyproxy/envoy source/extensions/filters/listener/tls_inspector/tls_inspector.cc).
// Every read is bounds-checked; the handshake may span several records (RFC 8446 section 5.1).

/** Envoy's tls_inspector gives up after this many bytes (max_client_hello_size default 16 KiB + headers). */
export const MAX_CLIENT_HELLO = 64 * 1024;

export type ClientHelloResult =
  | { kind: 'need-more' }
  | { kind: 'not-tls' }
  | { kind: 'tls'; serverName?: string; alpn: string[] };

/** Parses the bytes read so far; `need-more` until the whole ClientHello message is present. */
export function parseClientHello(buf: Buffer): ClientHelloResult {
  if (buf.length === 0) return { kind: 'need-more' };
  // Record type 22 (handshake), major version 3.
  if (buf[0] !== 0x16) return { kind: 'not-tls' };
  if (buf.length >= 2 && buf[1] !== 0x03) return { kind: 'not-tls' };
  // Gather handshake bytes across records until the ClientHello message is complete.
  const parts: Buffer[] = [];
  let have = 0;
  let off = 0;
  let need = -1;
  while (off + 5 <= buf.length) {
    if (buf[off] !== 0x16) return { kind: 'not-tls' };
    const len = buf.readUInt16BE(off + 3);
    if (len === 0 || len > 16384 + 2048) return { kind: 'not-tls' };
    if (off + 5 + len > buf.length) {
      parts.push(buf.subarray(off + 5));
      have += buf.length - off - 5;
      off = buf.length;
      break;
    }
    parts.push(buf.subarray(off + 5, off + 5 + len));
    have += len;
    off += 5 + len;
    if (need < 0 && have >= 4) {
      const hs = Buffer.concat(parts);
      if (hs[0] !== 0x01) return { kind: 'not-tls' }; // not a ClientHello
      need = 4 + hs.readUIntBE(1, 3);
    }
    if (need >= 0 && have >= need) break;
  }
  if (need < 0) {
    const hs = Buffer.concat(parts);
    if (hs.length >= 1 && hs[0] !== 0x01) return { kind: 'not-tls' };
    if (hs.length >= 4) need = 4 + hs.readUIntBE(1, 3);
  }
  if (need < 0 || have < need) {
    return buf.length >= MAX_CLIENT_HELLO ? { kind: 'not-tls' } : { kind: 'need-more' };
  }
  const hs = Buffer.concat(parts).subarray(4, need);
  return parseHelloBody(hs) ?? { kind: 'not-tls' };
}

function parseHelloBody(b: Buffer): ClientHelloResult | undefined {
  let p = 2 + 32; // client_version, random
  const u8 = (): number | undefined => (p + 1 <= b.length ? b[p++] : undefined);
  const u16 = (): number | undefined => {
    if (p + 2 > b.length) return undefined;
    const v = b.readUInt16BE(p);
    p += 2;
    return v;
  };
  if (p > b.length) return undefined;
  const sid = u8();
  if (sid === undefined || (p += sid) > b.length) return undefined;
  const cs = u16();
  if (cs === undefined || (p += cs) > b.length) return undefined;
  const comp = u8();
  if (comp === undefined || (p += comp) > b.length) return undefined;
  const result: { kind: 'tls'; serverName?: string; alpn: string[] } = { kind: 'tls', alpn: [] };
  if (p === b.length) return result; // no extensions
  const extLen = u16();
  if (extLen === undefined || p + extLen > b.length) return undefined;
  const end = p + extLen;
  while (p + 4 <= end) {
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    p += 4;
    if (p + len > end) return undefined;
    const ext = b.subarray(p, p + len);
    p += len;
    if (type === 0) {
      // server_name: list length, then (name_type, length, name)*; host_name is type 0.
      if (ext.length < 2) return undefined;
      const listEnd = Math.min(ext.length, 2 + ext.readUInt16BE(0));
      let q = 2;
      while (q + 3 <= listEnd) {
        const nameType = ext[q];
        const nameLen = ext.readUInt16BE(q + 1);
        q += 3;
        if (q + nameLen > listEnd) return undefined;
        if (nameType === 0 && result.serverName === undefined) {
          result.serverName = ext
            .subarray(q, q + nameLen)
            .toString('latin1')
            .toLowerCase();
        }
        q += nameLen;
      }
    } else if (type === 16) {
      // application_layer_protocol_negotiation: list length, then (length, protocol)*.
      if (ext.length < 2) return undefined;
      const listEnd = Math.min(ext.length, 2 + ext.readUInt16BE(0));
      let q = 2;
      while (q < listEnd) {
        const l = ext[q] ?? 0;
        q += 1;
        if (q + l > listEnd) return undefined;
        result.alpn.push(ext.subarray(q, q + l).toString('latin1'));
        q += l;
      }
    }
  }
  return result;
}
