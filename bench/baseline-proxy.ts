// Benchmark baseline: a featureless node:http reverse proxy with a keep-alive http.Agent
// (no routing, no header ops, no log) — the "featureless Node" row of docs/performance.md.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstreamPort = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const up = request(
    {
      host: '127.0.0.1',
      port: upstreamPort,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      ures.pipe(res);
    },
  );
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(503).end();
    else res.destroy();
  });
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
process.on('SIGTERM', () => process.exit(0));
