// Validation equal to Istio's admission webhook: CRD schema plus pkg/config/validation rules.
// (Placeholder signature; the implementation lands with the validation work.)
import type { ConfigDiagnostic, Resource } from '../types.js';

/** Validates one resource; Error-level diagnostics mean the webhook would reject it. */
export function validateResource(_resource: Resource): ConfigDiagnostic[] {
  return [];
}
