// ServiceEntry and WorkloadEntry rules: istio/istio pkg/config/validation/validation.go
// ValidateServiceEntry, validateWorkloadEntry and ValidateWorkloadEntry.
import { isIpAddress } from '../names.js';
import type { FieldPath } from '../types.js';
import {
  HOST_HINT,
  checkExportTo,
  checkLabels,
  checkPort,
  checkPortName,
  checkProtocol,
  checkSelector,
  fqdnError,
  ipSubnetError,
  partialWildcardError,
  protocolIsHTTP,
  protocolIsTCP,
  protocolIsTLS,
  unixAddressError,
  wildcardDomainError,
} from './common.js';
import { type Obj, type Report, arr, num, obj, q, str } from './report.js';

const RESOLUTIONS = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'];

export function validateServiceEntry(
  r: Report,
  spec: Obj,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): void {
  const P: FieldPath = ['spec'];
  if (spec.workloadSelector != null) {
    const ok = checkSelector(
      r,
      [...P, 'workloadSelector'],
      spec.workloadSelector,
      'labels',
      'service entry: workload selector specified without labels, will be applied to all services in namespace',
    );
    if (!ok) return;
  }
  if (spec.workloadSelector != null && spec.endpoints != null)
    r.error(
      [...P, 'endpoints'],
      'only one of WorkloadSelector or Endpoints is allowed in Service Entry',
      'keep endpoints or workloadSelector',
    );
  const hosts = arr(spec.hosts).map(str);
  if (hosts.length === 0)
    r.error([...P, 'hosts'], 'service entry must have at least one host', 'add hosts');
  hosts.forEach((h, i) => {
    if (h === '*')
      return r.error(
        [...P, 'hosts', i],
        `invalid host ${h}`,
        'name the external host(s); `*` is not allowed',
      );
    const e = wildcardDomainError(h);
    if (e) r.error([...P, 'hosts', i], e, HOST_HINT);
    const pw = partialWildcardError(h);
    if (pw)
      r.warn(
        [...P, 'hosts', i],
        pw,
        'a wildcard must be the whole leftmost label, e.g. *.example.com',
      );
  });
  const addresses = arr(spec.addresses).map(str);
  let cidr = false;
  addresses.forEach((a, i) => {
    cidr ||= a.includes('/');
    const e = ipSubnetError(a);
    if (e)
      r.error([...P, 'addresses', i], e, 'write an IP or CIDR such as 240.0.0.1 or 10.0.0.0/16');
  });
  const resolution = str(spec.resolution) || 'NONE';
  if (cidr && resolution !== 'NONE' && resolution !== 'STATIC')
    r.error(
      [...P, 'resolution'],
      'CIDR addresses are allowed only for NONE/STATIC resolution types',
      'use resolution NONE or STATIC, or plain IP addresses',
    );
  // serviceentry.ShouldV2AutoAllocateIPFromConfig: PILOT_ENABLE_IP_AUTOALLOCATE (default on), not for NONE, opt-out label.
  const autoAllocate =
    resolution !== 'NONE' &&
    (labels['networking.istio.io/enable-autoallocate-ip'] ?? '').toLowerCase() !== 'false';
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  const ports = arr(spec.ports);
  ports.forEach((pt, i) => {
    const po = obj(pt);
    const pp: FieldPath = [...P, 'ports', i];
    if (!po) return r.error(pp, 'service entry port may not be null');
    const name = str(po.name);
    const number = num(po.number);
    if (portNames.has(name))
      r.error(
        [...pp, 'name'],
        `service entry port name ${q(name)} already defined`,
        'give each port a unique name',
      );
    portNames.add(name);
    if (portNumbers.has(number))
      r.error(
        [...pp, 'number'],
        `service entry port ${number} already defined`,
        'list each port number once',
      );
    portNumbers.add(number);
    if (num(po.targetPort) !== 0) {
      checkPort(r, [...pp, 'targetPort'], po.targetPort);
      if (resolution === 'NONE')
        r.warn(
          [...pp, 'targetPort'],
          'targetPort has no effect when resolution mode is NONE',
          'remove targetPort or use STATIC/DNS resolution',
        );
    }
    const proto = str(po.protocol);
    if (addresses.length === 0 && !autoAllocate && (proto === '' || proto === 'TCP'))
      r.warn(
        pp,
        'addresses are required for ports serving TCP (or unset) protocol when ISTIO_META_DNS_AUTO_ALLOCATE is not set on a proxy',
        'add addresses, or use an HTTP/TLS protocol',
      );
    checkPortName(r, [...pp, 'name'], name);
    checkProtocol(r, [...pp, 'protocol'], proto);
    checkPort(r, [...pp, 'number'], number);
  });
  const endpoints = arr(spec.endpoints);
  switch (resolution) {
    case 'NONE':
      if (endpoints.length)
        r.error(
          [...P, 'endpoints'],
          'no endpoints should be provided for resolution type none',
          'remove endpoints or use resolution STATIC/DNS',
        );
      if (spec.workloadSelector != null)
        r.warn(
          [...P, 'workloadSelector'],
          'workloadSelector should not be set when resolution mode is NONE',
        );
      break;
    case 'STATIC':
      endpoints.forEach((e, i) => {
        const eo = obj(e);
        if (!eo) return r.error([...P, 'endpoints', i], 'endpoint cannot be nil');
        checkWorkloadEntry(r, [...P, 'endpoints', i], eo, portNames, false);
      });
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (endpoints.length === 0)
        hosts.forEach((h, i) => {
          if (fqdnError(h))
            r.error(
              [...P, 'hosts', i],
              `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}`,
              'name an FQDN host (no wildcard), or add endpoints',
            );
        });
      if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1)
        r.error(
          [...P, 'endpoints'],
          `there must only be 0 or 1 endpoint for resolution mode ${resolution}`,
          'use resolution DNS for several endpoints',
        );
      endpoints.forEach((e, i) => {
        const eo = obj(e);
        const ep: FieldPath = [...P, 'endpoints', i];
        if (!eo) return r.error(ep, 'endpoint cannot be nil');
        const addr = str(eo.address);
        if (!isIpAddress(addr) && fqdnError(addr))
          r.error(
            [...ep, 'address'],
            `endpoint address ${q(addr)} is not a valid FQDN or an IP address`,
            'write an IP or a host name',
          );
        checkLabels(r, [...ep, 'labels'], eo.labels);
        for (const [name, port] of Object.entries(obj(eo.ports) ?? {})) {
          if (!portNames.has(name))
            r.error(
              [...ep, 'ports', name],
              `endpoint port ${num(port)} is not defined by the service entry`,
              'use a port name from spec.ports',
            );
          checkPortName(r, [...ep, 'ports', name], name);
          checkPort(r, [...ep, 'ports', name], port);
        }
      });
      if (spec.workloadSelector != null)
        r.warn(
          [...P, 'workloadSelector'],
          `workloadSelector should not be set when resolution mode is ${resolution}`,
        );
      if (
        addresses.length > 0 &&
        hosts.length > 1 &&
        ports.some((pt) => protocolIsTCP(str(obj(pt)?.protocol)))
      )
        r.warn(
          [...P, 'hosts'],
          'service entry can not have more than one host specified simultaneously with address and tcp port',
        );
      break;
    default:
      if (resolution !== 'DYNAMIC_DNS')
        r.error(
          [...P, 'resolution'],
          `unsupported resolution type ${resolution}`,
          `use one of ${RESOLUTIONS.join(', ')}`,
        );
  }
  if (resolution !== 'NONE' && hosts.length > 1) {
    for (const pt of ports) {
      const proto = str(obj(pt)?.protocol);
      if (!protocolIsHTTP(proto) && !protocolIsTLS(proto)) {
        r.error(
          [...P, 'ports'],
          'multiple hosts provided with non-HTTP, non-TLS ports',
          'use one host per ServiceEntry for TCP ports, or resolution NONE',
        );
        break;
      }
    }
  }
  checkExportTo(r, [...P, 'exportTo'], namespace, spec.exportTo, true, false);
}

