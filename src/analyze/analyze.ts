// Runs analyzers over a config snapshot and collects their messages; pure (no I/O, time injected).
import type { ConfigSnapshot, Resource } from '../config/index.js';
import { goSprintf } from './go-format.js';
import { messageType } from './messages.js';
import { ALL_ANALYZERS } from './registry.js';
import type { AnalysisContext, AnalysisMessage, Analyzer } from './types.js';

export interface AnalyzeOptions {
  /** Run only these analyzers (Istio names); all when absent or empty. */
  analyzers?: readonly string[];
  /** "Now" for certificate validity; defaults to the current time. */
  now?: Date;
  /** Cluster DNS domain (cluster.local). */
  domain?: string;
}

/** Analyzes a snapshot; messages come in analyzer order, then report order. */
export function analyze(snapshot: ConfigSnapshot, options: AnalyzeOptions = {}): AnalysisMessage[] {
  const selected = selectAnalyzers(options.analyzers);
  const messages: AnalysisMessage[] = [];
  for (const analyzer of selected) {
    const push = (
      code: string,
      resource: Resource,
      args: AnalysisMessage['args'],
      text: string,
      field?: readonly (string | number)[],
    ): void => {
      const type = messageType(code);
      const position = resource.source
        ? field
          ? resource.source.positionOf(field)
          : { file: resource.source.file, line: resource.source.line, col: resource.source.col }
        : undefined;
      messages.push({
        code,
        level: type.level,
        name: type.name,
        analyzer: analyzer.name,
        args,
        message: text,
        resource: {
          kind: resource.kind,
          namespace: resource.metadata.namespace,
          name: resource.metadata.name,
          namespaceExplicit: resource.namespaceExplicit,
        },
        ...(position ? { position } : {}),
      });
    };
    const ctx: AnalysisContext = {
      snapshot,
      now: options.now ?? new Date(),
      domain: options.domain ?? 'cluster.local',
      report(code, resource, args, field) {
        push(code, resource, args, goSprintf(messageType(code).template, args), field);
      },
      reportText(code, resource, text, field) {
        push(code, resource, [text], text, field);
      },
    };
    analyzer.analyze(ctx);
  }
  return messages;
}

/** The analyzers to run; throws on an unknown name (the CLI reports it as a usage error). */
export function selectAnalyzers(names: readonly string[] | undefined): Analyzer[] {
  if (!names || names.length === 0) return [...ALL_ANALYZERS];
  return names.map((n) => {
    const a = ALL_ANALYZERS.find((x) => x.name === n);
    if (!a) throw new Error(`unknown analyzer ${JSON.stringify(n)} (see switchyard analyze -L)`);
    return a;
  });
}
