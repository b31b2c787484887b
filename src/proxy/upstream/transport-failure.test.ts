// How a failed upstream connection reads in Envoy 1.36: "delayed connect error: <strerror>" for an
// error reported on the socket, "immediate connect error: <strerror>|remote address:<addr>" for one
// connect(2) returned at once (envoyproxy/envoy source/common/network/connection_impl.cc), a connect
// timeout as reset reason "connection timeout" without a transport reason
// (source/common/conn_pool/conn_pool_base.cc), a failed TLS handshake as "TLS_error:|...:TLS_error_end"
// (source/common/tls/ssl_socket.cc).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatHostPort as formatAddress } from '../../units/index.js';
import { connectFailureOf } from './transport-failure.js';

const err = (code: string, message = code) => ({ code, message });

test('errno failures: strerror text, delayed or immediate', () => {
  assert.deepEqual(connectFailureOf(err('ECONNREFUSED'), '10.0.0.1:80', false, false), {
    reason: 'remote connection failure',
    transport: 'delayed connect error: Connection refused',
  });
  assert.deepEqual(
    connectFailureOf(err('EHOSTUNREACH'), '10.0.0.1:80', false, false)?.transport,
    'delayed connect error: No route to host',
  );
  assert.deepEqual(
    connectFailureOf(err('ENETUNREACH'), '[fd00::1]:80', false, false)?.transport,
    'immediate connect error: Network is unreachable|remote address:[fd00::1]:80',
  );
});

test('connect timeout, TLS failures, and errors on an established connection', () => {
  assert.deepEqual(connectFailureOf(err('UND_ERR_CONNECT_TIMEOUT'), 'x', false, false), {
    reason: 'connection timeout',
    transport: undefined,
  });
  assert.equal(
    connectFailureOf(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'x', true, false)?.transport,
    'TLS_error:|268435581:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end',
  );
  assert.equal(
    connectFailureOf(err('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), 'x', true, false)
      ?.transport,
    'TLS_error:|268435703:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER:TLS_error_end',
  );
  // Once connected, a failure is a reset or a protocol error, not a connection failure.
  assert.equal(connectFailureOf(err('ECONNRESET'), 'x', false, true), undefined);
});

test('addresses print as Envoy prints them: IPv6 in brackets', () => {
  assert.equal(formatAddress('127.0.0.1', 80), '127.0.0.1:80');
  assert.equal(formatAddress('::1', 8080), '[::1]:8080');
});
