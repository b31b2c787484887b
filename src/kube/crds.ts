// Read-only CustomResourceDefinition objects for the kinds Switchyard serves as custom resources
// (Istio's and its own Workload), so `kubectl get crd` lists them as on a cluster with Istio.
import { API_RESOURCES, type ApiResource } from './catalog.js';
import { inlineSchema, specSchemaOf, type OpenApiSchema } from './openapi-schemas.js';

/** The CRD's name: `<plural>.<group>`. */
export const crdName = (r: ApiResource): string => `${r.plural}.${r.group}`;

/** The resources published as CRDs, in catalog order. */
export function crdResources(): ApiResource[] {
  return API_RESOURCES.filter((r) => r.source === 'crd');
}

function openAPIV3Schema(r: ApiResource): OpenApiSchema {
  const spec = specSchemaOf(r);
  const kindDoc = typeof spec?.description === 'string' ? spec.description : '';
  return {
    ...(kindDoc ? { description: kindDoc } : {}),
    type: 'object',
    properties: {
      spec: spec
        ? inlineSchema(spec)
        : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      // Istio's CRDs leave status open (istio/istio manifests/charts/base/files/crd-all.gen.yaml).
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    required: ['spec'],
  };
}

/**
 * The CRD object of one served custom resource (apiextensions.k8s.io/v1), Established, with the
 * catalog's names, versions (preferred = storage), printer columns and status subresource.
 * `createdAt` is an RFC 3339 time (the server's start, injected).
 */
export function customResourceDefinition(
  r: ApiResource,
  createdAt: string,
): Record<string, unknown> {
  const names = {
    plural: r.plural,
    singular: r.singular,
    kind: r.kind,
    listKind: r.listKind,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
  };
  // Name is implicit in a CRD's columns; Age is the default when none are declared.
  const columns = r.columns
    .filter((c) => c.name !== 'Name')
    .map((c) => ({
      name: c.name,
      type: c.type,
      jsonPath: c.jsonPath ?? '.metadata.creationTimestamp',
      description: c.description,
      ...(c.priority ? { priority: c.priority } : {}),
    }));
  const schema = openAPIV3Schema(r);
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    lastTransitionTime: createdAt,
    reason,
    message,
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(r),
      creationTimestamp: createdAt,
      generation: 1,
      resourceVersion: '1',
      labels: r.group.endsWith('istio.io') ? { 'app.kubernetes.io/part-of': 'istio' } : {},
    },
    spec: {
      group: r.group,
      names,
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      versions: r.versions.map((v, i) => ({
        name: v,
        served: true,
        storage: i === 0,
        additionalPrinterColumns: columns,
        schema: { openAPIV3Schema: schema },
        ...(r.subresources.some((s) => s.name === 'status')
          ? { subresources: { status: {} } }
          : {}),
      })),
      conversion: { strategy: 'None' },
    },
    // k8s.io/apiextensions-apiserver pkg/controller/establish and status/naming_controller.go.
    status: {
      conditions: [
        condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
      acceptedNames: names,
      storedVersions: [r.versions[0] ?? 'v1'],
    },
  };
}

/** Every CRD object, sorted by name as the API server lists them. */
export function customResourceDefinitions(createdAt: string): Record<string, unknown>[] {
  return crdResources()
    .sort((a, b) => (crdName(a) < crdName(b) ? -1 : 1))
    .map((r) => customResourceDefinition(r, createdAt));
}

/** The CRD object named `<plural>.<group>`, or undefined. */
export function findCustomResourceDefinition(
  name: string,
  createdAt: string,
): Record<string, unknown> | undefined {
  const r = crdResources().find((x) => crdName(x) === name);
  return r ? customResourceDefinition(r, createdAt) : undefined;
}
