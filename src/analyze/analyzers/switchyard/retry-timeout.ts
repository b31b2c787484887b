// switchyard.RetryTimeoutAnalyzer: a route timeout shorter than attempts x perTryTimeout (SY0004). The
// route timeout bounds all tries together (Envoy route.RouteAction.timeout "spans between the point at
// which the entire downstream request has been processed ... and when the upstream response has been
// completely processed", including retries), so later attempts never run.
import type { VirtualServiceSpec } from '../../../config/istio-types.js';
import type { Analyzer } from '../../types.js';
import { durationMs, formatDurationMs } from '../../../units/index.js';
import { ruleLabel } from '../../util/rules.js';

export const retryTimeoutAnalyzer: Analyzer = {
  name: 'switchyard.RetryTimeoutAnalyzer',
  description: 'Checks that a route timeout leaves room for its retries',
  inputs: ['VirtualService'],
  analyze(ctx) {
    for (const r of ctx.snapshot.byKind('VirtualService')) {
      const vs = r.spec as VirtualServiceSpec;
      (vs.http ?? []).forEach((rule, i) => {
        const timeout = durationMs(rule?.timeout);
        const attempts = rule?.retries?.attempts ?? 0;
        const perTry = durationMs(rule?.retries?.perTryTimeout);
        if (!timeout || attempts <= 0 || !perTry) return;
        const total = attempts * perTry;
        if (timeout < total)
          ctx.report(
            'SY0004',
            r,
            [
              ruleLabel('http', i, rule?.name),
              rule?.timeout ?? '',
              attempts,
              rule?.retries?.perTryTimeout ?? '',
              formatDurationMs(total),
            ],
            ['spec', 'http', i, 'timeout'],
          );
      });
    }
  },
};
