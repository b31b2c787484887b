// A watch as the API server streams it (apiserver endpoints/handlers/watch.go): one JSON event per
// line, `ADDED`/`MODIFIED`/`DELETED`/`BOOKMARK`/`ERROR`, resumable from a resourceVersion, `410 Expired`
// in an ERROR event when that revision was compacted (storage/cacher watch_cache.go
// "too old resource version"), ended after timeoutSeconds.
import type { ServerResponse } from 'node:http';
import type { ConfigStore, StoreEvent } from '../config/store.js';
import { expired } from './status.js';
import type { Obj } from './object-source.js';

export interface WatchRequest {
  store: ConfigStore;
  /** Current objects that match (for a watch without resourceVersion or with "0"). */
  current: () => Obj[];
  /** True when a stored object (storage form) belongs to this watch. */
  matches: (obj: Obj) => boolean;
  /** True when a store event concerns this resource at all (kind and namespace). */
  concerns: (event: StoreEvent) => boolean;
  /** Derived views are recomputed on each change and diffed (no stored events). */
  derived: boolean;
  /** For derived views: changes of the running workloads (not in the store). */
  onRuntimeChange?: (fn: () => void) => () => void;
  /** Storage form -> what the client sees (apiVersion of the URL, a Table row...). */
  present: (obj: Obj, first: boolean) => unknown;
  /** apiVersion/kind a BOOKMARK names. */
  bookmarkType: { apiVersion: string; kind: string };
  resourceVersion: string | null;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  bookmarkIntervalMs: number;
}

const keyOf = (o: Obj): string => {
  const m = (o.metadata as Obj | undefined) ?? {};
  return `${String(m.namespace ?? '')}/${String(m.name ?? '')}`;
};

/** Streams a watch on res until the timeout, the client going away, or an expired start. */
export function serveWatch(res: ServerResponse, w: WatchRequest): void {
  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'transfer-encoding': 'chunked',
  });
  // Clients wait for the response headers before reading events (the API server flushes them at once).
  res.flushHeaders();
  let first = true;
  const send = (type: string, object: unknown) => {
    res.write(JSON.stringify({ type, object }) + '\n');
  };
  const sendObj = (type: string, obj: Obj) => {
    send(type, w.present(obj, first));
    first = false;
  };
  // What this watcher has reported as present: a change in or out of its selector becomes ADDED/DELETED.
  const visible = new Map<string, Obj>();

  const rv = w.resourceVersion;
  if (rv === null || rv === '' || rv === '0' || w.derived) {
    for (const obj of w.current()) {
      visible.set(keyOf(obj), obj);
      if (rv === null || rv === '' || rv === '0') sendObj('ADDED', obj);
    }
  } else {
    const from = Number(rv);
    const events = Number.isInteger(from) ? w.store.eventsSince(from) : undefined;
    if (!events) {
      const err = expired(`too old resource version: ${rv} (${w.store.oldestRevision + 1})`);
      send('ERROR', err.status);
      res.end();
      return;
    }
    // Objects that existed at `from`: the current ones minus those created since, plus those deleted since.
    const created = new Set(
      events.filter((e) => e.type === 'ADDED').map((e) => keyOf(e.resource.raw as Obj)),
    );
    for (const obj of w.current()) if (!created.has(keyOf(obj))) visible.set(keyOf(obj), obj);
    for (const e of events) {
      if (e.type === 'DELETED' && w.concerns(e))
        visible.set(keyOf(e.resource.raw as Obj), e.resource.raw as Obj);
    }
    deliver(events);
  }

  function deliver(events: readonly StoreEvent[], runtime = false): void {
    if (w.derived) {
      if (!runtime && !events.some(w.concerns)) return;
      const now = new Map(w.current().map((o) => [keyOf(o), o]));
      for (const [k, o] of now) {
        const before = visible.get(k);
        if (!before) sendObj('ADDED', o);
        else if (JSON.stringify(before) !== JSON.stringify(o)) sendObj('MODIFIED', o);
      }
      for (const [k, o] of visible) if (!now.has(k)) sendObj('DELETED', o);
      visible.clear();
      for (const [k, o] of now) visible.set(k, o);
      return;
    }
    for (const e of events) {
      if (!w.concerns(e)) continue;
      const obj = e.resource.raw as Obj;
      const k = keyOf(obj);
      const was = visible.has(k);
      if (e.type === 'DELETED') {
        if (was) sendObj('DELETED', obj);
        visible.delete(k);
        continue;
      }
      const now = w.matches(obj);
      if (now) {
        sendObj(was ? 'MODIFIED' : 'ADDED', obj);
        visible.set(k, obj);
      } else if (was) {
        sendObj('DELETED', obj);
        visible.delete(k);
      }
    }
  }

  const unsubscribeStore = w.store.subscribeEvents((events) => deliver(events));
  const unsubscribeRuntime =
    w.derived && w.onRuntimeChange ? w.onRuntimeChange(() => deliver([], true)) : () => undefined;
  const unsubscribe = () => {
    unsubscribeStore();
    unsubscribeRuntime();
  };
  const bookmark = () =>
    send('BOOKMARK', {
      kind: w.bookmarkType.kind,
      apiVersion: w.bookmarkType.apiVersion,
      metadata: { resourceVersion: String(w.store.revision) },
    });
  const bookmarks = w.allowBookmarks ? setInterval(bookmark, w.bookmarkIntervalMs) : undefined;
  const finish = () => {
    unsubscribe();
    if (bookmarks) clearInterval(bookmarks);
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(finish, w.timeoutSeconds * 1000);
  res.on('close', finish);
}
