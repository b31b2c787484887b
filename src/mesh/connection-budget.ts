// The one downstream connection budget every proxy of `up` shares (docs/security-model.md): below the
// open-file limit by a reserve, so a flood of connections to a gateway is refused while the admin
// API (not counted) still accepts.
import { readFileSync } from 'node:fs';
import { ConnectionBudget, defaultGlobalConnectionLimit } from '../proxy/index.js';

/** The soft `Max open files` of this process (Linux /proc/self/limits); undefined elsewhere. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return soft === 'unlimited' || !Number.isFinite(n) ? undefined : n;
  } catch {
    return undefined;
  }
}

/** `up --max-connections N`, else Envoy's edge value bounded by the open-file limit. */
export function meshConnectionBudget(max: number | undefined): ConnectionBudget {
  return new ConnectionBudget(max ?? defaultGlobalConnectionLimit(openFileLimit()));
}
