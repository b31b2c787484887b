// `up --max-connections N`: every proxy of the mesh shares one downstream connection budget
// (Envoy's overload manager global_downstream_max_connections, envoyproxy/envoy
// source/common/network/tcp_listener_impl.cc): once a flood of idle sockets has spent it, the
// gateway refuses new connections at accept, while the admin API, which is not counted and keeps a
// reserve of file descriptors, still answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { fixture } from './helpers/shared.js';
import { get, startMesh } from './helpers/mesh.js';

test('an overloaded gateway refuses new connections; the admin API still answers', async () => {
  const mesh = await startMesh([
    '-f',
    fixture('mesh-limits', 'gateway.yaml'),
    '--max-connections',
    '4',
  ]);
  const held: Socket[] = [];
  try {
    const { hostname, port } = new URL(mesh.gateway);
    const open = async (): Promise<{
      socket: Socket;
      gone: Promise<unknown>;
      closed: () => boolean;
    }> => {
      const socket = connect(Number(port), hostname);
      let closed = false;
      const gone = once(socket, 'close').then(() => (closed = true));
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      return { socket, gone, closed: () => closed };
    };
    for (let i = 0; i < 4; i++) held.push((await open()).socket);
    const refused = await open();
    await refused.gone; // closed at accept, not answered
    const ready = await get(`${mesh.admin}/ready`);
    assert.equal(ready.status, 200);
    const stats = await get(`${mesh.admin}/stats?proxy=istio-ingressgateway`);
    assert.match(stats.body, /listener\.0\.0\.0\.0_8080\.downstream_global_cx_overflow: 1/);
    // Once connections go, the budget is free again: a request is served (404 NR: no route).
    for (const s of held.splice(0)) s.destroy();
    let status = 0;
    for (let i = 0; i < 100 && status === 0; i++) {
      status = await get(`${mesh.gateway}/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 0) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 404);
  } finally {
    for (const s of held) s.destroy();
    await mesh.stop();
  }
});
