// istioctl analyze on PeerAuthentication: the webhook's rules as IST0106
// (istio/istio pkg/config/analysis/analyzers/schema/validation.go, pkg/config/validation ValidatePeerAuthentication),
// and nothing for a DestinationRule that disables TLS to a STRICT workload: IST0113 MTLSPolicyConflict
// is retired (pkg/config/analysis/msg/messages.yaml "# IST0113 RETIRED") and no current analyzer reads
// PeerAuthentication, so istioctl stays silent while the traffic fails (503 UC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAnalyze } from '../src/cli/commands/analyze.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { fixture } from './helpers/shared.js';

function analyze(file: string) {
  let out = '';
  let err = '';
  const code = runAnalyze(
    [fixture('analyze', file)],
    {
      filename: [],
      recursive: false,
      namespace: 'default',
      allNamespaces: false,
      output: 'log',
      failureThreshold: 'Error',
      outputThreshold: 'Info',
      suppress: [],
      listAnalyzers: false,
      analyzer: [],
      color: false,
    },
    { out: (t) => (out += t), err: (t) => (err += t), now: new Date('2026-01-01T00:00:00Z') },
  );
  return { code, out, err };
}

test('analyze: port-level mTLS without a selector is IST0106 with the webhook message', () => {
  const r = analyze('peer-authentication-port-level-no-selector.yaml');
  assert.equal(r.code, EXIT.analyzeIssues);
  assert.match(
    r.out,
    /^Error \[IST0106\] \(PeerAuthentication default\/default .*\) Schema validation error: mesh\/namespace peer authentication cannot have port level mTLS$/m,
  );
});

test('analyze: DestinationRule tls DISABLE to a STRICT namespace reports nothing (IST0113 is retired)', () => {
  const r = analyze('peer-authentication-strict-dr-disable.yaml');
  assert.equal(r.code, EXIT.ok, r.out);
  assert.doesNotMatch(r.out, /IST0113/);
  assert.doesNotMatch(r.out, /PeerAuthentication/);
});
