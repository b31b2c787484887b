// Every Istio webhook rule Switchyard implements, with a passing and a failing case (table-driven).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { parseResources } from '../parse.js';
import { validateResource } from './index.js';

type Spec = Record<string, unknown>;
interface Case {
  rule: string;
  kind: string;
  ok: Spec;
  bad: Spec;
  /** Dotted field the error names, and a fragment of its message. */
  field: string;
  message: string;
  name?: string;
  labels?: Record<string, string>;
}

const dest = (host: string, extra: Spec = {}) => ({ destination: { host, ...extra } });
const vs = (http: Spec, extra: Spec = {}): Spec => ({ hosts: ['reviews'], http: [http], ...extra });
const route = { route: [dest('reviews')] };
const dr = (tp: Spec): Spec => ({ host: 'reviews', trafficPolicy: tp });
const gw = (server: Spec): Spec => ({
  servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], ...server }],
});
const httpsServer = (tls: Spec): Spec => ({
  servers: [
    { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'], tls },
  ],
});
const se = (extra: Spec): Spec => ({
  hosts: ['api.example.com'],
  ports: [{ number: 443, name: 'https', protocol: 'TLS' }],
  resolution: 'DNS',
  ...extra,
});

const CASES: Case[] = [
  // CRD schema
  {
    rule: 'schema: unknown field',
    kind: 'VirtualService',
    ok: vs(route),
    bad: vs({ ...route, timout: '1s' }),
    field: 'spec.http[0].timout',
    message: 'unknown field',
  },
  {
    rule: 'schema: type',
    kind: 'VirtualService',
    ok: vs(route),
    bad: vs({ route: [dest('reviews', { port: { number: '80' } })] }),
    field: 'spec.http[0].route[0].destination.port.number',
    message: 'must be of type number',
  },
  {
    rule: 'schema: enum',
    kind: 'DestinationRule',
    ok: dr({ loadBalancer: { simple: 'ROUND_ROBIN' } }),
    bad: dr({ loadBalancer: { simple: 'ROUNDROBIN' } }),
    field: 'spec.trafficPolicy.loadBalancer.simple',
    message: 'Unsupported value',
  },
  {
    rule: 'schema: required destination.host',
    kind: 'VirtualService',
    ok: vs(route),
    bad: vs({ route: [{ destination: { subset: 'v1' } }] }),
    field: 'spec.http[0].route[0].destination.host',
    message: 'Required value',
  },
  {
    rule: 'schema: StringMatch oneof',
    kind: 'VirtualService',
    ok: vs({ match: [{ uri: { exact: '/a' } }], ...route }),
    bad: vs({ match: [{ uri: { exact: '/a', prefix: '/b' } }], ...route }),
    field: 'spec.http[0].match[0].uri.prefix',
    message: 'only one of',
  },
  {
    rule: 'schema: loadBalancer simple/consistentHash oneof',
    kind: 'DestinationRule',
    ok: dr({ loadBalancer: { simple: 'RANDOM' } }),
    bad: dr({ loadBalancer: { simple: 'RANDOM', consistentHash: { useSourceIp: true } } }),
    field: 'spec.trafficPolicy.loadBalancer.consistentHash',
    message: 'only one of',
  },
  // VirtualService hosts
  {
    rule: 'VS host DNS-1123',
    kind: 'VirtualService',
    ok: vs(route, { hosts: ['reviews.default.svc.cluster.local'] }),
    bad: vs(route, { hosts: ['reviews_v1.default'] }),
    field: 'spec.hosts[0]',
    message: 'invalid (label "reviews_v1" invalid)',
  },
  {
    rule: 'VS host wildcard only leftmost',
    kind: 'VirtualService',
    ok: vs(route, { hosts: ['*.example.com'] }),
    bad: vs(route, { hosts: ['foo.*.com'] }),
    field: 'spec.hosts[0]',
    message: 'label "*" invalid',
  },
  {
    rule: 'VS no bare * for mesh',
    kind: 'VirtualService',
    ok: vs(route, { hosts: ['*'], gateways: ['bookinfo-gateway'] }),
    bad: vs(route, { hosts: ['*'] }),
    field: 'spec.hosts[0]',
    message: 'wildcard host * is not allowed',
  },
  {
    rule: 'VS duplicate hosts',
    kind: 'VirtualService',
    ok: vs(route, { hosts: ['a.example.com', 'b.example.com'] }),
    bad: vs(route, { hosts: ['*.example.com', 'a.example.com'] }),
    field: 'spec.hosts[1]',
    message: 'duplicate hosts',
  },
  {
    rule: 'VS needs http/tcp/tls',
    kind: 'VirtualService',
    ok: vs(route),
    bad: { hosts: ['reviews'] },
    field: 'spec',
    message: 'http, tcp or tls must be provided',
  },
  {
    rule: 'VS delegate has no gateways',
    kind: 'VirtualService',
    ok: { http: [route] },
    bad: { http: [route], gateways: ['gw'] },
    field: 'spec.gateways',
    message: 'delegate virtual service must have no gateways',
  },
  {
    rule: 'VS gateway names',
    kind: 'VirtualService',
    ok: vs(route, { gateways: ['istio-system/gw', 'mesh'] }),
    bad: vs(route, { gateways: ['istio-system/Gw_1'] }),
    field: 'spec.gateways[0]',
    message: 'invalid value for gateway name',
  },
  {
    rule: 'VS exportTo',
    kind: 'VirtualService',
    ok: vs(route, { exportTo: ['.'] }),
    bad: vs(route, { exportTo: ['*', 'foo'] }),
    field: 'spec.exportTo',
    message: 'cannot have both public (*)',
  },
  {
    rule: 'VS exportTo duplicates . and own namespace',
    kind: 'VirtualService',
    ok: vs(route, { exportTo: ['.', 'other'] }),
    bad: vs(route, { exportTo: ['default', '.'] }),
    field: 'spec.exportTo[1]',
    message: 'duplicate entries in exportTo: . and current namespace default',
  },
  {
    rule: 'VS exportTo ~ not allowed',
    kind: 'VirtualService',
    ok: vs(route, { exportTo: ['*'] }),
    bad: vs(route, { exportTo: ['~'] }),
    field: 'spec.exportTo[0]',
    message: 'not allowed',
  },
  // Route actions
  {
    rule: 'route or redirect required',
    kind: 'VirtualService',
    ok: vs(route),
    bad: vs({ timeout: '1s' }),
    field: 'spec.http[0]',
    message: 'HTTP route, redirect or direct_response is required',
  },
  {
    rule: 'route vs redirect',
    kind: 'VirtualService',
    ok: vs({ redirect: { uri: '/x' } }),
    bad: vs({ redirect: { uri: '/x' }, ...route }),
    field: 'spec.http[0].redirect',
    message: 'both route and redirect',
  },
  {
    rule: 'redirect vs fault',
    kind: 'VirtualService',
    ok: vs({ redirect: { uri: '/x' } }),
    bad: vs({ redirect: { uri: '/x' }, fault: { abort: { httpStatus: 500 } } }),
    field: 'spec.http[0].fault',
    message: 'both fault and redirect',
  },
  {
    rule: 'redirect vs rewrite',
    kind: 'VirtualService',
    ok: vs({ redirect: { authority: 'x.com' } }),
    bad: vs({ redirect: { uri: '/x' }, rewrite: { uri: '/y' } }),
    field: 'spec.http[0].rewrite',
    message: 'both rewrite and redirect',
  },
  {
    rule: 'directResponse vs route',
    kind: 'VirtualService',
    ok: vs({ directResponse: { status: 503 } }),
    bad: vs({ directResponse: { status: 503 }, ...route }),
    field: 'spec.http[0].directResponse',
    message: 'both route and direct_response',
  },
  {
    rule: 'directResponse vs redirect (schema oneof)',
    kind: 'VirtualService',
    ok: vs({ directResponse: { status: 200, body: { string: 'ok' } } }),
    bad: vs({ directResponse: { status: 200 }, redirect: { uri: '/x' } }),
    field: 'spec.http[0].directResponse',
    message: 'direct_response and redirect',
  },
  {
    rule: 'directResponse status',
    kind: 'VirtualService',
    ok: vs({ directResponse: { status: 599 } }),
    bad: vs({ directResponse: { status: 99 } }),
    field: 'spec.http[0].directResponse.status',
    message: 'HTTP status 99 is not in range 200-599',
  },
  {
    rule: 'root route with delegate',
    kind: 'VirtualService',
    ok: vs({ delegate: { name: 'r', namespace: 'ns' } }),
    bad: vs({ delegate: { name: 'r' }, ...route }),
    field: 'spec.http[0].route',
    message: 'must not specify route',
  },
  {
    rule: 'mirror vs mirrors',
    kind: 'VirtualService',
    ok: vs({ ...route, mirrors: [dest('reviews')] }),
    bad: vs({ ...route, mirror: { host: 'a' }, mirrors: [dest('b')] }),
    field: 'spec.http[0].mirror',
    message: 'both mirror and mirrors',
  },
  {
    rule: 'mirrorPercentage range',
    kind: 'VirtualService',
    ok: vs({ ...route, mirror: { host: 'a' }, mirrorPercentage: { value: 50 } }),
    bad: vs({ ...route, mirror: { host: 'a' }, mirrorPercentage: { value: 150 } }),
    field: 'spec.http[0].mirrorPercentage.value',
    message: 'max value of 100',
  },
  // Destinations and weights
  {
    rule: 'destination host not *',
    kind: 'VirtualService',
    ok: vs({ route: [dest('ratings')] }),
    bad: vs({ route: [dest('*')] }),
    field: 'spec.http[0].route[0].destination.host',
    message: 'invalid destination host *',
  },
  {
    rule: 'destination subset name',
    kind: 'VirtualService',
    ok: vs({ route: [dest('reviews', { subset: 'v1' })] }),
    bad: vs({ route: [dest('reviews', { subset: 'V_1' })] }),
    field: 'spec.http[0].route[0].destination.subset',
    message: 'subset name is invalid',
  },
  {
    rule: 'destination port range',
    kind: 'VirtualService',
    ok: vs({ route: [dest('reviews', { port: { number: 9080 } })] }),
    bad: vs({ route: [dest('reviews', { port: { number: 70000 } })] }),
    field: 'spec.http[0].route[0].destination.port.number',
    message: 'must be in the range 1..65535',
  },
  {
    rule: 'weight >= 0',
    kind: 'VirtualService',
    ok: vs({
      route: [
        { ...dest('a'), weight: 0 },
        { ...dest('b'), weight: 5 },
      ],
    }),
    bad: vs({
      route: [
        { ...dest('a'), weight: -1 },
        { ...dest('b'), weight: 5 },
      ],
    }),
    field: 'spec.http[0].route[0].weight',
    message: 'weight -1 < 0',
  },
  {
    rule: 'all-zero weights with several destinations',
    kind: 'VirtualService',
    ok: vs({ route: [{ ...dest('a'), weight: 0 }] }),
    bad: vs({ route: [dest('a'), dest('b')] }),
    field: 'spec.http[0].route',
    message: 'total destination weight = 0',
  },
  {
    rule: 'weights need not sum to 100',
    kind: 'VirtualService',
    ok: vs({
      route: [
        { ...dest('a'), weight: 3 },
        { ...dest('b'), weight: 4 },
      ],
    }),
    bad: vs({
      route: [
        { ...dest('a'), weight: 3 },
        { ...dest('b'), weight: -4 },
      ],
    }),
    field: 'spec.http[0].route[1].weight',
    message: '< 0',
  },
  // Durations
  {
    rule: 'timeout >= 1ms',
    kind: 'VirtualService',
    ok: vs({ ...route, timeout: '0.5s' }),
    bad: vs({ ...route, timeout: '0s' }),
    field: 'spec.http[0].timeout',
    message: 'duration must be greater than 1ms',
  },
  {
    rule: 'timeout ms precision',
    kind: 'VirtualService',
    ok: vs({ ...route, timeout: '1h' }),
    bad: vs({ ...route, timeout: '1.0005s' }),
    field: 'spec.http[0].timeout',
    message: 'only durations to ms precision',
  },
  {
    rule: 'timeout Go syntax',
    kind: 'VirtualService',
    ok: vs({ ...route, timeout: '1m30s' }),
    bad: vs({ ...route, timeout: '10' }),
    field: 'spec.http[0].timeout',
    message: 'invalid duration',
  },
  {
    rule: 'corsPolicy.maxAge seconds',
    kind: 'VirtualService',
    ok: vs({ ...route, corsPolicy: { maxAge: '24h' } }),
    bad: vs({ ...route, corsPolicy: { maxAge: '1500ms' } }),
    field: 'spec.http[0].corsPolicy.maxAge',
    message: 'seconds precision',
  },
  // Retries
  {
    rule: 'retryOn tokens',
    kind: 'VirtualService',
    ok: vs({ ...route, retries: { attempts: 3, retryOn: 'gateway-error,connect-failure,503' } }),
    bad: vs({ ...route, retries: { attempts: 3, retryOn: '5xx, reset' } }),
    field: 'spec.http[0].retries.retryOn',
    message: '" reset" is not a valid retryOn policy',
  },
  {
    rule: 'retryOn unknown status int',
    kind: 'VirtualService',
    ok: vs({ ...route, retries: { attempts: 1, retryOn: '429' } }),
    bad: vs({ ...route, retries: { attempts: 1, retryOn: '999' } }),
    field: 'spec.http[0].retries.retryOn',
    message: '"999" is not a valid retryOn policy',
  },
  {
    rule: 'retries attempts 0 with fields',
    kind: 'VirtualService',
    ok: vs({ ...route, retries: { attempts: 0 } }),
    bad: vs({ ...route, retries: { attempts: 0, perTryTimeout: '1s' } }),
    field: 'spec.http[0].retries.attempts',
    message: 'attempts are set to 0',
  },
  {
    rule: 'retries attempts >= 0',
    kind: 'VirtualService',
    ok: vs({ ...route, retries: { attempts: 2 } }),
    bad: vs({ ...route, retries: { attempts: -1 } }),
    field: 'spec.http[0].retries.attempts',
    message: 'attempts cannot be negative',
  },
  {
    rule: 'perTryTimeout duration',
    kind: 'VirtualService',
    ok: vs({ ...route, retries: { attempts: 2, perTryTimeout: '2s' } }),
    bad: vs({ ...route, retries: { attempts: 2, perTryTimeout: '0.1ms' } }),
    field: 'spec.http[0].retries.perTryTimeout',
    message: 'greater than 1ms',
  },
  // Regexes and string matches
  {
    rule: 'RE2 regex',
    kind: 'VirtualService',
    ok: vs({ match: [{ uri: { regex: '/api/v[0-9]+/.*' } }], ...route }),
    bad: vs({ match: [{ uri: { regex: '(a' } }], ...route }),
    field: 'spec.http[0].match[0].uri.regex',
    message: 'RE2 style',
  },
  {
    rule: 'regex <= 1024 chars',
    kind: 'VirtualService',
    ok: vs({ match: [{ headers: { x: { regex: 'a'.repeat(1024) } } }], ...route }),
    bad: vs({ match: [{ headers: { x: { regex: 'a'.repeat(1025) } } }], ...route }),
    field: 'spec.http[0].match[0].headers.x.regex',
    message: 'max length allowed is 1024',
  },
  {
    rule: 'empty prefix (not uri)',
    kind: 'VirtualService',
    ok: vs({ match: [{ uri: { prefix: '' } }], ...route }),
    bad: vs({ match: [{ method: { prefix: '' } }], ...route }),
    field: 'spec.http[0].match[0].method.prefix',
    message: 'prefix string match should not be empty',
  },
  {
    rule: 'header name',
    kind: 'VirtualService',
    ok: vs({ match: [{ headers: { 'end-user': { exact: 'jason' } } }], ...route }),
    bad: vs({ match: [{ headers: { 'end user': { exact: 'jason' } } }], ...route }),
    field: 'spec.http[0].match[0].headers.end user',
    message: 'not a valid header name',
  },
  {
    rule: 'match port',
    kind: 'VirtualService',
    ok: vs({ match: [{ port: 80 }], ...route }),
    bad: vs({ match: [{ port: 65536 }], ...route }),
    field: 'spec.http[0].match[0].port',
    message: '1..65535',
  },
  {
    rule: 'sourceLabels',
    kind: 'VirtualService',
    ok: vs({ match: [{ sourceLabels: { app: 'reviews' } }], ...route }),
    bad: vs({ match: [{ sourceLabels: { app: 'bad value!' } }], ...route }),
    field: 'spec.http[0].match[0].sourceLabels.app',
    message: 'invalid tag value',
  },
  {
    rule: 'sourceNamespace',
    kind: 'VirtualService',
    ok: vs({ match: [{ sourceNamespace: 'prod' }], ...route }),
    bad: vs({ match: [{ sourceNamespace: 'prod.ns' }], ...route }),
    field: 'spec.http[0].match[0].sourceNamespace',
    message: 'sourceNamespace match prod.ns is invalid',
  },
  {
    rule: 'JWT claim routing needs a gateway',
    kind: 'VirtualService',
    ok: vs(
      { match: [{ headers: { '@request.auth.claims.group': { exact: 'a' } } }], ...route },
      { gateways: ['gw'] },
    ),
    bad: vs({ match: [{ headers: { '@request.auth.claims.group': { exact: 'a' } } }], ...route }),
    field: 'spec.http[0].match[0].headers.@request.auth.claims.group',
    message: 'only supported for gateway',
  },
  // Fault, percentages, rewrite, headers, CORS
  {
    rule: 'fault needs abort or delay',
    kind: 'VirtualService',
    ok: vs({ ...route, fault: { delay: { fixedDelay: '7s', percentage: { value: 100 } } } }),
    bad: vs({ ...route, fault: {} }),
    field: 'spec.http[0].fault',
    message: 'must have an abort and/or a delay',
  },
  {
    rule: 'percentage 0 or [0.0001,100]',
    kind: 'VirtualService',
    ok: vs({ ...route, fault: { abort: { httpStatus: 500, percentage: { value: 0.0001 } } } }),
    bad: vs({ ...route, fault: { abort: { httpStatus: 500, percentage: { value: 0.00001 } } } }),
    field: 'spec.http[0].fault.abort.percentage.value',
    message: 'neither 0.0, nor in range',
  },
  {
    rule: 'abort httpStatus range',
    kind: 'VirtualService',
    ok: vs({ ...route, fault: { abort: { httpStatus: 555 } } }),
    bad: vs({ ...route, fault: { abort: { httpStatus: 700 } } }),
    field: 'spec.http[0].fault.abort.httpStatus',
    message: 'not in range 200-599',
  },
  {
    rule: 'abort grpcStatus names',
    kind: 'VirtualService',
    ok: vs({ ...route, fault: { abort: { grpcStatus: 'UNAVAILABLE' } } }),
    bad: vs({ ...route, fault: { abort: { grpcStatus: '14' } } }),
    field: 'spec.http[0].fault.abort.grpcStatus',
    message: 'is not supported',
  },
  {
    rule: 'fixedDelay duration',
    kind: 'VirtualService',
    ok: vs({ ...route, fault: { delay: { fixedDelay: '2s' } } }),
    bad: vs({ ...route, fault: { delay: { fixedDelay: '-2s' } } }),
    field: 'spec.http[0].fault.delay.fixedDelay',
    message: 'greater than 1ms',
  },
  {
    rule: 'rewrite needs a field',
    kind: 'VirtualService',
    ok: vs({ ...route, rewrite: { uri: '/' } }),
    bad: vs({ ...route, rewrite: {} }),
    field: 'spec.http[0].rewrite',
    message: 'rewrite must specify at least one of',
  },
  {
    rule: 'rewrite uriRegexRewrite RE2',
    kind: 'VirtualService',
    ok: vs({ ...route, rewrite: { uriRegexRewrite: { match: '^/a(.*)', rewrite: '/b\\1' } } }),
    bad: vs({ ...route, rewrite: { uriRegexRewrite: { match: '(?<=a)b', rewrite: '/b' } } }),
    field: 'spec.http[0].rewrite.uriRegexRewrite.match',
    message: 'RE2 style',
  },
  {
    rule: 'authority set once',
    kind: 'VirtualService',
    ok: vs({ ...route, rewrite: { authority: 'a.com' } }),
    bad: vs({
      ...route,
      rewrite: { authority: 'a.com' },
      headers: { request: { set: { host: 'b.com' } } },
    }),
    field: 'spec.http[0].headers.request.set.host',
    message: 'authority header cannot be set multiple times',
  },
  {
    rule: 'header operation pseudo-headers',
    kind: 'VirtualService',
    ok: vs({ ...route, headers: { response: { set: { 'x-a': 'b' } } } }),
    bad: vs({ ...route, headers: { response: { set: { ':status': '200' } } } }),
    field: 'spec.http[0].headers.response.set.:status',
    message: 'header cannot have ":" prefix',
  },
  {
    rule: 'CORS methods',
    kind: 'VirtualService',
    ok: vs({ ...route, corsPolicy: { allowMethods: ['GET', 'POST'] } }),
    bad: vs({ ...route, corsPolicy: { allowMethods: ['get'] } }),
    field: 'spec.http[0].corsPolicy.allowMethods[0]',
    message: 'not a supported HTTP method',
  },
  {
    rule: 'redirect code 3xx',
    kind: 'VirtualService',
    ok: vs({ redirect: { uri: '/a', redirectCode: 308 } }),
    bad: vs({ redirect: { uri: '/a', redirectCode: 200 } }),
    field: 'spec.http[0].redirect.redirectCode',
    message: 'must be 3xx',
  },
  {
    rule: 'redirect needs a target',
    kind: 'VirtualService',
    ok: vs({ redirect: { scheme: 'https' } }),
    bad: vs({ redirect: { redirectCode: 301 } }),
    field: 'spec.http[0].redirect',
    message: 'redirect must specify URI, authority, scheme, or port',
  },
  // TCP / TLS routes
  {
    rule: 'TLS route sniHosts subset of hosts',
    kind: 'VirtualService',
    ok: {
      hosts: ['*.example.com'],
      tls: [{ match: [{ sniHosts: ['a.example.com'] }], route: [dest('a.example.com')] }],
    },
    bad: {
      hosts: ['*.example.com'],
      tls: [{ match: [{ sniHosts: ['a.example.org'] }], route: [dest('a')] }],
    },
    field: 'spec.tls[0].match[0].sniHosts[0]',
    message: 'not a compatible subset',
  },
  {
    rule: 'TLS route needs matches',
    kind: 'VirtualService',
    ok: {
      hosts: ['a.example.com'],
      tls: [{ match: [{ sniHosts: ['a.example.com'] }], route: [dest('a')] }],
    },
    bad: { hosts: ['a.example.com'], tls: [{ match: [], route: [dest('a')] }] },
    field: 'spec.tls[0]',
    message: 'TLS route must have at least one match',
  },
  {
    rule: 'TCP route required',
    kind: 'VirtualService',
    ok: { hosts: ['db'], tcp: [{ route: [dest('db')] }] },
    bad: { hosts: ['db'], tcp: [{ match: [{ port: 27017 }] }] },
    field: 'spec.tcp[0]',
    message: 'TCP route is required',
  },
  {
    rule: 'L4 destinationSubnets',
    kind: 'VirtualService',
    ok: {
      hosts: ['db'],
      tcp: [{ match: [{ destinationSubnets: ['10.0.0.0/8'] }], route: [dest('db')] }],
    },
    bad: {
      hosts: ['db'],
      tcp: [{ match: [{ destinationSubnets: ['10.0.0.0/33'] }], route: [dest('db')] }],
    },
    field: 'spec.tcp[0].match[0].destinationSubnets[0]',
    message: 'not a valid CIDR block',
  },
  {
    rule: 'retries backoff duration',
    kind: 'VirtualService',
    ok: vs({ ...route, retries: { attempts: 2, backoff: '25ms' } }),
    bad: vs({ ...route, retries: { attempts: 2, backoff: '0s' } }),
    field: 'spec.http[0].retries.backoff',
    message: 'greater than 1ms',
  },
  {
    rule: 'locality overlap',
    kind: 'DestinationRule',
    ok: dr({
      loadBalancer: {
        localityLbSetting: {
          distribute: [
            { from: 'us-east/*', to: { 'us-east/zone1/*': 50, 'us-west/*': 50 } },
            { from: 'us-west/zone2', to: { 'us-west/*': 100 } },
          ],
        },
      },
    }),
    bad: dr({
      loadBalancer: {
        localityLbSetting: {
          distribute: [
            { from: 'us-east', to: { 'us-east/*': 100 } },
            { from: 'us-east/zone1', to: { 'us-east/*': 100 } },
          ],
        },
      },
    }),
    field: 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute',
    message: 'locality us-east/zone1 overlap with previous specified ones',
  },
  {
    rule: 'locality wildcard at the end',
    kind: 'DestinationRule',
    ok: dr({
      loadBalancer: {
        localityLbSetting: { distribute: [{ from: 'r1/*', to: { 'r1/z1/*': 100 } }] },
      },
    }),
    bad: dr({
      loadBalancer: { localityLbSetting: { distribute: [{ from: 'r1/*', to: { '*/z1': 100 } }] } },
    }),
    field: 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to',
    message: "wildcard '*' number can not exceed 1 and must be in the end",
  },
  {
    rule: 'tcp idleTimeout 0s disables',
    kind: 'DestinationRule',
    ok: dr({ connectionPool: { tcp: { idleTimeout: '0s' } } }),
    bad: dr({ connectionPool: { tcp: { idleTimeout: '1.5ms' } } }),
    field: 'spec.trafficPolicy.connectionPool.tcp.idleTimeout',
    message: 'only durations to ms precision',
  },
  {
    rule: 'warmup minimumPercent and aggression',
    kind: 'DestinationRule',
    ok: dr({
      loadBalancer: {
        simple: 'ROUND_ROBIN',
        warmup: { duration: '60s', minimumPercent: 10, aggression: 1.5 },
      },
    }),
    bad: dr({
      loadBalancer: { simple: 'ROUND_ROBIN', warmup: { duration: '60s', aggression: 0.5 } },
    }),
    field: 'spec.trafficPolicy.loadBalancer.warmup.aggression',
    message: 'aggression should be greater than or equal to 1',
  },
  // DestinationRule
  {
    rule: 'DR host',
    kind: 'DestinationRule',
    ok: { host: '*.example.com' },
    bad: { host: 'a..b' },
    field: 'spec.host',
    message: 'invalid',
  },
  {
    rule: 'DR subsets unique',
    kind: 'DestinationRule',
    ok: { host: 'r', subsets: [{ name: 'v1' }, { name: 'v2' }] },
    bad: { host: 'r', subsets: [{ name: 'v1' }, { name: 'v1' }] },
    field: 'spec.subsets[1].name',
    message: 'duplicate subset names: v1',
  },
  {
    rule: 'DR subset name DNS-1123',
    kind: 'DestinationRule',
    ok: { host: 'r', subsets: [{ name: 'v1' }] },
    bad: { host: 'r', subsets: [{ name: 'v.1' }] },
    field: 'spec.subsets[0].name',
    message: 'subset name is invalid',
  },
  {
    rule: 'DR subset labels',
    kind: 'DestinationRule',
    ok: { host: 'r', subsets: [{ name: 'v1', labels: { version: 'v1' } }] },
    bad: { host: 'r', subsets: [{ name: 'v1', labels: { version: 'v 1' } }] },
    field: 'spec.subsets[0].labels.version',
    message: 'invalid tag value',
  },
  {
    rule: 'trafficPolicy not empty',
    kind: 'DestinationRule',
    ok: dr({ tls: { mode: 'ISTIO_MUTUAL' } }),
    bad: dr({}),
    field: 'spec.trafficPolicy',
    message: 'traffic policy must have at least one field',
  },
  {
    rule: 'connectionPool not empty',
    kind: 'DestinationRule',
    ok: dr({ connectionPool: { http: { http1MaxPendingRequests: 1 } } }),
    bad: dr({ connectionPool: {} }),
    field: 'spec.trafficPolicy.connectionPool',
    message: 'connection pool must have at least one field',
  },
  {
    rule: 'connectionPool non-negative',
    kind: 'DestinationRule',
    ok: dr({ connectionPool: { tcp: { maxConnections: 1 } } }),
    bad: dr({ connectionPool: { tcp: { maxConnections: -1 } } }),
    field: 'spec.trafficPolicy.connectionPool.tcp.maxConnections',
    message: 'must be non-negative',
  },
  {
    rule: 'connectTimeout duration',
    kind: 'DestinationRule',
    ok: dr({ connectionPool: { tcp: { connectTimeout: '30ms' } } }),
    bad: dr({ connectionPool: { tcp: { connectTimeout: '30us' } } }),
    field: 'spec.trafficPolicy.connectionPool.tcp.connectTimeout',
    message: 'greater than 1ms',
  },
  {
    rule: 'h2 UPGRADE with useClientProtocol',
    kind: 'DestinationRule',
    ok: dr({ connectionPool: { http: { h2UpgradePolicy: 'UPGRADE' } } }),
    bad: dr({ connectionPool: { http: { h2UpgradePolicy: 'UPGRADE', useClientProtocol: true } } }),
    field: 'spec.trafficPolicy.connectionPool.http.useClientProtocol',
    message: 'must not be true',
  },
  {
    rule: 'outlier percentages',
    kind: 'DestinationRule',
    ok: dr({ outlierDetection: { maxEjectionPercent: 100 } }),
    bad: dr({ outlierDetection: { maxEjectionPercent: 101 } }),
    field: 'spec.trafficPolicy.outlierDetection.maxEjectionPercent',
    message: 'not in range 0..100',
  },
  {
    rule: 'outlier interval',
    kind: 'DestinationRule',
    ok: dr({ outlierDetection: { interval: '1s' } }),
    bad: dr({ outlierDetection: { interval: '1' } }),
    field: 'spec.trafficPolicy.outlierDetection.interval',
    message: 'invalid duration',
  },
  {
    rule: 'outlier local origin split',
    kind: 'DestinationRule',
    ok: dr({
      outlierDetection: { splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailures: 3 },
    }),
    bad: dr({ outlierDetection: { consecutiveLocalOriginFailures: 3 } }),
    field: 'spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures',
    message: 'split external local origin errors is set to false',
  },
  {
    rule: 'maglev table size prime',
    kind: 'DestinationRule',
    ok: dr({
      loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 65537 } } },
    }),
    bad: dr({
      loadBalancer: { consistentHash: { useSourceIp: true, maglev: { tableSize: 65536 } } },
    }),
    field: 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize',
    message: 'must be a prime number',
  },
  {
    rule: 'httpCookie name',
    kind: 'DestinationRule',
    ok: dr({ loadBalancer: { consistentHash: { httpCookie: { name: 'user', ttl: '0s' } } } }),
    bad: dr({ loadBalancer: { consistentHash: { httpCookie: { name: '', ttl: '0s' } } } }),
    field: 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name',
    message: 'name required for HttpCookie',
  },
  {
    rule: 'locality distribute sums to 100',
    kind: 'DestinationRule',
    ok: dr({
      loadBalancer: {
        localityLbSetting: { distribute: [{ from: 'r1/*', to: { 'r1/*': 80, 'r2/*': 20 } }] },
      },
    }),
    bad: dr({
      loadBalancer: {
        localityLbSetting: { distribute: [{ from: 'r1/*', to: { 'r1/*': 80, 'r2/*': 10 } }] },
      },
    }),
    field: 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to',
    message: 'total locality weight 90 != 100',
  },
  {
    rule: 'locality distribute xor failover',
    kind: 'DestinationRule',
    ok: dr({
      outlierDetection: { interval: '1s' },
      loadBalancer: { localityLbSetting: { failover: [{ from: 'r1', to: 'r2' }] } },
    }),
    bad: dr({
      loadBalancer: {
        localityLbSetting: {
          failover: [{ from: 'r1', to: 'r2' }],
          distribute: [{ from: 'r1', to: { r1: 100 } }],
        },
      },
    }),
    field: 'spec.trafficPolicy.loadBalancer.localityLbSetting',
    message: "can not simultaneously specify 'distribute' and 'failover'",
  },
  {
    rule: 'client TLS MUTUAL needs cert',
    kind: 'DestinationRule',
    ok: dr({ tls: { mode: 'MUTUAL', credentialName: 'client-cred' } }),
    bad: dr({ tls: { mode: 'MUTUAL' } }),
    field: 'spec.trafficPolicy.tls.clientCertificate',
    message: 'client certificate required for mutual tls',
  },
  {
    rule: 'client TLS credentialName excludes files',
    kind: 'DestinationRule',
    ok: dr({ tls: { mode: 'SIMPLE', caCertificates: '/etc/ca.pem' } }),
    bad: dr({ tls: { mode: 'SIMPLE', credentialName: 'c', caCertificates: '/etc/ca.pem' } }),
    field: 'spec.trafficPolicy.tls',
    message: 'If credentialName is set',
  },
  {
    rule: 'client TLS insecureSkipVerify',
    kind: 'DestinationRule',
    ok: dr({ tls: { mode: 'SIMPLE', insecureSkipVerify: true } }),
    bad: dr({ tls: { mode: 'SIMPLE', insecureSkipVerify: true, caCertificates: '/ca' } }),
    field: 'spec.trafficPolicy.tls',
    message: 'InsecureSkipVerify is set true',
  },
  {
    rule: 'portLevelSettings need a port',
    kind: 'DestinationRule',
    ok: dr({ portLevelSettings: [{ port: { number: 80 }, tls: { mode: 'DISABLE' } }] }),
    bad: dr({ portLevelSettings: [{ tls: { mode: 'DISABLE' } }] }),
    field: 'spec.trafficPolicy.portLevelSettings[0]',
    message: 'portTrafficPolicy must have valid port',
  },
  {
    rule: 'tunnel and proxyProtocol exclusive',
    kind: 'DestinationRule',
    ok: dr({ tunnel: { targetHost: 'a.com', targetPort: 8443 } }),
    bad: dr({ tunnel: { targetHost: 'a.com', targetPort: 8443 }, proxyProtocol: {} }),
    field: 'spec.trafficPolicy',
    message: 'tunnel and proxyProtocol must not be set together',
  },
  {
    rule: 'DR exportTo with workloadSelector',
    kind: 'DestinationRule',
    ok: { host: 'r', workloadSelector: { matchLabels: { app: 'a' } }, exportTo: ['.'] },
    bad: { host: 'r', workloadSelector: { matchLabels: { app: 'a' } }, exportTo: ['*'] },
    field: 'spec.exportTo',
    message: 'cannot have exportTo beyond current namespace',
  },
  {
    rule: 'DR workloadSelector wildcard',
    kind: 'DestinationRule',
    ok: { host: 'r', workloadSelector: { matchLabels: { app: 'a' } } },
    bad: { host: 'r', workloadSelector: { matchLabels: { app: 'a*' } } },
    field: 'spec.workloadSelector.matchLabels.app',
    message: 'wildcard is not supported in selector',
  },
  // Gateway
  {
    rule: 'gateway name label',
    kind: 'Gateway',
    ok: gw({}),
    bad: gw({}),
    name: 'my.gateway',
    field: 'metadata.name',
    message: 'invalid gateway name',
  },
  {
    rule: 'gateway needs servers',
    kind: 'Gateway',
    ok: gw({}),
    bad: { servers: [] },
    field: 'spec.servers',
    message: 'gateway must have at least one server',
  },
  {
    rule: 'gateway server hosts ns/host',
    kind: 'Gateway',
    ok: gw({ hosts: ['./*.example.com', '*/a.example.com'] }),
    bad: gw({ hosts: ['Bad_NS/a.example.com'] }),
    field: 'spec.servers[0].hosts[0]',
    message: 'invalid namespace value "Bad_NS" in gateway',
  },
  {
    rule: 'gateway hosts no short names',
    kind: 'Gateway',
    ok: gw({ hosts: ['bookinfo.example.com'] }),
    bad: gw({ hosts: ['bookinfo'] }),
    field: 'spec.servers[0].hosts[0]',
    message: 'short names (non FQDN) are not allowed',
  },
  {
    rule: 'gateway hosts no partial wildcard',
    kind: 'Gateway',
    ok: gw({ hosts: ['*.example.com'] }),
    bad: gw({ hosts: ['*example.com'] }),
    field: 'spec.servers[0].hosts[0]',
    message: 'partial wildcard',
  },
  {
    rule: 'gateway port protocol',
    kind: 'Gateway',
    ok: gw({}),
    bad: gw({ port: { number: 80, name: 'http', protocol: 'HTTP3' } }),
    field: 'spec.servers[0].port.protocol',
    message: 'invalid protocol "HTTP3"',
  },
  {
    rule: 'gateway port number',
    kind: 'Gateway',
    ok: gw({}),
    bad: gw({ port: { number: 0, name: 'http', protocol: 'HTTP' } }),
    field: 'spec.servers[0].port.number',
    message: 'must be in the range 1..65535',
  },
  {
    rule: 'gateway targetPort',
    kind: 'Gateway',
    ok: gw({}),
    bad: gw({ port: { number: 80, name: 'http', protocol: 'HTTP', targetPort: 8080 } }),
    field: 'spec.servers[0].port.targetPort',
    message: 'targetPort has no impact on Gateways',
  },
  {
    rule: 'gateway unique port names',
    kind: 'Gateway',
    ok: {
      servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
        { port: { number: 81, name: 'http-2', protocol: 'HTTP' }, hosts: ['*'] },
      ],
    },
    bad: {
      servers: [
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
        { port: { number: 81, name: 'http', protocol: 'HTTP' }, hosts: ['*'] },
      ],
    },
    field: 'spec.servers[1].port.name',
    message: 'port names in servers must be unique: duplicate name http',
  },
  {
    rule: 'HTTPS needs tls',
    kind: 'Gateway',
    ok: httpsServer({ mode: 'SIMPLE', credentialName: 'cred' }),
    bad: {
      servers: [
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['a.example.com'] },
      ],
    },
    field: 'spec.servers[0].tls',
    message: 'server must have TLS settings for HTTPS/TLS protocols',
  },
  {
    rule: 'HTTP with certs',
    kind: 'Gateway',
    ok: gw({ tls: { httpsRedirect: true } }),
    bad: gw({ tls: { mode: 'SIMPLE', credentialName: 'c' } }),
    field: 'spec.servers[0].tls',
    message: 'server cannot have TLS settings for plain text HTTP ports',
  },
  {
    rule: 'TCP with tls',
    kind: 'Gateway',
    ok: { servers: [{ port: { number: 31400, name: 'tcp', protocol: 'TCP' }, hosts: ['*'] }] },
    bad: {
      servers: [
        {
          port: { number: 31400, name: 'tcp', protocol: 'TCP' },
          hosts: ['*'],
          tls: { mode: 'PASSTHROUGH' },
        },
      ],
    },
    field: 'spec.servers[0].tls',
    message: 'non HTTPS/TLS ports',
  },
  {
    rule: 'SIMPLE needs cert',
    kind: 'Gateway',
    ok: httpsServer({ mode: 'SIMPLE', serverCertificate: '/c.pem', privateKey: '/k.pem' }),
    bad: httpsServer({ mode: 'SIMPLE' }),
    field: 'spec.servers[0].tls',
    message: 'SIMPLE TLS requires a server certificate',
  },
  {
    rule: 'MUTUAL needs CA',
    kind: 'Gateway',
    ok: httpsServer({ mode: 'MUTUAL', credentialName: 'c' }),
    bad: httpsServer({ mode: 'MUTUAL', serverCertificate: '/c', privateKey: '/k' }),
    field: 'spec.servers[0].tls',
    message: 'MUTUAL TLS requires a client CA bundle',
  },
  {
    rule: 'ISTIO_MUTUAL has no certs',
    kind: 'Gateway',
    ok: httpsServer({ mode: 'ISTIO_MUTUAL' }),
    bad: httpsServer({ mode: 'ISTIO_MUTUAL', credentialName: 'c' }),
    field: 'spec.servers[0].tls.credentialName',
    message: 'ISTIO_MUTUAL TLS cannot have associated credentialName',
  },
  {
    rule: 'CRL not with SIMPLE',
    kind: 'Gateway',
    ok: httpsServer({
      mode: 'MUTUAL',
      serverCertificate: '/c',
      privateKey: '/k',
      caCertificates: '/ca',
      caCrl: '/crl',
    }),
    bad: httpsServer({ mode: 'SIMPLE', serverCertificate: '/c', privateKey: '/k', caCrl: '/crl' }),
    field: 'spec.servers[0].tls.caCrl',
    message: 'CRL is not supported with SIMPLE TLS',
  },
  {
    rule: 'gateway bind',
    kind: 'Gateway',
    ok: gw({ bind: '0.0.0.0' }),
    bad: gw({ bind: 'localhost' }),
    field: 'spec.servers[0].bind',
    message: 'not a valid IP',
  },
  // ServiceEntry
  {
    rule: 'SE hosts required',
    kind: 'ServiceEntry',
    ok: se({}),
    bad: se({ hosts: [] }),
    field: 'spec.hosts',
    message: 'service entry must have at least one host',
  },
  {
    rule: 'SE host not *',
    kind: 'ServiceEntry',
    ok: se({ hosts: ['*.example.com'], resolution: 'NONE' }),
    bad: se({ hosts: ['*'], resolution: 'NONE' }),
    field: 'spec.hosts[0]',
    message: 'invalid host *',
  },
  {
    rule: 'SE port names unique',
    kind: 'ServiceEntry',
    ok: se({
      ports: [
        { number: 443, name: 'https', protocol: 'TLS' },
        { number: 80, name: 'http', protocol: 'HTTP' },
      ],
    }),
    bad: se({
      ports: [
        { number: 443, name: 'https', protocol: 'TLS' },
        { number: 80, name: 'https', protocol: 'HTTP' },
      ],
    }),
    field: 'spec.ports[1].name',
    message: 'service entry port name "https" already defined',
  },
  {
    rule: 'SE port numbers unique',
    kind: 'ServiceEntry',
    ok: se({}),
    bad: se({
      ports: [
        { number: 443, name: 'https', protocol: 'TLS' },
        { number: 443, name: 'tls', protocol: 'TLS' },
      ],
    }),
    field: 'spec.ports[1].number',
    message: 'service entry port 443 already defined',
  },
  {
    rule: 'SE port protocol',
    kind: 'ServiceEntry',
    ok: se({}),
    bad: se({ ports: [{ number: 443, name: 'https', protocol: 'QUIC' }] }),
    field: 'spec.ports[0].protocol',
    message: 'unsupported protocol: QUIC',
  },
  {
    rule: 'SE CIDR needs NONE/STATIC',
    kind: 'ServiceEntry',
    ok: se({ addresses: ['10.0.0.0/16'], resolution: 'NONE' }),
    bad: se({ addresses: ['10.0.0.0/16'], resolution: 'DNS' }),
    field: 'spec.resolution',
    message: 'CIDR addresses are allowed only for NONE/STATIC',
  },
  {
    rule: 'SE NONE has no endpoints',
    kind: 'ServiceEntry',
    ok: se({ resolution: 'STATIC', endpoints: [{ address: '1.2.3.4' }] }),
    bad: se({ resolution: 'NONE', endpoints: [{ address: '1.2.3.4' }] }),
    field: 'spec.endpoints',
    message: 'no endpoints should be provided for resolution type none',
  },
  {
    rule: 'SE STATIC endpoint IP',
    kind: 'ServiceEntry',
    ok: se({ resolution: 'STATIC', endpoints: [{ address: '1.2.3.4' }] }),
    bad: se({ resolution: 'STATIC', endpoints: [{ address: 'api.example.com' }] }),
    field: 'spec.endpoints[0].address',
    message: 'is not a valid IP address',
  },
  {
    rule: 'SE DNS hosts FQDN without endpoints',
    kind: 'ServiceEntry',
    ok: se({}),
    bad: se({ hosts: ['*.example.com'] }),
    field: 'spec.hosts[0]',
    message: 'hosts must be FQDN if no endpoints are provided',
  },
  {
    rule: 'SE DNS_ROUND_ROBIN single endpoint',
    kind: 'ServiceEntry',
    ok: se({ resolution: 'DNS_ROUND_ROBIN', endpoints: [{ address: 'a.example.com' }] }),
    bad: se({
      resolution: 'DNS_ROUND_ROBIN',
      endpoints: [{ address: 'a.example.com' }, { address: 'b.example.com' }],
    }),
    field: 'spec.endpoints',
    message: 'there must only be 0 or 1 endpoint',
  },
  {
    rule: 'SE endpoint port names',
    kind: 'ServiceEntry',
    ok: se({ endpoints: [{ address: 'a.example.com', ports: { https: 8443 } }] }),
    bad: se({ endpoints: [{ address: 'a.example.com', ports: { http: 8080 } }] }),
    field: 'spec.endpoints[0].ports.http',
    message: 'is not defined by the service entry',
  },
  {
    rule: 'SE workloadSelector xor endpoints',
    kind: 'ServiceEntry',
    ok: se({ resolution: 'STATIC', workloadSelector: { labels: { app: 'a' } } }),
    bad: se({ resolution: 'STATIC', workloadSelector: { labels: { app: 'a' } }, endpoints: [] }),
    field: 'spec.endpoints',
    message: 'only one of WorkloadSelector or Endpoints',
  },
  {
    rule: 'SE multiple hosts with TCP',
    kind: 'ServiceEntry',
    ok: se({ hosts: ['a.example.com', 'b.example.com'] }),
    bad: se({
      hosts: ['a.example.com', 'b.example.com'],
      ports: [{ number: 3306, name: 'tcp', protocol: 'TCP' }],
    }),
    field: 'spec.ports',
    message: 'multiple hosts provided with non-HTTP, non-TLS ports',
  },
  {
    rule: 'SE exportTo ~ alone',
    kind: 'ServiceEntry',
    ok: se({ exportTo: ['~'] }),
    bad: se({ exportTo: ['~', 'foo'] }),
    field: 'spec.exportTo',
    message: 'cannot export service entry to no one (~) and someone',
  },
  // WorkloadEntry
  {
    rule: 'WE address required',
    kind: 'WorkloadEntry',
    ok: { address: '10.0.0.1' },
    bad: { labels: { app: 'a' } },
    field: 'spec.address',
    message: 'address is required',
  },
  {
    rule: 'WE address IP or FQDN',
    kind: 'WorkloadEntry',
    ok: { address: 'vm1.example.com' },
    bad: { address: 'vm_1.example.com' },
    field: 'spec.address',
    message: 'is not a valid FQDN or an IP address',
  },
  {
    rule: 'WE unix address',
    kind: 'WorkloadEntry',
    ok: { address: 'unix:///var/run/a.sock' },
    bad: { address: 'unix://relative.sock' },
    field: 'spec.address',
    message: 'is not an absolute path',
  },
  {
    rule: 'WE ports',
    kind: 'WorkloadEntry',
    ok: { address: '10.0.0.1', ports: { http: 8080 } },
    bad: { address: '10.0.0.1', ports: { http: 0 } },
    field: 'spec.ports.http',
    message: '1..65535',
  },
  // Sidecar
  {
    rule: 'Sidecar not empty',
    kind: 'Sidecar',
    ok: { egress: [{ hosts: ['./*'] }] },
    bad: {},
    field: 'spec',
    message: 'sidecar: empty configuration provided',
  },
  {
    rule: 'Sidecar egress hosts ns/host',
    kind: 'Sidecar',
    ok: { egress: [{ hosts: ['./*', 'istio-system/*', '~/*.example.com'] }] },
    bad: { egress: [{ hosts: ['reviews.default.svc.cluster.local'] }] },
    field: 'spec.egress[0].hosts[0]',
    message: 'host must be of form namespace/dnsName',
  },
  {
    rule: 'Sidecar egress hosts required',
    kind: 'Sidecar',
    ok: { egress: [{ hosts: ['*/*'] }] },
    bad: { egress: [{ port: { number: 80, protocol: 'HTTP', name: 'http' }, hosts: [] }] },
    field: 'spec.egress[0].hosts',
    message: 'egress listener must contain at least one host',
  },
  {
    rule: 'Sidecar port-less egress last',
    kind: 'Sidecar',
    ok: {
      egress: [
        { port: { number: 80, protocol: 'HTTP', name: 'http' }, hosts: ['./*'] },
        { hosts: ['*/*'] },
      ],
    },
    bad: {
      egress: [
        { hosts: ['*/*'] },
        { port: { number: 80, protocol: 'HTTP', name: 'http' }, hosts: ['./*'] },
      ],
    },
    field: 'spec.egress[0]',
    message: 'should be the last listener',
  },
  {
    rule: 'Sidecar ingress port required',
    kind: 'Sidecar',
    ok: {
      ingress: [
        {
          port: { number: 9080, protocol: 'HTTP', name: 'http' },
          defaultEndpoint: '127.0.0.1:8080',
        },
      ],
    },
    bad: { ingress: [{ defaultEndpoint: '127.0.0.1:8080' }] },
    field: 'spec.ingress[0].port',
    message: 'Required value',
  },
  {
    rule: 'Sidecar defaultEndpoint form',
    kind: 'Sidecar',
    ok: {
      ingress: [
        {
          port: { number: 9080, protocol: 'HTTP', name: 'http' },
          defaultEndpoint: 'unix:///var/run/app.sock',
        },
      ],
    },
    bad: {
      ingress: [
        {
          port: { number: 9080, protocol: 'HTTP', name: 'http' },
          defaultEndpoint: '10.1.1.1:8080',
        },
      ],
    },
    field: 'spec.ingress[0].defaultEndpoint',
    message: 'defaultEndpoint must be of form',
  },
  {
    rule: 'Sidecar workloadSelector',
    kind: 'Sidecar',
    ok: { workloadSelector: { labels: { app: 'r' } }, egress: [{ hosts: ['./*'] }] },
    bad: { workloadSelector: { labels: { app: '*' } }, egress: [{ hosts: ['./*'] }] },
    field: 'spec.workloadSelector.labels.app',
    message: 'wildcard is not supported in selector',
  },
  {
    rule: 'Sidecar egressProxy needs ALLOW_ANY',
    kind: 'Sidecar',
    ok: {
      outboundTrafficPolicy: {
        mode: 'ALLOW_ANY',
        egressProxy: { host: 'egress.example.com', port: { number: 80 } },
      },
    },
    bad: {
      outboundTrafficPolicy: {
        mode: 'REGISTRY_ONLY',
        egressProxy: { host: 'egress.example.com', port: { number: 80 } },
      },
    },
    field: 'spec.outboundTrafficPolicy.egressProxy',
    message: 'egress_proxy must be set only with ALLOW_ANY',
  },
];

