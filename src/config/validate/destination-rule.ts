// DestinationRule rules: istio/istio pkg/config/validation/validation.go ValidateDestinationRule,
// validateTrafficPolicy, validateConnectionPool, validateOutlierDetection, validateLoadBalancer and
// agent.ValidateTLS / agent.ValidateLocalityLbSetting.
import { parseGoDuration } from '../../units/index.js';
import type { FieldPath } from '../types.js';
import {
  HOST_HINT,
  checkDuration,
  checkExportTo,
  checkIntPercent,
  checkLabels,
  checkPort,
  checkSelector,
  fqdnError,
  ipAddressError,
  subsetNameError,
  wildcardDomainError,
} from './common.js';
import { type Obj, type Report, arr, num, obj, str } from './report.js';

export function validateDestinationRule(r: Report, spec: Obj, namespace: string): void {
  const P: FieldPath = ['spec'];
  const host = str(spec.host);
  const he = wildcardDomainError(host);
  if (he) r.error([...P, 'host'], he, HOST_HINT);
  checkTrafficPolicy(r, [...P, 'trafficPolicy'], spec.trafficPolicy);
  const names = new Set<string>();
  arr(spec.subsets).forEach((s, i) => {
    const so = obj(s);
    const sp: FieldPath = [...P, 'subsets', i];
    if (!so) return r.error(sp, 'subset may not be null');
    const name = str(so.name);
    if (names.has(name))
      r.error([...sp, 'name'], `duplicate subset names: ${name}`, 'give each subset a unique name');
    names.add(name);
    const ne = subsetNameError(name);
    if (ne) r.error([...sp, 'name'], ne, 'subset names are DNS-1123 labels, e.g. v1');
    checkLabels(r, [...sp, 'labels'], so.labels);
    checkTrafficPolicy(r, [...sp, 'trafficPolicy'], so.trafficPolicy);
  });
  const hasSelector = spec.workloadSelector != null;
  checkExportTo(r, [...P, 'exportTo'], namespace, spec.exportTo, false, hasSelector);
  checkSelector(
    r,
    [...P, 'workloadSelector'],
    spec.workloadSelector,
    'matchLabels',
    'workload selector specified without labels',
  );
}

function checkTrafficPolicy(r: Report, p: FieldPath, tp: unknown): void {
  const o = obj(tp);
  if (!o) return;
  if (
    o.outlierDetection == null &&
    o.connectionPool == null &&
    o.loadBalancer == null &&
    o.tls == null &&
    o.portLevelSettings == null &&
    o.tunnel == null &&
    o.proxyProtocol == null
  ) {
    r.error(
      p,
      'traffic policy must have at least one field',
      'set loadBalancer, connectionPool, outlierDetection, tls or portLevelSettings, or remove trafficPolicy',
    );
    return;
  }
  if (o.tunnel != null && o.proxyProtocol != null) {
    r.error(
      p,
      'tunnel and proxyProtocol must not be set together',
      'keep one of tunnel or proxyProtocol',
    );
    return;
  }
  checkOutlier(r, [...p, 'outlierDetection'], o.outlierDetection);
  checkConnectionPool(r, [...p, 'connectionPool'], o.connectionPool);
  checkLoadBalancer(r, [...p, 'loadBalancer'], o.loadBalancer, o.outlierDetection);
  checkClientTLS(r, [...p, 'tls'], o.tls);
  arr(o.portLevelSettings).forEach((pl, i) => {
    const po = obj(pl);
    const pp: FieldPath = [...p, 'portLevelSettings', i];
    if (!po) return r.error(pp, 'traffic policy may not be null');
    if (po.port == null)
      r.error(pp, 'portTrafficPolicy must have valid port', 'add port: {number: N}');
    if (
      po.outlierDetection == null &&
      po.connectionPool == null &&
      po.loadBalancer == null &&
      po.tls == null
    )
      r.error(
        pp,
        'port traffic policy must have at least one field',
        'set loadBalancer, connectionPool, outlierDetection or tls',
      );
    else {
      checkOutlier(r, [...pp, 'outlierDetection'], po.outlierDetection);
      checkConnectionPool(r, [...pp, 'connectionPool'], po.connectionPool);
      checkLoadBalancer(r, [...pp, 'loadBalancer'], po.loadBalancer, po.outlierDetection);
      checkClientTLS(r, [...pp, 'tls'], po.tls);
    }
  });
  const tunnel = obj(o.tunnel);
  if (tunnel) {
    const proto = str(tunnel.protocol);
    if (proto !== '' && proto !== 'CONNECT' && proto !== 'POST')
      r.error(
        [...p, 'tunnel', 'protocol'],
        'tunnel protocol must be "CONNECT" or "POST"',
        'write CONNECT or POST',
      );
    const th = str(tunnel.targetHost);
    const fe = fqdnError(th);
    const ie = ipAddressError(th);
    if (fe && ie)
      r.error(
        [...p, 'tunnel', 'targetHost'],
        `tunnel target host must be valid FQDN or IP address: ${fe}; ${ie}`,
        'write a host name or IP',
      );
    if (!(num(tunnel.targetPort) >= 1 && num(tunnel.targetPort) <= 65535))
      r.error(
        [...p, 'tunnel', 'targetPort'],
        `tunnel target port is invalid: port number ${num(tunnel.targetPort)} must be in the range 1..65535`,
        'use 1..65535',
      );
  }
}

