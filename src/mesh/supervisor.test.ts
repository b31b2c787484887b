// App ports stay bound from the moment `up` picks them until the workload serves them: a port
// released and re-bound seconds later could be taken by another process meanwhile (the mesh-mtls
// flake: a workload crash-looping on EADDRINUSE while its sidecar reached a stranger's socket).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Supervisor, canConnect } from './supervisor.js';
import type { WorkloadInstance } from './workload-plan.js';

function instance(launch: WorkloadInstance['launch']): WorkloadInstance {
  return {
    name: 'details-v1-0',
    owner: 'details-v1',
    namespace: 'default',
    labels: { app: 'details', version: 'v1' },
    serviceAccount: 'bookinfo-details',
    containerPorts: [9080],
    launch,
  };
}

/** Whether another socket can bind the port right now (what a different process would try). */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

test('a reserved app port cannot be taken before its workload starts; the built-in workload serves the inherited socket', async () => {
  const supervisor = new Supervisor();
  const port = await supervisor.reservePort('127.0.0.1');
  try {
    assert.equal(await canBind(port), false, 'nobody else can bind the reserved port');
    const details = instance({ builtin: 'details', args: [], env: {} });
    supervisor.start(details, port, {});
    // The inherited socket accepts from the start; serving means the app answers on it.
    for (let i = 0; i < 300; i++) {
      if (supervisor.pid('details-v1-0') !== undefined && (await canConnect(port))) {
        const probe = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
        if (probe?.ok) break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await fetch(`http://127.0.0.1:${port}/details/0`, {
      headers: { connection: 'close' },
    });
    assert.equal(r.status, 200);
    assert.match(await r.text(), /"author"/);
    assert.equal(await canBind(port), false, 'the workload holds it now');
  } finally {
    await supervisor.stopAll();
  }
  assert.equal(await canBind(port), true, 'released when everything stopped');
});

test('stopAll releases reserved ports no workload used', async () => {
  const supervisor = new Supervisor();
  const port = await supervisor.reservePort('127.0.0.1');
  await supervisor.stopAll();
  assert.equal(await canBind(port), true);
});