// validateWorkloadEntry
export function checkWorkloadEntry(
  r: Report,
  p: FieldPath,
  we: Obj,
  servicePorts: Set<string> | undefined,
  allowFQDN: boolean,
): void {
  const addr = str(we.address);
  if (addr === '') {
    if (str(we.network) === '') {
      r.error(
        [...p, 'address'],
        'address is required',
        'set address to an IP (or a host name for DNS ServiceEntries)',
      );
      return;
    }
    r.warn([...p, 'address'], `address is unset with network ${q(str(we.network))}`);
  }
  let unix = false;
  if (addr.startsWith('unix://')) {
    unix = true;
    const e = unixAddressError(addr.slice('unix://'.length));
    if (e) r.error([...p, 'address'], e, 'write unix:///absolute/path or unix://@abstract');
    if (Object.keys(obj(we.ports) ?? {}).length)
      r.error([...p, 'ports'], `unix endpoint ${addr} must not include ports`, 'remove ports');
  } else if (addr !== '' && !isIpAddress(addr)) {
    if (!allowFQDN)
      r.error(
        [...p, 'address'],
        `endpoint address ${q(addr)} is not a valid IP address`,
        'write an IP address (STATIC resolution)',
      );
    else if (fqdnError(addr))
      r.error(
        [...p, 'address'],
        `endpoint address ${q(addr)} is not a valid FQDN or an IP address`,
        'write an IP address or host name',
      );
  }
  for (const [name, port] of Object.entries(obj(we.ports) ?? {})) {
    if (servicePorts && !servicePorts.has(name))
      r.error(
        [...p, 'ports', name],
        `endpoint port ${num(port)} is not defined by the service entry`,
        'use a port name from spec.ports',
      );
    checkPortName(r, [...p, 'ports', name], name);
    checkPort(r, [...p, 'ports', name], port);
  }
  checkLabels(r, [...p, 'labels'], we.labels);
  if (unix && servicePorts && servicePorts.size !== 1)
    r.error(p, 'exactly 1 service port required for unix endpoints');
}

export function validateWorkloadEntry(r: Report, spec: Obj): void {
  checkWorkloadEntry(r, ['spec'], spec, undefined, true);
}