// validateOutlierDetection
export function checkOutlier(r: Report, p: FieldPath, od: unknown): void {
  const o = obj(od);
  if (!o) return;
  if (o.baseEjectionTime != null) checkDuration(r, [...p, 'baseEjectionTime'], o.baseEjectionTime);
  if (num(o.consecutiveErrors) !== 0)
    r.warn(
      [...p, 'consecutiveErrors'],
      'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead',
      'use consecutive5xxErrors or consecutiveGatewayErrors',
    );
  if (o.splitExternalLocalOriginErrors !== true && num(o.consecutiveLocalOriginFailures) > 0)
    r.error(
      [...p, 'consecutiveLocalOriginFailures'],
      'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false',
      'set splitExternalLocalOriginErrors: true',
    );
  if (o.interval != null) checkDuration(r, [...p, 'interval'], o.interval);
  checkIntPercent(r, [...p, 'maxEjectionPercent'], o.maxEjectionPercent);
  checkIntPercent(r, [...p, 'minHealthPercent'], o.minHealthPercent);
}

// validateConnectionPool
export function checkConnectionPool(r: Report, p: FieldPath, cp: unknown): void {
  const o = obj(cp);
  if (!o) return;
  if (o.http == null && o.tcp == null) {
    r.error(
      p,
      'connection pool must have at least one field',
      'set connectionPool.tcp or connectionPool.http',
    );
    return;
  }
  const h = obj(o.http);
  if (h) {
    const neg: [string, string][] = [
      ['http1MaxPendingRequests', 'http1 max pending requests must be non-negative'],
      ['http2MaxRequests', 'http2 max requests must be non-negative'],
      ['maxRequestsPerConnection', 'max requests per connection must be non-negative'],
      ['maxRetries', 'max retries must be non-negative'],
      ['maxConcurrentStreams', 'max concurrent streams must be non-negative'],
    ];
    for (const [f, msg] of neg) if (num(h[f]) < 0) r.error([...p, 'http', f], msg, 'use 0 or more');
    if (h.idleTimeout != null) checkDuration(r, [...p, 'http', 'idleTimeout'], h.idleTimeout);
    if (h.h2UpgradePolicy === 'UPGRADE' && h.useClientProtocol === true)
      r.error(
        [...p, 'http', 'useClientProtocol'],
        'use client protocol must not be true when H2UpgradePolicy is UPGRADE',
        'remove useClientProtocol or h2UpgradePolicy',
      );
  }
  const t = obj(o.tcp);
  if (t) {
    if (num(t.maxConnections) < 0)
      r.error(
        [...p, 'tcp', 'maxConnections'],
        'max connections must be non-negative',
        'use 0 or more',
      );
    for (const f of ['connectTimeout', 'maxConnectionDuration'])
      if (t[f] != null) checkDuration(r, [...p, 'tcp', f], t[f]);
    // tcp.idleTimeout 0s disables the timeout and is allowed (validateConnectionPool).
    if (t.idleTimeout != null) {
      const ns = typeof t.idleTimeout === 'string' ? parseGoDuration(t.idleTimeout) : undefined;
      if (ns === undefined || ns / 1000000n !== 0n)
        checkDuration(r, [...p, 'tcp', 'idleTimeout'], t.idleTimeout);
    }
    const ka = obj(t.tcpKeepalive);
    if (ka) {
      if (ka.time != null) checkDuration(r, [...p, 'tcp', 'tcpKeepalive', 'time'], ka.time);
      if (ka.interval != null)
        checkDuration(r, [...p, 'tcp', 'tcpKeepalive', 'interval'], ka.interval);
    }
  }
}

