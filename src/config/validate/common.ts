// Shared Istio validation helpers: durations, host names, ports, labels, exportTo, percentages, regexes.
// istio/istio pkg/config/validation/agent/validation.go, pkg/config/labels/instance.go,
// pkg/config/validation/validation.go.
import { re2Error } from '../../runtime/regex.js';
import { isPort, parseGoDuration } from '../../units/index.js';
import { isIpAddress } from '../names.js';
import type { FieldPath } from '../types.js';
import { type Report, obj, q, strMap } from './report.js';

const DNS1123_LABEL = /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const QUALIFIED_NAME = '(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const DNS_PREFIX =
  '[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*/';
const TAG_KEY = new RegExp(`^(${DNS_PREFIX})?(${QUALIFIED_NAME})$`);
const LABEL_VALUE = new RegExp(`^(${QUALIFIED_NAME})?$`);

export const DURATION_HINT =
  'write a Go duration of at least 1ms in whole milliseconds, e.g. 250ms, 1.5s, 10s, 5m, 1h';
export const HOST_HINT =
  'write a DNS-1123 name such as reviews, reviews.default.svc.cluster.local or *.example.com (a wildcard only as the whole leftmost label)';

export function isDNS1123Label(v: string): boolean {
  return v.length <= 63 && DNS1123_LABEL.test(v);
}

export function isWildcardDNS1123Label(v: string): boolean {
  return v.length <= 63 && WILDCARD_LABEL.test(v);
}

// agent.CheckDNS1123Preconditions
function dnsPreconditions(name: string): string | undefined {
  if (name.length > 255) return `domain name ${q(name)} too long (max 255)`;
  if (name.length === 0) return 'empty domain name not allowed';
  return undefined;
}

// agent.ValidateDNS1123Labels
export function dns1123LabelsError(domain: string): string | undefined {
  const parts = domain.split('.');
  const tld = parts[parts.length - 1] ?? '';
  if (/^[-+]?\d+$/.test(tld))
    return `domain name ${q(domain)} invalid (top level domain ${q(tld)} cannot be all-numeric)`;
  for (let i = 0; i < parts.length; i++) {
    const label = parts[i]!;
    if (i === parts.length - 1 && label === '') return undefined;
    if (!isDNS1123Label(label))
      return `domain name ${q(domain)} invalid (label ${q(label)} invalid)`;
  }
  return undefined;
}

// agent.ValidateFQDN
export function fqdnError(fqdn: string): string | undefined {
  return dnsPreconditions(fqdn) ?? dns1123LabelsError(fqdn);
}

// agent.ValidateWildcardDomain (and ...ForVirtualServiceBoundToGateway when sni is set)
export function wildcardDomainError(domain: string, sniGateway = false): string | undefined {
  const pre = dnsPreconditions(domain);
  if (pre) return pre;
  const dot = domain.indexOf('.');
  const first = dot < 0 ? domain : domain.slice(0, dot);
  if (sniGateway && first === 'outbound_') {
    if (!/outbound_.([0-8].*).*/.test(domain))
      return `domain name ${q(domain)} invalid (label ${q(first)} invalid)`;
    return undefined;
  }
  if (!isWildcardDNS1123Label(first))
    return `domain name ${q(domain)} invalid (label ${q(first)} invalid)`;
  if (dot >= 0) return dns1123LabelsError(domain.slice(dot + 1));
  return undefined;
}

// agent.ValidatePartialWildCard
export function partialWildcardError(host: string): string | undefined {
  if (host.includes('*') && host.length !== 1 && !host.startsWith('*.'))
    return `partial wildcard ${q(host)} not allowed`;
  return undefined;
}

// agent.ValidatePort
export function portError(port: number): string | undefined {
  if (isPort(port)) return undefined;
  return `port number ${port} must be in the range 1..65535`;
}

export function checkPort(r: Report, path: FieldPath, port: unknown): void {
  const e = portError(typeof port === 'number' ? port : NaN);
  if (e) r.error(path, e, 'use a port number from 1 to 65535');
}

// agent.ValidateIPAddress (netip.ParseAddr)
export function ipAddressError(addr: string): string | undefined {
  return isIpAddress(addr) ? undefined : `${addr} is not a valid IP`;
}

