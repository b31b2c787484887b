import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { connect } from 'node:tls';
import fc from 'fast-check';
import { parseClientHello } from './client-hello.js';

/** A real ClientHello as node:tls (OpenSSL) sends it. */
function captureHello(servername: string | undefined, alpn?: string[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      let buf = Buffer.alloc(0);
      s.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (parseClientHello(buf).kind !== 'need-more') {
          s.destroy();
          server.close();
          resolve(buf);
        }
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      const c = connect({
        host: '127.0.0.1',
        port,
        ...(servername ? { servername } : {}),
        ...(alpn ? { ALPNProtocols: alpn } : {}),
      });
      c.on('error', () => undefined);
    });
  });
}

test('reads SNI and ALPN from a real ClientHello; every prefix asks for more', async () => {
  const hello = await captureHello('Shop.Example.com', ['h2', 'http/1.1']);
  assert.deepEqual(parseClientHello(hello), {
    kind: 'tls',
    serverName: 'shop.example.com',
    alpn: ['h2', 'http/1.1'],
  });
  for (let n = 0; n < hello.length; n++)
    assert.equal(parseClientHello(hello.subarray(0, n)).kind, 'need-more', `prefix ${n}`);
});

test('a ClientHello without SNI has no server name (an IP address target)', async () => {
  const hello = await captureHello(undefined);
  const r = parseClientHello(hello);
  assert.equal(r.kind, 'tls');
  assert.equal(r.kind === 'tls' ? r.serverName : 'x', undefined);
});

test('a ClientHello split over two records is reassembled', async () => {
  const hello = await captureHello('split.example.com');
  const body = hello.subarray(5);
  const cut = 40;
  const rec = (b: Buffer) =>
    Buffer.concat([Buffer.from([0x16, 0x03, 0x01, b.length >> 8, b.length & 0xff]), b]);
  const two = Buffer.concat([rec(body.subarray(0, cut)), rec(body.subarray(cut))]);
  const r = parseClientHello(two);
  assert.equal(r.kind === 'tls' ? r.serverName : r.kind, 'split.example.com');
});

test('plain HTTP and other non-TLS first bytes are not TLS', () => {
  assert.equal(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n')).kind, 'not-tls');
  assert.equal(parseClientHello(Buffer.from('PRI * HTTP/2.0\r\n')).kind, 'not-tls');
  assert.equal(parseClientHello(Buffer.from([0x16, 0x02])).kind, 'not-tls');
  // A handshake record that is not a ClientHello (type 2 = ServerHello).
  assert.equal(parseClientHello(Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0])).kind, 'not-tls');
});

test('arbitrary and corrupted bytes never throw', async () => {
  const hello = await captureHello('fuzz.example.com');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      parseClientHello(Buffer.from(bytes));
      parseClientHello(Buffer.concat([Buffer.from([0x16, 0x03, 0x01]), Buffer.from(bytes)]));
    }),
  );
  fc.assert(
    fc.property(fc.nat(hello.length - 1), fc.nat(255), (i, v) => {
      const b = Buffer.from(hello);
      b[i] = v;
      parseClientHello(b);
    }),
  );
});
