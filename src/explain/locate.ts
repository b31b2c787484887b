// file:line of a config object or a field in it, from the positions the YAML parser kept.
import type { ConfigSnapshot } from '../config/index.js';
import type { SourceLocator } from './trace.js';

export function locatorFor(config: ConfigSnapshot): SourceLocator {
  return (kind, namespace, name, path, subset) => {
    const r = config.get(kind, namespace, name);
    if (!r?.source) return undefined;
    const subsets = (r.spec as { subsets?: { name?: string }[] } | undefined)?.subsets;
    const i = subset && Array.isArray(subsets) ? subsets.findIndex((s) => s?.name === subset) : -1;
    const pos = r.source.positionOf(i >= 0 ? ['spec', 'subsets', i] : path);
    return `${pos.file}:${pos.line}`;
  };
}
