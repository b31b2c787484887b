// The defaults the API server fills into a pod's containers (kubernetes pkg/apis/core/v1/defaults.go
// SetDefaults_ContainerPort, SetDefaults_Probe, SetDefaults_HTTPGetAction), so `kubectl describe
// pod` and `-o yaml` show `8080/TCP` and `timeout=1s period=10s #success=1 #failure=3` as on a cluster.
import type { JsonObject } from '../config/json-value.js';

type Obj = Record<string, unknown>;

function probeDefaults(p: unknown): unknown {
  if (!p || typeof p !== 'object') return p;
  const probe = p as Obj;
  const http = probe.httpGet as Obj | undefined;
  return {
    ...probe,
    ...(http ? { httpGet: { path: '/', scheme: 'HTTP', ...http } } : {}),
    timeoutSeconds: probe.timeoutSeconds ?? 1,
    periodSeconds: probe.periodSeconds ?? 10,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

function containerDefaults(c: unknown): unknown {
  if (!c || typeof c !== 'object') return c;
  const container = { ...(c as Obj) };
  if (Array.isArray(container.ports))
    container.ports = container.ports.map((p: unknown) =>
      p && typeof p === 'object' ? { protocol: 'TCP', ...(p as Obj) } : p,
    );
  for (const key of ['readinessProbe', 'livenessProbe', 'startupProbe'])
    if (container[key]) container[key] = probeDefaults(container[key]);
  return container;
}

/** A pod spec with the API server's container defaults filled in (given values win). */
export function withPodSpecDefaults(spec: JsonObject): JsonObject {
  const out: Obj = { ...spec };
  for (const key of ['containers', 'initContainers'])
    if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(containerDefaults);
  return out as JsonObject;
}
