import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { JsonObject } from '../config/json-value.js';
import { readinessProbeOf, runProbe } from './readiness-probe.js';

let server: Server;
let port = 0;
const agents: string[] = [];
before(async () => {
  server = createServer((req, res) => {
    agents.push(req.headers['user-agent'] ?? '');
    res.writeHead(Number(req.url?.split('/').pop()) || 200).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as AddressInfo).port;
});
after(() => server.close());

test('readinessProbe: the API defaults, a named port resolved; exec is not run here', () => {
  const c = {
    ports: [{ name: 'http', containerPort: 8080 }],
    readinessProbe: { httpGet: { port: 'http' } },
  } as unknown as JsonObject;
  assert.deepEqual(readinessProbeOf(c), {
    kind: 'httpGet',
    port: 8080,
    path: '/',
    scheme: 'HTTP',
    headers: [],
    initialDelayMs: 0,
    periodMs: 10_000,
    timeoutMs: 1000,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.equal(readinessProbeOf({ readinessProbe: { exec: { command: ['true'] } } }), undefined);
  assert.equal(readinessProbeOf({}), undefined);
});

test("a probe's output is the kubelet's: statuscode, connection refused", async () => {
  const spec = (path: string, kind = 'httpGet') =>
    readinessProbeOf({
      readinessProbe: { [kind]: { path, port: 8080 } },
    } as unknown as JsonObject)!;
  const at = { host: '127.0.0.1', port };
  assert.deepEqual(await runProbe(spec('/status/204'), at, '127.1.0.9'), { ok: true, output: '' });
  assert.deepEqual(await runProbe(spec('/status/503'), at, '127.1.0.9'), {
    ok: false,
    output: 'HTTP probe failed with statuscode: 503',
  });
  assert.match(agents[0] ?? '', /^kube-probe\/\d+\.\d+$/);
  const closed = { host: '127.0.0.1', port: 1 };
  assert.deepEqual(await runProbe(spec('/x'), closed, '127.1.0.9'), {
    ok: false,
    output: 'Get "http://127.1.0.9:8080/x": dial tcp 127.1.0.9:8080: connect: connection refused',
  });
  assert.deepEqual(await runProbe(spec('', 'tcpSocket'), closed, '127.1.0.9'), {
    ok: false,
    output: 'dial tcp 127.1.0.9:8080: connect: connection refused',
  });
  assert.equal((await runProbe(spec('', 'tcpSocket'), at, '127.1.0.9')).ok, true);
});
