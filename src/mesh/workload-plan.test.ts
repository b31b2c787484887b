import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launchFailed, launchForPod } from './workload-plan.js';
import { parsePortMap } from './ports.js';

const pod = (image: string, args?: string[], annotations: Record<string, string> = {}) =>
  launchForPod(annotations, { containers: [{ name: 'c', image, ...(args ? { args } : {}) }] });

test('Istio sample images map to built-in workloads (bookinfo with its version)', () => {
  const l = pod('docker.io/istio/examples-bookinfo-reviews-v2:1.20.3');
  assert.ok(!launchFailed(l));
  assert.equal(l.builtin, 'reviews');
  assert.deepEqual(l.args, ['--version', 'v2']);
});

// istio/istio samples/tcp-echo/src/main.go: os.Args[1] is a comma-separated port list, os.Args[2] the prefix.
test("tcp-echo's container args are its ports and its prefix", () => {
  const l = pod('registry.istio.io/release/tcp-echo-server:1.3', ['9000,9001,9002', 'one']);
  assert.ok(!launchFailed(l));
  assert.equal(l.builtin, 'tcp-echo');
  assert.deepEqual(l.args, [
    '--port',
    '{PORT:9000}',
    '--also-port',
    '{PORT:9001},{PORT:9002}',
    '--prefix',
    'one',
  ]);
  assert.deepEqual(l.listenPorts, [9000, 9001, 9002]);
});

test('an unknown image without a command is ErrImageNeverPull with what to add', () => {
  const l = pod('example.com/my-app:1');
  assert.ok(launchFailed(l));
  assert.equal(l.reason, 'ErrImageNeverPull');
  assert.match(l.message, /Container image "example.com\/my-app:1" is not present/);
  assert.match(l.hint, /switchyard\.io\/command/);
});

test('the switchyard.io/command annotation runs any image as a shell command', () => {
  const l = pod('example.com/my-app:1', undefined, { 'switchyard.io/command': 'node s.js' });
  assert.ok(!launchFailed(l));
  assert.deepEqual(l.command, ['sh', '-c', 'node s.js']);
});

test('port maps parse and reject nonsense', () => {
  assert.deepEqual(
    [...parsePortMap('80=8080,443=8443')],
    [
      [80, 8080],
      [443, 8443],
    ],
  );
  assert.throws(() => parsePortMap('80:8080'), /PORT=LOCALPORT/);
});
