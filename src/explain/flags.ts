// The Envoy response flags a traced request could end with, given its route and clusters
// (envoyproxy/envoy source/common/stream_info/utility.cc flag names; what raises each: router.cc,
// conn_pool, fault filter; the local-reply table in src/proxy/context/local-reply.ts).
import { UNLIMITED, type ProxySnapshot } from '../compile/index.js';
import type { Trace } from './trace.js';

export interface PossibleFlag {
  flag: string;
  when: string;
}

export function possibleFlags(trace: Trace, snap: ProxySnapshot): PossibleFlag[] {
  const out: PossibleFlag[] = [];
  const o = trace.outcome;
  if (o.kind === 'not-found')
    return [{ flag: 'NR', when: `always: 404 route_not_found (${o.reason})` }];
  if (o.kind === 'blackhole')
    return [
      o.flag
        ? {
            flag: o.flag,
            when: 'always: BlackHoleCluster has no endpoints; the connection is closed',
          }
        : { flag: '-', when: `always: ${o.status ?? 502} from the block_all virtual host` },
    ];
  if (o.kind === 'redirect' || o.kind === 'direct' || o.kind === 'closed') return out;
  const f = trace.policies?.fault;
  if (f?.abort) out.push({ flag: 'FI', when: `fault abort: ${f.abort}` });
  if (f?.delay) out.push({ flag: 'DI', when: `fault delay: ${f.delay}` });
  for (const d of trace.destinations) {
    const c = snap.clusters.get(d.cluster);
    const name = d.cluster;
    if (!c) {
      if (name !== 'PassthroughCluster')
        out.push({ flag: 'NC', when: `503 cluster_not_found: ${name} is not in the snapshot` });
      continue;
    }
    const healthy = (d.details?.endpoints ?? []).filter((e) => e.outlierCheck !== 'FAILED');
    if (c.type !== 'ORIGINAL_DST' && healthy.length === 0)
      out.push({ flag: 'UH', when: `503 no_healthy_upstream: ${name} has no (healthy) endpoints` });
    const pool = c.connectionPool;
    if (pool.maxPendingRequests !== UNLIMITED)
      out.push({
        flag: 'UO',
        when: `503 overflow on ${name} when more than ${pool.maxPendingRequests} requests are pending (http1MaxPendingRequests)`,
      });
    if (pool.maxRequests !== UNLIMITED)
      out.push({
        flag: 'UO',
        when: `503 overflow on ${name} when more than ${pool.maxRequests} requests are active (http2MaxRequests)`,
      });
    if (pool.maxConnections !== UNLIMITED)
      out.push({
        flag: 'UO',
        when: `pending on ${name} once ${pool.maxConnections} connections are open (maxConnections)`,
      });
  }
  out.push({ flag: 'UF', when: 'upstream connection failure (503)' });
  out.push({ flag: 'UC', when: 'upstream closed the connection before responding (503)' });
  if (trace.policies?.timeout)
    out.push({
      flag: 'UT',
      when: `504 when the upstream takes longer than ${trace.policies.timeout}`,
    });
  const r = trace.policies?.retries;
  if (r) out.push({ flag: 'URX', when: `after ${r.attempts} retries (${r.retryOn}) all fail` });
  if (trace.destinations.some((d) => d.details?.outlierDetection))
    out.push({ flag: 'UH', when: 'when outlier detection has ejected every endpoint' });
  return out;
}