function resourceYaml(
  kind: string,
  spec: Spec,
  name = 'test',
  labels?: Record<string, string>,
): string {
  return stringify({
    apiVersion: 'networking.istio.io/v1',
    kind,
    metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
    spec,
  });
}

function errorsOf(kind: string, spec: Spec, name?: string, labels?: Record<string, string>) {
  const parsed = parseResources(resourceYaml(kind, spec, name, labels), 'case.yaml');
  assert.equal(parsed.resources.length, 1);
  return validateResource(parsed.resources[0]!).filter((d) => d.level === 'Error');
}

for (const c of CASES) {
  test(`${c.kind}: ${c.rule}`, () => {
    const okErrors = errorsOf(c.kind, c.ok, 'test', c.labels);
    assert.deepEqual(
      okErrors.map((d) => `${d.field}: ${d.message}`),
      [],
      'passing case must be valid',
    );
    const bad = errorsOf(c.kind, c.bad, c.name ?? 'test', c.labels);
    const hit = bad.find((d) => d.field === c.field && d.message.includes(c.message));
    assert.ok(
      hit,
      `expected ${c.field}: ...${c.message}... in\n${bad.map((d) => `${d.field}: ${d.message}`).join('\n')}`,
    );
    assert.ok(hit.position && hit.position.line >= 1, 'error has a position');
    assert.deepEqual(hit.resource, { kind: c.kind, namespace: 'default', name: c.name ?? 'test' });
  });
}

