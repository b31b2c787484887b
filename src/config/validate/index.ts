// Validation equal to Istio's admission webhook: the CRD schema (types, enums, oneofs, required,
// unknown fields) and then the semantic rules of istio/istio pkg/config/validation.
import { specSchema, validateSpecSchema } from '../schema/index.js';
import { formatFieldPath, refOf, type ConfigDiagnostic, type Resource } from '../types.js';
import { validateDestinationRule } from './destination-rule.js';
import { validateGateway } from './gateway.js';
import { Report, obj, type Finding } from './report.js';
import { validateServiceEntry, validateWorkloadEntry } from './service-entry.js';
import { validatePeerAuthentication } from './peer-authentication.js';
import { validateSidecar } from './sidecar.js';
import { validateVirtualService } from './virtual-service.js';

export type { Finding } from './report.js';

// Top-level fields the API server knows for a custom resource.
const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

/** True for the kinds this module validates (the six networking.istio.io kinds, PeerAuthentication). */
export function isValidatedKind(kind: string): boolean {
  return specSchema(kind) !== undefined;
}

/** Validates one resource; Error-level diagnostics mean the webhook would reject it. */
export function validateResource(resource: Resource): ConfigDiagnostic[] {
  if (!isValidatedKind(resource.kind)) return [];
  const findings = validateFindings(resource);
  return findings.map((f) => toDiagnostic(resource, f));
}

/** Validates many resources; diagnostics in input order. */
export function validateResources(resources: readonly Resource[]): ConfigDiagnostic[] {
  return resources.flatMap((r) => validateResource(r));
}

/** The raw findings (path + message) of one resource, before positions are attached. */
export function validateFindings(resource: Resource): Finding[] {
  const report = new Report();
  for (const key of Object.keys(resource.raw))
    if (!TOP_LEVEL.has(key))
      report.error(
        [key],
        `unknown field "${key}"`,
        'top-level fields are apiVersion, kind, metadata and spec',
      );
  if (!resource.metadata.name)
    report.error(['metadata', 'name'], 'name or generateName is required', 'set metadata.name');
  const problems = validateSpecSchema(resource.kind, resource.spec);
  for (const p of problems) report.error(p.path, p.message, p.hint);
  // The API server rejects schema errors before the webhook runs; Istio's rules only see valid shapes.
  if (problems.length > 0) return report.findings;
  const spec = obj(resource.spec) ?? {};
  const ns = resource.metadata.namespace;
  switch (resource.kind) {
    case 'VirtualService':
      validateVirtualService(report, spec, ns);
      break;
    case 'DestinationRule':
      validateDestinationRule(report, spec, ns);
      break;
    case 'Gateway':
      validateGateway(report, spec, resource.metadata.name);
      break;
    case 'ServiceEntry':
      validateServiceEntry(report, spec, ns, resource.metadata.labels);
      break;
    case 'WorkloadEntry':
      validateWorkloadEntry(report, spec);
      break;
    case 'Sidecar':
      validateSidecar(report, spec, ns);
      break;
    case 'PeerAuthentication':
      validatePeerAuthentication(report, spec);
      break;
  }
  // istio/istio pkg/config/validation validateMetadata: the always-reject annotation.
  if ('istio.io/always-reject' in resource.metadata.annotations)
    report.error(
      ['metadata', 'annotations', 'istio.io/always-reject'],
      '"istio.io/always-reject" annotation found, rejecting',
    );
  return report.findings;
}

function toDiagnostic(resource: Resource, f: Finding): ConfigDiagnostic {
  const position = resource.source?.positionOf(f.path);
  return {
    level: f.level,
    message: f.message,
    ...(position ? { position } : {}),
    resource: refOf(resource),
    field: formatFieldPath(f.path),
    ...(f.hint ? { hint: f.hint } : {}),
    ...(f.code ? { code: f.code } : {}),
  };
}
