// file:line of a config object or a field in it, from the positions the YAML parser kept.
import type { ConfigSnapshot } from '../config/index.js';
import type { SourceLocator } from './trace.js';

export function locatorFor(config: ConfigSnapshot): SourceLocator {
  return (kind, namespace, name, path) => {
    const r = config.get(kind, namespace, name);
    if (!r?.source) return undefined;
    const pos = r.source.positionOf(path);
    return `${pos.file}:${pos.line}`;
  };
}