// agent.ValidateIPSubnet
export function ipSubnetError(subnet: string): string | undefined {
  if ((subnet.match(/\//g) ?? []).length === 1) {
    const [ip, bits] = subnet.split('/') as [string, string];
    const max = ip.includes(':') ? 128 : 32;
    if (!isIpAddress(ip) || !/^\d+$/.test(bits) || Number(bits) > max)
      return `${subnet} is not a valid CIDR block`;
    return undefined;
  }
  return ipAddressError(subnet);
}

// agent.ValidateDuration: >= 1ms and whole milliseconds.
export function checkDuration(r: Report, path: FieldPath, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') return; // the schema reports the type
  const ns = parseGoDuration(value);
  if (ns === undefined) {
    r.error(path, `invalid duration ${q(value)}`, DURATION_HINT);
    return;
  }
  if (ns < 1000000n) r.error(path, 'duration must be greater than 1ms', DURATION_HINT);
  else if (ns % 1000000n !== 0n)
    r.error(path, 'only durations to ms precision are supported', DURATION_HINT);
}

/** Duration with a syntax check only (fields Istio does not range-check). */
export function checkDurationSyntax(
  r: Report,
  path: FieldPath,
  value: unknown,
): bigint | undefined {
  if (typeof value !== 'string') return undefined;
  const ns = parseGoDuration(value);
  if (ns === undefined) r.error(path, `invalid duration ${q(value)}`, DURATION_HINT);
  return ns;
}

// validatePercentage (networking.Percent)
export function checkPercentage(r: Report, path: FieldPath, p: unknown): void {
  const o = obj(p);
  if (!o) return;
  const v = typeof o.value === 'number' ? o.value : 0;
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001))
    r.error(
      [...path, 'value'],
      `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`,
      'use 0, or a value from 0.0001 to 100',
    );
}

// ValidatePercent (int32 0..100)
export function checkIntPercent(r: Report, path: FieldPath, v: unknown): void {
  if (typeof v !== 'number') return;
  if (v < 0 || v > 100)
    r.error(path, `percentage ${v} is not in range 0..100`, 'use a whole number from 0 to 100');
}

// labels.Instance.Validate
export function checkLabels(r: Report, path: FieldPath, labels: unknown): void {
  for (const [k, v] of Object.entries(strMap(labels))) {
    const m = TAG_KEY.exec(k);
    if (!m)
      r.error(
        [...path, k],
        `invalid tag key: ${q(k)}`,
        'label keys are [prefix/]name with letters, digits, -, _ and .',
      );
    else if (m[1] && m[1].length - 1 > 253)
      r.error([...path, k], `invalid tag key: ${q(k)} (DNS prefix is too long)`);
    else if ((m[2] ?? '').length > 63)
      r.error([...path, k], `invalid tag key: ${q(k)} (name is too long)`);
    if (!LABEL_VALUE.test(v))
      r.error(
        [...path, k],
        `invalid tag value: ${q(v)}`,
        'label values are empty or letters, digits, -, _ and . starting and ending alphanumeric',
      );
  }
}

// validateWorkloadSelector (type.v1beta1.WorkloadSelector matchLabels) and ValidateAlphaWorkloadSelector (labels)
export function checkSelector(
  r: Report,
  path: FieldPath,
  selector: unknown,
  key: 'matchLabels' | 'labels',
  emptyWarning: string,
): boolean {
  const o = obj(selector);
  if (!o) return false;
  const labels = strMap(o[key]);
  let ok = true;
  for (const [k, v] of Object.entries(labels)) {
    if (k === '') {
      r.error([...path, key, k], `empty key is not supported in selector: ${q(`${k}=${v}`)}`);
      ok = false;
    }
    if (k.includes('*') || v.includes('*')) {
      r.error(
        [...path, key, k],
        `wildcard is not supported in selector: ${q(`${k}=${v}`)}`,
        'selectors match exact label values',
      );
      ok = false;
    }
  }
  if (Object.keys(labels).length === 0)
    r.warn(path, emptyWarning, `add ${key} or remove the selector`);
  return ok;
}

// validateExportTo + visibility.Instance.Validate
export function checkExportTo(
  r: Report,
  path: FieldPath,
  namespace: string,
  exportTo: unknown,
  isServiceEntry: boolean,
  isDestinationRuleWithSelector: boolean,
): void {
  const list = Array.isArray(exportTo) ? exportTo.map((e) => (typeof e === 'string' ? e : '')) : [];
  if (list.length === 0) return;
  const set = new Set<string>();
  const hint = 'use ".", "*" or namespace names (and "~" only on a ServiceEntry), each once';
  list.forEach((e, i) => {
    const key = e === '.' ? namespace : e;
    if (set.has(key)) {
      r.error(
        [...path, i],
        key !== e
          ? `duplicate entries in exportTo: . and current namespace ${namespace}`
          : `duplicate entries in exportTo for entry ${e}`,
        hint,
      );
    } else if (isServiceEntry && e === '~') {
      set.add(key);
    } else if (key === '~') {
      r.error(
        [...path, i],
        'exportTo ~ (none) is not allowed for Istio configuration objects',
        hint,
      );
    } else if (key !== '*' && key !== '.' && !isDNS1123Label(key)) {
      r.error(
        [...path, i],
        'only .,*, or a valid DNS 1123 label is allowed as exportTo entry',
        hint,
      );
    } else set.add(key);
  });
  if (isDestinationRuleWithSelector && set.size > 0) {
    if (set.has(namespace)) {
      if (set.size > 1)
        r.error(
          path,
          'destination rule with workload selector cannot have multiple entries in exportTo',
          'use exportTo: ["."]',
        );
    } else
      r.error(
        path,
        'destination rule with workload selector cannot have exportTo beyond current namespace',
        'use exportTo: ["."]',
      );
  }
  if (set.has('*') && list.length > 1)
    r.error(
      path,
      'cannot have both public (*) and non-public exportTo values for a resource',
      'use ["*"] alone',
    );
  if (set.has('~') && list.length > 1)
    r.error(path, 'cannot export service entry to no one (~) and someone', 'use ["~"] alone');
}