// Envoy's isPrime (source/common/common/utility.cc), as Istio copies it.
function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

function checkLoadBalancer(r: Report, p: FieldPath, lb: unknown, outlier: unknown): void {
  const o = obj(lb);
  if (!o) return;
  const ch = obj(o.consistentHash);
  if (ch) {
    const cookie = obj(ch.httpCookie);
    if (cookie && str(cookie.name) === '')
      r.error(
        [...p, 'consistentHash', 'httpCookie', 'name'],
        'name required for HttpCookie',
        'set httpCookie.name',
      );
    if (num(ch.minimumRingSize) !== 0) {
      r.warn(
        [...p, 'consistentHash', 'minimumRingSize'],
        "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
        'write ringHash: {minimumRingSize: N}',
      );
      if (ch.ringHash != null || ch.maglev != null)
        r.error(
          [...p, 'consistentHash', 'minimumRingSize'],
          'only one of MinimumRingSize or Maglev/Ringhash can be specified',
          'remove minimumRingSize',
        );
    }
    const ml = obj(ch.maglev);
    if (ml) {
      const ts = num(ml.tableSize);
      if (ts === 0)
        r.error(
          [...p, 'consistentHash', 'maglev', 'tableSize'],
          'tableSize must be set for maglev',
          'use a prime such as 65537',
        );
      if (ts >= 5000011)
        r.error(
          [...p, 'consistentHash', 'maglev', 'tableSize'],
          'tableSize must be less than 5000011 for maglev',
          'use a prime such as 65537',
        );
      if (!isPrime(ts))
        r.error(
          [...p, 'consistentHash', 'maglev', 'tableSize'],
          'tableSize must be a prime number for maglev',
          'use a prime such as 65537',
        );
    }
  }
  checkLocality(r, [...p, 'localityLbSetting'], o.localityLbSetting, outlier);
  if (o.warmupDurationSecs != null)
    checkDuration(r, [...p, 'warmupDurationSecs'], o.warmupDurationSecs);
  // validateLoadBalancer warmup: duration required, minimumPercent <= 100, aggression >= 1.
  const warm = obj(o.warmup);
  if (warm) {
    if (warm.duration == null)
      r.error(
        [...p, 'warmup', 'duration'],
        'duration is required',
        'set warmup.duration, e.g. 60s',
      );
    else checkDuration(r, [...p, 'warmup', 'duration'], warm.duration);
    if (num(warm.minimumPercent) > 100)
      r.error(
        [...p, 'warmup', 'minimumPercent'],
        'minimumPercent value should be less than or equal to 100',
        'use 0..100',
      );
    if (warm.aggression != null && num(warm.aggression) < 1)
      r.error(
        [...p, 'warmup', 'aggression'],
        'aggression should be greater than or equal to 1',
        'use 1.0 or more',
      );
  }
}

const LOCALITY_HINT =
  'write region, region/zone or region/zone/subzone, with at most one trailing *';

// agent validateLocalities: well-formed region/zone/subzone entries that do not overlap.
function localitiesError(localities: string[]): string | undefined {
  const seen = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = (locality.match(/\*/g) ?? []).length;
    if (stars > 0 && (stars > 1 || !locality.endsWith('*')))
      return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    if (seen.has('*')) return `locality ${locality} overlap with previous specified ones`;
    // strings.SplitN(locality, "/", 3)
    const parts = locality.split('/');
    const items = parts.length > 3 ? [parts[0]!, parts[1]!, parts.slice(2).join('/')] : parts;
    if (items.some((x) => x === ''))
      return `locality ${locality} must not contain empty region/zone/subzone info`;
    const [region = '', zone = '', subzone = ''] = items;
    const overlap = `locality ${locality} overlap with previous specified ones`;
    const rmap = seen.get(region);
    if (items.length === 1) {
      if (rmap) return overlap;
      seen.set(region, new Map([['*', new Set(['*'])]]));
    } else if (items.length === 2) {
      if (rmap) {
        if (rmap.has('*') || rmap.has(zone)) return overlap;
        rmap.set(zone, new Set(['*']));
      } else seen.set(region, new Map([[zone, new Set(['*'])]]));
    } else {
      if (rmap) {
        if (rmap.has('*')) return overlap;
        const zset = rmap.get(zone);
        if (zset) {
          if (zset.has('*') || zset.has(subzone)) return overlap;
          zset.add(subzone);
        } else rmap.set(zone, new Set([subzone]));
      } else seen.set(region, new Map([[zone, new Set([subzone])]]));
    }
  }
  return undefined;
}

