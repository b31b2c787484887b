// CRD schema validation for the six networking.istio.io kinds and security.istio.io PeerAuthentication (schemas generated from the CRDs by
// scripts/generate-schemas.mjs and committed under generated/).
import virtualService from './generated/VirtualService.json' with { type: 'json' };
import destinationRule from './generated/DestinationRule.json' with { type: 'json' };
import gateway from './generated/Gateway.json' with { type: 'json' };
import serviceEntry from './generated/ServiceEntry.json' with { type: 'json' };
import workloadEntry from './generated/WorkloadEntry.json' with { type: 'json' };
import sidecar from './generated/Sidecar.json' with { type: 'json' };
import peerAuthentication from './generated/PeerAuthentication.json' with { type: 'json' };
import { walkSchema, type SchemaNode, type SchemaProblem } from './walk.js';

export type { SchemaNode, SchemaProblem } from './walk.js';
export { walkSchema } from './walk.js';

const SCHEMAS: Readonly<Record<string, SchemaNode>> = {
  VirtualService: virtualService as SchemaNode,
  DestinationRule: destinationRule as SchemaNode,
  Gateway: gateway as SchemaNode,
  ServiceEntry: serviceEntry as SchemaNode,
  WorkloadEntry: workloadEntry as SchemaNode,
  Sidecar: sidecar as SchemaNode,
  PeerAuthentication: peerAuthentication as SchemaNode,
};

/** The spec schema of a networking kind, or undefined for kinds without one. */
export function specSchema(kind: string): SchemaNode | undefined {
  return SCHEMAS[kind];
}

/** Checks a resource's spec against its CRD schema; paths start with `spec`. */
export function validateSpecSchema(kind: string, spec: unknown): SchemaProblem[] {
  const schema = SCHEMAS[kind];
  if (!schema) return [];
  return walkSchema(spec, schema, schema.$defs ?? {}, ['spec']);
}
