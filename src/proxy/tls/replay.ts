// A Duplex over a socket that first yields bytes already read from it (h2c preface sniffing, TLS
// ClientHello inspection): nghttp2 and TLSWrap read a net.Socket's handle directly, past anything
// unshifted, so they get this stream instead. It carries the socket's addresses for the access log.
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';

export function replayingDuplex(socket: Socket, first: Buffer): Duplex {
  const d = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  Object.assign(d, {
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
  });
  if (first.length > 0) d.push(first);
  socket.on('data', (c: Buffer) => {
    if (!d.push(c)) socket.pause();
  });
  socket.once('end', () => d.push(null));
  socket.once('close', () => d.destroy());
  return d;
}
