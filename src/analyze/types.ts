// What analysis produces and how an analyzer is shaped (istio/istio pkg/config/analysis/analyzer.go).
import type { ConfigSnapshot, Level, Resource, SourcePosition } from '../config/index.js';
import type { GoValue } from './go-format.js';

/** One finding, ready to print as istioctl prints it. */
export interface AnalysisMessage {
  code: string;
  level: Level;
  /** Istio's message name, e.g. ReferencedResourceNotFound. */
  name: string;
  /** The analyzer that produced it (Metadata().Name). */
  analyzer: string;
  /** Template arguments, in order. */
  args: readonly GoValue[];
  /** The rendered text. */
  message: string;
  /** The resource the message is about. */
  resource?: {
    kind: string;
    namespace: string;
    name: string;
    /** False when the YAML had no metadata.namespace. */
    namespaceExplicit: boolean;
  };
  /** file:line of the resource (or the offending field when known). */
  position?: SourcePosition;
}

export interface AnalysisContext {
  readonly snapshot: ConfigSnapshot;
  /** Current time (certificate validity); injected so tests are deterministic. */
  readonly now: Date;
  /** Cluster DNS domain suffix (cluster.local). */
  readonly domain: string;
  report(
    code: string,
    resource: Resource,
    args: readonly GoValue[],
    field?: readonly (string | number)[],
  ): void;
  /** Reports a message whose text is already rendered (validation warnings that carry a code). */
  reportText(
    code: string,
    resource: Resource,
    text: string,
    field?: readonly (string | number)[],
  ): void;
}

export interface Analyzer {
  /** Istio's analyzer name, e.g. virtualservice.DestinationHostAnalyzer. */
  name: string;
  description: string;
  /** Kinds it reads. */
  inputs: readonly string[];
  analyze(ctx: AnalysisContext): void;
}