// validateStringRegexp: <= 1024 chars and valid RE2.
export function checkRegex(r: Report, path: FieldPath, re: string, where: string): void {
  if (re.length > 1024) {
    r.error(
      path,
      `${q(where)}: regex is too large, max length allowed is 1024`,
      'shorten the regex to at most 1024 characters',
    );
    return;
  }
  const err = re2Error(re);
  if (err)
    r.error(
      path,
      `${q(where)}: ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`,
      'write an RE2 regex (no lookaround or backreferences); escape literal metacharacters',
    );
}

// validateStringMatch / validateStringMatchRegexp
export function checkStringMatch(
  r: Report,
  path: FieldPath,
  sm: unknown,
  where: string,
  allowEmptyPrefix: boolean,
): void {
  const o = obj(sm);
  if (!o) return;
  if (
    typeof o.prefix === 'string' &&
    o.prefix === '' &&
    !allowEmptyPrefix &&
    o.exact === undefined &&
    o.regex === undefined
  )
    r.error(
      [...path, 'prefix'],
      `${q(where)}: prefix string match should not be empty`,
      'write a non-empty prefix, or remove the match',
    );
  if (typeof o.regex === 'string') {
    if (o.regex === '')
      r.error(
        [...path, 'regex'],
        `${q(where)}: regex string match should not be empty`,
        'write a non-empty RE2 regex',
      );
    else checkRegex(r, [...path, 'regex'], o.regex, where);
  }
}

// Protocol names Istio knows (pkg/config/protocol Parse, case-insensitive).
const PROTOCOLS = [
  'TCP',
  'UDP',
  'GRPC',
  'GRPC-WEB',
  'HTTP',
  'HTTP_PROXY',
  'HTTP2',
  'HTTPS',
  'TLS',
  'MONGO',
  'REDIS',
  'MYSQL',
  'HBONE',
];
export function parseProtocol(p: string): string {
  const up = p.toUpperCase();
  return PROTOCOLS.includes(up) ? up : 'UNSUPPORTED';
}
export function protocolIsHTTP(p: string): boolean {
  return ['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB', 'HTTP_PROXY'].includes(parseProtocol(p));
}
export function protocolIsTLS(p: string): boolean {
  return ['HTTPS', 'TLS'].includes(parseProtocol(p));
}
export function protocolIsTCP(p: string): boolean {
  return ['TCP', 'HTTPS', 'TLS', 'MONGO', 'REDIS', 'MYSQL'].includes(parseProtocol(p));
}

// ValidateProtocol
export function checkProtocol(r: Report, path: FieldPath, p: string): void {
  if (p !== '' && parseProtocol(p) === 'UNSUPPORTED')
    r.error(path, `unsupported protocol: ${p}`, `use one of ${PROTOCOLS.join(', ')}`);
}

// ValidatePortName
export function checkPortName(r: Report, path: FieldPath, name: string): void {
  if (!isDNS1123Label(name))
    r.error(
      path,
      `invalid port name: ${name}`,
      'port names are DNS-1123 labels, e.g. http, http-web, tcp-db',
    );
}

// ValidateUnixAddress
export function unixAddressError(addr: string): string | undefined {
  if (addr.length === 0) return 'unix address must not be empty';
  if (addr.startsWith('@')) return undefined;
  if (!addr.startsWith('/') || addr.endsWith('/'))
    return `${addr} is not an absolute path to a file`;
  return undefined;
}

// validateSubsetName
export function subsetNameError(name: string): string | undefined {
  if (name.length === 0) return 'subset name cannot be empty';
  if (!isDNS1123Label(name)) return `subset name is invalid: ${name}`;
  return undefined;
}
