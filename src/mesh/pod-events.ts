// Events about pods as the kubelet and scheduler record them (kubernetes pkg/kubelet/events/event.go
// reasons; k8s.io/client-go tools/record events_cache.go aggregates a repeated event into one object
// whose count and lastTimestamp grow), written to the store for `kubectl get events` and `describe`.
import { resourceFromObject, kubeTime, type ConfigStore, type Resource } from '../config/index.js';
import type { JsonObject } from '../config/json-value.js';
import type { Clock } from '../runtime/clock.js';

export class PodEvents {
  private seq = 0;
  private readonly byKey = new Map<string, string>();

  constructor(
    private readonly store: ConfigStore,
    private readonly clock: Clock,
  ) {}

  record(
    pod: Resource,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    component: string,
    fieldPath?: string,
  ): void {
    const ns = pod.metadata.namespace;
    const uid = String((pod.raw.metadata as Record<string, unknown> | undefined)?.uid ?? '');
    const key = `${uid}|${reason}|${message}|${fieldPath ?? ''}`;
    const now = kubeTime(this.clock.now());
    try {
      const existing = this.byKey.get(key);
      const live = existing ? this.store.get('Event', ns, existing) : undefined;
      if (live) {
        const raw = live.raw as JsonObject;
        const next = resourceFromObject(
          { ...raw, count: Number(raw.count ?? 1) + 1, lastTimestamp: now } as JsonObject,
          ns,
        );
        if (next) this.store.update(next);
        return;
      }
      // The recorder names events <object>.<unique hex suffix> (events_cache.go makeEvent).
      const name = `${pod.metadata.name}.${(this.clock.now() * 1000 + this.seq++).toString(16)}`;
      const obj = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: ns },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: pod.metadata.name,
          namespace: ns,
          uid,
          ...(fieldPath ? { fieldPath } : {}),
        },
        reason,
        message,
        source: { component, ...(component === 'kubelet' ? { host: 'switchyard' } : {}) },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: component === 'kubelet' ? 'switchyard' : '',
      } as unknown as JsonObject;
      const resource = resourceFromObject(obj, ns);
      if (!resource) return;
      this.store.create(resource);
      this.byKey.set(key, name);
    } catch {
      // An event that cannot be recorded is dropped, as the recorder drops on a full queue.
    }
  }
}
