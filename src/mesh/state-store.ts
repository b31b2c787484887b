// `up`'s config store survives restarts and crashes: what a previous run committed is read back from
// `$SWITCHYARD_HOME/state` before anything else is applied, and every later change is logged (fsync)
// before it takes effect (docs/security-model.md "Where state lives").
import {
  EncodedWalRecord,
  encodedJson,
  resourceKey,
  WriteAheadLog,
  type ConfigStore,
  type Resource,
  type StoredObject,
} from '../config/index.js';

export interface StateStore {
  /** What was restored, for the startup output. */
  lines: string[];
  close(): void;
}

/** Restores `store` from `dir` (unless `fresh`) and makes its changes durable there from now on. */
export function openStateStore(
  store: ConfigStore,
  dir: string,
  options: { fresh: boolean },
): StateStore {
  const lines: string[] = [];
  if (options.fresh) {
    WriteAheadLog.erase(dir);
    lines.push(`starting with an empty config store (--fresh): earlier state in ${dir} discarded`);
  }
  const { wal, state } = WriteAheadLog.open(dir);
  const objects = new Map<string, StoredObject>();
  for (const o of state.image?.objects ?? []) objects.set(storedKey(o), o);
  let revision = state.image?.revision ?? 0;
  for (const record of state.records) {
    for (const key of record.deleted) objects.delete(key);
    for (const o of record.put) objects.set(storedKey(o), o);
    revision = record.revision;
  }
  if (revision > 0) {
    store.restore([...objects.values()], revision);
    lines.push(
      `restored ${objects.size} object${objects.size === 1 ? '' : 's'} (revision ${revision}) from ${dir}; up --fresh starts empty`,
    );
  }
  if (state.droppedBytes > 0)
    lines.push(
      `warning: dropped an incomplete last change (${state.droppedBytes} bytes) from ${dir}: it was never committed`,
    );
  // The image of what was restored: the next run reads one file instead of replaying the log.
  if (state.records.length > 0) wal.compact({ revision, objects: [...objects.values()] });
  store.setWriteAhead((rev, events, items) => {
    // Objects' JSON as the apply encoded it in its slices: the commit only joins text.
    const record = new EncodedWalRecord(rev);
    for (const e of events) {
      if (kubeletOwned(e.resource)) continue;
      if (e.type === 'DELETED') record.delete(resourceKey(e.resource));
      else record.put(e.resource.kind, e.resource.namespaceExplicit, encodedJson(e.resource));
    }
    if (!record.empty) wal.append(record);
    if (wal.needsCompaction())
      wal.compact({ revision: rev, objects: items.filter((r) => !kubeletOwned(r)).map(stored) });
  });
  return {
    lines,
    close() {
      store.setWriteAhead(undefined);
      wal.close();
    },
  };
}

/**
 * What the local kubelet and its controllers make from the user's objects (ReplicaSets, their Pods,
 * Events) is rebuilt on every start, as a node's pods are after a reboot: never persisted.
 */
function kubeletOwned(r: Resource): boolean {
  if (r.kind === 'ReplicaSet' || r.kind === 'Event') return true;
  const owners = (r.raw as { metadata?: { ownerReferences?: unknown[] } }).metadata
    ?.ownerReferences;
  return r.kind === 'Pod' && Array.isArray(owners) && owners.length > 0;
}

function stored(r: Resource): StoredObject {
  return {
    kind: r.kind,
    namespaceExplicit: r.namespaceExplicit,
    object: r.raw as Record<string, unknown>,
  };
}

function storedKey(o: StoredObject): string {
  const meta = (o.object.metadata ?? {}) as { namespace?: unknown; name?: unknown };
  return resourceKey({
    kind: o.kind,
    metadata: { namespace: String(meta.namespace ?? ''), name: String(meta.name ?? '') },
  });
}
