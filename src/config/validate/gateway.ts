// Gateway rules: istio/istio pkg/config/validation/validation.go ValidateGateway, validateServer,
// validateServerPort, validateServerBind, validateTLSOptions and agent.ValidateNamespaceSlashWildcardHostname.
import type { FieldPath } from '../types.js';
import {
  checkPort,
  ipAddressError,
  isDNS1123Label,
  parseProtocol,
  partialWildcardError,
  protocolIsHTTP,
  protocolIsTLS,
  unixAddressError,
  wildcardDomainError,
} from './common.js';
import { isIpAddress } from '../names.js';
import { type Obj, type Report, arr, num, obj, q, str } from './report.js';

const GW_HOST_HINT =
  'write [namespace/]dnsName with an FQDN, * or *.example.com, e.g. "*/bookinfo.example.com"';

export function validateGateway(r: Report, spec: Obj, name: string): void {
  const P: FieldPath = ['spec'];
  if (!isDNS1123Label(name))
    r.error(
      ['metadata', 'name'],
      `invalid gateway name: ${q(name)}`,
      'Gateway names are DNS-1123 labels (no dots)',
    );
  const servers = arr(spec.servers);
  if (servers.length === 0)
    r.error(
      [...P, 'servers'],
      'gateway must have at least one server',
      'add a server with port and hosts',
    );
  servers.forEach((s, i) => {
    const so = obj(s);
    if (so) validateServer(r, [...P, 'servers', i], so);
  });
  const portNames = new Set<string>();
  servers.forEach((s, i) => {
    const so = obj(s);
    if (!so) return r.error([...P, 'servers', i], 'server may not be nil');
    const port = obj(so.port);
    if (!port) return;
    const pn = str(port.name);
    if (portNames.has(pn))
      r.error(
        [...P, 'servers', i, 'port', 'name'],
        `port names in servers must be unique: duplicate name ${pn}`,
        'give each server port a unique name',
      );
    portNames.add(pn);
    if (!protocolIsHTTP(str(port.protocol)) && obj(so.tls)?.httpsRedirect === true)
      r.warn(
        [...P, 'servers', i, 'tls', 'httpsRedirect'],
        'tls.httpsRedirect should only be used with http servers',
        'remove httpsRedirect from non-HTTP servers',
      );
  });
}

// agent.ValidateNamespaceSlashWildcardHostname (isGateway or sidecar)
export function checkNamespaceSlashHost(
  r: Report,
  path: FieldPath,
  hostname: string,
  isGateway: boolean,
  hint: string,
): void {
  const slash = hostname.indexOf('/');
  if (slash < 0) {
    if (isGateway) return checkHostPart(r, path, hostname, true, hint);
    return r.error(path, 'host must be of form namespace/dnsName', hint);
  }
  const ns = hostname.slice(0, slash);
  const host = hostname.slice(slash + 1);
  if (!ns || !host)
    r.error(path, 'config namespace and dnsName in host entry cannot be empty', hint);
  if (ns !== '*' && ns !== '.' && (isGateway || ns !== '~') && !isDNS1123Label(ns))
    r.error(path, `invalid namespace value ${q(ns)} in ${isGateway ? 'gateway' : 'sidecar'}`, hint);
  checkHostPart(r, path, host, isGateway, hint);
}

// validateSidecarOrGatewayHostnamePart
function checkHostPart(
  r: Report,
  path: FieldPath,
  hostname: string,
  isGateway: boolean,
  hint: string,
): void {
  if (hostname !== '*' && !hostname.includes('.'))
    r.error(path, 'short names (non FQDN) are not allowed', hint);
  const e = wildcardDomainError(hostname);
  if (e && !(isGateway && isIpAddress(hostname))) r.error(path, e, hint);
  const pw = partialWildcardError(hostname);
  if (pw) r.error(path, pw, hint);
}

