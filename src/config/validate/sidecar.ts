// Sidecar rules: istio/istio pkg/config/validation/validation.go ValidateSidecar and helpers.
import type { FieldPath } from '../types.js';
import {
  checkPort,
  checkPortName,
  checkProtocol,
  checkSelector,
  fqdnError,
  ipAddressError,
  protocolIsHTTP,
  unixAddressError,
} from './common.js';
import { checkConnectionPool } from './destination-rule.js';
import { checkNamespaceSlashHost, checkServerTLS } from './gateway.js';
import { checkDestination } from './virtual-service.js';
import { type Obj, type Report, arr, num, obj, str } from './report.js';
import { splitAuthority, unbracket } from '../../units/index.js';

const EGRESS_HINT =
  'write namespace/dnsName: "./*", "istio-system/*", "*/reviews.default.svc.cluster.local" or "~/*"';

export function validateSidecar(r: Report, spec: Obj, namespace: string): void {
  const P: FieldPath = ['spec'];
  if (spec.workloadSelector != null) {
    const ok = checkSelector(
      r,
      [...P, 'workloadSelector'],
      spec.workloadSelector,
      'labels',
      'sidecar: workload selector specified without labels, will be applied to all services in namespace',
    );
    if (!ok) return;
  }
  const ingress = arr(spec.ingress);
  const egress = arr(spec.egress);
  if (
    egress.length === 0 &&
    ingress.length === 0 &&
    spec.outboundTrafficPolicy == null &&
    spec.inboundConnectionPool == null
  ) {
    r.error(
      P,
      'sidecar: empty configuration provided',
      'add egress, ingress, outboundTrafficPolicy or inboundConnectionPool',
    );
    return;
  }
  let ports = new Set<number>();
  ingress.forEach((ing, i) => {
    const io = obj(ing);
    const ip: FieldPath = [...P, 'ingress', i];
    if (!io) return r.error(ip, 'sidecar: ingress may not be null');
    const port = obj(io.port);
    if (!port)
      return r.error(
        [...ip, 'port'],
        'sidecar: port is required for ingress listeners',
        'add port: {number, protocol, name}',
      );
    if (num(port.targetPort) > 0)
      r.error(
        [...ip, 'port', 'targetPort'],
        'targetPort has no impact on Sidecars',
        'remove targetPort',
      );
    if (str(port.name)) checkPortName(r, [...ip, 'port', 'name'], str(port.name));
    checkProtocol(r, [...ip, 'port', 'protocol'], str(port.protocol));
    checkPort(r, [...ip, 'port', 'number'], num(port.number));
    if (str(io.bind)) {
      const e = ipAddressError(str(io.bind));
      if (e) r.error([...ip, 'bind'], e);
    }
    if (ports.has(num(port.number)))
      r.error(
        [...ip, 'port', 'number'],
        'sidecar: ports on IP bound listeners must be unique',
        'list each port once',
      );
    ports.add(num(port.number));
    const de = str(io.defaultEndpoint);
    if (de) {
      if (de.startsWith('unix://')) {
        const e = unixAddressError(de.slice('unix://'.length));
        if (e) r.error([...ip, 'defaultEndpoint'], e);
      } else {
        // net.SplitHostPort: a port is required, an IPv6 host is bracketed, no stray brackets.
        const split = splitAuthority(de);
        const host = unbracket(split.host);
        const bracketed = host !== split.host;
        const portStr =
          !/[[\]]/.test(host) && (bracketed || !host.includes(':')) ? split.port : undefined;
        if (portStr === undefined)
          r.error([...ip, 'defaultEndpoint'], `address ${de}: missing port in address`);
        else {
          if (host && !['127.0.0.1', '0.0.0.0', '::1', '::'].includes(host))
            r.error(
              [...ip, 'defaultEndpoint'],
              'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset',
              'write 127.0.0.1:<port>',
            );
          if (!/^[-+]?\d+$/.test(portStr))
            r.error(
              [...ip, 'defaultEndpoint'],
              `sidecar: defaultEndpoint port (${portStr}) is not a number`,
            );
          else checkPort(r, [...ip, 'defaultEndpoint'], Number(portStr));
        }
      }
    }
    const tls = obj(io.tls);
    if (tls) {
      if (arr(tls.subjectAltNames).length)
        r.error(
          [...ip, 'tls', 'subjectAltNames'],
          'sidecar: subjectAltNames is not supported in ingress tls',
        );
      if (tls.httpsRedirect === true)
        r.error([...ip, 'tls', 'httpsRedirect'], 'sidecar: httpsRedirect is not supported');
      if (str(tls.credentialName))
        r.error(
          [...ip, 'tls', 'credentialName'],
          'sidecar: credentialName is not currently supported',
          'use serverCertificate/privateKey files',
        );
      const mode = str(tls.mode) || 'PASSTHROUGH';
      if (mode === 'ISTIO_MUTUAL' || mode === 'AUTO_PASSTHROUGH')
        r.error(
          [...ip, 'tls', 'mode'],
          `configuration is invalid: cannot set mode to ${mode} in sidecar ingress tls`,
          'use SIMPLE or MUTUAL',
        );
      checkServerTLS(r, [...ip, 'tls'], tls);
    }
    checkConnectionPool(r, [...ip, 'connectionPool'], io.connectionPool);
    if (obj(io.connectionPool)?.http != null && !protocolIsHTTP(str(port.protocol)))
      r.warn(
        [...ip, 'connectionPool', 'http'],
        `sidecar: HTTP connection pool settings are configured for port ${num(port.number)} (${JSON.stringify(str(port.name))}) but its protocol is not HTTP (${str(port.protocol)}); only TCP settings will apply`,
      );
  });
  checkConnectionPool(r, [...P, 'inboundConnectionPool'], spec.inboundConnectionPool);
  ports = new Set<number>();
  const uds = new Set<string>();
  let catchAll = false;
  egress.forEach((eg, i) => {
    const eo = obj(eg);
    const ep: FieldPath = [...P, 'egress', i];
    if (!eo) return r.error(ep, 'egress listener may not be null');
    const port = obj(eo.port);
    if (!port) {
      if (!catchAll) {
        if (i === egress.length - 1) catchAll = true;
        else
          r.error(
            ep,
            'sidecar: the egress listener with empty port should be the last listener in the list',
            'move the port-less egress listener to the end',
          );
      } else {
        r.error(ep, 'sidecar: egress can have only one listener with empty port');
        return;
      }
    } else {
      if (num(port.targetPort) > 0)
        r.error(
          [...ep, 'port', 'targetPort'],
          'targetPort has no impact on Sidecars',
          'remove targetPort',
        );
      const bind = str(eo.bind);
      if (str(port.name)) checkPortName(r, [...ep, 'port', 'name'], str(port.name));
      checkProtocol(r, [...ep, 'port', 'protocol'], str(port.protocol));
      if (num(port.number) === 0) {
        if (!bind.startsWith('unix://'))
          r.error(
            [...ep, 'bind'],
            'sidecar: ports with 0 value must have a unix domain socket bind address',
            'set bind: unix:///path',
          );
        else {
          const e = unixAddressError(bind.slice('unix://'.length));
          if (e) r.error([...ep, 'bind'], e);
        }
        const cm = str(eo.captureMode) || 'DEFAULT';
        if (cm !== 'DEFAULT' && cm !== 'NONE')
          r.error(
            [...ep, 'captureMode'],
            'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners',
          );
        if (uds.has(bind))
          r.error(
            [...ep, 'bind'],
            'sidecar: unix domain socket values for listeners must be unique',
          );
        uds.add(bind);
      } else {
        checkPort(r, [...ep, 'port', 'number'], num(port.number));
        if (bind) {
          const e = ipAddressError(bind);
          if (e) r.error([...ep, 'bind'], e);
        }
        if (ports.has(num(port.number)))
          r.error(
            [...ep, 'port', 'number'],
            'sidecar: ports on IP bound listeners must be unique',
            'list each port once',
          );
        ports.add(num(port.number));
      }
    }
    const hosts = arr(eo.hosts).map(str);
    if (hosts.length === 0) {
      r.error(
        [...ep, 'hosts'],
        'sidecar: egress listener must contain at least one host',
        EGRESS_HINT,
      );
      return;
    }
    const nsSvcs = new Map<string, Set<string>>();
    hosts.forEach((h, k) => {
      const slash = h.indexOf('/');
      if (slash >= 0) {
        const ns = h.slice(0, slash) === '.' ? namespace : h.slice(0, slash);
        const svc = h.slice(slash + 1);
        const set = nsSvcs.get(ns) ?? new Set<string>();
        nsSvcs.set(ns, set);
        if (svc !== '*' ? set.has(svc) || set.has('*') : set.size !== 0)
          r.warn([...ep, 'hosts', k], `duplicated egress host: ${h}`, 'list each host once');
        set.add(svc);
      }
      checkNamespaceSlashHost(r, [...ep, 'hosts', k], h, false, EGRESS_HINT);
    });
    if (nsSvcs.get('*')?.has('*') && nsSvcs.size !== 1)
      r.warn(
        [...ep, 'hosts'],
        '`*/*` host select all resources, no other hosts can be added',
        'remove the other hosts or */*',
      );
  });
  // validateSidecarOutboundTrafficPolicy
  const otp = obj(spec.outboundTrafficPolicy);
  if (otp && otp.egressProxy != null) {
    const mode = str(otp.mode) || 'REGISTRY_ONLY';
    if (mode !== 'ALLOW_ANY')
      r.error(
        [...P, 'outboundTrafficPolicy', 'egressProxy'],
        'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode',
        'set mode: ALLOW_ANY',
      );
    else {
      const ep = obj(otp.egressProxy) ?? {};
      const fe = fqdnError(str(ep.host));
      if (fe) r.error([...P, 'outboundTrafficPolicy', 'egressProxy', 'host'], fe);
      if (ep.port == null)
        r.error(
          [...P, 'outboundTrafficPolicy', 'egressProxy', 'port'],
          'sidecar: egress_proxy port must be non-nil',
          'add port: {number: N}',
        );
      else checkDestination(r, [...P, 'outboundTrafficPolicy', 'egressProxy'], ep);
    }
  }
}
