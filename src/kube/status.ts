// metav1.Status bodies worded exactly as the API server words them
// (kubernetes staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go).
import { StoreError } from '../config/store.js';
import { admissionDenied } from '../admin/status.js';
import type { ConfigDiagnostic } from '../config/types.js';

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message: string; field?: string }[];
    retryAfterSeconds?: number;
  };
  code: number;
}

/** An API error carrying its Status; thrown anywhere in the REST layer, answered at one place. */
export class KubeApiError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message ?? '');
  }
}

function failure(
  code: number,
  reason: string | undefined,
  message: string,
  details?: KubeStatus['details'],
): KubeApiError {
  return new KubeApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    ...(reason ? { reason } : {}),
    ...(details ? { details } : {}),
    code,
  });
}

/** A resource named as the API server names it: `virtualservices.networking.istio.io` or `pods`. */
export interface QualifiedResource {
  group: string;
  resource: string;
}

export const qualified = (q: QualifiedResource): string =>
  q.group ? `${q.resource}.${q.group}` : q.resource;

/** errors.NewNotFound. */
export const notFound = (q: QualifiedResource, name: string): KubeApiError =>
  failure(404, 'NotFound', `${qualified(q)} "${name}" not found`, {
    name,
    group: q.group,
    kind: q.resource,
  });

/** The generic 404 of a path no handler serves (apiserver notfoundhandler + NewGenericServerResponse). */
export const noSuchPath = (): KubeApiError =>
  failure(404, 'NotFound', 'the server could not find the requested resource', {});

/** errors.NewAlreadyExists. */
export const alreadyExists = (q: QualifiedResource, name: string): KubeApiError =>
  failure(409, 'AlreadyExists', `${qualified(q)} "${name}" already exists`, {
    name,
    group: q.group,
    kind: q.resource,
  });

/** errors.NewConflict with the message the caller gives. */
export const conflict = (q: QualifiedResource, name: string, message: string): KubeApiError =>
  failure(409, 'Conflict', message, { name, group: q.group, kind: q.resource });

/** errors.NewBadRequest. */
export const badRequest = (message: string): KubeApiError => failure(400, 'BadRequest', message);

/** errors.NewInvalid: `<Kind>.<group> "<name>" is invalid: <field>: <reason>`. */
export const invalid = (
  kind: string,
  group: string,
  name: string,
  causes: { field: string; message: string; reason?: string }[],
): KubeApiError => {
  const text = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = text.length === 1 ? text[0]! : `[${text.join(', ')}]`;
  return failure(
    422,
    'Invalid',
    `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${summary}`,
    {
      name,
      group,
      kind,
      causes: causes.map((c) => ({
        reason: c.reason ?? 'FieldValueInvalid',
        message: c.message,
        field: c.field,
      })),
    },
  );
};

/** errors.NewMethodNotSupported. */
export const methodNotSupported = (q: QualifiedResource, action: string): KubeApiError =>
  failure(
    405,
    'MethodNotAllowed',
    `${action} is not supported on resources of kind "${qualified(q)}"`,
    {
      group: q.group,
      kind: q.resource,
    },
  );

/** errors.NewResourceExpired: a watch or continue token from a compacted revision. */
export const expired = (message: string): KubeApiError => failure(410, 'Expired', message);

/** errors.NewUnauthorized as the authenticator answers a bad bearer token. */
export const unauthorized = (): KubeApiError => failure(401, 'Unauthorized', 'Unauthorized');

/** errors.NewRequestEntityTooLargeError (apiserver endpoints/handlers/rest.go limitedReadBody). */
export const tooLarge = (limit: number): KubeApiError =>
  failure(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

/** negotiation.NewUnsupportedMediaTypeError: the patch types a custom resource accepts. */
export const unsupportedMediaType = (accepted: readonly string[]): KubeApiError =>
  failure(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );

/** errors.NewForbidden. */
export const forbidden = (q: QualifiedResource, name: string, message: string): KubeApiError =>
  failure(403, 'Forbidden', `${qualified(q)} "${name}" is forbidden: ${message}`, {
    name,
    group: q.group,
    kind: q.resource,
  });

/** errors.NewInternalError. */
export const internalError = (err: unknown): KubeApiError =>
  failure(
    500,
    'InternalError',
    `Internal error occurred: ${(err as Error)?.message ?? String(err)}`,
  );

function diagnosticText(d: ConfigDiagnostic): string {
  return d.field ? `${d.field}: ${d.message}` : d.message;
}

/**
 * A store refusal as the API server reports it. Validation refusals of the Istio kinds are the
 * validation.istio.io webhook's denial (400, no reason: apiserver admission/plugin/webhook/errors
 * ToStatusErr + istio/istio pkg/webhooks/validation/server/server.go admitPilot).
 */
export function fromStoreError(err: StoreError, q: QualifiedResource, name: string): KubeApiError {
  switch (err.reason) {
    case 'NotFound':
      return notFound(q, name);
    case 'AlreadyExists':
      return alreadyExists(q, name);
    case 'Conflict':
      return conflict(q, name, err.message);
    case 'BadRequest':
      return badRequest(err.message);
    case 'Invalid':
      return failure(422, 'Invalid', err.message);
    case 'AdmissionDenied':
      return failure(400, undefined, admissionDenied(err.diagnostics.map(diagnosticText)));
    // etcd's own error, passed on as a 500 without a reason (apiserver ErrorToAPIStatus).
    case 'RequestTooLarge':
      return failure(500, undefined, err.message);
  }
}
