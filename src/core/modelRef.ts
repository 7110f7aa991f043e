/** One model of one registry provider: the shape every surface passes around. */
export interface ModelRef {
  providerId: string;
  modelId: string;
}

/** `provider/model`: the key circuits, pacing, VS Code's model ids and lists use. */
export function modelKey(ref: ModelRef): string {
  return `${ref.providerId}/${ref.modelId}`;
}

/** Provider ids are plain; model ids may hold slashes (OpenRouter's `anthropic/claude-…`): split at the first. */
export function parseModelKey(key: string): ModelRef | undefined {
  const slash = key.indexOf('/');
  return slash > 0 && slash < key.length - 1
    ? { providerId: key.slice(0, slash), modelId: key.slice(slash + 1) }
    : undefined;
}

export function sameModel(a: ModelRef, b: ModelRef): boolean {
  return a.providerId === b.providerId && a.modelId === b.modelId;
}
