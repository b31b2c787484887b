// Envoy's HTTP/1 codec removes an h2c upgrade (Upgrade, HTTP2-Settings and those Connection tokens)
// and serves the request as plain HTTP/1.1 (envoyproxy/envoy source/common/http/http1/codec_impl.cc);
// Istio's connection managers allow only the websocket upgrade (istio/istio pilot/pkg/networking/
// core/listener_builder.go).
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { headWithoutH2cUpgrade, upgradeAllowed, upgradeProtocol } from './upgrade.js';

function req(rawHeaders: string[], upgrade = true): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2)
    headers[(rawHeaders[i] ?? '').toLowerCase()] = rawHeaders[i + 1] ?? '';
  return {
    method: 'POST',
    url: '/x?y=1',
    httpVersion: '1.1',
    rawHeaders,
    headers,
    upgrade,
  } as unknown as IncomingMessage;
}

test('the h2c upgrade headers and Connection tokens go; everything else stays in order', () => {
  const r = req([
    'Host',
    'a',
    'Connection',
    'Upgrade, HTTP2-Settings, keep-alive',
    'Upgrade',
    'h2c',
    'HTTP2-Settings',
    'AAMAAABkAAQCAAAAAAIAAAAA',
    'Content-Length',
    '3',
  ]);
  assert.equal(
    headWithoutH2cUpgrade(r).toString('latin1'),
    'POST /x?y=1 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n',
  );
  const onlyUpgrade = req(['Host', 'a', 'Connection', 'Upgrade', 'Upgrade', 'h2c']);
  assert.equal(
    headWithoutH2cUpgrade(onlyUpgrade).toString('latin1'),
    'POST /x?y=1 HTTP/1.1\r\nHost: a\r\n\r\n',
  );
});

test('upgrade protocol is read only from requests Node handed over as upgrades', () => {
  assert.equal(upgradeProtocol(req(['Upgrade', 'WebSocket'])), 'websocket');
  assert.equal(upgradeProtocol(req(['Upgrade', 'websocket'], false)), undefined);
  assert.equal(upgradeAllowed('websocket'), true);
  assert.equal(upgradeAllowed('h2c'), false);
  assert.equal(upgradeAllowed('foo'), false);
});