test('Error diagnostics carry a hint saying what to write instead', () => {
  const bad = errorsOf('VirtualService', vs({ ...route, timeout: '5 s' }));
  assert.equal(bad.length, 1);
  assert.match(bad[0]!.hint ?? '', /Go duration/);
});

test('a single destination weight is ignored, as Istio does', () => {
  assert.deepEqual(errorsOf('VirtualService', vs({ route: [{ ...dest('a'), weight: 0 }] })), []);
  assert.deepEqual(errorsOf('VirtualService', vs({ route: [{ ...dest('a'), weight: 25 }] })), []);
});

test('schema errors stop semantic checks, like the API server does before the webhook', () => {
  const bad = errorsOf('VirtualService', {
    hosts: ['*'],
    http: [{ route: [dest('a')], bogus: 1 }],
  });
  assert.deepEqual(
    bad.map((d) => d.field),
    ['spec.http[0].bogus'],
  );
});

test('warnings carry istioctl codes for unreachable rules and ineffective matches', () => {
  const parsed = parseResources(
    resourceYaml('VirtualService', {
      hosts: ['r'],
      http: [
        { name: 'a', match: [{ uri: { prefix: '/api' } }], ...route },
        { name: 'b', match: [{ name: 'm', uri: { prefix: '/api' } }], ...route },
        { match: [{ uri: { prefix: '/api/v1' } }], ...route },
        route,
        route,
        { match: [{ uri: { prefix: '/late' } }], ...route },
      ],
    }),
    'w.yaml',
  );
  const warnings = validateResource(parsed.resources[0]!).filter((d) => d.level === 'Warning');
  assert.deepEqual(
    warnings.map((w) => [w.code, w.field, w.message]),
    [
      [
        'IST0131',
        'spec.http[1].match[0]',
        'VirtualService rule "b" match "m" is not used (duplicate/overlapping match in rule "a").',
      ],
      [
        'IST0130',
        'spec.http[1]',
        'VirtualService rule "b" not used (all matches used by prior rules).',
      ],
      [
        'IST0130',
        'spec.http[4]',
        'VirtualService rule #4 not used (only the last rule can have no matches).',
      ],
      [
        'IST0130',
        'spec.http[5].match[0]',
        'VirtualService rule #5 not used (route without matches defined before).',
      ],
      [
        'IST0131',
        'spec.http[2].match[0]',
        'VirtualService rule #2 match #0 of prefix /api/v1 is not used (duplicate/overlapping match in rule #0 of prefix /api on "a").',
      ],
    ],
  );
});

test('other kinds are not validated', () => {
  const parsed = parseResources(
    'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {bogus: 1}\n',
    's.yaml',
  );
  assert.deepEqual(validateResource(parsed.resources[0]!), []);
});
