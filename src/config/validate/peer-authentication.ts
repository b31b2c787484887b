// PeerAuthentication rules: istio/istio pkg/config/validation/validation.go ValidatePeerAuthentication
// (the webhook's messages, which istioctl validate and analyze IST0106 print). The CRD's CEL rules
// (manifests/charts/base/files/crd-all.gen.yaml: "portLevelMtls requires selector", "port must be
// between 1-65535") say the same two things at the API server.
import type { FieldPath } from '../types.js';
import { checkSelector } from './common.js';
import { type Obj, type Report, obj } from './report.js';

export function validatePeerAuthentication(r: Report, spec: Obj): void {
  const P: FieldPath = ['spec'];
  const matchLabels = obj(obj(spec.selector)?.matchLabels);
  const emptySelector = !matchLabels || Object.keys(matchLabels).length === 0;
  const portLevel = obj(spec.portLevelMtls);
  const ports = portLevel ? Object.keys(portLevel) : [];
  if (emptySelector && ports.length > 0)
    r.error(
      [...P, 'portLevelMtls'],
      'mesh/namespace peer authentication cannot have port level mTLS',
      'add selector.matchLabels, or move the port settings to a workload-level PeerAuthentication',
    );
  if (portLevel && ports.length === 0)
    r.error(
      [...P, 'portLevelMtls'],
      'port level mTLS, if defined, must have at least one element',
      'remove portLevelMtls or add a port',
    );
  for (const port of ports) {
    // The map key is a uint32 in the proto: anything but a number in 1..65535 is out of range.
    const n = /^\d+$/.test(port) ? Number(port) : 0;
    if (n <= 0 || n > 65535)
      r.error(
        [...P, 'portLevelMtls', port],
        'port must be in range 1..65535',
        'keys are workload (container) port numbers',
      );
  }
  // validateWorkloadSelector: empty key / wildcard errors, a selector without labels warns.
  if (spec.selector != null)
    checkSelector(
      r,
      [...P, 'selector'],
      spec.selector,
      'matchLabels',
      'workload selector specified without labels',
    );
}