// agent.ValidateLocalityLbSetting (distribute/failover rules; locality overlap checks simplified).
function checkLocality(r: Report, p: FieldPath, setting: unknown, outlier: unknown): void {
  const o = obj(setting);
  if (!o) return;
  const distribute = arr(o.distribute);
  const failover = arr(o.failover);
  const priority = arr(o.failoverPriority).map(str);
  if (distribute.length && failover.length) {
    r.error(
      p,
      "can not simultaneously specify 'distribute' and 'failover'",
      'keep distribute or failover',
    );
    return;
  }
  if (failover.length && priority.length) {
    const topo = priority.find((l) =>
      [
        'topology.kubernetes.io/region',
        'topology.kubernetes.io/zone',
        'topology.istio.io/subzone',
      ].includes(l),
    );
    if (topo) {
      r.error(
        [...p, 'failoverPriority'],
        `can not simultaneously set 'failover' and topology label '${topo}' in 'failover_priority'`,
      );
      return;
    }
  }
  for (const [i, d] of distribute.entries()) {
    let total = 0;
    for (const w of Object.values(obj(obj(d)?.to) ?? {})) {
      const weight = num(w);
      if (weight <= 0 || weight > 100) {
        r.error(
          [...p, 'distribute', i, 'to'],
          'locality weight must be in range [1, 100]',
          'use weights from 1 to 100 summing to 100',
        );
        return;
      }
      total += weight;
    }
    if (total !== 100) {
      r.error(
        [...p, 'distribute', i, 'to'],
        `total locality weight ${total} != 100`,
        'make the weights sum to 100',
      );
      return;
    }
    const toErr = localitiesError(Object.keys(obj(obj(d)?.to) ?? {}));
    if (toErr) r.error([...p, 'distribute', i, 'to'], toErr, LOCALITY_HINT);
  }
  const fromErr = localitiesError(distribute.map((d) => str(obj(d)?.from)));
  if (fromErr) r.error([...p, 'distribute'], fromErr, LOCALITY_HINT);
  if ((failover.length || priority.length) && outlier == null)
    r.warn(
      p,
      'outlier detection policy must be provided for failover',
      'add outlierDetection; failover needs it to take effect',
    );
  failover.forEach((f, i) => {
    const from = str(obj(f)?.from);
    const to = str(obj(f)?.to);
    if (from === to)
      r.error(
        [...p, 'failover', i],
        'locality lb failover settings must specify different regions',
      );
    if (from.includes('/') || to.includes('/'))
      r.error([...p, 'failover', i], 'locality lb failover only specify region');
    if (from.includes('*') || to.includes('*'))
      r.error([...p, 'failover', i], "locality lb failover region should not contain '*' wildcard");
  });
}

// agent.ValidateTLS (client side)
export function checkClientTLS(r: Report, p: FieldPath, tls: unknown): void {
  const o = obj(tls);
  if (!o) return;
  const mode = str(o.mode) || 'DISABLE';
  const skip = o.insecureSkipVerify === true;
  if (skip) {
    if (
      mode === 'SIMPLE' &&
      (str(o.caCertificates) || str(o.credentialName) || o.subjectAltNames != null)
    )
      r.error(
        p,
        'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true',
        'remove them or insecureSkipVerify',
      );
    if (mode === 'MUTUAL' && (str(o.caCertificates) || o.subjectAltNames != null))
      r.error(
        p,
        'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true',
        'remove them or insecureSkipVerify',
      );
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && str(o.credentialName)) {
    if (str(o.clientCertificate) || str(o.caCertificates) || str(o.privateKey) || str(o.caCrl))
      r.error(
        p,
        'cannot specify client certificates or CA certificate or CA CRL If credentialName is set',
        'use either credentialName or the file fields',
      );
    return;
  }
  if (mode === 'MUTUAL') {
    if (!str(o.clientCertificate))
      r.error(
        [...p, 'clientCertificate'],
        'client certificate required for mutual tls',
        'set clientCertificate and privateKey, or credentialName',
      );
    if (!str(o.privateKey))
      r.error(
        [...p, 'privateKey'],
        'private key required for mutual tls',
        'set clientCertificate and privateKey, or credentialName',
      );
  }
}

export { checkPort };
