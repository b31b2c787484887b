// Envoy's router writes the upstream-reset local reply as
// envoyproxy/envoy source/common/router/router.cc Filter::onUpstreamReset does (Envoy 1.36, Istio
// 1.28): status 502 for a protocol error, else 503; the flag from streamResetReasonToResponseFlag;
// the body with "retried and the latest " after a retry and ", transport failure reason: ..." when
// there is one; details "upstream_reset_before_response_started{<reason>|<transport>}" with every
// whitespace replaced by `_` (StringUtil::replaceAllEmptySpace).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upstreamResetReply } from './local-reply.js';

test('a refused connection: 503 UF, remote_connection_failure with the transport failure reason', () => {
  const r = upstreamResetReply(
    'remote connection failure',
    'delayed connect error: Connection refused',
    false,
  );
  assert.equal(r.status, 503);
  assert.equal(r.flag, 'UF');
  assert.equal(
    r.details,
    'upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused}',
  );
  assert.equal(
    r.body,
    'upstream connect error or disconnect/reset before headers. reset reason: remote connection failure, transport failure reason: delayed connect error: Connection refused',
  );
});

test('after a retry the body says "retried and the latest reset reason"', () => {
  const r = upstreamResetReply('connection timeout', undefined, true);
  assert.equal(r.flag, 'UF');
  assert.equal(r.details, 'upstream_reset_before_response_started{connection_timeout}');
  assert.equal(
    r.body,
    'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection timeout',
  );
});

test('protocol error is 502 UPE; overflow UO; remote reset UR; termination UC', () => {
  const pe = upstreamResetReply('protocol error', undefined, false);
  assert.deepEqual(
    [pe.status, pe.flag, pe.details],
    [502, 'UPE', 'upstream_reset_before_response_started{protocol_error}'],
  );
  const o = upstreamResetReply('overflow', undefined, false);
  assert.deepEqual(
    [o.status, o.flag, o.details],
    [503, 'UO', 'upstream_reset_before_response_started{overflow}'],
  );
  assert.equal(upstreamResetReply('remote reset', undefined, false).flag, 'UR');
  const t = upstreamResetReply('connection termination', undefined, false);
  assert.deepEqual([t.status, t.flag], [503, 'UC']);
  assert.equal(
    t.body,
    'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
  );
});
