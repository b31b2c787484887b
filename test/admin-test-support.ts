// Shared by the admin and CLI suites: a store validated by validateResource plus one extra rule, so
// refusals are covered whether or not the full validator is present (Istio rejects weight < 0:
// istio/istio pkg/config/validation/validation.go validateWeight).
import {
  ConfigStore,
  validateResource,
  type ConfigDiagnostic,
  type Resource,
} from '../src/config/index.js';
import { ManualClock } from '../src/runtime/clock.js';

export function negativeWeightRule(r: Resource): ConfigDiagnostic[] {
  const http = (r.spec as { http?: { route?: { weight?: number }[] }[] } | undefined)?.http;
  const out: ConfigDiagnostic[] = [];
  (Array.isArray(http) ? http : []).forEach((h, i) =>
    (h.route ?? []).forEach((d, j) => {
      if (typeof d.weight === 'number' && d.weight < 0)
        out.push({
          level: 'Error',
          message: `weight ${d.weight} < 0`,
          resource: { kind: r.kind, namespace: r.metadata.namespace, name: r.metadata.name },
          field: `spec.http[${i}].route[${j}].weight`,
          ...(r.source
            ? { position: r.source.positionOf(['spec', 'http', i, 'route', j, 'weight']) }
            : {}),
          hint: 'weights are 0..100',
        });
    }),
  );
  return out;
}

export function testStore(clock = new ManualClock(1_700_000_000_000)): ConfigStore {
  return new ConfigStore({
    clock,
    validate: (r) => {
      const found = validateResource(r);
      // The full validator reports negative weights itself; add the rule only when it did not.
      return found.some((d) => d.field?.endsWith('.weight'))
        ? found
        : [...found, ...negativeWeightRule(r)];
    },
  });
}
