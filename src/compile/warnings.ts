// Odd-but-valid config never stops a compile: the piece is skipped and the reason recorded here.

export interface CompileWarning {
  /** `VirtualService default/reviews`, `DestinationRule default/reviews`... */
  resource?: string;
  message: string;
}

export class WarningList {
  readonly items: CompileWarning[] = [];
  add(message: string, resource?: string): void {
    this.items.push(resource ? { resource, message } : { message });
  }
}