function validateServer(r: Report, p: FieldPath, s: Obj): void {
  const hosts = arr(s.hosts).map(str);
  if (hosts.length === 0)
    r.error(
      [...p, 'hosts'],
      'server config must contain at least one host',
      'add hosts, e.g. ["*"]',
    );
  hosts.forEach((h, i) => checkNamespaceSlashHost(r, [...p, 'hosts', i], h, true, GW_HOST_HINT));
  const port = obj(s.port);
  const bind = str(s.bind);
  let portOk = true;
  if (!port) {
    r.error([...p, 'port'], 'port is required', 'add port: {number, name, protocol}');
    portOk = false;
  } else {
    if (parseProtocol(str(port.protocol)) === 'UNSUPPORTED') {
      r.error(
        [...p, 'port', 'protocol'],
        `invalid protocol ${q(str(port.protocol))}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`,
        'use HTTP, HTTPS, GRPC, HTTP2, TCP, TLS or MONGO',
      );
      portOk = false;
    }
    if (num(port.number) > 0 || !bind.startsWith('unix://')) {
      const before = r.findings.length;
      checkPort(r, [...p, 'port', 'number'], num(port.number));
      if (r.findings.length > before) portOk = false;
    }
    if (num(port.targetPort) > 0) {
      r.error(
        [...p, 'port', 'targetPort'],
        'targetPort has no impact on Gateways',
        'remove targetPort',
      );
      portOk = false;
    }
    if (str(port.name) === '') {
      r.error(
        [...p, 'port', 'name'],
        `port name must be set: number:${num(port.number)} protocol:${q(str(port.protocol))}`,
        'add port.name, e.g. http',
      );
      portOk = false;
    }
  }
  if (bind.startsWith('unix://')) {
    const e = unixAddressError(bind.slice('unix://'.length));
    if (e) r.error([...p, 'bind'], e);
    if (port && num(port.number) !== 0)
      r.error(
        [...p, 'port', 'number'],
        'port number must be 0 for unix domain socket',
        'use number: 0 with a unix:// bind',
      );
  } else if (bind) {
    const e = ipAddressError(bind);
    if (e) r.error([...p, 'bind'], e, 'write an IP address or unix:///path');
  }
  const tls = obj(s.tls);
  checkServerTLS(r, [...p, 'tls'], tls);
  if (portOk && port) {
    const proto = str(port.protocol);
    if (protocolIsTLS(proto) && !tls)
      r.error(
        [...p, 'tls'],
        'server must have TLS settings for HTTPS/TLS protocols',
        'add tls: {mode: SIMPLE, credentialName: ...}',
      );
    else if (!protocolIsTLS(proto) && tls) {
      if (protocolIsHTTP(proto)) {
        const mode = str(tls.mode) || 'PASSTHROUGH';
        const passthrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
        if (
          !passthrough ||
          str(tls.caCertificates) ||
          str(tls.privateKey) ||
          str(tls.serverCertificate)
        )
          r.error(
            [...p, 'tls'],
            'server cannot have TLS settings for plain text HTTP ports',
            'on an HTTP port tls may only carry httpsRedirect; use protocol HTTPS for TLS',
          );
      } else
        r.error(
          [...p, 'tls'],
          'server cannot have TLS settings for non HTTPS/TLS ports',
          'remove tls, or use protocol HTTPS or TLS',
        );
    }
  }
}

// validateTLSOptions (server side; also used by Sidecar ingress)
export function checkServerTLS(r: Report, p: FieldPath, tls: Obj | undefined): void {
  if (!tls) return;
  const mode = str(tls.mode) || 'PASSTHROUGH';
  const minV = str(tls.minProtocolVersion);
  if ((minV === 'TLSV1_0' || minV === 'TLSV1_1') && arr(tls.cipherSuites).length === 0)
    r.warn(
      [...p, 'minProtocolVersion'],
      'TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.',
      'set cipherSuites',
    );
  if (mode === 'ISTIO_MUTUAL') {
    // pkg/config/validation/validation.go validateTLSOptions: ISTIO_MUTUAL carries no material of its own.
    for (const [field, what] of [
      ['serverCertificate', 'server certificate'],
      ['privateKey', 'private key'],
      ['caCertificates', 'CA bundle'],
      ['credentialName', 'credentialName'],
    ] as const)
      if (str(tls[field]))
        r.error(
          [...p, field],
          `ISTIO_MUTUAL TLS cannot have associated ${what}`,
          'remove it; ISTIO_MUTUAL uses Istio certificates',
        );
    return;
  }
  if (
    (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') &&
    (str(tls.caCrl) ||
      str(tls.serverCertificate) ||
      str(tls.privateKey) ||
      str(tls.caCertificates) ||
      str(tls.credentialName))
  )
    r.warn(
      p,
      `${mode} mode does not use certificates, they will be ignored`,
      'remove the certificate fields',
    );
  const hasCredential =
    str(tls.credentialName) ||
    arr(tls.credentialNames).length > 0 ||
    arr(tls.tlsCertificates).length > 0;
  if ((mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') && hasCredential)
    return;
  const certHint =
    'set credentialName (a Kubernetes TLS secret), or serverCertificate and privateKey';
  if (mode === 'SIMPLE') {
    if (!str(tls.serverCertificate))
      r.error(p, 'SIMPLE TLS requires a server certificate', certHint);
    if (!str(tls.privateKey)) r.error(p, 'SIMPLE TLS requires a private key', certHint);
  } else if (mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') {
    if (!str(tls.serverCertificate))
      r.error(p, 'MUTUAL TLS requires a server certificate', certHint);
    if (!str(tls.privateKey)) r.error(p, 'MUTUAL TLS requires a private key', certHint);
    if (!str(tls.caCertificates))
      r.error(p, 'MUTUAL TLS requires a client CA bundle', 'set caCertificates, or credentialName');
  }
  if (str(tls.caCrl)) {
    if (str(tls.credentialName))
      r.error(
        [...p, 'caCrl'],
        'CRL is not supported with credentialName. CRL has to be specified in the credential',
      );
    if (mode === 'SIMPLE') r.error([...p, 'caCrl'], 'CRL is not supported with SIMPLE TLS');
  }
}
