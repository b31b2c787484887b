// Error bodies as the Kubernetes API server writes them (apimachinery metav1.Status), plus the
// Switchyard diagnostics (file:line) so the CLI can print where a refused change went wrong.
import { formatDiagnostic, type ConfigDiagnostic } from '../config/types.js';
import { StoreError } from '../config/store.js';
import { BodyTooLargeError } from './http-util.js';

export interface StatusFailure {
  kind: string;
  namespace: string;
  name: string;
  typeName: string;
  operation: string;
  file?: string;
  message: string;
  lines: string[];
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure';
  code: number;
  /** metav1.StatusReason; absent for an admission webhook denial, as Kubernetes sends it. */
  reason?: string;
  message: string;
  diagnostics?: ConfigDiagnostic[];
  /** formatDiagnostic lines: `file:line:col: error: Kind ns/name: field: message`. */
  lines?: string[];
  details?: { failures: StatusFailure[] };
}

export function status(
  code: number,
  reason: string | undefined,
  message: string,
  diagnostics?: ConfigDiagnostic[],
): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    ...(reason ? { reason } : {}),
    message,
    ...(diagnostics && diagnostics.length > 0
      ? { diagnostics, lines: diagnostics.map(formatDiagnostic) }
      : {}),
  };
}

/** The webhook's denial text (apiserver ToStatusErr + Istio admitPilot's `configuration is invalid`). */
export function admissionDenied(messages: readonly string[]): string {
  return `admission webhook "validation.istio.io" denied the request: configuration is invalid: ${messages.join('; ')}`;
}

function diagnosticText(d: ConfigDiagnostic): string {
  return d.field ? `${d.field}: ${d.message}` : d.message;
}

/** A Status for any error thrown while serving; StoreErrors keep their reason and failures. */
export function statusFromError(err: unknown): StatusBody {
  if (err instanceof BodyTooLargeError) return status(413, 'RequestEntityTooLarge', err.message);
  if (!(err instanceof StoreError))
    return status(500, 'InternalError', (err as Error)?.message ?? String(err));
  switch (err.reason) {
    case 'NotFound':
      return status(404, 'NotFound', err.message);
    case 'BadRequest':
      return status(400, 'BadRequest', err.message, err.diagnostics);
    case 'Invalid':
      return status(422, 'Invalid', err.message, err.diagnostics);
    case 'AlreadyExists':
      return status(409, 'AlreadyExists', err.message);
    case 'Conflict':
      return status(409, 'Conflict', err.message);
    // apiserver responsewriters ErrorToAPIStatus: a storage error that is no API status is a 500
    // carrying the error's text, reason unknown.
    case 'RequestTooLarge':
      return status(500, undefined, err.message);
    case 'AdmissionDenied': {
      const failures: StatusFailure[] = err.failures.map((f) => ({
        kind: f.ref.kind,
        namespace: f.ref.namespace,
        name: f.ref.name,
        typeName: f.typeName,
        operation: f.operation,
        ...(f.file ? { file: f.file } : {}),
        message: admissionDenied(f.diagnostics.map(diagnosticText)),
        lines: f.diagnostics.map(formatDiagnostic),
      }));
      const body = status(
        400,
        undefined,
        admissionDenied(err.diagnostics.map(diagnosticText)),
        err.diagnostics,
      );
      return { ...body, details: { failures } };
    }
  }
}
