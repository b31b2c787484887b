// How Switchyard's checks name a VirtualService rule in messages: `http[0]`, or `http[0] "name"`.
export function ruleLabel(kind: string, index: number, name?: string): string {
  return name ? `${kind}[${index}] "${name}"` : `${kind}[${index}]`;
}
