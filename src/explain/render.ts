// A Trace as a person reads it, top to bottom: proxy and listener, filter chain, route config, virtual
// host, each rule tried with its first failed condition, the matched rule, policies, destinations,
// clusters and endpoints, and the response flags the request could end with.
import type { HeaderOps } from '../compile/index.js';
import type { ClusterView, Trace } from './trace.js';

function ops(label: string, h: HeaderOps | undefined, out: string[]): void {
  if (!h) return;
  for (const [k, v] of h.set) out.push(`  ${label} set ${k}: ${v}`);
  for (const [k, v] of h.add) out.push(`  ${label} add ${k}: ${v}`);
  for (const k of h.remove) out.push(`  ${label} remove ${k}`);
}

function cluster(c: ClusterView, out: string[]): void {
  out.push(`    cluster ${c.name} (${c.type})`);
  if (c.destinationRule)
    out.push(
      `      DestinationRule ${c.destinationRule}${c.destinationRuleSource ? ` (${c.destinationRuleSource})` : ''}${
        c.subset ? `, subset ${c.subset}` : ''
      }`,
    );
  else out.push('      no DestinationRule: Istio defaults');
  out.push(`      load balancer: ${c.lbPolicy}`);
  const cb = Object.entries(c.circuitBreakers);
  out.push(
    `      circuit breaker: ${cb.length ? cb.map(([k, v]) => `${k}=${v}`).join(' ') : 'none (limits 2^32-1)'}; connectTimeout ${c.connectTimeout}`,
  );
  if (c.outlierDetection)
    out.push(
      `      outlier detection: ${Object.entries(c.outlierDetection)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
  out.push(`      TLS: ${c.tls}`);
  if (c.endpoints.length === 0) out.push('      endpoints: none');
  for (const e of c.endpoints)
    out.push(
      `      endpoint ${e.address}${e.workload ? ` ${e.workload}` : ''}${e.locality ? ` locality ${e.locality}` : ''}${
        e.outlierCheck
          ? e.outlierCheck === 'OK'
            ? ' HEALTHY'
            : ' EJECTED (outlier check FAILED)'
          : ''
      }`,
    );
  if (c.counters)
    out.push(
      `      observed: ${Object.entries(c.counters)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
}

export function renderTrace(t: Trace): string {
  const out: string[] = [];
  const r = t.request;
  out.push(
    `${r.method} ${r.scheme}://${r.authority}${r.path}${r.query ? `?${r.query}` : ''}${Object.entries(
      r.headers,
    )
      .map(([k, v]) => ` -H '${k}: ${v}'`)
      .join('')}`,
  );
  out.push(`proxy:          ${t.proxy.id} (${t.proxy.kind}, config version ${t.proxy.version})`);
  if (t.listener)
    out.push(
      `listener:       ${t.listener.name} (${t.listener.direction}, port ${t.listener.port})`,
    );
  if (t.filterChain)
    out.push(
      `filter chain:   ${t.filterChain.name} [${t.filterChain.kind}]${
        t.filterChain.serverNames.length ? ` SNI ${t.filterChain.serverNames.join(',')}` : ''
      }${t.filterChain.tls ? ` TLS ${t.filterChain.tls}` : ''}`,
    );
  if (t.routeConfig) out.push(`route config:   ${t.routeConfig}`);
  if (t.virtualHost)
    out.push(
      `virtual host:   ${t.virtualHost.name} (${t.virtualHost.matchedBy} domain ${t.virtualHost.domain})`,
    );
  if (t.knownHosts) {
    out.push('virtual host:   none matched; the route config has:');
    for (const h of t.knownHosts) out.push(`  ${h}`);
  }
  if (t.rules.length > 0) out.push('rules tried:');
  for (const rule of t.rules) {
    const where = `${rule.virtualService ? `VirtualService ${rule.virtualService} ` : ''}${rule.rule}${
      rule.source ? ` (${rule.source})` : ''
    }`;
    out.push(rule.matched ? `  ${where}: MATCH` : `  ${where}: ${rule.failed}`);
  }
  if (t.route)
    out.push(
      `matched:        ${t.route.virtualService ? `VirtualService ${t.route.virtualService} ` : ''}${t.route.rule}${
        t.route.routeName ? ` "${t.route.routeName}"` : ''
      }${t.route.source ? ` at ${t.route.source}` : ''}`,
    );
  if (t.closest)
    out.push(
      `closest rule:   ${t.closest.virtualService ? `VirtualService ${t.closest.virtualService} ` : ''}${t.closest.rule}${
        t.closest.source ? ` (${t.closest.source})` : ''
      }: ${t.closest.failed ?? ''}`,
    );
  const p = t.policies;
  if (p) {
    const lines: string[] = [];
    if (p.fault?.delay) lines.push(`  fault delay ${p.fault.delay}`);
    if (p.fault?.abort) lines.push(`  fault abort ${p.fault.abort}`);
    lines.push(`  timeout ${p.timeout ?? 'none (Istio default: disabled)'}`);
    if (p.retries)
      lines.push(
        `  retries ${p.retries.attempts} on ${p.retries.retryOn}${p.retries.perTryTimeout ? ` perTryTimeout ${p.retries.perTryTimeout}` : ''}`,
      );
    else lines.push('  retries none');
    for (const m of p.mirrors) lines.push(`  mirror to ${m.cluster} (${m.percent}%)`);
    ops('request header', p.requestHeaders, lines);
    ops('response header', p.responseHeaders, lines);
    if (p.rewrite?.path) lines.push(`  rewrite path -> ${p.rewrite.path}`);
    if (p.rewrite?.authority) lines.push(`  rewrite authority -> ${p.rewrite.authority}`);
    if (p.cors) lines.push('  CORS policy');
    out.push('in force:', ...lines);
  }
  const o = t.outcome;
  switch (o.kind) {
    case 'forward':
      out.push('outcome:        forward');
      break;
    case 'redirect':
      out.push(`outcome:        redirect ${o.status} to ${o.location}`);
      break;
    case 'direct':
      out.push(
        `outcome:        direct response ${o.status}${o.body ? ` body ${JSON.stringify(o.body)}` : ''}`,
      );
      break;
    case 'not-found':
      out.push(`outcome:        ${o.status} ${o.flag} route_not_found: ${o.reason}`);
      break;
    default:
      out.push(`outcome:        ${o.kind}: ${o.reason}`);
  }
  if (t.destinations.length > 0) out.push('destinations:');
  for (const d of t.destinations) {
    out.push(`  ${d.cluster} weight ${d.weight} (${Math.round(d.percent * 100) / 100}%)`);
    if (d.details) cluster(d.details, out);
  }
  if (t.flags.length > 0) out.push('possible response flags:');
  for (const f of t.flags) out.push(`  ${f.flag.padEnd(3)} ${f.when}`);
  return out.join('\n') + '\n';
}
